"""Reading one ledger export: its sheets recognised, normalised, with a report of what was read.

Each sheet (a CSV is one) is a journal table with a header row, printed vouchers
(:mod:`flows.ingest.vouchers`), or not a journal at all (现金流量, 科目余额表, 说明), which is
skipped and named. The profile is the user's (``--profile``), else the shipped profile whose
``match`` headers the sheet's header row holds, else none: the conventions alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from checks.charts import Chart, charts_with
from checks.entry_schema import empty_entries
from checks.params import AuditParams, ChartOverride
from flows.ingest.conventions import header_key
from flows.ingest.errors import LedgerFileError, MissingColumns, where
from flows.ingest.fields import Reading
from flows.ingest.grid import Grid, grid_from_rows, read_csv_grid, read_csv_rows
from flows.ingest.headers import find_header_row
from flows.ingest.identity import assign_entry_ids
from flows.ingest.normalise import QUARANTINE_COLUMNS, TOP_REASONS, GridLoad, normalise_grid
from flows.ingest.profiles import ImportProfile, matching_profile, shipped_profiles
from flows.ingest.titles import Title, parse_name, parse_title, parse_unit
from flows.ingest.vouchers import read_voucher_sheet
from flows.ingest.workbook import read_workbook_sheets

CSV_SUFFIXES = {".csv", ".txt"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
VOUCHER_LAYOUT = "V"


@dataclass(frozen=True)
class ReadOptions:
    """How to read a run's files besides what they say themselves (picklable, for workers).

    ``unit`` names the books' owner where a file names none (``--unit``); ``profile`` is the
    user's import profile, applied to every file; ``chart_overrides`` (the county's
    ``charts`` parameters) complete the charts that resolve account names to codes, and
    ``unit_charts`` name the chart of units that keep to one whatever the period.
    """

    default_town: str | None = None
    unit: str | None = None
    profile: ImportProfile | None = None
    chart_overrides: Mapping[str, ChartOverride] = field(default_factory=dict)
    unit_charts: Mapping[str, str] = field(default_factory=dict)

    def key(self) -> list[Any]:
        """What of the options a file's part depends on, JSON-ready."""
        return [self.default_town, self.unit,
                self.profile.model_dump(mode="json") if self.profile else None,
                {key: value.model_dump(mode="json")
                 for key, value in sorted(self.chart_overrides.items())},
                dict(sorted(self.unit_charts.items()))]


def reading_options(params: AuditParams, profile: ImportProfile | None = None) -> ReadOptions:
    """How a run reads its files: the default town, ``ingest.unit``, the user's profile
    (loaded from ``ingest.profile`` by the caller) and the county's charts."""
    return ReadOptions(default_town=params.default_town, unit=params.ingest.unit,
                       profile=profile, chart_overrides=dict(params.charts),
                       unit_charts=dict(params.unit_charts))


@dataclass(frozen=True)
class SheetReport:
    """How one sheet was understood: ``kind`` is journal (a table), vouchers (printed) or
    skipped (with ``reason``); ``columns`` maps each column's header to its field."""

    sheet: str
    kind: str
    header_row: int = 0
    profile: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    place: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    loaded: int = 0
    quarantined: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    filled_down: int = 0
    balanced_vouchers: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass(frozen=True)
class FileReport:
    """What was read from one file: ``rows_read = loaded + quarantined + skipped``.

    ``skipped_reasons`` counts the skipped rows per reason (the keys of
    :data:`flows.ingest.conventions.SKIP_REASONS`); ``skipped_sheets`` names the sheets that
    are not journals and why; ``sheet_errors`` the journal sheets that could not be read.
    ``quarantine_reasons`` are the most common problems of the quarantined rows;
    ``balanced_vouchers`` the vouchers of sheets without a number column, told apart by their
    balance; ``filled_down`` lines took the voucher cells of the line above. ``layout`` is
    a guess (A platform CSV, B 序时账 workbook, C legacy CSV, V printed vouchers); ``title`` what
    the first sheet's headings said.
    """

    file: str
    layout: str
    encoding: str
    sheets: list[str]
    rows_read: int
    loaded: int
    quarantined: int
    skipped: int
    skipped_reasons: dict[str, int]
    blank_rows: int
    title: dict[str, str]
    profile: str = ""
    filled_down: int = 0
    balanced_vouchers: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    skipped_sheets: dict[str, str] = field(default_factory=dict)
    sheet_errors: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FileLoad:
    """One file's canonical entries, quarantined rows, report, and how each sheet was read."""

    entries: pd.DataFrame
    quarantine: pd.DataFrame
    report: FileReport
    sheets: list[SheetReport] = field(default_factory=list)


