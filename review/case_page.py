"""Everything the case page shows: the case's reasons, its lines, the whole vouchers around them
and the decisions covering them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.dispositions import case_history
from review.findings import entry_findings_query, finding_record, rule_title_map
from review.queue import QueueFilter, case_record, cases_query
from review.store import lines_run
from review.tables import cases, findings, run_cases, voucher_lines

if TYPE_CHECKING:
    from review.store import Store
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


def case_detail(store: Store, *, user: User, case_id: str) -> CaseDetail | None:
    """The case's page data, or None when it is no case or not in the user's towns."""
    with store.engine.connect() as conn:
        row = conn.execute(
            cases_query(user, QueueFilter(status="all")).where(run_cases.c.case_id == case_id)
        ).first()
        if row is None:
            return None
        titles = rule_title_map(conn)
        entries = [finding_record(item, titles) for item in conn.execute(
            entry_findings_query(user).where(cases.c.case_id == case_id)
            .order_by(findings.c.period, findings.c.voucher_word, findings.c.voucher_number,
                      findings.c.line_no)).all()]
        seen: dict[tuple, dict[str, Any]] = {}
        for entry in entries:
            seen.setdefault(tuple(entry[name] for name in VOUCHER), entry)
        vouchers = [_voucher(conn, entry) for entry in list(seen.values())[:SHOWN_VOUCHERS]]
    return CaseDetail(
        case=case_record(row, titles),
        entries=entries,
        vouchers=vouchers,
        n_vouchers=len(seen),
        dispositions=case_history(store, case_id=case_id) if user.sees_dispositions else [],
    )


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
