"""A workbook export (.xlsx, .xls) as rows of text per sheet, read with calamine.

Cells become the text the CSV parsers read: a date cell becomes ``2023-01-05``; a number is
written exactly, and a float that is not within 1e-6 of a whole fen keeps all its digits so the
amount parser quarantines it instead of rounding it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from flows.ingest.errors import LedgerFileError, where

FEN_TOLERANCE_YUAN = 1e-6
_EXACT_FLOAT_LIMIT = 1e15  # beyond this a float has no room for fen


def read_workbook_sheets(path: Path) -> list[tuple[str, list[list[str]]]]:
    """Every sheet of the workbook as rows of cell text, from A1 (so row numbers are a
    spreadsheet's). Raises ``LedgerFileError`` when the workbook cannot be opened."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = [
            (name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in workbook.sheet_names
        ]
    except CalamineError as error:
        raise LedgerFileError(
            f"{where(path.name)}：无法打开工作簿（{error}）。请确认文件完整、未加密，"
            "可在 Excel 中打开后另存为 .xlsx 再提交。"
        ) from None
    return [(name, [[cell_text(value) for value in row] for row in rows])
            for name, rows in sheets]


def cell_text(value: object) -> str:
    """The text of one calamine cell value, exact for numbers and dates."""
    convert = _CONVERTERS.get(type(value))
    return convert(value) if convert else str(value)


def _float_text(value: float) -> str:
    """A spreadsheet number as decimal text: whole fen when it is one, else every digit."""
    if not math.isfinite(value) or abs(value) >= _EXACT_FLOAT_LIMIT:
        return repr(value)
    if value.is_integer():
        return str(int(value))
    fen = round(value * 100)
    if abs(value - fen / 100) > FEN_TOLERANCE_YUAN:
        return repr(value)
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan}" if cents == 0 else f"{sign}{yuan}.{cents:02d}"


def _datetime_text(value: dt.datetime) -> str:
    if value.time() == dt.time(0):
        return value.date().isoformat()
    return value.isoformat(sep=" ")


_CONVERTERS: dict[type, Callable[[Any], str]] = {
    str: str,
    float: _float_text,
    int: str,
    bool: lambda value: "TRUE" if value else "FALSE",
    dt.datetime: _datetime_text,
    dt.date: dt.date.isoformat,
}