def read_ledger_file(
    path: Path, *, default_town: str | None = None, options: ReadOptions | None = None
) -> FileLoad:
    """Read a ledger export (CSV, .xlsx or .xls) into canonical entries.

    Town and village come from the row's columns, else the sheet's title rows, the sheet name,
    the file name, ``--unit`` and finally the default town. Raises ``LedgerFileError`` (a
    Chinese message naming the file) when the file cannot be read at all.
    """
    path = Path(path)
    options = options or ReadOptions(default_town=default_town)
    if default_town and not options.default_town:
        options = replace(options, default_town=default_town)
    suffix = path.suffix.lower()
    if suffix not in WORKBOOK_SUFFIXES | CSV_SUFFIXES:
        raise LedgerFileError(
            f"{where(path.name)}：不支持的文件类型「{suffix}」。"
            "请提交 CSV（.csv）或 Excel 工作簿（.xlsx/.xls）。"
        )
    charts = charts_with(options.chart_overrides)
    from_file = parse_name(path.stem)
    beyond = parse_unit(options.unit or (options.profile.unit if options.profile else "") or "")
    beyond = beyond.or_else(Title(town=options.default_town or ""))
    candidates = (options.profile,) if options.profile else (None, *shipped_profiles())
    reader = _SheetReader(path.name, candidates, options.profile, charts, from_file, beyond,
                          dict(options.unit_charts))
    encoding = ""
    if suffix in WORKBOOK_SUFFIXES:
        for name, rows in read_workbook_sheets(path):
            if options.profile and options.profile.sheets and name not in options.profile.sheets:
                reader.skip(name, rows, "不在导入配置所列的工作表中")
                continue
            reader.read_rows(name, rows)
    else:
        encoding = reader.read_csv(path)
    return reader.result(suffix, encoding)


