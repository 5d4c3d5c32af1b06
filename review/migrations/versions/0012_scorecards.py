"""Village scorecards in the store: per village and year, the indicators of
models/scorecards.py, their year-on-year changes and the three-colour warning (the latest
run's), for the town overview and the village's scorecard page.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    money = [sa.Column(name, sa.BigInteger(), nullable=False) for name in (
        "income_fen", "operating_income_fen", "expense_fen", "admin_expense_fen")]
    op.create_table(
        "scorecards",
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("village", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *money,
        sa.Column("admin_expense_share", sa.Float(), nullable=True),
        sa.Column("cadre_pay_fen", sa.BigInteger(), nullable=False),
        sa.Column("cash_payment_share", sa.Float(), nullable=True),
        sa.Column("debt_ratio", sa.Float(), nullable=True),
        sa.Column("rent_due_fen", sa.BigInteger(), nullable=True),
        sa.Column("rent_received_fen", sa.BigInteger(), nullable=True),
        sa.Column("rule_cases", sa.Integer(), nullable=False),
        sa.Column("confirmed_cases", sa.Integer(), nullable=False),
        sa.Column("open_cases", sa.Integer(), nullable=False),
        sa.Column("income_change_fen", sa.BigInteger(), nullable=True),
        sa.Column("operating_income_change_fen", sa.BigInteger(), nullable=True),
        sa.Column("operating_income_change_share", sa.Float(), nullable=True),
        sa.Column("above_income_line", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("status_reasons", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.CheckConstraint("status IN ('red', 'yellow', 'green')", name="ck_scorecards_status"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_scorecards_run_id_runs"),
        sa.PrimaryKeyConstraint("town", "village", "year", name="pk_scorecards"),
    )


def downgrade() -> None:
    op.drop_table("scorecards")
