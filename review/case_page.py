"""Everything the case page shows: the case's reasons, its lines, the whole vouchers around them
and the decisions covering them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.case_work import Work, assignable_users, work_of
from review.dispositions import case_history, decision_mark
from review.entry import extra_cells, linked_entries
from review.evidence import case_evidence_list
from review.findings import entry_findings_query, finding_record, rule_title_map
from review.queue import QueueFilter, case_record, cases_query, direction, queue_neighbours
from review.register_panel import RegisterPanel, amount_side, is_register_kind, register_panel
from review.store import lines_run
from review.tables import cases, findings, run_cases, voucher_lines

if TYPE_CHECKING:
    from review.db import Store
    from review.users import User

SHOWN_VOUCHERS = 20  # whole vouchers on the page; a roster of more lists its lines only
VOUCHER = ["town", "village", "period", "voucher_word", "voucher_number"]


@dataclass(frozen=True)
class CaseDetail:
    case: dict[str, Any]
    entries: list[dict[str, Any]]
    vouchers: list[dict[str, Any]]  # voucher_no, period, lines
    n_vouchers: int
    dispositions: list[dict[str, Any]]
    work: Work
    evidence: list[dict[str, Any]]
    mark: int  # the newest decision covering the case when the page was made
    assignable: list[str]
    register: RegisterPanel | None = None  # a register case's subject (else None)
    previous: str | None = None  # neighbours in the queue the case was opened from
    next: str | None = None
    place: int = 0
    queue_size: int = 0
    linked: frozenset[str] = frozenset()  # entries its reasons name that have a page here


def case_detail(store: Store, *, user: User, case_id: str,
                queue_filter: QueueFilter | None = None) -> CaseDetail | None:
    """The case's page data, or None when it is no case or not in the user's towns; with
    ``queue_filter``, its neighbours in that filtered queue."""
    with store.engine.connect() as conn:
        row = conn.execute(
            cases_query(user, QueueFilter(status="all")).where(run_cases.c.case_id == case_id)
        ).first()
        if row is None:
            return None
        titles = rule_title_map(conn)
        entries = [_line(finding_record(item, titles)) for item in conn.execute(
            entry_findings_query(user).where(cases.c.case_id == case_id)
            .order_by(findings.c.period, findings.c.voucher_word, findings.c.voucher_number,
                      findings.c.line_no)).all()]
        seen: dict[tuple, dict[str, Any]] = {}
        register = None
        if is_register_kind(row.subject_kind):
            # a register case's one line stands for its subject: no voucher holds it
            register = register_panel(conn, case_id=case_id, titles=titles)
        else:
            for entry in entries:
                seen.setdefault(tuple(entry[name] for name in VOUCHER), entry)
        vouchers = [_voucher(conn, entry) for entry in list(seen.values())[:SHOWN_VOUCHERS]]
        work = work_of(conn, case_id)
        mark = decision_mark(conn, case_id)
        record = case_record(row, titles)
        linked = linked_entries(conn, town=record["town"], reasons=[
            *record["reasons"], *(reason for entry in entries for reason in entry["line_reasons"])])
    debit = sum(entry["debit_fen"] for entry in entries)
    credit = sum(entry["credit_fen"] for entry in entries)
    record.update(debit_fen=debit, credit_fen=credit, direction=direction(debit, credit))
    if is_register_kind(record["subject_kind"]):
        record.update(direction=amount_side(record["rule_ids"], record["signals"]),
                      subject_name=register.counterparty or register.name if register else "")
    neighbours = (queue_neighbours(store, user=user, queue_filter=queue_filter, case_id=case_id)
                  if queue_filter is not None else (None, None, 0, 0))
    return CaseDetail(
        case=record,
        entries=entries,
        vouchers=vouchers,
        n_vouchers=len(seen),
        dispositions=case_history(store, case_id=case_id) if user.sees_dispositions else [],
        work=work,
        evidence=case_evidence_list(store, case_id=case_id),
        register=register,
        mark=mark,
        assignable=assignable_users(store, town=record["town"]) if user.may_assign else [],
        previous=neighbours[0],
        next=neighbours[1],
        place=neighbours[2],
        queue_size=neighbours[3],
        linked=linked,
    )


def _line(entry: dict[str, Any]) -> dict[str, Any]:
    """A line of the case with its own reasons and the cells of its original row."""
    entry["line_reasons"] = [text for text in (entry.get("reasons") or "").split("；") if text]
    entry["cells"] = extra_cells(entry.get("extra") or "")
    return entry


def _voucher(conn: sa.Connection, entry: dict[str, Any]) -> dict[str, Any]:
    """Every line of the entry's voucher, as the run that last flagged it stored them."""
    lines = conn.execute(
        sa.select(voucher_lines)
        .where(voucher_lines.c.run_id == lines_run(entry["run_id"], entry["town"]),
               *(voucher_lines.c[name] == entry[name] for name in VOUCHER))
        .order_by(voucher_lines.c.line_no)
    ).all()
    return {"voucher_no": entry["voucher_no"], "period": entry["period"],
            "voucher_date": entry["voucher_date"], "lines": [dict(line._mapping) for line in lines]}
