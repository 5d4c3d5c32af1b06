"""The inspectors' queue: findings of the visible towns, filtered, sorted, one page at a time.

A finding's review status combines its case and the decisions on its current content:
已消除 (resolved by a run), 属实 / 已说明 / 误报 (the decision in force), 重新打开 (corrected
after a decision, so earlier decisions are history) or 待复核 (never decided).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.dispositions import VERDICTS, latest_dispositions
from review.tables import cases, dispositions, findings, rule_titles

if TYPE_CHECKING:
    from review.store import Store
    from review.users import User

STATUS_LABELS: dict[str, str] = {
    "todo": "待复核（含重新打开）",
    "open": "待复核",
    "reopened": "更正后重新打开",
    **VERDICTS,
    "resolved": "已消除",
    "all": "全部",
}
PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class QueueFilter:
    """What the inspector asked for; empty strings mean "any"."""

    town: str = ""
    village: str = ""
    period: str = ""
    rule: str = ""
    min_score: float | None = None
    status: str = "todo"

    @classmethod
    def from_query(cls, query: dict[str, str]) -> QueueFilter:
        values: dict[str, Any] = {
            field.name: query.get(field.name, "").strip()
            for field in fields(cls)
            if field.name != "min_score"
        }
        if values["status"] not in STATUS_LABELS:
            values["status"] = "todo"
        try:
            score = float(query.get("min_score", "") or "nan")
        except ValueError:
            score = float("nan")
        values["min_score"] = score if 0 <= score <= 1 else None
        return cls(**values)

    def query_params(self) -> dict[str, str]:
        params = {
            "town": self.town,
            "village": self.village,
            "period": self.period,
            "rule": self.rule,
            "min_score": "" if self.min_score is None else f"{self.min_score:g}",
            "status": self.status,
        }
        return {key: value for key, value in params.items() if value}


def _older_decision_exists() -> sa.ColumnElement[bool]:
    older = sa.select(dispositions.c.disposition_id).where(
        dispositions.c.entry_id == cases.c.entry_id,
        dispositions.c.content_hash != cases.c.content_hash,
    )
    return sa.exists(older)


def _review_status(decision: sa.Subquery) -> sa.ColumnElement[str]:
    return sa.case(
        (cases.c.status == "resolved", "resolved"),
        (decision.c.verdict.is_not(None), decision.c.verdict),
        (_older_decision_exists(), "reopened"),
        else_="open",
    )


def findings_query(user: User, queue_filter: QueueFilter) -> sa.Select:
    """Findings (each case's latest) with their review status, filtered and town-limited."""
    decision = latest_dispositions()
    status = _review_status(decision).label("review_status")
    query = (
        sa.select(
            findings,
            cases.c.status.label("case_status"),
            status,
            decision.c.verdict,
            decision.c.comment.label("decision_comment"),
            decision.c.username.label("decided_by"),
            decision.c.decided_at,
        )
        .select_from(cases)
        .join(
            findings,
            sa.and_(
                findings.c.run_id == cases.c.last_run_id,
                findings.c.entry_id == cases.c.entry_id,
            ),
        )
        .outerjoin(
            decision,
            sa.and_(
                decision.c.entry_id == cases.c.entry_id,
                decision.c.content_hash == cases.c.content_hash,
            ),
        )
    )
    conditions = []
    if not user.sees_all_towns:
        conditions.append(cases.c.town.in_(user.towns))
    if queue_filter.town:
        conditions.append(cases.c.town == queue_filter.town)
    if queue_filter.village:
        conditions.append(cases.c.village == queue_filter.village)
    if queue_filter.period:
        conditions.append(cases.c.period == queue_filter.period)
    if queue_filter.rule:
        conditions.append(
            findings.c.rule_ids.contains(
                json.dumps(queue_filter.rule, ensure_ascii=False), autoescape=True
            )
        )
    if queue_filter.min_score is not None:
        conditions.append(findings.c.risk_score >= queue_filter.min_score)
    if queue_filter.status == "todo":
        conditions.append(status.in_(["open", "reopened"]))
    elif queue_filter.status != "all":
        conditions.append(status == queue_filter.status)
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


@dataclass(frozen=True)
class QueuePage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int


def queue_page(store: Store, *, user: User, queue_filter: QueueFilter, page: int = 1) -> QueuePage:
    """One page of the filtered queue, most suspicious first."""
    query = findings_query(user, queue_filter)
    with store.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, page), pages)
        rows = conn.execute(
            query.order_by(findings.c.risk_score.desc(), findings.c.entry_id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).all()
        titles = rule_title_map(conn)
    return QueuePage([finding_record(row, titles) for row in rows], total, page, pages)


def queue_rows(store: Store, *, user: User, queue_filter: QueueFilter) -> list[dict[str, Any]]:
    """Every row of the filtered queue (up to the export limit), for the spreadsheet."""
    query = findings_query(user, queue_filter)
    with store.engine.connect() as conn:
        rows = conn.execute(
            query.order_by(findings.c.risk_score.desc(), findings.c.entry_id).limit(EXPORT_LIMIT)
        ).all()
        titles = rule_title_map(conn)
    return [finding_record(row, titles) for row in rows]


@dataclass(frozen=True)
class FilterChoices:
    towns: list[str]
    villages: list[str]
    periods: list[str]
    rules: list[tuple[str, str]]


def filter_choices(store: Store, *, user: User, town: str = "") -> FilterChoices:
    """Options for the queue's dropdowns, limited to the towns the user may see."""
    visible = [] if user.sees_all_towns else [cases.c.town.in_(user.towns)]
    with store.engine.connect() as conn:
        towns = (
            conn.execute(sa.select(cases.c.town).where(*visible).distinct().order_by(cases.c.town))
            .scalars()
            .all()
        )
        in_town = [cases.c.town == town] if town else []
        villages = (
            conn.execute(
                sa.select(cases.c.village)
                .where(*visible, *in_town)
                .distinct()
                .order_by(cases.c.village)
            )
            .scalars()
            .all()
        )
        periods = (
            conn.execute(
                sa.select(cases.c.period).where(*visible).distinct().order_by(cases.c.period.desc())
            )
            .scalars()
            .all()
        )
        rule_sets = (
            conn.execute(
                sa.select(findings.c.rule_ids)
                .join(
                    cases,
                    sa.and_(
                        findings.c.run_id == cases.c.last_run_id,
                        findings.c.entry_id == cases.c.entry_id,
                    ),
                )
                .where(*visible)
                .distinct()
            )
            .scalars()
            .all()
        )
        titles = rule_title_map(conn)
    rule_ids = sorted({rule_id for text in rule_sets for rule_id in json.loads(text)})
    return FilterChoices(
        towns=list(towns),
        villages=list(villages),
        periods=list(periods),
        rules=[(rule_id, titles.get(rule_id, rule_id)) for rule_id in rule_ids],
    )
