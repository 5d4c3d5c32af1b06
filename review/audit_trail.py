"""The append-only audit trail of review actions, chained by SHA-256 hashes.

Each row's hash covers its sequence number, time, actor, action, target, before/after states
and the previous row's hash; changing, deleting or reordering any row breaks every later hash.
The database also refuses updates and deletes (a trigger), and a unique ``prev_hash`` makes a
fork impossible even if two writers race.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.tables import audit_trail

if TYPE_CHECKING:
    from review.store import Store

GENESIS_HASH = "0" * 64
ACTION_LABELS = {
    "run.record": "记录运行结果",
    "case.decide": "记录案件复核结论",
    "disposition.record": "记录分录复核结论",  # before decisions were made on cases
    "user.add": "添加用户",
    "user.update": "修改用户",
}
_BATCH = 5000


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def row_hash(
    *,
    seq: int,
    at: str,
    actor: str,
    action: str,
    target: str,
    before: str,
    after: str,
    prev_hash: str,
) -> str:
    payload = canonical_json([seq, at, actor, action, target, before, after, prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _lock_trail(conn: sa.Connection) -> None:
    """Hold the trail's write lock to commit: reading the last hash and appending is atomic."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(20261124)"))
    else:
        # A write that touches no row still takes SQLite's write lock for the transaction.
        conn.execute(sa.text("UPDATE audit_trail SET seq = seq WHERE 1 = 0"))


def append_action(
    conn: sa.Connection,
    *,
    actor: str,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
) -> int:
    """Append one action inside the caller's transaction; returns its sequence number.

    ``before`` and ``after`` are JSON-ready states; never pass secrets (password hashes etc.).
    """
    _lock_trail(conn)
    last = conn.execute(
        sa.select(audit_trail.c.seq, audit_trail.c.hash).order_by(audit_trail.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS_HASH)
    record = {
        "seq": seq,
        "at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "target": target,
        "before": canonical_json(before),
        "after": canonical_json(after),
        "prev_hash": prev_hash,
    }
    conn.execute(sa.insert(audit_trail), [{**record, "hash": row_hash(**record)}])
    return seq


@dataclass(frozen=True)
class TrailVerification:
    """The result of walking the chain: ``ok`` or the first row that does not fit."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""
    # The last row's hash: deleting rows from the end leaves a valid shorter chain, which only
    # a head noted elsewhere (a printed report, a run record) can reveal.
    head_hash: str = GENESIS_HASH

    def message(self) -> str:
        if self.ok:
            return (
                f"审计日志完整：共 {self.checked} 条记录，哈希链校验通过；"
                f"末条哈希 {self.head_hash[:16]}…"
            )
        return f"审计日志校验失败：第 {self.first_bad_seq} 条记录{self.problem}。"


def verify_audit_trail(store: Store) -> TrailVerification:
    """Recompute every hash in order; report the first row whose chain is broken."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    with store.engine.connect() as conn:
        while True:
            rows = conn.execute(
                sa.select(audit_trail)
                .where(audit_trail.c.seq >= expected_seq)
                .order_by(audit_trail.c.seq)
                .limit(_BATCH)
            ).all()
            if not rows:
                return TrailVerification(ok=True, checked=checked, head_hash=expected_prev)
            for row in rows:
                fields = row._asdict()
                stored_hash = fields.pop("hash")
                if row.seq != expected_seq:
                    return TrailVerification(False, checked, expected_seq, "缺失（序号不连续）")
                if row.prev_hash != expected_prev:
                    return TrailVerification(False, checked, row.seq, "的前序哈希与上一条不符")
                if row_hash(**fields) != stored_hash:
                    return TrailVerification(False, checked, row.seq, "的内容与哈希不符（被篡改）")
                expected_prev = stored_hash
                expected_seq += 1
                checked += 1


def trail_rows(store: Store, *, limit: int = 200) -> list[dict[str, Any]]:
    """The latest actions, newest first, for the admin page."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit_trail).order_by(audit_trail.c.seq.desc()).limit(limit)
        ).all()
    return [
        {
            **row._asdict(),
            "at_time": datetime.fromisoformat(row.at),
            "action_label": ACTION_LABELS.get(row.action, row.action),
        }
        for row in rows
    ]
