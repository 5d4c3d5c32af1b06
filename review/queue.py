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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.dispositions import VERDICTS, latest_dispositions
from review.findings import STATUS_LABELS, rule_title_map
from review.queue_filter import ASSIGNEE_ME, ASSIGNEE_NONE, FILTER_STATUSES, QueueFilter
from review.register_panel import amount_side, is_register_kind, subject_names
from review.tables import case_work, cases, dispositions, finding_changes, findings, run_cases, runs

if TYPE_CHECKING:
    from review.db import Store
    from review.users import User

__all__ = [
    "STATUS_LABELS",
    "QueueFilter",
    "case_record",
    "case_visible",
    "cases_query",
    "filter_choices",
    "queue_neighbours",
    "queue_page",
    "queue_rows",
    "status_counts",
]

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
SHOWN_REASONS = 2  # the queue shows a case's strongest reasons; its page shows them all
RAISED_BY = {"rule": "规则", "model": "模型与信号", "both": "规则，模型亦指向"}


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


def _case_findings(*conditions: sa.ColumnElement[bool]) -> sa.Exists:
    """Some line of the case, as its last run stored it, meets ``conditions``."""
    return sa.exists().where(findings.c.run_id == run_cases.c.run_id,
                             findings.c.case_id == run_cases.c.case_id, *conditions)


def _contains(column: sa.ColumnElement[str], text: str) -> sa.ColumnElement[bool]:
    return column.contains(text, autoescape=True)


def _run_change(run_id: str, change: str) -> sa.ColumnElement[bool]:
    """The case is one the run ``run_id`` made new, changed, or resolved (as
    review/reconcile.py counts them: new when none of its lines was flagged before)."""
    if change == "resolved":
        gone = (sa.select(cases.c.case_id)
                .join(finding_changes, finding_changes.c.entry_id == cases.c.entry_id)
                .where(finding_changes.c.run_id == run_id, finding_changes.c.change == "resolved"))
        return run_cases.c.case_id.in_(gone)
    lines = (sa.select(findings.c.case_id,
                       sa.func.count().label("n_lines"),
                       sa.func.sum(sa.case((finding_changes.c.change == "new", 1), else_=0))
                       .label("n_new"),
                       sa.func.sum(sa.case((finding_changes.c.change == "changed", 1), else_=0))
                       .label("n_changed"))
             .select_from(findings)
             .outerjoin(finding_changes, sa.and_(finding_changes.c.run_id == findings.c.run_id,
                                                 finding_changes.c.entry_id == findings.c.entry_id))
             .where(findings.c.run_id == run_id)
             .group_by(findings.c.case_id).subquery())
    earlier = (sa.select(run_cases.c.case_id).join(runs, runs.c.run_id == run_cases.c.run_id)
               .where(runs.c.started_at < sa.select(runs.c.started_at)
                      .where(runs.c.run_id == run_id).scalar_subquery()))
    new = lines.c.n_new == lines.c.n_lines
    if change == "new":
        picked = sa.select(lines.c.case_id).where(new)
    else:
        picked = sa.select(lines.c.case_id).where(~new, sa.or_(
            lines.c.n_changed > 0, lines.c.n_new > 0, lines.c.case_id.not_in(earlier)))
    return run_cases.c.case_id.in_(picked)


def _status_of(state: sa.Subquery) -> tuple[sa.ColumnElement[str], sa.ColumnElement[bool]]:
    decided = state.c.verdict.is_not(None) & (state.c.n_decided == state.c.n_entries) & (
        state.c.low_verdict == state.c.verdict)
    status = sa.case(
        (state.c.n_open == 0, "resolved"),
        (decided, state.c.verdict),
        (state.c.n_decided_before > 0, "reopened"),
        else_="open",
    )
    return status, decided


def _status_condition(status: sa.ColumnElement[str], investigating: sa.ColumnElement[bool],
                      wanted: str) -> sa.ColumnElement[bool] | None:
    pending = status.in_(["open", "reopened"])
    return {
        "todo": pending,
        "open": pending & (status == "open") & ~investigating,
        "investigating": pending & investigating,
        "reopened": status == "reopened",
        "decided": status.in_(list(VERDICTS)),
        "all": None,
    }.get(wanted, status == wanted)


