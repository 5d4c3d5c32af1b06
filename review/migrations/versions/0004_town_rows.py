"""Town rows: a digest per run and town of the findings and voucher lines it stored, so a
rerun copies an unchanged town's rows inside the database.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "town_rows",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("rows_digest", sa.String(length=64), nullable=False),
        sa.Column("copied_from", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"],
                                name=op.f("fk_town_rows_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "town", name=op.f("pk_town_rows")),
    )
    op.create_index(op.f("ix_town_rows_town_rows_digest"), "town_rows", ["town", "rows_digest"])


def downgrade() -> None:
    op.drop_index(op.f("ix_town_rows_town_rows_digest"), table_name="town_rows")
    op.drop_table("town_rows")
