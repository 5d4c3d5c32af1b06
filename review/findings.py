"""Single flagged entries as the pages show them: the entry page, a payee's other findings and
a village's findings, each with the review status its case gives it.

An entry's status combines its stored state and the decisions covering it: 已消除 (resolved by
a run), 属实 / 已说明 / 误报 (the decision in force: the newest made on its current content in
the case it is in now), 重新打开 (decided before, but the content or its case changed since)
or 待复核 (never decided). Decisions are made on cases (review/dispositions.py).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.dispositions import VERDICTS, latest_dispositions
from review.tables import cases, dispositions, findings, rule_titles

if TYPE_CHECKING:
    from review.users import User

STATUS_LABELS: dict[str, str] = {
    "todo": "待复核（含重新打开）",
    "open": "待复核",
    "reopened": "更正后重新打开",
    **VERDICTS,
    "resolved": "已消除",
    "all": "全部",
}


def _decided_before() -> sa.ColumnElement[bool]:
    return sa.exists(sa.select(dispositions.c.disposition_id)
                     .where(dispositions.c.entry_id == cases.c.entry_id))


def entry_findings_query(user: User, *, town: str = "", village: str = "") -> sa.Select:
    """Each flagged entry's latest finding with its review status, limited to the towns the
    user may see (and to ``town`` / ``village`` if given)."""
    decision = latest_dispositions()
    status = sa.case(
        (cases.c.status == "resolved", "resolved"),
        (decision.c.verdict.is_not(None), decision.c.verdict),
        (_decided_before(), "reopened"),
        else_="open",
    ).label("review_status")
    query = (
        sa.select(
            *(column for column in findings.columns if column.name != "case_id"),
            cases.c.case_id,
            cases.c.status.label("case_status"),
            status,
            decision.c.verdict,
            decision.c.comment.label("decision_comment"),
            decision.c.username.label("decided_by"),
            decision.c.decided_at,
        )
        .select_from(cases)
        .join(findings, sa.and_(findings.c.run_id == cases.c.last_run_id,
                                findings.c.entry_id == cases.c.entry_id))
        .outerjoin(decision, sa.and_(decision.c.entry_id == cases.c.entry_id,
                                     decision.c.content_hash == cases.c.content_hash,
                                     decision.c.case_id == cases.c.case_id))
    )
    conditions = []
    if not user.sees_all_towns:
        conditions.append(cases.c.town.in_(user.towns))
    if town:
        conditions.append(cases.c.town == town)
    if village:
        conditions.append(cases.c.village == village)
    return query.where(*conditions)


def finding_record(row: Any, titles: dict[str, str]) -> dict[str, Any]:
    record = dict(row._mapping)
    record["rule_ids"] = json.loads(record["rule_ids"])
    record["signals"] = json.loads(record["signals"])
    record["rule_titles"] = [titles.get(rule_id, rule_id) for rule_id in record["rule_ids"]]
    record["signal_titles"] = [titles.get(signal, signal) for signal in record["signals"]]
    record["status_label"] = STATUS_LABELS[record["review_status"]]
    return record


def rule_title_map(conn: sa.Connection) -> dict[str, str]:
    return dict(conn.execute(sa.select(rule_titles.c.rule_id, rule_titles.c.title)).all())
