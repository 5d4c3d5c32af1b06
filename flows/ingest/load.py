"""Reading one ledger export: the file's grids, normalised, with a report of what was read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from checks.entry_schema import empty_entries
from flows.ingest.errors import LedgerFileError, where
from flows.ingest.grid import Grid, read_csv_grid
from flows.ingest.identity import assign_entry_ids
from flows.ingest.normalise import QUARANTINE_COLUMNS, GridLoad, normalise_grid
from flows.ingest.titles import Title, parse_name, parse_title
from flows.ingest.workbook import read_workbook_grids

CSV_SUFFIXES = {".csv", ".txt"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


@dataclass(frozen=True)
class FileReport:
    """What was read from one file; ``rows_read = loaded + quarantined + skipped_subtotal``.

    ``layout`` is a guess (A platform CSV, B 序时账 workbook, C legacy CSV); ``encoding`` is
    "" for workbooks; ``title`` is what the first sheet's title rows said (town, village,
    period range); ``sheet_errors`` names the sheets that could not be read and why.
    """

    file: str
    layout: str
    encoding: str
    sheets: list[str]
    rows_read: int
    loaded: int
    quarantined: int
    skipped_subtotal: int
    blank_rows: int
    title: dict[str, str]
    sheet_errors: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FileLoad:
    """One file's canonical entries, quarantined rows and report."""

    entries: pd.DataFrame
    quarantine: pd.DataFrame
    report: FileReport


def read_ledger_file(path: Path, *, default_town: str | None = None) -> FileLoad:
    """Read a ledger export (CSV, .xlsx or .xls) into canonical entries.

    Town and village come from the row's columns, else the sheet's title rows, the sheet name,
    the file name and finally ``default_town``. Raises ``LedgerFileError`` (a Chinese message
    naming the file) when the file cannot be read at all.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        grids, sheet_errors = read_workbook_grids(path)
        encoding = ""
    elif suffix in CSV_SUFFIXES:
        grid, encoding = read_csv_grid(path)
        grids, sheet_errors = [grid], {}
    else:
        raise LedgerFileError(
            f"{where(path.name)}：不支持的文件类型「{suffix}」。"
            "请提交 CSV（.csv）或 Excel 工作簿（.xlsx/.xls）。"
        )
    from_file = parse_name(path.stem).or_else(Title(town=default_town or ""))
    loads: list[GridLoad] = []
    titles: list[Title] = []
    for grid in grids:
        title = parse_title(grid.title_lines)
        try:
            loads.append(_normalise(grid, title, from_file))
        except LedgerFileError as error:
            if not grid.sheet:
                raise
            sheet_errors[grid.sheet] = str(error)
            continue
        titles.append(title)
    if not loads:
        raise LedgerFileError("；".join(sheet_errors.values()))
    entries = pd.concat([load.entries for load in loads], ignore_index=True)
    report = FileReport(
        file=path.name,
        layout=_layout(suffix, encoding, grids[0]),
        encoding=encoding,
        sheets=[grid.sheet for grid in grids if grid.sheet and grid.sheet not in sheet_errors],
        rows_read=sum(load.rows_read for load in loads),
        loaded=sum(load.loaded for load in loads),
        quarantined=sum(load.quarantined for load in loads),
        skipped_subtotal=sum(load.skipped_subtotal for load in loads),
        blank_rows=sum(load.blank_rows for load in loads),
        title=titles[0].to_dict(),
        sheet_errors=sheet_errors,
    )
    return FileLoad(
        entries=assign_entry_ids(entries) if len(entries) else empty_entries(),
        quarantine=pd.concat([load.quarantine for load in loads], ignore_index=True)[
            QUARANTINE_COLUMNS
        ],
        report=report,
    )


def _normalise(grid: Grid, title: Title, from_file: Title) -> GridLoad:
    fallback = title.or_else(parse_name(grid.sheet)).or_else(from_file)
    return normalise_grid(grid, fallback=fallback)


def _layout(suffix: str, encoding: str, grid: Grid) -> str:
    if suffix in WORKBOOK_SUFFIXES:
        return "B"
    return "C" if encoding == "gb18030" or grid.header_row > 1 else "A"
