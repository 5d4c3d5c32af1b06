"""A workbook export (.xlsx, .xls) as one text grid per sheet, read with calamine.

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
from flows.ingest.grid import Grid, grid_from_rows
from flows.ingest.headers import no_header_message

FEN_TOLERANCE_YUAN = 1e-6
_EXACT_FLOAT_LIMIT = 1e15  # beyond this a float has no room for fen


def read_workbook_grids(path: Path) -> tuple[list[Grid], dict[str, str]]:
    """A grid for every sheet with a header, and an error message for every sheet without one.

    Empty sheets (Excel's default Sheet2, Sheet3) are passed over. Raises ``LedgerFileError``
    when the workbook cannot be opened or no sheet has a header.
    """
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
    grids: list[Grid] = []
    errors: dict[str, str] = {}
    for name, rows in sheets:
        text_rows = [[cell_text(value) for value in row] for row in rows]
        if not any(cell.strip() for row in text_rows for cell in row):
            continue
        grid = grid_from_rows(text_rows, file=path.name, sheet=name)
        if grid is None:
            errors[name] = no_header_message(path.name, name)
        else:
            grids.append(grid)
    if not grids:
        detail = "；".join(errors.values()) or "所有工作表均为空"
        raise LedgerFileError(f"{where(path.name)}：没有可读取的工作表。{detail}")
    return grids, errors


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
