"""The append-only audit trail of review actions, chained by SHA-256 hashes.

Each row's hash covers its sequence number, time, actor, action, target, before/after states
and the previous row's hash; changing, deleting or reordering any row breaks every later hash.
The database also refuses updates and deletes (a trigger), and a unique ``prev_hash`` makes a
fork impossible even if two writers race.

Someone with write access to the database could still rewrite the trail from some row on and
recompute the hashes, so each row is also sealed with a key the database does not hold, and
the head is anchored in a file beside it (review/trail_anchor.py). The check also holds the
inspectors' decisions against the trail (review/decision_trail.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.decision_trail import TrailDecisions, decision_problems
from review.tables import audit_trail
from review.trail_anchor import TrailAnchor, store_id

if TYPE_CHECKING:
    from review.db import Store

GENESIS_HASH = "0" * 64
ACTION_LABELS = {
    "run.record": "记录运行结果",
    "case.decide": "记录案件复核结论",
    "case.assign": "分派案件",
    "case.stage": "变更案件办理阶段",
    "case.evidence": "上传证据材料",
    "disposition.record": "记录分录复核结论",  # before decisions were made on cases
    "user.add": "添加用户",
    "user.update": "修改用户",
    "auth.sign_in": "登录成功",
    "auth.sign_out": "退出登录",
    "auth.fail": "登录失败（密码错误或账号停用）",
    "auth.lock": "账号因多次登录失败被锁定",
    "auth.lock_address": "来源地址因多次登录失败被限制",
    "auth.unlock": "解除账号锁定",
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
    anchor: TrailAnchor,
    actor: str,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
) -> int:
    """Append one sealed action inside the caller's transaction; returns its sequence number.

    ``before`` and ``after`` are JSON-ready states; never pass secrets (password hashes etc.).
    ``anchor``: the key and anchor file (the store's: ``store.trail.anchor()``). The head
    before this action is committed, so it is the one anchored; this action's own row is
    anchored by the next one, or by :func:`anchor_head`.
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
    new_hash = row_hash(**record)
    conn.execute(
        sa.insert(audit_trail), [{**record, "hash": new_hash, "seal": anchor.seal(new_hash)}]
    )
    if last:
        anchor.anchor(store_id(conn.engine.url), _first_hash(conn), last.seq, last.hash)
    return seq


def _first_hash(conn: sa.Connection) -> str:
    return conn.execute(sa.select(audit_trail.c.hash).where(audit_trail.c.seq == 1)).scalar_one()


def anchor_head(store: Store, *, anchor: TrailAnchor | None = None) -> None:
    """Anchor the trail's current head (when the app starts and after a check): rows written
    before seals existed are then tied to the anchor file, and cannot be rewritten unseen.
    ``anchor``: the store's unless given."""
    anchor = anchor or store.trail.anchor()
    with store.engine.connect() as conn:
        head = conn.execute(
            sa.select(audit_trail.c.seq, audit_trail.c.hash)
            .order_by(audit_trail.c.seq.desc())
            .limit(1)
        ).first()
        if head:
            anchor.anchor(store_id(store.engine.url), _first_hash(conn), head.seq, head.hash)


@dataclass(frozen=True)
class TrailVerification:
    """The result of checking the trail: ``ok``, or the first row that does not fit (the chain,
    a seal or an anchor), and the decisions that differ from the trail."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""
    head_hash: str = GENESIS_HASH
    unsealed: int = 0  # rows written before seals existed, vouched for by the first seal
    decision_problems: tuple[str, ...] = ()

    def message(self) -> str:
        lines = []
        if self.first_bad_seq is not None:
            lines.append(f"审计日志校验失败：第 {self.first_bad_seq} 条记录{self.problem}。")
        elif self.problem:
            lines.append(f"审计日志校验失败：{self.problem}。")
        else:
            lines.append(
                f"审计日志完整：共 {self.checked} 条记录，哈希链校验通过，密钥印章和链外锚点相符；"
                f"末条哈希 {self.head_hash[:16]}…"
            )
        if self.unsealed:
            lines.append(
                f"前 {self.unsealed} 条记录写于启用密钥印章之前，由其后的印章和锚点文件担保。"
            )
        if self.decision_problems:
            lines.append(f"复核结论与审计日志不符（{len(self.decision_problems)} 处）：")
            lines.extend(f"- {problem}" for problem in self.decision_problems)
        return "\n".join(lines)


class _Broken(Exception):
    def __init__(self, seq: int | None, problem: str) -> None:
        super().__init__(problem)
        self.seq, self.problem = seq, problem


def _check_row(
    row: sa.Row, expected_seq: int, expected_prev: str, anchor: TrailAnchor, sealed_before: bool
) -> None:
    fields = row._asdict()
    stored_hash, seal = fields.pop("hash"), fields.pop("seal")
    if row.seq != expected_seq:
        raise _Broken(expected_seq, "缺失（序号不连续）")
    if row.prev_hash != expected_prev:
        raise _Broken(row.seq, "的前序哈希与上一条不符")
    if row_hash(**fields) != stored_hash:
        raise _Broken(row.seq, "的内容与哈希不符（被篡改）")
    if seal is None and sealed_before:
        raise _Broken(row.seq, "缺少密钥印章（其后的记录被改写或插入）")
    if seal is not None and anchor.key is None:
        raise _Broken(row.seq, "带有密钥印章，但找不到审计日志密钥（请恢复密钥文件）")
    if seal is not None and not anchor.seal_valid(stored_hash, seal):
        raise _Broken(row.seq, "的密钥印章不符（记录被改写后重算了哈希，或密钥不对）")


def verify_audit_trail(store: Store, *, anchor: TrailAnchor | None = None) -> TrailVerification:
    """Recompute every hash in order, check the seals and the anchored heads, then hold the
    decisions against the trail; report the first row that does not fit. The verified head
    is anchored afterwards. ``anchor``: the store's unless given (its key is only read, never
    made: a lost key is told as lost)."""
    anchor = anchor or store.trail.anchor(create=False)
    expected_prev, expected_seq, checked, unsealed = GENESIS_HASH, 1, 0, 0
    decisions = TrailDecisions()
    anchored: dict[int, set[str]] = {}
    other_chains = False
    with store.engine.connect() as conn:
        try:
            while rows := conn.execute(
                sa.select(audit_trail)
                .where(audit_trail.c.seq >= expected_seq)
                .order_by(audit_trail.c.seq)
                .limit(_BATCH)
            ).all():
                for row in rows:
                    if row.seq == 1:
                        anchored, other_chains = anchor.anchors(
                            store_id(store.engine.url), row.hash
                        )
                    _check_row(row, expected_seq, expected_prev, anchor, checked > unsealed)
                    if anchored.get(row.seq, {row.hash}) != {row.hash}:
                        raise _Broken(row.seq, "与链外锚点记录的哈希不符（日志被改写）")
                    unsealed += row.seal is None
                    decisions.add(row.action, row.target, row.at, row.after)
                    expected_prev, expected_seq, checked = row.hash, row.seq + 1, checked + 1
            if anchored and max(anchored) >= expected_seq:
                raise _Broken(
                    None,
                    f"链外锚点记有第 {max(anchored)} 条记录，数据库中只到第 "
                    f"{expected_seq - 1} 条（末尾记录被删除）",
                )
            if checked and checked == unsealed and other_chains and not anchored:
                raise _Broken(
                    None,
                    "日志中没有一条带密钥印章的记录，而链外锚点记有此数据库的另一条"
                    "日志（整个日志被替换）",
                )
        except _Broken as broken:
            return TrailVerification(
                False, checked, broken.seq, broken.problem, expected_prev, unsealed
            )
        problems = tuple(decision_problems(conn, decisions))
    if checked:
        anchor_head(store, anchor=anchor)
    return TrailVerification(
        not problems,
        checked,
        head_hash=expected_prev,
        unsealed=unsealed,
        decision_problems=problems,
    )


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
            "sealed": row.seal is not None,
        }
        for row in rows
    ]
