"""Vouchers (记账凭证) and their journal lines while a village-year is being booked.

Amounts are integer fen. A voucher is built complete and balanced by the books or an
injection; the cash keeper, the numbering and the signing steps then fill in what depends on
the whole year (top-ups, voucher numbers, the people who signed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any

from data.generator.accounts import CASH_CODE


class CashRole(Enum):
    """How the cash keeper treats a voucher."""

    ORDINARY = "ordinary"  # top up the till first if it would run dry
    SWEEP = "sweep"  # deposit whatever exceeds ``sweep_target_fen``; amount set by the keeper
    SHORT = "short"  # pay from an empty till: the balance goes negative (a labelled breach)


@dataclass(slots=True)
class Line:
    """One journal line (分录)."""

    summary: str
    code: str
    name: str
    debit: int = 0
    credit: int = 0
    counterparty: str = ""
    case_id: str = ""


@dataclass(slots=True)
class Voucher:
    """One voucher: a date, balanced lines, and the papers behind it."""

    date: dt.date
    lines: list[Line]
    settlement: str = ""
    attachments: int = 1
    decision_ref: str = ""
    contract_ref: str = ""
    word: str = "记"
    cash_role: CashRole = CashRole.ORDINARY
    sweep_target_fen: int = 0
    # Ordering among vouchers of one day: creation order, or pinned first/last of the day.
    order: float = 0.0
    period: str = ""
    number: int = 0
    preparer: str = ""
    reviewer: str = ""
    bookkeeper: str = ""
    # Quarantine cases: the text written instead of the date / the amounts.
    raw_date: str = ""
    raw_amount: str = ""

    @property
    def cash_delta(self) -> int:
        """Change of the 101 cash balance this voucher books, in fen."""
        return sum(
            line.debit - line.credit for line in self.lines if line.code.startswith(CASH_CODE)
        )

    @property
    def debit_total(self) -> int:
        return sum(line.debit for line in self.lines)

    @property
    def labelled(self) -> bool:
        return any(line.case_id for line in self.lines)

    def label(self, case_id: str) -> None:
        """Mark every line as part of a labelled case."""
        for line in self.lines:
            line.case_id = case_id


def two_line(
    day: dt.date,
    summary: str,
    debit: tuple[str, str],
    credit: tuple[str, str],
    amount: int,
    *,
    counterparty: str = "",
    **papers: Any,
) -> Voucher:
    """The common voucher: one debit line and one credit line of the same amount."""
    return Voucher(
        date=day,
        lines=[
            Line(summary, debit[0], debit[1], debit=amount, counterparty=counterparty),
            Line(summary, credit[0], credit[1], credit=amount, counterparty=counterparty),
        ],
        **papers,
    )


def many_to_one(
    day: dt.date,
    summary: str,
    debit: tuple[str, str],
    payees: list[tuple[str, int]],
    credit: tuple[str, str],
    **papers: Any,
) -> Voucher:
    """One debit line per payee (counterparty, amount) and one credit line for the total."""
    lines = [
        Line(f"{summary}-{payee}", debit[0], debit[1], debit=amount, counterparty=payee)
        for payee, amount in payees
    ]
    lines.append(Line(summary, credit[0], credit[1], credit=sum(a for _, a in payees)))
    return Voucher(date=day, lines=lines, **papers)
