"""The village's till (库存现金): topped up from the bank before it runs dry, emptied at month end.

Clean books keep every day-end balance between 0 and the holding limit (5,000 yuan): a top-up
(提现, 借 现金 贷 银行存款) is at most 3,000 yuan and never lifts the till above the limit, and
whatever is left at month end is deposited back (日清月结). Clean cash payments are at most
3,000 yuan, so one top-up always covers one payment.
"""

from __future__ import annotations

import calendar
import datetime as dt

from data.generator.books import VillageYear
from data.generator.vouchers import CashRole, Line, Voucher

TOP_UP_MAX_FEN = 300_000
HOLDING_LIMIT_FEN = 500_000
ROUND_FEN = 10_000  # top-ups are whole hundreds of yuan


def keep_cash_in_bounds(book: VillageYear) -> None:
    """Put the year's vouchers in date order, adding top-ups and deposits where the till needs."""
    book.vouchers.extend(month_end_deposit(book, month) for month in range(1, 13))
    balance = 0
    kept: list[Voucher] = []
    for voucher in sorted(book.vouchers, key=lambda voucher: (voucher.date, voucher.order)):
        if voucher.cash_role is CashRole.SWEEP:
            amount = balance - voucher.sweep_target_fen
            if amount <= 0:
                continue
            voucher.lines[0].debit = voucher.lines[1].credit = amount
        elif voucher.cash_role is CashRole.SHORT and balance > 0:
            kept.append(deposit_voucher(book, voucher.date, balance))
            balance = 0
        elif voucher.cash_role is CashRole.ORDINARY and balance + voucher.cash_delta < 0:
            top_up = min(TOP_UP_MAX_FEN, (HOLDING_LIMIT_FEN - balance) // ROUND_FEN * ROUND_FEN)
            kept.append(top_up_voucher(book, voucher.date, top_up))
            balance += top_up
        balance += voucher.cash_delta
        kept.append(voucher)
    book.vouchers = kept


def top_up_voucher(book: VillageYear, day: dt.date, amount: int) -> Voucher:
    """提取备用金: draw cash from the bank by cash cheque."""
    return Voucher(
        date=day,
        lines=[
            Line("提取备用金", *book.account("cash"), debit=amount),
            Line("提取备用金", *book.account("bank"), credit=amount),
        ],
        settlement="现金支票",
        attachments=1,
    )


def deposit_voucher(book: VillageYear, day: dt.date, amount: int) -> Voucher:
    """库存现金存入银行: pay cash back into the bank."""
    return Voucher(
        date=day,
        lines=[
            Line("库存现金存入银行", *book.account("bank"), debit=amount),
            Line("库存现金存入银行", *book.account("cash"), credit=amount),
        ],
        settlement="现金",
        attachments=1,
    )


def cash_sweep(book: VillageYear, day: dt.date, *, keep_fen: int) -> Voucher:
    """A deposit of whatever cash exceeds ``keep_fen``; the keeper sets the amount."""
    sweep = deposit_voucher(book, day, 0)
    sweep.cash_role = CashRole.SWEEP
    sweep.sweep_target_fen = keep_fen
    return sweep


def month_end_deposit(book: VillageYear, month: int) -> Voucher:
    last_day = dt.date(book.year, month, calendar.monthrange(book.year, month)[1])
    deposit = cash_sweep(book, last_day, keep_fen=0)
    deposit.order = float("inf")  # after everything else of the month's last day
    return deposit
