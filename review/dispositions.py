"""Inspectors' decisions on cases, kept apart from what runs write.

A decision is made on a case (``review.tables.run_cases``: a voucher with its flagged lines, or
a pattern of vouchers) and covers its lines: it is stored as one row per entry of the case,
with the ``content_hash`` the entry had and the ``case_id`` it was decided in. It stays in force
while the case holds the same entries with the same content. A correction that changes a line
(new hash) or the grouping (the entry is now in another case) opens the case again, and the
earlier decisions of the entries it shares show as history. Decisions are never updated or
deleted: a new decision supersedes the previous one, and both stay, with the audit trail
recording who did what.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from review.audit_trail import _lock_trail, append_action
from review.tables import cases, dispositions, findings

if TYPE_CHECKING:
    from review.db import Store

VERDICTS: dict[str, str] = {"confirmed": "属实", "explained": "已说明", "false_alarm": "误报"}
MAX_COMMENT_CHARS = 2000


class DispositionError(ValueError):
    """A decision that cannot be recorded; the message is for the inspector."""


class StaleDecision(DispositionError):
    """Someone decided the case after the page the decision was made on was opened."""

    def __init__(self, message: str, current: dict[str, Any] | None) -> None:
        super().__init__(message)
        self.current = current


def decision_mark(conn: sa.Connection, case_id: str) -> int:
    """The newest decision covering any line of the case (0 if none): a page carries it, and
    a decision sent from a page opened before a later decision is refused."""
    return conn.execute(
        sa.select(sa.func.coalesce(sa.func.max(dispositions.c.disposition_id), 0))
        .where(dispositions.c.entry_id.in_(
            sa.select(cases.c.entry_id).where(cases.c.case_id == case_id)))
    ).scalar_one()


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


def _checked(verdict: str, comment: str) -> str:
    comment = comment.strip()
    if verdict not in VERDICTS:
        raise DispositionError(f"结论须为：{'、'.join(VERDICTS.values())}")
    if not comment:
        raise DispositionError("请填写说明（必填）")
    if len(comment) > MAX_COMMENT_CHARS:
        raise DispositionError(f"说明不能超过 {MAX_COMMENT_CHARS} 字")
    return comment


def _in_force(conn: sa.Connection, case_id: str) -> Any:
    """The decision in force on the case, if it is decided: every entry's newest decision on
    its current content was made on this case, with one verdict (the newest of them)."""
    latest = latest_dispositions()
    rows = conn.execute(
        sa.select(cases.c.entry_id, latest.c.disposition_id, latest.c.case_id,
                  latest.c.verdict, latest.c.comment, latest.c.username, latest.c.decided_at)
        .select_from(cases)
        .outerjoin(latest, sa.and_(latest.c.entry_id == cases.c.entry_id,
                                   latest.c.content_hash == cases.c.content_hash))
        .where(cases.c.case_id == case_id)
    ).all()
    if not rows or any(row.case_id != case_id for row in rows):
        return None
    verdicts = {row.verdict for row in rows}
    return max(rows, key=lambda row: row.disposition_id) if len(verdicts) == 1 else None


def record_decision(
    store: Store, *, case_id: str, verdict: str, comment: str, username: str,
    seen: int | None = None,
) -> dict[str, Any]:
    """Record a decision on the case as its entries are now; returns the stored decision.

    ``seen``: the case's :func:`decision_mark` on the page the decision was made on; if a
    decision was recorded since, this one is refused with :class:`StaleDecision` naming it."""
    comment = _checked(verdict, comment)
    with store.engine.begin() as conn:
        _lock_trail(conn)  # one decision at a time: the check below and the insert are atomic
        if seen is not None and decision_mark(conn, case_id) > seen:
            newest = conn.execute(
                sa.select(dispositions).where(dispositions.c.disposition_id
                                              == decision_mark(conn, case_id))).first()
            current = _public(newest) if newest else None
            who = f"{current['username']} 已记录结论“{current['verdict_label']}”" if current else ""
            raise StaleDecision(f"您打开此页面后，{who}。本次结论未保存，请查看后再决定是否修改。",
                                current)
        members = conn.execute(
            sa.select(cases.c.entry_id, cases.c.content_hash)
            .where(cases.c.case_id == case_id).order_by(cases.c.entry_id)
        ).all()
        if not members:
            raise DispositionError(f"没有编号为 {case_id} 的疑点案件")
        before = _in_force(conn, case_id)
        decided = {
            "case_id": case_id,
            "verdict": verdict,
            "comment": comment,
            "username": username,
            "decided_at": datetime.now(UTC),
        }
        conn.execute(sa.insert(dispositions), [
            {**decided, "entry_id": entry_id, "content_hash": content_hash}
            for entry_id, content_hash in members])
        append_action(
            conn,
            anchor=store.trail.anchor(),
            actor=username,
            action="case.decide",
            target=case_id,
            before=_trail_state(before._mapping) if before else None,
            after={**_trail_state(decided),
                   "entries": [[entry_id, content_hash] for entry_id, content_hash in members]},
        )
    return {**decided, "n_entries": len(members), "verdict_label": VERDICTS[verdict]}


def _trail_state(decision: Any) -> dict[str, Any]:
    return {
        "verdict": decision["verdict"],
        "comment": decision["comment"],
        "username": decision["username"],
    }


def disposition_history(store: Store, *, entry_id: str) -> list[dict[str, Any]]:
    """Every decision covering the entry, newest first, each marked whether it is in force
    for it and whether it was made on the entry's current content and case.

    In force: the newest decision made on the content the entry has now, in the case it is in
    now (whether the whole case is decided is the case's status)."""
    with store.engine.connect() as conn:
        current = conn.execute(
            sa.select(cases.c.content_hash, cases.c.case_id).where(cases.c.entry_id == entry_id)
        ).first()
        rows = conn.execute(
            sa.select(dispositions)
            .where(dispositions.c.entry_id == entry_id)
            .order_by(dispositions.c.disposition_id.desc())
        ).all()
    return _marked([_public(row) for row in rows], current)


def _marked(history: list[dict[str, Any]], current: Any) -> list[dict[str, Any]]:
    """Mark each decision of one entry's ``history`` (newest first) as made on its current
    content, in its current case, and in force (the newest made on both)."""
    content_hash, case_id = current if current is not None else (None, None)
    newer_on_content = False
    for record in history:
        record["on_current_content"] = record["content_hash"] == content_hash
        record["in_current_case"] = record["case_id"] == case_id
        record["in_force"] = (record["on_current_content"] and record["in_current_case"]
                              and not newer_on_content)
        newer_on_content |= record["on_current_content"]
    return history


def case_history(store: Store, *, case_id: str) -> list[dict[str, Any]]:
    """The decisions covering the case's entries, newest first, one row per decision (a
    decision on a case covers several entries): in force (made on this case as it is now),
    superseded, or history (made on earlier content or on another grouping of the lines),
    with how many of the case's entries it covered."""
    with store.engine.connect() as conn:
        members = {entry_id: (content_hash, current_case) for entry_id, content_hash, current_case
                   in conn.execute(sa.select(cases.c.entry_id, cases.c.content_hash,
                                             cases.c.case_id)
                                   .where(cases.c.case_id == case_id)).all()}
        rows = conn.execute(
            sa.select(dispositions)
            .where(dispositions.c.entry_id.in_(list(members)))
            .order_by(dispositions.c.disposition_id.desc())
        ).all()
        in_force = _in_force(conn, case_id)
    events: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        record = _public(row)
        key = (record["case_id"], record["username"], record["decided_at"], record["verdict"],
               record["comment"])
        event = events.setdefault(key, {**record, "entry_ids": [], "current": True})
        event["entry_ids"].append(record["entry_id"])
        event["current"] &= members[record["entry_id"]] == (record["content_hash"],
                                                           record["case_id"])
    history = list(events.values())
    for event in history:
        event["in_force"] = in_force is not None and (
            event["case_id"], event["username"], event["decided_at"]) == (
            in_force.case_id, in_force.username, in_force.decided_at)
        event["n_entries"] = len(event["entry_ids"])
        event["standing"] = ("in_force" if event["in_force"] else
                             "superseded" if event["current"] and event["case_id"] == case_id
                             else "other_case" if event["case_id"] != case_id else "earlier")
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