def cases_query(user: User, queue_filter: QueueFilter, *, with_status: bool = True) -> sa.Select:
    """The cases (as the run that last raised them saw them) with their review status, stage
    of work and assignee, filtered and town-limited (and by status unless ``with_status`` is
    false, for counting per status)."""
    state = _case_states(user)
    status_value, decided = _status_of(state)
    status = status_value.label("review_status")
    investigating = sa.func.coalesce(case_work.c.stage, "todo") == "investigating"
    work = sa.case((decided, "concluded"), (state.c.n_open == 0, "resolved"),
                   (investigating, "investigating"), else_="todo").label("work_status")
    query = (
        sa.select(
            *(column for column in run_cases.columns if column.name != "n_entries"),
            state.c.n_entries,
            state.c.n_open,
            status,
            work,
            case_work.c.assignee,
            sa.case((decided, dispositions.c.comment)).label("decision_comment"),
            sa.case((decided, dispositions.c.username)).label("decided_by"),
            sa.case((decided, dispositions.c.decided_at)).label("decided_at"),
        )
        .select_from(state)
        .join(run_cases, sa.and_(run_cases.c.run_id == state.c.run_id,
                                 run_cases.c.case_id == state.c.case_id))
        .outerjoin(dispositions, dispositions.c.disposition_id == state.c.disposition_id)
        .outerjoin(case_work, case_work.c.case_id == state.c.case_id)
    )
    f = queue_filter
    conditions: list[sa.ColumnElement[bool]] = []
    for name in ("town", "village"):
        if getattr(f, name):
            conditions.append(run_cases.c[name] == getattr(f, name))
    if f.period:
        conditions.append(_listed(run_cases.c.periods, f.period))
    if f.rule:
        conditions.append(_listed(run_cases.c.rule_ids, f.rule))
    if f.signal:
        conditions.append(_listed(run_cases.c.signals, f.signal))
    if f.kind:
        conditions.append(run_cases.c.subject_kind == f.kind)
    if f.score_floor is not None:
        conditions.append(run_cases.c.risk_score >= f.score_floor)
    if f.min_fen is not None:
        conditions.append(run_cases.c.amount_fen >= f.min_fen)
    if f.max_fen is not None:
        conditions.append(run_cases.c.amount_fen <= f.max_fen)
    if f.q:
        conditions.append(_case_findings(sa.or_(_contains(findings.c.counterparty, f.q),
                                                _contains(findings.c.summary, f.q))))
    if f.voucher:
        conditions.append(sa.or_(_contains(run_cases.c.subject_id, f.voucher), _case_findings(
            sa.or_(_contains(findings.c.voucher_no, f.voucher),
                   _contains(findings.c.contract_ref, f.voucher)))))
    if f.assignee == ASSIGNEE_ME:
        conditions.append(case_work.c.assignee == user.username)
    elif f.assignee == ASSIGNEE_NONE:
        conditions.append(case_work.c.assignee.is_(None))
    elif f.assignee:
        conditions.append(case_work.c.assignee == f.assignee)
    if f.run and f.change:
        conditions.append(_run_change(f.run, f.change))
    if with_status:
        wanted = _status_condition(status_value, investigating, f.status)
        if wanted is not None:
            conditions.append(wanted)
    return query.where(*conditions)


ORDERS = {
    "risk": [run_cases.c.risk_score.desc(), run_cases.c.amount_fen.desc()],
    "amount": [run_cases.c.amount_fen.desc(), run_cases.c.risk_score.desc()],
    "period": [run_cases.c.periods.desc(), run_cases.c.risk_score.desc()],
    "village": [run_cases.c.town, run_cases.c.village, run_cases.c.risk_score.desc()],
}


def _ordered(query: sa.Select, sort: str = "risk") -> sa.Select:
    return query.order_by(*ORDERS.get(sort, ORDERS["risk"]), run_cases.c.case_id)


WORK_LABELS = {"todo": "待复核", "investigating": "核查中", "concluded": "已结论",
               "resolved": "已消除"}


def direction(debit_fen: int, credit_fen: int) -> str:
    """How a case's amount runs: 借 (its flagged lines are debits), 贷, or both."""
    if debit_fen and credit_fen:
        return "借贷"
    return "贷" if credit_fen else "借"


