"""Finding changes: only what changed. A run's finding with no ``finding_changes`` row is
unchanged; the rows that said so (nearly every finding of every run) are removed, and a
downgrade puts them back from the findings.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM finding_changes WHERE change = 'unchanged'")


def downgrade() -> None:
    # an unchanged finding's content is what the case held before the run: both hashes are its
    op.execute(
        "INSERT INTO finding_changes"
        " (run_id, entry_id, town, village, change, previous_hash, content_hash)"
        " SELECT f.run_id, f.entry_id, f.town, f.village, 'unchanged', f.content_hash,"
        " f.content_hash FROM findings AS f WHERE NOT EXISTS (SELECT 1 FROM finding_changes"
        " AS c WHERE c.run_id = f.run_id AND c.entry_id = f.entry_id)"
    )
