"""Open a generated file the way a person would and read its rows by row number.

Test helper, deliberately naive and independent of the generator's writers: it knows the
header aliases of the canonical fields (flows/ingest/conventions.yaml) and the text forms of
amounts and dates, nothing else.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from functools import cache
from pathlib import Path

from python_calamine import CalamineWorkbook

ALIASES = {
    "voucher_date": ("凭证日期", "日期"),
    "voucher_no": ("凭证号", "凭证字号"),
    "summary": ("摘要",),
    "account_code": ("科目编码", "科目代码"),
    "debit": ("借方金额", "借方"),
    "credit": ("贷方金额", "贷方"),
    "direction": ("方向",),
    "amount": ("金额",),
}
CHINESE_DATE = re.compile(r"^(\d{4})[年/-](\d{1,2})[月/-](\d{1,2})日?$")
LEGACY_VOUCHER = re.compile(r"^(.)字第(\d+)号$")


@cache
def sheet_rows(path: Path, sheet: str) -> list[list[object]]:
    """All rows of a CSV file or a workbook sheet; index ``n - 1`` is row ``n``."""
    if path.suffix == ".xlsx":
        workbook = CalamineWorkbook.from_path(str(path))
        return workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    return list(csv.reader(io.StringIO(text, newline="")))


def header_of(rows: list[list[object]]) -> dict[str, int]:
    """Canonical field -> column, from the first row (of the first ten) holding 摘要."""
    for row in rows[:10]:
        cells = [str(cell).strip() for cell in row]
        if "摘要" in cells:
            return {
                field: cells.index(alias)
                for field, aliases in ALIASES.items()
                for alias in aliases
                if alias in cells
            }
    raise AssertionError("no header row in the first ten rows")


def fen(cell: object) -> int:
    """Integer fen of a numeric cell or an amount text such as ``"1，234.50"``; 0 if empty."""
    if isinstance(cell, int | float):
        return round(cell * 100)
    text = str(cell).replace(",", "").replace("，", "").strip()
    return round(float(text) * 100) if text else 0


def voucher_no(cell: object) -> str:
    """``记-12`` from ``记-12`` or ``记字第12号``."""
    text = str(cell).strip()
    match = LEGACY_VOUCHER.match(text)
    return f"{match[1]}-{match[2]}" if match else text


def date_of(cell: object) -> dt.date:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    match = CHINESE_DATE.match(str(cell).strip())
    if not match:
        raise AssertionError(f"not a date: {cell!r}")
    return dt.date(int(match[1]), int(match[2]), int(match[3]))


def read_line(path: Path, sheet: str, row: int) -> dict[str, object]:
    """The journal line at 1-based ``row``: date, voucher, summary, account and amounts."""
    rows = sheet_rows(path, sheet)
    columns = header_of(rows)
    cells = rows[row - 1]
    line = {field: cells[column] for field, column in columns.items()}
    if "direction" in line:
        amount = line.pop("amount")
        on_credit = line.pop("direction") == "贷"
        line["debit"], line["credit"] = ("", amount) if on_credit else (amount, "")
    return line
