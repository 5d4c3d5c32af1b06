"""Rows that ingestion must quarantine, not coerce (隔离, docs/reading-exports.md).

A quarantined voucher is the last of its month, so once its rows are set aside the remaining
numbers still run 1, 2, 3 … and no other rule fires because of it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import string
from collections.abc import Callable

from data.generator.books import YUAN, VillageYear
from data.generator.vouchers import Voucher, two_line

# Months whose day after the last is a date people do write by mistake (2月30日, 9月31日).
SHORT_MONTHS = (2, 4, 6, 9, 11)


def _append_last_of_month(book: VillageYear, voucher: Voucher, case_id: str) -> None:
    """Number ``voucher`` after the last 记 voucher of its month and file it there."""
    voucher.period = f"{voucher.date.year}-{voucher.date.month:02d}"
    same_month = [
        index for index, other in enumerate(book.vouchers)
        if other.word == voucher.word and other.period == voucher.period
    ]
    voucher.number = max(book.vouchers[index].number for index in same_month) + 1
    voucher.preparer = voucher.bookkeeper = book.village.accountant
    voucher.reviewer = book.village.town.supervisor
    voucher.label(case_id)
    book.vouchers.insert(same_month[-1] + 1, voucher)


def _purchase(book: VillageYear, day: dt.date) -> Voucher:
    return two_line(
        day,
        "购办公用品",
        book.account("office"),
        book.account("bank"),
        book.fen(1000, 20000),
        counterparty=book.rng.choice(book.village.town.shops["文具店"]),
        settlement="转账",
        attachments=1,
    )


def impossible_date(book: VillageYear, case_id: str) -> str:
    month = book.rng.choice(SHORT_MONTHS)
    last_day = calendar.monthrange(book.year, month)[1]
    voucher = _purchase(book, dt.date(book.year, month, last_day))
    day = 30 if month == 2 else last_day + 1
    voucher.raw_date = f"{book.year}-{month:02d}-{day:02d}"
    _append_last_of_month(book, voucher, case_id)
    return f"凭证日期{book.year}年{month}月{day}日不存在，应隔离待更正"


def unreadable_amount(book: VillageYear, case_id: str) -> str:
    voucher = _purchase(book, book.random_day(book.rng.randint(1, 12), 5, 25))
    text = f"{voucher.lines[0].debit / YUAN:,.2f}"
    digits = [index for index, char in enumerate(text) if char.isdigit()][1:-2]
    position = book.rng.choice(digits)
    voucher.raw_amount = (
        text[:position] + book.rng.choice(string.ascii_lowercase) + text[position + 1:]
    )
    _append_last_of_month(book, voucher, case_id)
    return f"金额“{voucher.raw_amount}”无法识别为数字，应隔离待更正"


QUARANTINE: dict[str, Callable[[VillageYear, str], str]] = {
    "impossible_date": impossible_date,
    "unreadable_amount": unreadable_amount,
}
