"""Printed vouchers (记账凭证) saved as one sheet, one file per village-year
(docs/reading-exports.md).

Each voucher is a block: its title (``记 账 凭 证``), a row of header fields (unit, period,
date, ``凭证字号：记-00012``, attachments, page ``1/2``), the spaced table header
(``摘 要 | 科 目 | 辅 助 账 | 借 方 | 贷 方``), at most five lines, a total row and the signature
footer, then a blank row. A longer voucher goes on over further blocks with the same number;
the total row of each page but the last reads 过次页. No settlement or references are printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from data.generator.layouts.auxiliary import auxiliary_cells, auxiliary_items
from data.generator.layouts.formatting import coded_accounts, counted_amounts, iso_dates
from data.generator.layouts.workbook import MONEY_FORMAT, money_cells, new_workbook

SHEET = "记账凭证"
TITLE = "记 账 凭 证"
TABLE_HEADER = ["摘 要", "科 目", "辅 助 账", "借 方", "贷 方"]
COLUMN_WIDTHS = (30, 30, 30, 14, 14, 8)
TITLE_COLUMN = 2
DEBIT_COLUMN = 3
LINES_PER_PAGE = 5
CARRIED = "过次页"
TOTAL = "合 计"


def _vouchers(lines: pd.DataFrame) -> Iterator[list[int]]:
    """Positions of each voucher's lines; a voucher starts at its line 1."""
    starts = np.flatnonzero(lines["line_no"].to_numpy() == 1).tolist()
    for start, stop in zip(starts, [*starts[1:], len(lines)], strict=True):
        yield list(range(start, stop))


def _header_fields(lines: pd.DataFrame) -> list[list[str]]:
    """Each line's voucher header cells but the page: unit, period, date, number,
    attachments."""
    month = lines["period"].str.slice(5, 7).str.lstrip("0")
    columns = [
        ("核算单位：" + lines["town"] + lines["village"]).tolist(),
        (lines["period"].str.slice(0, 4) + "年 第" + month + "期").tolist(),
        ("日期：" + iso_dates(lines)).tolist(),
        ("凭证字号：" + lines["voucher_word"] + "-"
         + lines["voucher_number"].astype("str").str.zfill(5)).tolist(),
        ("附单据数：" + lines["attachments"].astype("str")).tolist(),
    ]
    return [list(row) for row in zip(*columns, strict=True)]


def _footers(lines: pd.DataFrame) -> list[str]:
    return ("审核：" + lines["reviewer"] + "   记账：" + lines["bookkeeper"] + "   出纳：   制单："
            + lines["preparer"]).tolist()


def write_printed(lines: pd.DataFrame, path: Path) -> np.ndarray:
    """Write one village-year; returns each line's 1-based row in the sheet."""
    book = new_workbook(path)
    sheet = book.add_worksheet(SHEET)
    money = book.add_format({"num_format": MONEY_FORMAT})
    bold = book.add_format({"bold": True})
    for column, width in enumerate(COLUMN_WIDTHS):
        sheet.set_column(column, column, width, money if column >= DEBIT_COLUMN else None)
    items = auxiliary_items(lines)
    table = list(zip(
        lines["summary"].tolist(),
        coded_accounts(lines).tolist(),
        auxiliary_cells(items, lines["counterparty"], department=False).tolist(),
        money_cells(lines["debit_fen"], lines["raw_amount"]),
        money_cells(lines["credit_fen"], lines["raw_amount"]),
        strict=True,
    ))
    headers, footers = _header_fields(lines), _footers(lines)
    debit, credit = counted_amounts(lines)
    source_rows = np.zeros(len(lines), dtype=np.int64)
    row = 0  # 0-based index of the next row to write
    for voucher in _vouchers(lines):
        pages = [voucher[start:start + LINES_PER_PAGE]
                 for start in range(0, len(voucher), LINES_PER_PAGE)]
        head, done = voucher[0], []
        for page, positions in enumerate(pages, 1):
            sheet.write_string(row, TITLE_COLUMN, TITLE, bold)
            sheet.write_row(row + 1, 0, [*headers[head], f"{page}/{len(pages)}"])
            sheet.write_row(row + 2, 0, TABLE_HEADER, bold)
            row += 3
            for position in positions:
                sheet.write_row(row, 0, table[position])
                row += 1
                source_rows[position] = row
            done += positions
            label = CARRIED if page < len(pages) else TOTAL
            sheet.write_row(row, 0, [label, "", "", int(debit[done].sum()) / 100,
                                     int(credit[done].sum()) / 100])
            sheet.write_string(row + 1, 0, footers[head])
            row += 3  # the total, the footer and a blank row
    book.close()
    return source_rows