def case_record(row: Any, titles: dict[str, str]) -> dict[str, Any]:
    """A case row as the pages read it: lists decoded, rules and signals by their names."""
    record = dict(row._mapping)
    for name in ("periods", "rule_ids", "signals", "reasons"):
        record[name] = json.loads(record[name])
    record["rule_titles"] = [titles.get(rule_id, rule_id) for rule_id in record["rule_ids"]]
    record["signal_titles"] = [titles.get(signal, signal) for signal in record["signals"]]
    record["status_label"] = STATUS_LABELS[record["review_status"]]
    if record["work_status"] == "investigating":
        record["status_label"] = "核查中" + ("（重新打开）" if record["review_status"] == "reopened"
                                           else "")
    record["work_label"] = WORK_LABELS[record["work_status"]]
    record["raised_by_label"] = RAISED_BY.get(record["raised_by"], record["raised_by"])
    periods = record["periods"]
    record["period_span"] = (periods[0] if len(periods) == 1 else
                             f"{periods[0]} 至 {periods[-1]}（{len(periods)} 期）" if periods
                             else "")
    record["shown_reasons"] = record["reasons"][:SHOWN_REASONS]
    record["more_reasons"] = max(0, len(record["reasons"]) - SHOWN_REASONS)
    record.setdefault("direction", "")
    return record


def _add_directions(conn: sa.Connection, records: list[dict[str, Any]]) -> None:
    """Give each case its direction (借/贷) and its flagged lines' debit and credit totals."""
    keys = {(record["run_id"], record["case_id"]) for record in records}
    if not keys:
        return
    sums = {}
    for run_id in {run_id for run_id, _ in keys}:
        ids = [case_id for run, case_id in keys if run == run_id]
        sums.update({(run_id, row.case_id): row for row in conn.execute(
            sa.select(findings.c.case_id,
                      sa.func.sum(findings.c.debit_fen).label("debit_fen"),
                      sa.func.sum(findings.c.credit_fen).label("credit_fen"))
            .where(findings.c.run_id == run_id, findings.c.case_id.in_(ids))
            .group_by(findings.c.case_id))})
    for record in records:
        found = sums.get((record["run_id"], record["case_id"]))
        debit, credit = (int(found.debit_fen or 0), int(found.credit_fen or 0)) if found else (0, 0)
        record.update(direction=direction(debit, credit), debit_fen=debit, credit_fen=credit)
    _add_subjects(conn, [record for record in records if is_register_kind(record["subject_kind"])])


def _add_subjects(conn: sa.Connection, records: list[dict[str, Any]]) -> None:
    """Give each register case the name its subject goes by and what its amount is (due,
    paid over, a difference): its one line's debit or credit side means nothing."""
    names = subject_names(conn, [record["case_id"] for record in records])
    for record in records:
        record.update(subject_name=names.get(record["case_id"], ""),
                      direction=amount_side(record["rule_ids"], record["signals"]))


def _decision_marks(conn: sa.Connection, case_ids: list[str]) -> dict[str, int]:
    """Per case, the newest decision covering any of its lines (review.dispositions
    .decision_mark, for a page of cases at once)."""
    if not case_ids:
        return {}
    return dict(conn.execute(
        sa.select(cases.c.case_id, sa.func.max(dispositions.c.disposition_id))
        .join(dispositions, dispositions.c.entry_id == cases.c.entry_id)
        .where(cases.c.case_id.in_(case_ids)).group_by(cases.c.case_id)).all())


@dataclass(frozen=True)
class QueuePage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    first_rank: int = 1


def queue_page(store: Store, *, user: User, queue_filter: QueueFilter, page: int = 1) -> QueuePage:
    """One page of the filtered queue in the asked order (strongest case first by default);
    each row numbered by its place in the whole filtered queue."""
    query = cases_query(user, queue_filter)
    with store.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, page), pages)
        rows = conn.execute(
            _ordered(query, queue_filter.sort).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        ).all()
        titles = rule_title_map(conn)
        records = [case_record(row, titles) for row in rows]
        _add_directions(conn, records)
        marks = _decision_marks(conn, [record["case_id"] for record in records])
    first = (page - 1) * PAGE_SIZE + 1
    for number, record in enumerate(records, start=first):
        record.update(position=number, mark=marks.get(record["case_id"], 0))
    return QueuePage(records, total, page, pages, first)


def queue_rows(store: Store, *, user: User, queue_filter: QueueFilter) -> list[dict[str, Any]]:
    """Every row of the filtered queue (up to the export limit), for the spreadsheet."""
    query = cases_query(user, queue_filter)
    with store.engine.connect() as conn:
        rows = conn.execute(_ordered(query, queue_filter.sort).limit(EXPORT_LIMIT)).all()
        titles = rule_title_map(conn)
        records = [case_record(row, titles) for row in rows]
        _add_directions(conn, records)
    return records


