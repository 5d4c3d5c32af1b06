"""Inspectors' decisions on findings, kept apart from what runs write.

A decision belongs to an entry's ``entry_id`` *and* the ``content_hash`` it was made on. A rerun
that sees the same content keeps it in force; a corrected entry (new hash) is open again and
shows earlier decisions as history. Decisions are never updated or deleted: a new decision
supersedes the previous one, and both stay, with the audit trail recording who did what.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from review.audit_trail import append_action
from review.tables import cases, dispositions, findings

if TYPE_CHECKING:
    from review.store import Store

VERDICTS: dict[str, str] = {"confirmed": "属实", "explained": "已说明", "false_alarm": "误报"}
MAX_COMMENT_CHARS = 2000


class DispositionError(ValueError):
    """A decision that cannot be recorded; the message is for the inspector."""


def latest_dispositions() -> sa.Subquery:
    """The newest decision per (entry_id, content_hash)."""
    newest = (
        sa.select(sa.func.max(dispositions.c.disposition_id).label("disposition_id"))
        .group_by(dispositions.c.entry_id, dispositions.c.content_hash)
        .subquery()
    )
    return (
        sa.select(dispositions)
        .join(newest, newest.c.disposition_id == dispositions.c.disposition_id)
        .subquery("latest_disposition")
    )


def _public(row: Any) -> dict[str, Any]:
    record = dict(row._mapping)
    record["verdict_label"] = VERDICTS.get(record["verdict"], record["verdict"])
    return record


def record_disposition(
    store: Store, *, entry_id: str, verdict: str, comment: str, username: str
) -> dict[str, Any]:
    """Record a decision on the entry's current content; returns the stored decision."""
    comment = comment.strip()
    if verdict not in VERDICTS:
        raise DispositionError(f"结论须为：{'、'.join(VERDICTS.values())}")
    if not comment:
        raise DispositionError("请填写说明（必填）")
    if len(comment) > MAX_COMMENT_CHARS:
        raise DispositionError(f"说明不能超过 {MAX_COMMENT_CHARS} 字")
    with store.engine.begin() as conn:
        case = conn.execute(sa.select(cases).where(cases.c.entry_id == entry_id)).first()
        if case is None:
            raise DispositionError(f"没有分录编号为 {entry_id} 的疑点")
        before = conn.execute(
            sa.select(dispositions)
            .where(
                dispositions.c.entry_id == entry_id,
                dispositions.c.content_hash == case.content_hash,
            )
            .order_by(dispositions.c.disposition_id.desc())
            .limit(1)
        ).first()
        decided = {
            "entry_id": entry_id,
            "content_hash": case.content_hash,
            "verdict": verdict,
            "comment": comment,
            "username": username,
            "decided_at": datetime.now(UTC),
        }
        new_id = conn.execute(
            sa.insert(dispositions).returning(dispositions.c.disposition_id), decided
        ).scalar_one()
        append_action(
            conn,
            actor=username,
            action="disposition.record",
            target=entry_id,
            before=_trail_state(before._mapping) if before else None,
            after=_trail_state(decided),
        )
    return {**decided, "disposition_id": new_id, "verdict_label": VERDICTS[verdict]}


def _trail_state(decision: Any) -> dict[str, Any]:
    return {
        "content_hash": decision["content_hash"],
        "verdict": decision["verdict"],
        "comment": decision["comment"],
        "username": decision["username"],
    }


def disposition_history(store: Store, *, entry_id: str) -> list[dict[str, Any]]:
    """Every decision on the entry, newest first, each marked whether it is in force.

    In force: the newest decision made on the content the entry has now.
    """
    with store.engine.connect() as conn:
        current_hash = conn.execute(
            sa.select(cases.c.content_hash).where(cases.c.entry_id == entry_id)
        ).scalar_one_or_none()
        rows = conn.execute(
            sa.select(dispositions)
            .where(dispositions.c.entry_id == entry_id)
            .order_by(dispositions.c.disposition_id.desc())
        ).all()
    history = [_public(row) for row in rows]
    in_force_found = False
    for record in history:
        on_current = record["content_hash"] == current_hash
        record["on_current_content"] = on_current
        record["in_force"] = on_current and not in_force_found
        in_force_found = in_force_found or record["in_force"]
    return history


LEARNING_FIELDS = ["town", "village", "counterparty", "account_code", "summary", "debit_fen",
                   "credit_fen"]


def decisions_for_learning(store: Store) -> pd.DataFrame:
    """Each entry version's current decision with the fields it was decided on.

    The risk model damps false alarms and their near twins and raises confirmed patterns in
    later runs (models/feedback.py); the decisions themselves are never changed by it.
    Columns: entry_id, content_hash, decision, and the entry's fields from its finding.
    """
    latest = latest_dispositions()
    finding_fields = (
        sa.select(findings.c.entry_id, findings.c.content_hash,
                  *[findings.c[name] for name in LEARNING_FIELDS])
        .distinct()
        .subquery()
    )
    query = sa.select(
        latest.c.entry_id, latest.c.content_hash, latest.c.verdict.label("decision"),
        *[finding_fields.c[name] for name in LEARNING_FIELDS],
    ).outerjoin(
        finding_fields,
        sa.and_(finding_fields.c.entry_id == latest.c.entry_id,
                finding_fields.c.content_hash == latest.c.content_hash),
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=["entry_id", "content_hash", "decision", *LEARNING_FIELDS])
    return frame.drop_duplicates(["entry_id", "content_hash"], keep="last")
