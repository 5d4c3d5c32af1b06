"""How exports write money, dates, voucher numbers, accounts, titles and monthly subtotals."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import numpy as np
import pandas as pd

from data.generator.journal import quarantined

MONTH_TOTAL = "本月合计"
YEAR_TOTAL = "本年累计"


def amount_text(fen: pd.Series, *, thousands: bool) -> list[str]:
    """Exact decimal text of fen amounts: ``-1234.50`` or ``-1,234.50``."""
    grouping = "," if thousands else ""
    return [
        f"{'-' if value < 0 else ''}{abs(value) // 100:{grouping}}.{abs(value) % 100:02d}"
        for value in fen.tolist()
    ]


def amount_columns(
    lines: pd.DataFrame, *, thousands: bool, zero: str
) -> tuple[list[str], list[str]]:
    """Debit and credit as text; ``zero`` for an empty side; the raw text on the written side
    of a line whose amount is unreadable."""
    raw = lines["raw_amount"] != ""
    columns = []
    for side in ("debit_fen", "credit_fen"):
        text = pd.Series(amount_text(lines[side], thousands=thousands), index=lines.index)
        text = text.where(lines[side] != 0, zero)
        columns.append(text.where(~raw | (lines[side] == 0), lines["raw_amount"]).tolist())
    return columns[0], columns[1]


def iso_dates(lines: pd.DataFrame) -> pd.Series:
    """``2023-01-05``, or the raw (impossible) date where one was written."""
    iso = lines["voucher_date"].dt.strftime("%Y-%m-%d")
    return iso.where(lines["raw_date"] == "", lines["raw_date"])


def _date_parts(lines: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    parts = iso_dates(lines).str.split("-", expand=True)
    return parts[0], parts[1].str.lstrip("0"), parts[2].str.lstrip("0")


def chinese_dates(lines: pd.DataFrame) -> pd.Series:
    year, month, day = _date_parts(lines)
    return year + "年" + month + "月" + day + "日"


def slash_dates(lines: pd.DataFrame) -> pd.Series:
    year, month, day = _date_parts(lines)
    return year + "/" + month + "/" + day


def dotted_dates(lines: pd.DataFrame) -> pd.Series:
    year, month, day = _date_parts(lines)
    return year + "." + month + "." + day


def hyphen_voucher_numbers(lines: pd.DataFrame) -> pd.Series:
    return lines["voucher_word"] + "-" + lines["voucher_number"].astype("str")


def legacy_voucher_numbers(lines: pd.DataFrame) -> pd.Series:
    return lines["voucher_word"] + "字第" + lines["voucher_number"].astype("str") + "号"


def coded_accounts(lines: pd.DataFrame) -> pd.Series:
    """Code and name in one cell: ``541001 管理费用-办公费``."""
    return lines["account_code"] + " " + lines["account_name"]


def write_csv_rows(path: Path, rows: list[list[str]], encoding: str) -> None:
    """Write ``rows`` as CSV lines ending in CRLF, as Windows programs save them."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def title(town: str, village: str) -> str:
    return f"{town}{village} 序时账"


def period_caption(year: int) -> str:
    return f"会计期间：{year}年01月至{year}年12月 单位：元"


@dataclass(frozen=True, slots=True)
class MonthBlock:
    """One month of a village-year's lines (positions in the frame) and its subtotals."""

    period: str
    positions: list[int]
    month_debit: int
    month_credit: int
    year_debit: int
    year_credit: int


def counted_amounts(lines: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Debit and credit fen to add up into totals: 0 on quarantined lines, whose amounts
    cannot be read."""
    counted = ~quarantined(lines).to_numpy()
    return (np.where(counted, lines["debit_fen"].to_numpy(), 0),
            np.where(counted, lines["credit_fen"].to_numpy(), 0))


def month_blocks(lines: pd.DataFrame) -> Iterator[MonthBlock]:
    """The lines of one village-year month by month, with 本月合计 and 本年累计 in fen
    (quarantined lines listed but not added up)."""
    debit, credit = counted_amounts(lines)
    year_debit = year_credit = 0
    position = 0
    for period, group in groupby(lines["period"].tolist()):
        size = len(list(group))
        span = slice(position, position + size)
        month_debit, month_credit = int(debit[span].sum()), int(credit[span].sum())
        year_debit += month_debit
        year_credit += month_credit
        yield MonthBlock(period, list(range(position, position + size)), month_debit,
                         month_credit, year_debit, year_credit)
        position += size
