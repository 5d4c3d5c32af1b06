"""What the agency does once a village's year is entered: close it, number it, sign it."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from data.generator.books import VillageYear
from data.generator.vouchers import Line, Voucher

CLOSING_WORD = "转"
INCOME_STATEMENT_PREFIX = "5"  # 损益类 in both charts
BACKUP_PREPARER_SHARE = 0.15


def close_year(book: VillageYear) -> None:
    """Year-end close (结转): income and expense accounts to 本年收益, then to 收益分配."""
    balances: dict[tuple[str, str], int] = defaultdict(int)
    for voucher in book.vouchers:
        for line in voucher.lines:
            if line.code.startswith(INCOME_STATEMENT_PREFIX):
                balances[line.code, line.name] += line.credit - line.debit
    current = book.account("current_income")
    income = sorted((key, amount) for key, amount in balances.items() if amount > 0)
    expense = sorted((key, -amount) for key, amount in balances.items() if amount < 0)
    closing: list[list[Line]] = []
    if income:
        summary = "结转本年收入"
        closing.append(
            [Line(summary, code, name, debit=amount) for (code, name), amount in income]
            + [Line(summary, *current, credit=sum(amount for _, amount in income))]
        )
    if expense:
        summary = "结转本年支出"
        closing.append(
            [Line(summary, *current, debit=sum(amount for _, amount in expense))]
            + [Line(summary, code, name, credit=amount) for (code, name), amount in expense]
        )
    net = sum(balances.values())
    if net:
        summary = "结转本年收益"
        closing.append(
            [
                Line(summary, *current, debit=max(net, 0), credit=max(-net, 0)),
                Line(summary, *book.account("undistributed"), debit=max(-net, 0),
                     credit=max(net, 0)),
            ]
        )
    year_end = dt.date(book.year, 12, 31)
    book.vouchers.extend(
        Voucher(date=year_end, lines=lines, word=CLOSING_WORD, attachments=0) for lines in closing
    )


def number_vouchers(vouchers: list[Voucher]) -> None:
    """Periods from the dates; numbers from 1 per (period, voucher word) in the given order."""
    counters: Counter[tuple[str, str]] = Counter()
    for voucher in vouchers:
        voucher.period = f"{voucher.date.year}-{voucher.date.month:02d}"
        counters[voucher.period, voucher.word] += 1
        voucher.number = counters[voucher.period, voucher.word]


def sign_vouchers(book: VillageYear) -> None:
    """The village's agency accountant (sometimes the backup) prepares and posts; the town's
    supervising accountant reviews."""
    village = book.village
    for voucher in book.vouchers:
        preparer = (
            village.backup_accountant
            if book.rng.random() < BACKUP_PREPARER_SHARE
            else village.accountant
        )
        voucher.preparer = voucher.bookkeeper = preparer
        voucher.reviewer = village.town.supervisor
