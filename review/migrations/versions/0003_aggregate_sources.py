"""Aggregate sources: a digest of each town's aggregate rows as last written, so a rerun
compares only the towns whose rows changed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "aggregate_sources",
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("rows_digest", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"],
                                name=op.f("fk_aggregate_sources_run_id_runs")),
        sa.PrimaryKeyConstraint("table_name", "town", name=op.f("pk_aggregate_sources")),
    )


def downgrade() -> None:
    op.drop_table("aggregate_sources")
