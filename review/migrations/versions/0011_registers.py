"""三资 registers in the store: what a register case's page and the village summary show.

Adds ``register_subjects`` (per register case, its subject's name and terms, findings with
evidence and a contract's schedule, as JSON texts; the latest run's), ``village_contracts``
(per village and year: contracts in force and expiring, rent due, received and overdue) and
``register_lines`` (the journal lines register findings rest on, most never flagged
themselves). Register cases themselves are cases like any other (one subject line each), so
decisions, reopening and resolution need nothing new.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _run_id() -> sa.Column:
    return sa.Column("run_id", sa.String(64), nullable=False)


def _run_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name=f"fk_{table}_run_id_runs")


def upgrade() -> None:
    op.create_table(
        "register_subjects",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("village", sa.Text(), nullable=False),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("schedule", sa.Text(), nullable=False),
        _run_id(),
        _run_key("register_subjects"),
        sa.PrimaryKeyConstraint("case_id", name="pk_register_subjects"),
    )
    op.create_index("ix_register_subjects_town_village", "register_subjects",
                    ["town", "village"])
    op.create_table(
        "village_contracts",
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("village", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("contracts_active", sa.Integer(), nullable=False),
        sa.Column("contracts_expiring", sa.Integer(), nullable=False),
        sa.Column("rent_due_fen", sa.BigInteger(), nullable=False),
        sa.Column("rent_received_fen", sa.BigInteger(), nullable=False),
        sa.Column("overdue_fen", sa.BigInteger(), nullable=False),
        sa.Column("overdue_items", sa.Integer(), nullable=False),
        _run_id(),
        _run_key("village_contracts"),
        sa.PrimaryKeyConstraint("town", "village", "year", name="pk_village_contracts"),
    )
    op.create_table(
        "register_lines",
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.String(128), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("village", sa.Text(), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("voucher_date", sa.Date(), nullable=True),
        sa.Column("voucher_no", sa.Text(), nullable=False),
        sa.Column("line_no", sa.BigInteger(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("account_code", sa.Text(), nullable=False),
        sa.Column("account_name", sa.Text(), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.Column("counterparty", sa.Text(), nullable=False),
        sa.Column("contract_ref", sa.Text(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("source_sheet", sa.Text(), nullable=False),
        sa.Column("source_row", sa.BigInteger(), nullable=False),
        _run_id(),
        _run_key("register_lines"),
        sa.PrimaryKeyConstraint("town", "entry_id", name="pk_register_lines"),
    )


def downgrade() -> None:
    op.drop_table("register_lines")
    op.drop_table("village_contracts")
    op.drop_index("ix_register_subjects_town_village", table_name="register_subjects")
    op.drop_table("register_subjects")
