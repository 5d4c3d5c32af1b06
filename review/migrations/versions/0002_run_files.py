"""Run files: which towns each input file loaded, to scope quarantine reports by town.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_files",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("n_entries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name=op.f("fk_run_files_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "source_file", "town", name=op.f("pk_run_files")),
    )


def downgrade() -> None:
    op.drop_table("run_files")