def queue_neighbours(store: Store, *, user: User, queue_filter: QueueFilter,
                     case_id: str) -> tuple[str | None, str | None, int, int]:
    """The cases before and after ``case_id`` in the filtered queue, its place and the queue's
    length (place 0 when the case is not in it, e.g. just decided: then "next" is the case
    that now holds its place)."""
    query = cases_query(user, queue_filter).with_only_columns(run_cases.c.case_id)
    with store.engine.connect() as conn:
        ordered = conn.execute(_ordered(query, queue_filter.sort)).scalars().all()
    if case_id in ordered:
        at = ordered.index(case_id)
        before = ordered[at - 1] if at > 0 else None
        after = ordered[at + 1] if at + 1 < len(ordered) else None
        return before, after, at + 1, len(ordered)
    return None, (ordered[0] if ordered else None), 0, len(ordered)


def case_visible(store: Store, *, user: User, case_id: str) -> bool:
    """The case exists and is in a town the user may see."""
    query = sa.select(cases.c.case_id).where(cases.c.case_id == case_id).limit(1)
    if not user.sees_all_towns:
        query = query.where(cases.c.town.in_(user.towns))
    with store.engine.connect() as conn:
        return conn.execute(query).first() is not None


def status_counts(store: Store, *, user: User, queue_filter: QueueFilter) -> dict[str, int]:
    """How many cases each status filter would show, the other filters kept."""
    query = cases_query(user, queue_filter, with_status=False).subquery()
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(query.c.review_status, query.c.work_status, sa.func.count())
                            .group_by(query.c.review_status, query.c.work_status)).all()
    counts = dict.fromkeys(FILTER_STATUSES, 0)
    for review_status, work_status, n in rows:
        counts["all"] += n
        counts[review_status] = counts.get(review_status, 0) + n
        if review_status in {"open", "reopened"}:
            counts["todo"] += n
            if work_status == "investigating":
                counts["investigating"] += n
                if review_status == "open":
                    counts["open"] -= n
        if review_status in VERDICTS:
            counts["decided"] += n
    return counts


@dataclass(frozen=True)
class FilterChoices:
    towns: list[str]
    villages: list[str]
    periods: list[str]
    rules: list[tuple[str, str]]
    signals: list[tuple[str, str]]
    assignees: list[str]


def filter_choices(store: Store, *, user: User, town: str = "") -> FilterChoices:
    """Options for the queue's dropdowns, limited to the towns the user may see."""
    visible = [] if user.sees_all_towns else [cases.c.town.in_(user.towns)]
    with store.engine.connect() as conn:
        towns = conn.execute(sa.select(cases.c.town).where(*visible).distinct()
                             .order_by(cases.c.town)).scalars().all()
        in_town = [cases.c.town == town] if town else []
        villages = conn.execute(sa.select(cases.c.village).where(*visible, *in_town).distinct()
                                .order_by(cases.c.village)).scalars().all()
        periods = conn.execute(sa.select(cases.c.period).where(*visible).distinct()
                               .order_by(cases.c.period.desc())).scalars().all()
        raised = (sa.select(run_cases.c.rule_ids, run_cases.c.signals)
                  .join(cases, sa.and_(run_cases.c.run_id == cases.c.last_run_id,
                                       run_cases.c.case_id == cases.c.case_id))
                  .where(*visible).distinct())
        lists = conn.execute(raised).all()
        assignees = conn.execute(
            sa.select(case_work.c.assignee).where(
                case_work.c.assignee.is_not(None),
                *([] if user.sees_all_towns else [case_work.c.town.in_(user.towns)]))
            .distinct().order_by(case_work.c.assignee)).scalars().all()
        titles = rule_title_map(conn)
    rule_ids = sorted({rule_id for text, _ in lists for rule_id in json.loads(text)})
    signals = sorted({signal for _, text in lists for signal in json.loads(text)})
    return FilterChoices(
        towns=list(towns),
        villages=list(villages),
        periods=list(periods),
        rules=[(rule_id, titles.get(rule_id, rule_id)) for rule_id in rule_ids],
        signals=[(signal, titles.get(signal, signal)) for signal in signals],
        assignees=list(assignees),
    )
