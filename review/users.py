"""Review app users: scrypt password hashes with a per-user salt, roles and assigned towns.

Roles: ``inspector`` (纪检监察人员) sees and decides cases of the towns assigned to them;
``lead`` (纪检组长) does the same and also assigns cases; ``admin`` (管理员) sees every town,
assigns cases and manages users; ``agency`` (三资代理服务中心) sees run history, quarantine
reports and village summaries of its towns, never decisions.

A password change or a deactivation ends the user's sessions (review/sessions.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.audit_trail import append_action
from review.sessions import end_user_sessions
from review.tables import users

if TYPE_CHECKING:
    from collections.abc import Iterable

    from review.db import Store

ROLES: dict[str, str] = {
    "inspector": "纪检监察",
    "lead": "纪检组长",
    "admin": "管理员",
    "agency": "三资代理中心",
}
# Roles that see and decide cases (review/web.py: the Reviewer guard)
REVIEW_ROLES = frozenset({"inspector", "lead", "admin"})
MIN_PASSWORD_CHARS = 8
# scrypt cost: 2**14 × 8 × 128 bytes = 16 MiB and ~50 ms per check on a small server.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _KEY_BYTES = 2**14, 8, 1, 32


class UserError(ValueError):
    """A user change that cannot be made; the message is for the administrator."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    towns: tuple[str, ...]
    active: bool
    # A fingerprint of the password hash: sessions carry it too, so a password changed even
    # outside this module (directly in the database) ends them.
    credential_tag: str

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    @property
    def sees_all_towns(self) -> bool:
        return self.role == "admin"

    @property
    def sees_dispositions(self) -> bool:
        return self.role in REVIEW_ROLES

    @property
    def may_assign(self) -> bool:
        """Assigns cases to inspectors: the group leader and the administrator."""
        return self.role in {"lead", "admin"}

    def may_see_town(self, town: str) -> bool:
        return self.sees_all_towns or town in self.towns


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$key`` with a fresh 16-byte salt (base64 parts)."""
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=_SCRYPT_N,
        r=_SCRYPT_R,
        p=_SCRYPT_P,
        dklen=_KEY_BYTES,
    )
    parts = [str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(salt), _b64(key)]
    return "$".join(["scrypt", *parts])


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(key)
    actual = hashlib.scrypt(
        password.encode("utf-8"),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(expected),
    )
    return hmac.compare_digest(actual, expected)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# Checked against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def _credential_tag(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("ascii")).hexdigest()[:24]


def _user(row: Any) -> User:
    return User(
        username=row.username,
        role=row.role,
        towns=tuple(json.loads(row.towns)),
        active=bool(row.active),
        credential_tag=_credential_tag(row.password_hash),
    )


def _state(row: Any) -> dict[str, Any]:
    """What the audit trail records about a user: never the password hash."""
    return {"role": row["role"], "towns": json.loads(row["towns"]), "active": bool(row["active"])}


def _clean_towns(towns: Iterable[str]) -> list[str]:
    return sorted({town.strip() for town in towns if town.strip()})


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"密码至少 {MIN_PASSWORD_CHARS} 位")


def _check_role(role: str, towns: list[str]) -> None:
    if role not in ROLES:
        raise UserError(f"角色须为：{'、'.join(ROLES)}")
    if role != "admin" and not towns:
        raise UserError("除管理员外，用户须至少分配一个乡镇")


def add_user(
    store: Store,
    *,
    username: str,
    password: str,
    role: str,
    towns: Iterable[str] = (),
    actor: str = "system",
) -> None:
    """Create a user; raises :class:`UserError` if the name is taken or a value is invalid."""
    username = username.strip()
    town_list = _clean_towns(towns)
    if not username or len(username) > 64:
        raise UserError("用户名须为 1–64 个字符")
    _check_password(password)
    _check_role(role, town_list)
    row = {
        "username": username,
        "password_hash": hash_password(password),
        "role": role,
        "towns": json.dumps(town_list, ensure_ascii=False),
        "active": True,
        "created_at": datetime.now(UTC),
    }
    with store.engine.begin() as conn:
        if conn.execute(sa.select(users.c.username).where(users.c.username == username)).first():
            raise UserError(f"用户 {username} 已存在")
        conn.execute(sa.insert(users), [row])
        append_action(conn, anchor=store.trail.anchor(), actor=actor, action="user.add",
                      target=username, after=_state(row))


def update_user(
    store: Store,
    *,
    username: str,
    actor: str,
    role: str | None = None,
    towns: Iterable[str] | None = None,
    password: str | None = None,
    active: bool | None = None,
) -> None:
    """Change a user's role, towns, password or active flag (each only when given)."""
    with store.engine.begin() as conn:
        current = conn.execute(sa.select(users).where(users.c.username == username)).first()
        if current is None:
            raise UserError(f"没有用户 {username}")
        before = dict(current._mapping)
        changes: dict[str, Any] = {}
        new_role = role if role is not None else current.role
        new_towns = _clean_towns(towns) if towns is not None else json.loads(current.towns)
        _check_role(new_role, new_towns)
        changes["role"] = new_role
        changes["towns"] = json.dumps(new_towns, ensure_ascii=False)
        if active is not None:
            if not active and username == actor:
                raise UserError("不能停用自己的账号")
            changes["active"] = active
        if password:
            _check_password(password)
            changes["password_hash"] = hash_password(password)
        conn.execute(sa.update(users).where(users.c.username == username).values(**changes))
        if password or active is False:
            reason = "password" if password else "deactivated"
            end_user_sessions(conn, username=username, reason=reason)
        after = {**before, **changes}
        append_action(
            conn,
            anchor=store.trail.anchor(),
            actor=actor,
            action="user.update",
            target=username,
            before=_state(before),
            after={**_state(after), "password_changed": bool(password)},
        )


def get_user(store: Store, *, username: str) -> User | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    return _user(row) if row else None


def list_users(store: Store) -> list[User]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(users).order_by(users.c.username)).all()
    return [_user(row) for row in rows]


def authenticate(store: Store, *, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same cost either way)."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username.strip())).first()
    if row is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, row.password_hash) or not row.active:
        return None
    return _user(row)
