"""Town rows: the run whose voucher lines a run's town shows, so a rerun that finds a town
unchanged copies its findings (their ranks are the run's) but not the lines of their vouchers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("town_rows") as batch:
        batch.add_column(sa.Column("lines_from", sa.String(length=64), nullable=True))
    # every run stored so far holds its own lines (they were copied)
    op.execute("UPDATE town_rows SET lines_from = run_id")
    with op.batch_alter_table("town_rows") as batch:
        batch.alter_column("lines_from", existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("town_rows") as batch:
        batch.drop_column("lines_from")
