"""Sign-in throttling: growing waits, then a lockout, per account and per client address.

The policy, counted over the failures of the last :data:`FAILURE_WINDOW` (an account's count
starts again after a successful sign-in or an administrator's unlock):

- an account's first :data:`ACCOUNT_FREE_FAILURES` failures cost nothing; after the 5th each
  further attempt must wait :data:`FIRST_WAIT_SECONDS` seconds after the last failure, doubled
  with each failure (2, 4, 8, 16, 32 s); at :data:`ACCOUNT_LOCK_FAILURES` failures the account
  is locked for :data:`LOCKOUT` (15 minutes) or until an administrator unlocks it, and each
  failure after that locks it again;
- a client address likewise, with :data:`ADDRESS_FREE_FAILURES` (20) free failures over all
  the names it tries and a lockout at :data:`ADDRESS_LOCK_FAILURES` (50); an address lock ends
  only with time (behind a reverse proxy every client has the proxy's address: these limits
  then hold for everyone together).

While an account or address must wait, a sign-in is refused without checking the password,
so the right password does not get in either, and the page says how long to wait. Names that
are no account are counted like accounts, so the answers do not tell which names exist.
Attempts are rows of ``sign_in_attempts``, so every app process sees them; attempts made at
the very same moment are counted after their password check, so a burst of parallel attempts
can get a few more checks than the policy says. Failures, lockouts, successful sign-ins and
unlocks are recorded in the audit trail, never the password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from review.audit_trail import append_action
from review.tables import sign_in_attempts
from review.trail_anchor import TrailAnchor

if TYPE_CHECKING:
    from review.db import Store

FAILURE_WINDOW = timedelta(hours=1)
ACCOUNT_FREE_FAILURES = 5
ACCOUNT_LOCK_FAILURES = 10
ADDRESS_FREE_FAILURES = 20
ADDRESS_LOCK_FAILURES = 50
FIRST_WAIT_SECONDS = 2
LOCKOUT = timedelta(minutes=15)
ANONYMOUS = "anonymous"  # the trail's actor of a failed sign-in


@dataclass(frozen=True)
class Wait:
    """How long a sign-in must wait, and whether that is a lockout (of what)."""

    seconds: int = 0
    locked: bool = False
    scope: str = "account"  # account | address

    def message(self) -> str:
        what = "该账号" if self.scope == "account" else "您所在的网络地址"
        span = _duration(self.seconds)
        if self.locked:
            return f"登录失败次数过多，{what}已被锁定，请 {span}后再试，或请管理员解锁。"
        return f"登录失败次数过多，请 {span}后再试。"


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} 秒"
    return f"{minutes} 分 {rest} 秒" if rest else f"{minutes} 分钟"


def wait_after(failures: int, *, free: int, lock_at: int) -> timedelta:
    """The wait after the last of ``failures`` failures: none while free, then doubling from
    :data:`FIRST_WAIT_SECONDS`, and :data:`LOCKOUT` from ``lock_at`` on."""
    if failures < free:
        return timedelta(0)
    if failures >= lock_at:
        return LOCKOUT
    return min(timedelta(seconds=FIRST_WAIT_SECONDS * 2 ** (failures - free)), LOCKOUT)


def _name(username: str) -> str:
    return username.strip()[:64]


def _account_failures(conn: sa.Connection, username: str, now: datetime) -> tuple[int, datetime]:
    """The account's failures counted now, and the last one's time."""
    reset = (
        sa.select(sa.func.max(sign_in_attempts.c.at))
        .where(sign_in_attempts.c.username == username, sign_in_attempts.c.outcome != "failure")
        .scalar_subquery()
    )
    row = conn.execute(
        sa.select(sa.func.count(), sa.func.max(sign_in_attempts.c.at)).where(
            sign_in_attempts.c.username == username,
            sign_in_attempts.c.outcome == "failure",
            sign_in_attempts.c.at > now - FAILURE_WINDOW,
            sign_in_attempts.c.at > sa.func.coalesce(reset, now - FAILURE_WINDOW),
        )
    ).one()
    return row[0], row[1]


def _address_failures(conn: sa.Connection, address: str, now: datetime) -> tuple[int, datetime]:
    row = conn.execute(
        sa.select(sa.func.count(), sa.func.max(sign_in_attempts.c.at)).where(
            sign_in_attempts.c.address == address,
            sign_in_attempts.c.outcome == "failure",
            sign_in_attempts.c.at > now - FAILURE_WINDOW,
        )
    ).one()
    return row[0], row[1]


def _wait(conn: sa.Connection, username: str, address: str, now: datetime) -> Wait:
    waits = []
    for scope, (failures, last), free, lock_at in (
        (
            "account",
            _account_failures(conn, username, now),
            ACCOUNT_FREE_FAILURES,
            ACCOUNT_LOCK_FAILURES,
        ),
        (
            "address",
            _address_failures(conn, address, now),
            ADDRESS_FREE_FAILURES,
            ADDRESS_LOCK_FAILURES,
        ),
    ):
        if last is None:
            continue
        remaining = last + wait_after(failures, free=free, lock_at=lock_at) - now
        if remaining > timedelta(0):
            seconds = int(-(-remaining.total_seconds() // 1))  # rounded up
            waits.append(Wait(seconds, failures >= lock_at, scope))
    return max(waits, key=lambda wait: wait.seconds, default=Wait())


def sign_in_wait(store: Store, *, username: str, address: str, now: datetime | None = None) -> Wait:
    """How long a sign-in as ``username`` from ``address`` must wait now (0: it may try)."""
    with store.engine.connect() as conn:
        return _wait(conn, _name(username), address, now or datetime.now(UTC))


def record_failure(
    store: Store, *, username: str, address: str, now: datetime | None = None
) -> Wait:
    """Count a failed sign-in (and record it in the trail, with a lockout it causes);
    returns the wait it brings."""
    now, username = now or datetime.now(UTC), _name(username)
    with store.engine.begin() as conn:
        conn.execute(
            sa.delete(sign_in_attempts).where(sign_in_attempts.c.at < now - FAILURE_WINDOW)
        )
        conn.execute(
            sa.insert(sign_in_attempts),
            [{"at": now, "username": username, "address": address, "outcome": "failure"}],
        )
        account, _ = _account_failures(conn, username, now)
        from_address, _ = _address_failures(conn, address, now)
        anchor = store.trail.anchor()
        append_action(
            conn,
            anchor=anchor,
            actor=ANONYMOUS,
            action="auth.fail",
            target=username,
            after={"address": address, "failures": account},
        )
        if account >= ACCOUNT_LOCK_FAILURES:
            append_action(
                conn,
                anchor=anchor,
                actor=ANONYMOUS,
                action="auth.lock",
                target=username,
                after={
                    "address": address,
                    "failures": account,
                    "until": (now + LOCKOUT).isoformat(),
                },
            )
        if from_address >= ADDRESS_LOCK_FAILURES:
            append_action(
                conn,
                anchor=anchor,
                actor=ANONYMOUS,
                action="auth.lock_address",
                target=address,
                after={"failures": from_address, "until": (now + LOCKOUT).isoformat()},
            )
        return _wait(conn, username, address, now)


def record_success(
    conn: sa.Connection, *, anchor: TrailAnchor, username: str, address: str,
    now: datetime | None = None,
) -> None:
    """A successful sign-in, inside the caller's transaction: the account's count starts
    again, and the trail records it (sealed and anchored by ``anchor``, the store's)."""
    conn.execute(
        sa.insert(sign_in_attempts),
        [
            {
                "at": now or datetime.now(UTC),
                "username": username,
                "address": address,
                "outcome": "success",
            }
        ],
    )
    append_action(
        conn, anchor=anchor, actor=username, action="auth.sign_in", target=username,
        after={"address": address},
    )


@dataclass(frozen=True)
class LockedAccount:
    username: str
    failures: int
    until: datetime


def locked_accounts(store: Store, *, now: datetime | None = None) -> list[LockedAccount]:
    """Accounts locked now (names that are no account included), by name."""
    now = now or datetime.now(UTC)
    with store.engine.connect() as conn:
        names = (
            conn.execute(
                sa.select(sign_in_attempts.c.username)
                .distinct()
                .where(
                    sign_in_attempts.c.outcome == "failure",
                    sign_in_attempts.c.at > now - FAILURE_WINDOW,
                )
                .order_by(sign_in_attempts.c.username)
            )
            .scalars()
            .all()
        )
        locked = []
        for name in names:
            failures, last = _account_failures(conn, name, now)
            if failures >= ACCOUNT_LOCK_FAILURES and last + LOCKOUT > now:
                locked.append(LockedAccount(name, failures, last + LOCKOUT))
    return locked


def unlock_account(store: Store, *, username: str, actor: str) -> None:
    """Lift an account's lockout and waits now (recorded in the trail)."""
    with store.engine.begin() as conn:
        failures, _ = _account_failures(conn, username, datetime.now(UTC))
        conn.execute(
            sa.insert(sign_in_attempts),
            [{"at": datetime.now(UTC), "username": username, "address": "", "outcome": "unlock"}],
        )
        append_action(
            conn, anchor=store.trail.anchor(), actor=actor, action="auth.unlock", target=username,
            before={"failures": failures},
        )
