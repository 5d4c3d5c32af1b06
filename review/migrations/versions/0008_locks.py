"""Locks of the review app: server-side sessions, sign-in throttling, sealed audit trail rows
and the group leader role.

Adds ``sessions`` (signed-in sessions, by the hash of their id), ``sign_in_attempts`` (what
throttling counts), ``audit_trail.seal`` (an HMAC of each row's hash under a key kept outside
the database; rows written before this revision have none, and the first action after the
upgrade seals them through the chain) and the role ``lead`` (纪检组长) in the users' check.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ROLES_BEFORE = "role IN ('inspector', 'admin', 'agency')"
_ROLES_AFTER = "role IN ('inspector', 'lead', 'admin', 'agency')"


def _set_roles(check: str) -> None:
    # SQLite changes a check by rebuilding the table (nothing refers to users before sessions)
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint(op.f("ck_users_role"), sa.text(check))


def upgrade() -> None:
    # added in place: rebuilding the trail (SQLite's batch mode) would drop its triggers
    op.add_column("audit_trail", sa.Column("seal", sa.String(length=64), nullable=True))
    _set_roles(_ROLES_AFTER)
    op.create_table(
        "sessions",
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["username"], ["users.username"], name=op.f("fk_sessions_username_users")
        ),
        sa.PrimaryKeyConstraint("session_hash", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_username"), "sessions", ["username"])
    op.create_table(
        "sign_in_attempts",
        sa.Column("attempt_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('failure', 'success', 'unlock')", name=op.f("ck_sign_in_attempts_outcome")
        ),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_sign_in_attempts")),
    )
    op.create_index(op.f("ix_sign_in_attempts_username_at"), "sign_in_attempts", ["username", "at"])
    op.create_index(op.f("ix_sign_in_attempts_address_at"), "sign_in_attempts", ["address", "at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_attempts_address_at"), table_name="sign_in_attempts")
    op.drop_index(op.f("ix_sign_in_attempts_username_at"), table_name="sign_in_attempts")
    op.drop_table("sign_in_attempts")
    op.drop_index(op.f("ix_sessions_username"), table_name="sessions")
    op.drop_table("sessions")
    op.execute("UPDATE users SET role = 'inspector' WHERE role = 'lead'")
    _set_roles(_ROLES_BEFORE)
    # SQLite drops a column in place since 3.35 (the trail's triggers stay)
    op.execute("ALTER TABLE audit_trail DROP COLUMN seal")
