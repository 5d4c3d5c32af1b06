"""The inspectors' queue: the cases of the visible towns, filtered, sorted, one page at a time.

A case is what an inspector decides: a voucher with its flagged lines, or a pattern of
vouchers (review/tables.py ``run_cases``). Its review status combines its lines' states and
the decisions covering them: 已消除 (no line of it is flagged any more), 属实 / 已说明 / 误报
(the decision in force on every line: made on this case as its lines are now), 更正后重新打开
(lines of it were decided before, but a correction changed them or how they are grouped) or
待复核 (never decided).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.dispositions import latest_dispositions
from review.findings import STATUS_LABELS, rule_title_map
from review.tables import cases, dispositions, findings, run_cases

if TYPE_CHECKING:
    from review.store import Store
    from review.users import User

__all__ = ["STATUS_LABELS", "QueueFilter", "case_record", "cases_query", "filter_choices",
           "queue_page", "queue_rows"]

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
SHOWN_REASONS = 3  # the queue shows a case's strongest reasons; its page shows them all
RAISED_BY = {"rule": "规则", "model": "模型与信号", "both": "规则，模型亦指向"}


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


def _case_states(user: User) -> sa.Subquery:
    """Per case the user may see: the run that last raised it, its lines, how many of them are
    still flagged, how many carry a decision in force on this case, and whether any was
    decided before."""
    decision = latest_dispositions()
    in_force = decision.c.case_id == cases.c.case_id
    decided_before = sa.exists(sa.select(dispositions.c.disposition_id)
                               .where(dispositions.c.entry_id == cases.c.entry_id))
    query = (
        sa.select(
            cases.c.case_id,
            # every line of a case was last flagged by the same run (its id names its lines)
            sa.func.min(cases.c.last_run_id).label("run_id"),
            sa.func.count().label("n_entries"),
            sa.func.sum(sa.case((cases.c.status == "open", 1), else_=0)).label("n_open"),
            sa.func.sum(sa.case((in_force, 1), else_=0)).label("n_decided"),
            sa.func.min(sa.case((in_force, decision.c.verdict))).label("low_verdict"),
            sa.func.max(sa.case((in_force, decision.c.verdict))).label("verdict"),
            sa.func.max(sa.case((in_force, decision.c.disposition_id))).label("disposition_id"),
            sa.func.sum(sa.case((decided_before, 1), else_=0)).label("n_decided_before"),
        )
        .select_from(cases)
        .outerjoin(decision, sa.and_(decision.c.entry_id == cases.c.entry_id,
                                     decision.c.content_hash == cases.c.content_hash))
        .group_by(cases.c.case_id)
    )
    if not user.sees_all_towns:
        query = query.where(cases.c.town.in_(user.towns))
    return query.subquery("case_state")


def _listed(column: sa.ColumnElement[str], value: str) -> sa.ColumnElement[bool]:
    """The JSON list text ``column`` holds ``value``."""
    return column.contains(json.dumps(value, ensure_ascii=False), autoescape=True)


def cases_query(user: User, queue_filter: QueueFilter) -> sa.Select:
    """The cases (as the run that last raised them saw them) with their review status,
    filtered and town-limited."""
    state = _case_states(user)
    decided = state.c.verdict.is_not(None) & (state.c.n_decided == state.c.n_entries) & (
        state.c.low_verdict == state.c.verdict)
    status = sa.case(
        (state.c.n_open == 0, "resolved"),
        (decided, state.c.verdict),
        (state.c.n_decided_before > 0, "reopened"),
        else_="open",
    ).label("review_status")
    query = (
        sa.select(
            *(column for column in run_cases.columns if column.name != "n_entries"),
            state.c.n_entries,
            state.c.n_open,
            status,
            sa.case((decided, dispositions.c.comment)).label("decision_comment"),
            sa.case((decided, dispositions.c.username)).label("decided_by"),
            sa.case((decided, dispositions.c.decided_at)).label("decided_at"),
        )
        .select_from(state)
        .join(run_cases, sa.and_(run_cases.c.run_id == state.c.run_id,
                                 run_cases.c.case_id == state.c.case_id))
        .outerjoin(dispositions, dispositions.c.disposition_id == state.c.disposition_id)
    )
    conditions = []
    if queue_filter.town:
        conditions.append(run_cases.c.town == queue_filter.town)
    if queue_filter.village:
        conditions.append(run_cases.c.village == queue_filter.village)
    if queue_filter.period:
        conditions.append(_listed(run_cases.c.periods, queue_filter.period))
    if queue_filter.rule:
        conditions.append(_listed(run_cases.c.rule_ids, queue_filter.rule))
    if queue_filter.min_score is not None:
        conditions.append(run_cases.c.risk_score >= queue_filter.min_score)
    if queue_filter.status == "todo":
        conditions.append(status.in_(["open", "reopened"]))
    elif queue_filter.status != "all":
        conditions.append(status == queue_filter.status)
    return query.where(*conditions)


def _ordered(query: sa.Select) -> sa.Select:
    return query.order_by(run_cases.c.risk_score.desc(), run_cases.c.amount_fen.desc(),
                          run_cases.c.case_id)


def case_record(row: Any, titles: dict[str, str]) -> dict[str, Any]:
    """A case row as the pages read it: lists decoded, rules and signals by their names."""
    record = dict(row._mapping)
    for name in ("periods", "rule_ids", "signals", "reasons"):
        record[name] = json.loads(record[name])
    record["rule_titles"] = [titles.get(rule_id, rule_id) for rule_id in record["rule_ids"]]
    record["signal_titles"] = [titles.get(signal, signal) for signal in record["signals"]]
    record["status_label"] = STATUS_LABELS[record["review_status"]]
    record["raised_by_label"] = RAISED_BY.get(record["raised_by"], record["raised_by"])
    periods = record["periods"]
    record["period_span"] = (periods[0] if len(periods) == 1 else
                             f"{periods[0]} 至 {periods[-1]}（{len(periods)} 期）" if periods
                             else "")
    record["shown_reasons"] = record["reasons"][:SHOWN_REASONS]
    record["more_reasons"] = max(0, len(record["reasons"]) - SHOWN_REASONS)
    return record


@dataclass(frozen=True)
class QueuePage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int


def queue_page(store: Store, *, user: User, queue_filter: QueueFilter, page: int = 1) -> QueuePage:
    """One page of the filtered queue, strongest case first."""
    query = cases_query(user, queue_filter)
    with store.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, page), pages)
        rows = conn.execute(
            _ordered(query).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        ).all()
        titles = rule_title_map(conn)
    return QueuePage([case_record(row, titles) for row in rows], total, page, pages)


def queue_rows(store: Store, *, user: User, queue_filter: QueueFilter) -> list[dict[str, Any]]:
    """Every row of the filtered queue (up to the export limit), for the spreadsheet."""
    query = cases_query(user, queue_filter)
    with store.engine.connect() as conn:
        rows = conn.execute(_ordered(query).limit(EXPORT_LIMIT)).all()
        titles = rule_title_map(conn)
    return [case_record(row, titles) for row in rows]


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
