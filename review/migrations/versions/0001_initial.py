"""Initial schema: runs, findings, cases, dispositions, audit trail, users, aggregates.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The audit trail is append-only: the database itself refuses updates and deletes, and the
# hash chain (review/audit_trail.py) shows it if someone goes around that.
_PG_APPEND_ONLY = """
CREATE FUNCTION audit_trail_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '审计日志只能追加，不能修改或删除';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_trail_append_only BEFORE UPDATE OR DELETE ON audit_trail
    FOR EACH ROW EXECUTE FUNCTION audit_trail_append_only();
"""
_SQLITE_APPEND_ONLY = [
    f"""CREATE TRIGGER audit_trail_no_{verb.lower()} BEFORE {verb} ON audit_trail
    BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除'); END"""
    for verb in ("UPDATE", "DELETE")
]


def upgrade() -> None:
    op.create_table(
        "audit_trail",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_trail")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_trail_prev_hash")),
    )
    op.create_table(
        "dispositions",
        sa.Column("disposition_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.String(length=128), nullable=False),
        sa.Column("content_hash", sa.String(length=128), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "verdict IN ('confirmed', 'explained', 'false_alarm')",
            name=op.f("ck_dispositions_verdict"),
        ),
        sa.PrimaryKeyConstraint("disposition_id", name=op.f("pk_dispositions")),
    )
    op.create_index(
        op.f("ix_dispositions_entry_id_content_hash"),
        "dispositions",
        ["entry_id", "content_hash"],
        unique=False,
    )
    op.create_table(
        "rule_titles",
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("rule_id", name=op.f("pk_rule_titles")),
    )
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("out_dir", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("n_entries", sa.Integer(), nullable=False),
        sa.Column("n_findings", sa.Integer(), nullable=False),
        sa.Column("n_new", sa.Integer(), nullable=False),
        sa.Column("n_resolved", sa.Integer(), nullable=False),
        sa.Column("n_changed", sa.Integer(), nullable=False),
        sa.Column("n_unchanged", sa.Integer(), nullable=False),
        sa.Column("n_quarantined", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_runs")),
    )
    op.create_table(
        "users",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("towns", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('inspector', 'admin', 'agency')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_users")),
    )
    op.create_table(
        "cases",
        sa.Column("entry_id", sa.String(length=128), nullable=False),
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("village", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("content_hash", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_run_id", sa.String(length=64), nullable=False),
        sa.Column("last_run_id", sa.String(length=64), nullable=False),
        sa.Column("resolved_run_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_cases_status")),
        sa.ForeignKeyConstraint(
            ["first_run_id"], ["runs.run_id"], name=op.f("fk_cases_first_run_id_runs")
        ),
        sa.ForeignKeyConstraint(
            ["last_run_id"], ["runs.run_id"], name=op.f("fk_cases_last_run_id_runs")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_run_id"], ["runs.run_id"], name=op.f("fk_cases_resolved_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_cases")),
    )
    op.create_index(
        op.f("ix_cases_town_village_status"), "cases", ["town", "village", "status"], unique=False
    )
    op.create_table(
        "finding_changes",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.String(length=128), nullable=False),
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("village", sa.Text(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("previous_hash", sa.String(length=128), nullable=True),
        sa.Column("content_hash", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "change IN ('new', 'changed', 'unchanged', 'resolved')",
            name=op.f("ck_finding_changes_change"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_finding_changes_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "entry_id", name=op.f("pk_finding_changes")),
    )
    op.create_index(
        op.f("ix_finding_changes_entry_id"), "finding_changes", ["entry_id"], unique=False
    )
    op.create_table(
        "findings",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("village", sa.Text(), nullable=False),
        sa.Column("org_code", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("voucher_date", sa.Date(), nullable=False),
        sa.Column("voucher_word", sa.Text(), nullable=False),
        sa.Column("voucher_number", sa.BigInteger(), nullable=False),
        sa.Column("voucher_no", sa.Text(), nullable=False),
        sa.Column("line_no", sa.BigInteger(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("account_code", sa.Text(), nullable=False),
        sa.Column("account_name", sa.Text(), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.Column("counterparty", sa.Text(), nullable=False),
        sa.Column("settlement", sa.Text(), nullable=False),
        sa.Column("attachments", sa.BigInteger(), nullable=True),
        sa.Column("decision_ref", sa.Text(), nullable=False),
        sa.Column("contract_ref", sa.Text(), nullable=False),
        sa.Column("preparer", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.Text(), nullable=False),
        sa.Column("bookkeeper", sa.Text(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("source_sheet", sa.Text(), nullable=False),
        sa.Column("source_row", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.String(length=128), nullable=False),
        sa.Column("content_hash", sa.String(length=128), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.Column("risk_score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("rule_ids", sa.Text(), nullable=False),
        sa.Column("signals", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name=op.f("fk_findings_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "entry_id", name=op.f("pk_findings")),
    )
    op.create_index(op.f("ix_findings_entry_id"), "findings", ["entry_id"], unique=False)
    op.create_table(
        "payee_periods",
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("village", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("counterparty", sa.Text(), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.Column("n_lines", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_payee_periods_run_id_runs")
        ),
        sa.PrimaryKeyConstraint(
            "town", "village", "period", "counterparty", name=op.f("pk_payee_periods")
        ),
    )
    op.create_index(
        op.f("ix_payee_periods_town_counterparty"),
        "payee_periods",
        ["town", "counterparty"],
        unique=False,
    )
    op.create_table(
        "quarantine",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("source_sheet", sa.Text(), nullable=False),
        sa.Column("source_row", sa.BigInteger(), nullable=True),
        sa.Column("column", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_quarantine_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "position", name=op.f("pk_quarantine")),
    )
    op.create_table(
        "run_scope",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("village", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("n_entries", sa.Integer(), nullable=False),
        sa.Column("n_findings", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name=op.f("fk_run_scope_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "town", "village", "period", name=op.f("pk_run_scope")),
    )
    op.create_table(
        "village_accounts",
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("village", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("account_code", sa.String(length=16), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.Column("n_lines", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_village_accounts_run_id_runs")
        ),
        sa.PrimaryKeyConstraint(
            "town", "village", "period", "account_code", name=op.f("pk_village_accounts")
        ),
    )
    op.create_table(
        "voucher_lines",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.String(length=128), nullable=False),
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("village", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("voucher_word", sa.Text(), nullable=False),
        sa.Column("voucher_number", sa.BigInteger(), nullable=False),
        sa.Column("voucher_no", sa.Text(), nullable=False),
        sa.Column("voucher_date", sa.Date(), nullable=False),
        sa.Column("line_no", sa.BigInteger(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("account_code", sa.Text(), nullable=False),
        sa.Column("account_name", sa.Text(), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.Column("counterparty", sa.Text(), nullable=False),
        sa.Column("settlement", sa.Text(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("source_sheet", sa.Text(), nullable=False),
        sa.Column("source_row", sa.BigInteger(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_voucher_lines_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "entry_id", name=op.f("pk_voucher_lines")),
    )
    op.create_index(
        "ix_voucher_lines_voucher",
        "voucher_lines",
        ["run_id", "town", "village", "period", "voucher_word", "voucher_number"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_APPEND_ONLY)
    else:
        for statement in _SQLITE_APPEND_ONLY:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_trail_append_only ON audit_trail")
        op.execute("DROP FUNCTION audit_trail_append_only()")
    op.drop_index("ix_voucher_lines_voucher", table_name="voucher_lines")
    op.drop_table("voucher_lines")
    op.drop_table("village_accounts")
    op.drop_table("run_scope")
    op.drop_table("quarantine")
    op.drop_index(op.f("ix_payee_periods_town_counterparty"), table_name="payee_periods")
    op.drop_table("payee_periods")
    op.drop_index(op.f("ix_findings_entry_id"), table_name="findings")
    op.drop_table("findings")
    op.drop_index(op.f("ix_finding_changes_entry_id"), table_name="finding_changes")
    op.drop_table("finding_changes")
    op.drop_index(op.f("ix_cases_town_village_status"), table_name="cases")
    op.drop_table("cases")
    op.drop_table("users")
    op.drop_table("runs")
    op.drop_table("rule_titles")
    op.drop_index(op.f("ix_dispositions_entry_id_content_hash"), table_name="dispositions")
    op.drop_table("dispositions")
    op.drop_table("audit_trail")