class _SheetReader:
    """Reads a file's sheets one by one and sums up what they gave."""

    def __init__(self, file: str, candidates: tuple[ImportProfile | None, ...],
                 chosen: ImportProfile | None, charts: Mapping[str, Chart], from_file: Title,
                 beyond: Title, unit_charts: dict[str, str]) -> None:
        self.file = file
        self.candidates = candidates
        self.chosen = chosen
        self.charts = charts
        self.from_file = from_file
        self.beyond = beyond
        self.unit_charts = unit_charts
        self.loads: list[GridLoad] = []
        self.reports: list[SheetReport] = []
        self.titles: list[Title] = []
        self.errors: dict[str, str] = {}
        # sheets whose header lacks required columns: (message, what is missing, rows)
        self.incomplete: dict[str, tuple[str, list[str], int]] = {}
        self.skipped_sheets: dict[str, str] = {}
        self.skipped_rows = 0
        self.voucher_sheets = 0

    def read_csv(self, path: Path) -> str:
        try:
            grid, encoding = read_csv_grid(path, self.candidates, header_row=self._header_row())
        except LedgerFileError:
            rows, encoding = read_csv_rows(path)
            if not self._vouchers("", rows):
                raise
            return encoding
        self._journal(grid)
        return encoding

    def read_rows(self, sheet: str, rows: list[list[str]]) -> None:
        if not any(cell.strip() for row in rows for cell in row):
            return  # Excel's empty Sheet2, Sheet3
        header = self._header_row()
        header = header - 1 if header else find_header_row(rows, self.candidates)
        if header is not None and header < len(rows):
            grid = grid_from_rows(rows, file=self.file, sheet=sheet, header_index=header)
            self._journal(grid)
        elif not self._vouchers(sheet, rows):
            self.skip(sheet, rows, "不是凭证或序时账（未找到表头）")

    def _header_row(self) -> int | None:
        """The header's row number where the user's profile says it."""
        return self.chosen.header_row if self.chosen else None

    def skip(self, sheet: str, rows: list[list[str]], reason: str) -> None:
        count = sum(1 for row in rows if any(str(cell).strip() for cell in row))
        self.skipped_sheets[sheet] = reason
        self.skipped_rows += count
        self.reports.append(SheetReport(sheet=sheet, kind="skipped", rows_read=count,
                                        skipped={"not_journal_sheet": count}, reason=reason))

    def _journal(self, grid: Grid) -> None:
        profile = self.chosen or matching_profile(_header_keys(grid.headers),
                                                  tuple(p for p in self.candidates if p))
        title = parse_title(grid.title_lines)
        self._normalise(grid, title, profile, kind="journal")

    def _vouchers(self, sheet: str, rows: list[list[str]]) -> bool:
        printed = read_voucher_sheet(rows, file=self.file, sheet=sheet)
        if printed is None:
            return False
        self.voucher_sheets += 1
        self._normalise(printed.grid, printed.title, self.chosen, kind="vouchers",
                        skipped_before=printed.skipped)
        return True

    def _normalise(self, grid: Grid, title: Title, profile: ImportProfile | None, *, kind: str,
                   skipped_before: dict[str, int] | None = None) -> None:
        place = title.or_else(parse_name(grid.sheet)).or_else(self.from_file)
        place = place.or_else(self.beyond)
        reading = Reading(place=place, profile=profile, charts=self.charts,
                          unit_charts=self.unit_charts)
        try:
            load = normalise_grid(grid, reading, skipped_before=skipped_before)
        except MissingColumns as error:
            if not grid.sheet:
                raise
            filled = grid.cells.apply(lambda column: column.str.strip()) != ""
            rows = len(grid.title_lines) + 1 + int(filled.any(axis=1).sum())
            self.incomplete[grid.sheet] = (str(error), error.missing, rows)
            return
        except LedgerFileError as error:
            if not grid.sheet:
                raise
            self.errors[grid.sheet] = str(error)
            return
        self.loads.append(load)
        self.titles.append(title)
        self.reports.append(SheetReport(
            sheet=grid.sheet, kind=kind, header_row=grid.header_row,
            profile=profile.name if profile else "", columns=load.columns.mapping(),
            place={"town": place.town, "village": place.village, "year": place.year},
            rows_read=load.rows_read, loaded=load.loaded, quarantined=load.quarantined,
            skipped=load.skipped, filled_down=load.filled_down,
            balanced_vouchers=load.balanced_vouchers, reasons=load.reasons,
            unknown=load.columns.unknown_labels()))

    def result(self, suffix: str, encoding: str) -> FileLoad:
        if not self.loads:
            details = "；".join([*self.errors.values(),
                                *(message for message, _, _ in self.incomplete.values()),
                                *(f"工作表「{name}」{reason}"
                                  for name, reason in self.skipped_sheets.items())])
            if not details:
                details = "所有工作表均为空"
            raise LedgerFileError(f"{where(self.file)}：没有可读取的凭证或序时账。{details}")
        for sheet, (_, missing, rows) in self.incomplete.items():
            # beside sheets that are journals, a sheet lacking their columns is something else
            reason = f"表头缺少凭证必需的列（{'；'.join(missing)}），不作为凭证读取"
            self.skipped_sheets[sheet] = reason
            self.skipped_rows += rows
            self.reports.append(SheetReport(sheet=sheet, kind="skipped", rows_read=rows,
                                            skipped={"not_journal_sheet": rows}, reason=reason))
        skipped = Counter[str]()
        reasons = Counter[str]()
        for load in self.loads:
            skipped.update(load.skipped)
            reasons.update(load.reasons)
        if self.skipped_rows:
            skipped["not_journal_sheet"] += self.skipped_rows
        entries = pd.concat([load.entries for load in self.loads], ignore_index=True)
        profiles = dict.fromkeys(report.profile for report in self.reports if report.profile)
        report = FileReport(
            file=self.file,
            layout=self._layout(suffix, encoding),
            encoding=encoding,
            sheets=[sheet.sheet for sheet in self.reports if sheet.kind != "skipped"
                    and sheet.sheet],
            rows_read=sum(load.rows_read for load in self.loads) + self.skipped_rows,
            loaded=sum(load.loaded for load in self.loads),
            quarantined=sum(load.quarantined for load in self.loads),
            skipped=sum(skipped.values()),
            skipped_reasons=dict(skipped),
            blank_rows=sum(load.blank_rows for load in self.loads),
            title=self.titles[0].to_dict(),
            profile="、".join(profiles),
            filled_down=sum(load.filled_down for load in self.loads),
            balanced_vouchers=sum(load.balanced_vouchers for load in self.loads),
            quarantine_reasons=dict(reasons.most_common(TOP_REASONS)),
            skipped_sheets=self.skipped_sheets,
            sheet_errors=self.errors,
        )
        return FileLoad(
            entries=assign_entry_ids(entries) if len(entries) else empty_entries(),
            quarantine=pd.concat([load.quarantine for load in self.loads], ignore_index=True)[
                QUARANTINE_COLUMNS
            ],
            report=report,
            sheets=self.reports,
        )

    def _layout(self, suffix: str, encoding: str) -> str:
        if self.voucher_sheets and self.voucher_sheets == len(self.loads):
            return VOUCHER_LAYOUT
        if suffix in WORKBOOK_SUFFIXES:
            return "B"
        first = next((report for report in self.reports if report.kind == "journal"), None)
        header_row = first.header_row if first else 1
        return "C" if encoding == "gb18030" or header_row > 1 else "A"


def _header_keys(headers: list[str]) -> set[str]:
    return {header_key(header) for header in headers}
