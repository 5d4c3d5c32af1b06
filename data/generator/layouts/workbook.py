"""Layout B: a 序时账 workbook (.xlsx), one village per file or per sheet (序时账工作簿 in
docs/reading-exports.md).

Row 1 the title, row 2 the period and unit, the header on row 3; Excel date cells, numeric
amounts formatted ``#,##0.00``, voucher numbers ``记-12``, 本月合计/本年累计 rows after each month;
no town column (the title names the town). Files are byte-for-byte reproducible.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from data.generator.layouts.formatting import (
    MONTH_TOTAL,
    YEAR_TOTAL,
    hyphen_voucher_numbers,
    month_blocks,
    period_caption,
    title,
)

HEADER_ROW = 3
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00"
FIXED_CREATED = dt.datetime(2025, 1, 1)
# Canonical field -> header, in the column order of each variant.
HEADERS: dict[int, dict[str, str]] = {
    0: {
        "voucher_date": "凭证日期", "voucher_no": "凭证号", "line_no": "分录号", "summary": "摘要",
        "account_code": "科目编码", "account_name": "科目名称", "debit": "借方金额",
        "credit": "贷方金额", "counterparty": "往来单位", "settlement": "结算方式",
        "attachments": "附件张数", "decision_ref": "决议编号", "contract_ref": "合同编号",
        "preparer": "制单人", "reviewer": "审核人", "bookkeeper": "记账人",
    },
    1: {
        "voucher_date": "日期", "voucher_no": "凭证字号", "account_code": "科目代码",
        "account_name": "科目名称", "summary": "摘要", "debit": "借方", "credit": "贷方",
        "counterparty": "对方单位", "attachments": "附单据数", "settlement": "结算方式",
        "decision_ref": "会议记录号", "contract_ref": "合同编号", "preparer": "制单",
        "reviewer": "审核", "bookkeeper": "记账",
    },
}
COLUMN_WIDTHS = {
    "voucher_date": 11, "summary": 34, "account_name": 24, "debit": 14, "credit": 14,
    "counterparty": 28,
}
# Excel's day 0; a date cell is the day count from it under a date format.
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def workbook_file_name(town: str, village: str, years: list[int]) -> str:
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
    return f"{town}_{village}_{span}.xlsx"


def sheet_name(year: int, variant: int) -> str:
    return "序时账" if variant == 0 else f"{year}年"


def new_workbook(path: Path) -> xlsxwriter.Workbook:
    """A workbook written row by row, with fixed properties so its bytes are reproducible."""
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    book.set_properties({"created": FIXED_CREATED, "author": "sanzi-audit"})
    return book


def date_cells(lines: pd.DataFrame) -> list[object]:
    """Voucher dates as Excel serial numbers (for a column with a date format), or the raw text
    where an impossible date was written."""
    serials = (lines["voucher_date"] - EXCEL_EPOCH).dt.days
    return serials.astype("object").where(lines["raw_date"] == "", lines["raw_date"]).tolist()


def money_cells(fen: pd.Series, raw: pd.Series, *, zero: object = None) -> list[object]:
    """Amounts in fen as numbers in yuan, ``zero`` for 0, the ``raw`` text where an amount was
    written unreadable."""
    return [
        zero if amount == 0 else text if text else amount / 100
        for amount, text in zip(fen.tolist(), raw.tolist(), strict=True)
    ]


def _cell_values(lines: pd.DataFrame) -> dict[str, list[object]]:
    """Column values as Python objects: dates as Excel serial numbers (the column carries the
    date format), money as numbers, raw text where a date or amount was written unreadable."""
    values: dict[str, list[object]] = {
        "voucher_date": date_cells(lines),
        "debit": money_cells(lines["debit_fen"], lines["raw_amount"]),
        "credit": money_cells(lines["credit_fen"], lines["raw_amount"]),
    }
    values["voucher_no"] = hyphen_voucher_numbers(lines).tolist()
    values["attachments"] = lines["attachments"].astype("int64").tolist()
    for field in ("line_no", "summary", "account_code", "account_name", "counterparty",
                  "settlement", "decision_ref", "contract_ref", "preparer", "reviewer",
                  "bookkeeper"):
        values[field] = lines[field].tolist()
    return values


def _write_sheet(
    book: xlsxwriter.Workbook, name: str, lines: pd.DataFrame, variant: int
) -> np.ndarray:
    header = HEADERS[variant]
    fields = list(header)
    sheet = book.add_worksheet(name)
    bold = book.add_format({"bold": True})
    column_formats = {
        "voucher_date": book.add_format({"num_format": DATE_FORMAT}),
        "debit": book.add_format({"num_format": MONEY_FORMAT}),
        "credit": book.add_format({"num_format": MONEY_FORMAT}),
    }
    for column, field in enumerate(fields):
        sheet.set_column(column, column, COLUMN_WIDTHS.get(field, 10), column_formats.get(field))
    first = lines.iloc[0]
    sheet.write_string(0, 0, title(first["town"], first["village"]), bold)
    sheet.write_string(1, 0, period_caption(int(first["year"])))
    sheet.write_row(HEADER_ROW - 1, 0, list(header.values()), bold)
    sheet.freeze_panes(HEADER_ROW, 0)
    values = _cell_values(lines)
    rows = [list(row) for row in zip(*(values[field] for field in fields), strict=True)]
    summary_column = fields.index("summary")
    debit_column, credit_column = fields.index("debit"), fields.index("credit")
    source_rows = np.zeros(len(lines), dtype=np.int64)
    row_index = HEADER_ROW  # 0-based index of the next row to write
    for block in month_blocks(lines):
        for position in block.positions:
            sheet.write_row(row_index, 0, rows[position])
            row_index += 1
            source_rows[position] = row_index
        for label, debit, credit in ((MONTH_TOTAL, block.month_debit, block.month_credit),
                                     (YEAR_TOTAL, block.year_debit, block.year_credit)):
            sheet.write_string(row_index, summary_column, label, bold)
            sheet.write_number(row_index, debit_column, debit / 100)
            sheet.write_number(row_index, credit_column, credit / 100)
            row_index += 1
    return source_rows


def write_workbook(
    path: Path, sheets: list[tuple[str, pd.DataFrame]], *, variant: int
) -> list[np.ndarray]:
    """Write one workbook with a sheet per (name, village-year lines); returns each sheet's
    1-based row of every line.

    Variant 0 uses the standard headers; variant 1 header aliases in another order.
    """
    book = new_workbook(path)
    source_rows = [_write_sheet(book, name, lines, variant) for name, lines in sheets]
    book.close()
    return source_rows
