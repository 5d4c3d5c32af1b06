"""Signed-in sessions, kept in the database so that signing out really ends them.

The browser's cookie (signed by Starlette's session middleware, which also keeps the CSRF
token and flash messages) carries only a random session id; the ``sessions`` table keeps its
SHA-256, never the id itself, so a copy of the table signs nobody in. A session is alive until
it expires (``session_hours`` after sign-in) or is ended: by signing out, or for all of a user's
sessions when their password is changed or their account deactivated. An ended session's row
stays, with when and why it ended.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from review.tables import sessions

if TYPE_CHECKING:
    from review.db import Store

ENDED_REASONS = {
    "sign_out": "退出登录",
    "password": "密码已修改",
    "deactivated": "账号已停用",
}
# A session's last-seen time is written at most this often: not one write per page.
TOUCH_INTERVAL = timedelta(minutes=1)


def _hashed(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii", errors="replace")).hexdigest()


def start_session(
    conn: sa.Connection, *, username: str, hours: float, now: datetime | None = None
) -> str:
    """A new session for ``username`` inside the caller's transaction; returns its id (for
    the cookie only)."""
    now = now or datetime.now(UTC)
    session_id = secrets.token_urlsafe(32)
    conn.execute(
        sa.insert(sessions),
        [
            {
                "session_hash": _hashed(session_id),
                "username": username,
                "created_at": now,
                "last_seen_at": now,
                "expires_at": now + timedelta(hours=hours),
            }
        ],
    )
    return session_id


def session_username(store: Store, *, session_id: str, now: datetime | None = None) -> str | None:
    """The user of the live session ``session_id``, else None (unknown, ended or expired)."""
    now = now or datetime.now(UTC)
    key = _hashed(session_id)
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(sessions).where(sessions.c.session_hash == key)).first()
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        with store.engine.begin() as conn:
            conn.execute(
                sa.update(sessions).where(sessions.c.session_hash == key).values(last_seen_at=now)
            )
    return row.username


def end_session(store: Store, *, session_id: str, reason: str = "sign_out") -> str | None:
    """End one session; returns its user if it was alive."""
    key = _hashed(session_id)
    with store.engine.begin() as conn:
        return conn.execute(
            sa.update(sessions)
            .where(sessions.c.session_hash == key, sessions.c.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC), ended_reason=reason)
            .returning(sessions.c.username)
        ).scalar_one_or_none()


def end_user_sessions(conn: sa.Connection, *, username: str, reason: str) -> int:
    """End every live session of ``username`` inside the caller's transaction; how many."""
    return conn.execute(
        sa.update(sessions)
        .where(sessions.c.username == username, sessions.c.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC), ended_reason=reason)
    ).rowcount
