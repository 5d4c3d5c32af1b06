"""Cases: inspectors decide cases (a voucher with its flagged lines, or a pattern of vouchers),
not single entries.

Adds ``run_cases`` (each run's cases, one row per case), ``findings.case_id`` (the case of each
finding in its run; none for runs recorded before), ``cases.case_id`` (the case each flagged
entry belongs to now), ``dispositions.case_id`` (the case a decision was made on) and the
counts of new, resolved, changed and unchanged cases per run (none for runs recorded before).

Before this revision each finding was decided on its own, so each stored entry becomes a case
of its own: its case id is the one the pipeline gives a case holding that one entry, and its
run_cases row is made from its latest finding. A decision stays in force after the next run
if the entry is again a case alone with the same content; if the run groups it with other
lines (both sides of a voucher, a split payment), the new case opens for review and shows the
decision as history.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# models/cases.py as of this revision: a case's id is a hash of its sorted entry ids
_HASH_KEY = "sanzi-audit-case-1"
_REASON_SEPARATOR = "；"
_BATCH = 5_000
_CASE_COUNTS = ("n_new_cases", "n_resolved_cases", "n_changed_cases", "n_unchanged_cases")


def _single_case_id(entry_id: str) -> str:
    return hashlib.sha256("\x1f".join([_HASH_KEY, entry_id]).encode()).hexdigest()[:16]


def _json_list(text: str) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(item) for item in value] if isinstance(value, list) else []


def _run_case(row: sa.Row) -> dict:
    rule_ids, signals = _json_list(row.rule_ids), _json_list(row.signals)
    raised_by = ("both" if rule_ids and signals else "rule" if rule_ids else "model")
    return {
        "run_id": row.run_id, "case_id": _single_case_id(row.entry_id), "town": row.town,
        "village": row.village, "subject_kind": "voucher",
        "subject_id": f"{row.period} {row.voucher_no}",
        "periods": json.dumps([row.period], ensure_ascii=False),
        "rule_ids": json.dumps(rule_ids, ensure_ascii=False),
        "signals": json.dumps(signals, ensure_ascii=False), "risk_score": row.risk_score,
        "raised_by": raised_by, "amount_fen": max(abs(row.debit_fen), abs(row.credit_fen)),
        "reasons": json.dumps([text for text in (row.reasons or "").split(_REASON_SEPARATOR)
                               if text], ensure_ascii=False),
        "n_entries": 1,
    }


def _set_case_ids(conn: sa.Connection, table: str, key: str) -> None:
    """Give every row of ``table`` the single-entry case id of its entry (``key``: its
    primary key column, whose value is passed back to find the row)."""
    rows = conn.execute(sa.text(f"SELECT {key}, entry_id FROM {table}")).all()
    update = sa.text(f"UPDATE {table} SET case_id = :case_id WHERE {key} = :key")
    for start in range(0, len(rows), _BATCH):
        conn.execute(update, [{"key": row[0], "case_id": _single_case_id(row[1])}
                              for row in rows[start:start + _BATCH]])


def upgrade() -> None:
    # added in place: rebuilding ``runs`` (SQLite's batch mode) would break the tables
    # referring to it
    for name in _CASE_COUNTS:
        op.add_column("runs", sa.Column(name, sa.Integer(), nullable=True))
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("case_id", sa.String(length=64), nullable=True))
    run_cases = op.create_table(
        "run_cases",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("village", sa.Text(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Text(), nullable=False),
        sa.Column("periods", sa.Text(), nullable=False),
        sa.Column("rule_ids", sa.Text(), nullable=False),
        sa.Column("signals", sa.Text(), nullable=False),
        sa.Column("risk_score", sa.Float(), nullable=False),
        sa.Column("raised_by", sa.String(length=8), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("n_entries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"],
                                name=op.f("fk_run_cases_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "case_id", name=op.f("pk_run_cases")),
    )
    op.create_index(op.f("ix_run_cases_case_id"), "run_cases", ["case_id"])
    for table, key in (("cases", "entry_id"), ("dispositions", "disposition_id")):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("case_id", sa.String(length=64), nullable=True))
        _set_case_ids(op.get_bind(), table, key)
        with op.batch_alter_table(table) as batch:
            batch.alter_column("case_id", existing_type=sa.String(length=64), nullable=False)
    op.create_index(op.f("ix_cases_case_id"), "cases", ["case_id"])
    # each stored entry's latest finding, as the case it was
    conn = op.get_bind()
    latest = conn.execute(sa.text(
        "SELECT f.run_id, f.entry_id, f.town, f.village, f.period, f.voucher_no, f.debit_fen,"
        " f.credit_fen, f.risk_score, f.rule_ids, f.signals, f.reasons FROM findings AS f"
        " JOIN cases AS c ON c.entry_id = f.entry_id AND c.last_run_id = f.run_id")).all()
    for start in range(0, len(latest), _BATCH):
        op.bulk_insert(run_cases, [_run_case(row) for row in latest[start:start + _BATCH]])


def downgrade() -> None:
    op.drop_index(op.f("ix_cases_case_id"), table_name="cases")
    for table in ("dispositions", "cases", "findings"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("case_id")
    op.drop_index(op.f("ix_run_cases_case_id"), table_name="run_cases")
    op.drop_table("run_cases")
    for name in _CASE_COUNTS:  # SQLite drops a column in place since 3.35
        op.execute(f"ALTER TABLE runs DROP COLUMN {name}")
