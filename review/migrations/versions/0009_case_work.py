"""Case work: assigning cases, their investigation stage, and evidence attached to them.

Adds ``case_work`` (a case's assignee and stage: 待复核 or 核查中; 已结论 comes from the
decision in force) and ``case_evidence`` (files attached to a case, kept under the data
directory by content hash), and an index of findings by run and case for the queue's
search.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_work",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stage IN ('todo', 'investigating')", name="ck_case_work_stage"),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_work"),
    )
    op.create_index("ix_case_work_assignee", "case_work", ["assignee"])
    op.create_table(
        "case_evidence",
        sa.Column("evidence_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(128), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("evidence_id", name="pk_case_evidence"),
    )
    op.create_index("ix_case_evidence_case_id", "case_evidence", ["case_id"])
    # the queue searches a case's lines (payee, summary, voucher) by run and case
    op.create_index("ix_findings_run_id_case_id", "findings", ["run_id", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_findings_run_id_case_id", table_name="findings")
    op.drop_index("ix_case_evidence_case_id", table_name="case_evidence")
    op.drop_table("case_evidence")
    op.drop_index("ix_case_work_assignee", table_name="case_work")
    op.drop_table("case_work")
