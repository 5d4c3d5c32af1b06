"""Reading one register file (合同台账, 收付款计划, 资产台账, 资源台账) into canonical rows.

The journal's reading path, register by register: the same encodings, grids and workbook
reader, header rows found in the first rows, title rows, sheet and file names for the place,
the same skipped rows (合计, 签字, 模板说明) and the same quarantine. Every non-blank row below
the header ends loaded, quarantined with reasons naming its columns (a cell that does not
parse, or a rule of :mod:`checks.registers.schema` it breaks), or skipped with a reason.

A file is one register: its kind is that of its first sheet with a register's header row;
sheets of another register or of none are skipped and named.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from checks.registers.columns import COLUMNS, REGISTER_TITLES, SOURCE, empty_frame
from checks.registers.schema import register_failures
from flows.ingest.cells import WHITESPACE
from flows.ingest.conventions import SKIP_REASONS
from flows.ingest.errors import LedgerFileError, where
from flows.ingest.fields import UNIT_OPTION
from flows.ingest.grid import Grid, grid_from_rows, read_csv_grid
from flows.ingest.headers import ColumnMap
from flows.ingest.identity import hex_digests, row_hashes
from flows.ingest.load import (
    CSV_SUFFIXES,
    WORKBOOK_SUFFIXES,
    FileReport,
    ReadOptions,
    SheetReport,
)
from flows.ingest.normalise import QUARANTINE_COLUMNS, TOP_REASONS, extra_json, quarantine_rows
from flows.ingest.problems import Problems
from flows.ingest.registers.aliases import field_words
from flows.ingest.registers.fields import register_fields
from flows.ingest.registers.recognise import (
    RegisterHeader,
    csv_head,
    find_register_header,
    map_register_columns,
)
from flows.ingest.rows import skipped_rows
from flows.ingest.titles import Title, parse_name, parse_title, parse_unit
from flows.ingest.workbook import read_workbook_sheets

# Skip reasons beyond the journal's, worded for a person.
SKIP_WORDS = {
    **SKIP_REASONS,
    "section": "分类标题行",
    "not_register_sheet": "不是台账的工作表",
    "other_register": "另一种台账的工作表",
}
# A row with one filled cell that heads a group of rows: 一、经营性资产, （二）耕地, 房屋类.
_SECTION = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）])|类$")


@dataclass(frozen=True)
class RegisterLoad:
    """One register file's canonical rows (``frame``, the columns of
    :data:`checks.registers.columns.COLUMNS` for ``kind``), its quarantined rows (the journal's
    quarantine columns), the file's report (``rows_read = loaded + quarantined + skipped``) and
    how each sheet was read."""

    kind: str
    frame: pd.DataFrame
    quarantine: pd.DataFrame
    report: FileReport
    sheets: list[SheetReport] = field(default_factory=list)


def read_register_file(path: Path, options: ReadOptions | None = None) -> RegisterLoad:
    """Read a register export (CSV, .xlsx or .xls) into canonical rows.

    Town and village come from the row's columns (乡镇; 村, 单位名称, 发包方 …), else the sheet's
    title rows, the sheet name, the file name, ``--unit`` (or the profile's ``unit``) and the
    default town. Raises ``LedgerFileError`` (a Chinese message naming the file) when the file
    cannot be read or holds no register.
    """
    path = Path(path)
    options = options or ReadOptions()
    suffix = path.suffix.lower()
    if suffix not in WORKBOOK_SUFFIXES | CSV_SUFFIXES:
        raise LedgerFileError(
            f"{where(path.name)}：不支持的文件类型「{suffix}」。"
            "请提交 CSV（.csv）或 Excel 工作簿（.xlsx/.xls）。"
        )
    profile = options.profile
    beyond = parse_unit(options.unit or (profile.unit if profile else "") or "")
    reader = _Reader(path.name, options, parse_name(path.stem).or_else(
        beyond.or_else(Title(town=options.default_town or ""))))
    encoding = ""
    if suffix in WORKBOOK_SUFFIXES:
        for name, rows in read_workbook_sheets(path):
            if profile and profile.sheets and name not in profile.sheets:
                reader.skip(name, rows, "not_register_sheet", "不在导入配置所列的工作表中")
                continue
            reader.read_rows(name, rows)
    else:
        encoding = reader.read_csv(path)
    return reader.result(suffix, encoding)


@dataclass
class _SheetLoad:
    frame: pd.DataFrame
    quarantine: pd.DataFrame
    title: Title
    blank_rows: int


class _Reader:
    """Reads a file's sheets one by one and sums up what they gave."""

    def __init__(self, file: str, options: ReadOptions, beyond: Title) -> None:
        self.file = file
        self.options = options
        self.beyond = beyond
        self.kind = ""
        self.loads: list[_SheetLoad] = []
        self.reports: list[SheetReport] = []
        self.skipped_sheets: dict[str, str] = {}

    def read_csv(self, path: Path) -> str:
        head = csv_head(path)
        found = self._header([cells for _, cells in head])
        if found is None:
            raise LedgerFileError(_no_register_message(self.file))
        grid, encoding = read_csv_grid(path, header_row=head[found[0]][0])
        self._normalise(grid, found[1])
        return encoding

    def read_rows(self, sheet: str, rows: list[list[str]]) -> None:
        if not any(cell.strip() for row in rows for cell in row):
            return  # Excel's empty Sheet2, Sheet3
        found = self._header(rows)
        if found is None:
            self.skip(sheet, rows, "not_register_sheet", "不是台账（未找到台账的表头）")
            return
        index, kind = found
        if self.kind and kind != self.kind:
            self.skip(sheet, rows, "other_register",
                      f"是{REGISTER_TITLES[kind]}，与本文件的{REGISTER_TITLES[self.kind]}"
                      "不是同一种台账，未读取（请另存为单独的文件）")
            return
        self._normalise(grid_from_rows(rows, file=self.file, sheet=sheet, header_index=index),
                        kind)

    def skip(self, sheet: str, rows: list[list[str]], reason: str, words: str) -> None:
        count = sum(1 for row in rows if any(str(cell).strip() for cell in row))
        self.skipped_sheets[sheet] = words
        self.reports.append(SheetReport(sheet=sheet, kind="skipped", rows_read=count,
                                        skipped={reason: count}, reason=words))

    def _header(self, rows: list[list[str]]) -> tuple[int, str] | None:
        profile = self.options.profile
        if profile and profile.header_row:
            index = profile.header_row - 1
            found = find_register_header(rows[index:index + 1], profile)
            return (index, found[1]) if found else None
        return find_register_header(rows, profile)

    def _normalise(self, grid: Grid, kind: str) -> None:
        self.kind = self.kind or kind
        header = map_register_columns(kind, grid.headers, self.options.profile)
        title = parse_title(grid.title_lines)
        place = title.or_else(parse_name(grid.sheet)).or_else(self.beyond)
        if not header.columns.has("village") and not place.village:
            raise LedgerFileError(
                f"{where(grid.file, grid.sheet)}：无法确定这份{REGISTER_TITLES[kind]}属于哪个村："
                "表中没有村或单位列（村、单位名称、发包方、出租方、集体经济组织名称），标题行、"
                f"工作表名和文件名中也没有村名。请用 {UNIT_OPTION} 单位名 指定（如 "
                f"{UNIT_OPTION} 青石镇下坝村），或在导入配置中写 unit。")
        load, report = _normalise_grid(grid, header, place, self.options)
        self.loads.append(_SheetLoad(load.frame, load.quarantine, title, load.blank_rows))
        self.reports.append(report)

    def result(self, suffix: str, encoding: str) -> RegisterLoad:
        if not self.loads:
            details = "；".join(f"工作表「{name}」{reason}"
                               for name, reason in self.skipped_sheets.items())
            raise LedgerFileError(_no_register_message(self.file) + (details and f"（{details}）"))
        skipped = Counter[str]()
        reasons = Counter[str]()
        for report in self.reports:
            skipped.update(report.skipped)
            reasons.update(report.reasons)
        read = [report for report in self.reports if report.kind != "skipped"]
        if len(self.loads) == 1:  # most files: one sheet, its frames as they are
            frame, quarantine = self.loads[0].frame, self.loads[0].quarantine
        else:
            frame = pd.concat([load.frame for load in self.loads], ignore_index=True).astype(
                COLUMNS[self.kind])
            quarantine = pd.concat([load.quarantine for load in self.loads],
                                   ignore_index=True)[QUARANTINE_COLUMNS]
        report = FileReport(
            file=self.file,
            layout=_layout(suffix, encoding, read[0].header_row),
            encoding=encoding,
            sheets=[report.sheet for report in read if report.sheet],
            rows_read=sum(report.rows_read for report in self.reports),
            loaded=sum(report.loaded for report in read),
            quarantined=sum(report.quarantined for report in read),
            skipped=sum(skipped.values()),
            skipped_reasons=dict(skipped),
            blank_rows=sum(load.blank_rows for load in self.loads),
            title=self.loads[0].title.to_dict(),
            profile=self.options.profile.name if self.options.profile else "",
            quarantine_reasons=dict(reasons.most_common(TOP_REASONS)),
            skipped_sheets=self.skipped_sheets,
        )
        return RegisterLoad(kind=self.kind, frame=frame, quarantine=quarantine, report=report,
                            sheets=self.reports)


@dataclass(frozen=True)
class _GridLoad:
    frame: pd.DataFrame
    quarantine: pd.DataFrame
    blank_rows: int  # blank rows below the header, counted apart as the journal's are


def _normalise_grid(grid: Grid, header: RegisterHeader, place: Title, options: ReadOptions
                    ) -> tuple[_GridLoad, SheetReport]:
    """Canonical rows and quarantined rows of one grid, and how the grid was read."""
    columns = header.columns
    text = pd.DataFrame({position: grid.cells[position].str.strip(WHITESPACE)
                         for position in grid.cells.columns})
    blank = (text == "").all(axis=1).to_numpy()
    skipped = skipped_rows(text, columns, grid.headers, ~blank, options.profile)
    kept = ~blank
    for mask in skipped.values():
        kept &= ~mask
    sections = kept & _section_rows(text, header)
    if sections.any():
        skipped["section"] = sections
        kept &= ~sections
    rows = text[kept]
    problems = Problems(rows.index)
    fields = register_fields(rows, header, place, problems)
    frame = _frame(header.kind, fields, rows, columns, grid)
    _schema_problems(frame, header, problems)
    worded = problems.by_row()
    bad = pd.Index(sorted(worded))
    quarantine = quarantine_rows(grid, columns, worded, bad)
    frame = frame[~frame.index.isin(bad)].reset_index(drop=True)
    counts = {reason: int(mask.sum()) for reason, mask in skipped.items()}
    kinds = Counter(kind for _, _, kind in worded.values())
    report = SheetReport(
        sheet=grid.sheet, kind=header.kind, header_row=grid.header_row,
        profile=options.profile.name if options.profile else "",
        columns=columns.mapping(),
        place={"town": place.town, "village": place.village, "year": place.year},
        rows_read=len(rows) + sum(counts.values()), loaded=len(frame),
        quarantined=len(quarantine), skipped=counts,
        reasons=dict(kinds.most_common(TOP_REASONS)), unknown=columns.unknown_labels(),
    )
    return _GridLoad(frame, quarantine, blank_rows=int(blank.sum())), report


def _frame(kind: str, fields: dict[str, pd.Series], rows: pd.DataFrame, columns: ColumnMap,
           grid: Grid) -> pd.DataFrame:
    """The canonical columns of ``kind`` (indexed as ``rows``), with where each row came from,
    its unknown cells and the hash of its canonical fields. Built in one go, each column
    converted only where its dtype is not yet the canonical one (a register is a few rows, and
    each conversion's fixed cost adds up over a county's files)."""
    dtypes = COLUMNS[kind]
    if not len(rows):
        return empty_frame(dtypes)
    index = rows.index
    canonical = {name: _as_dtype(fields[name], dtype, index) for name, dtype in dtypes.items()
                 if name not in SOURCE}
    source = {
        "source_file": pd.Series(grid.file, index=index, dtype="str"),
        "source_sheet": pd.Series(grid.sheet, index=index, dtype="str"),
        "source_row": pd.Series(grid.row_numbers[index.to_numpy()], index=index,
                                dtype="int64"),
        "extra": pd.Series(extra_json(rows, columns).to_numpy(), index=index, dtype="str"),
        "content_hash": _as_dtype(hex_digests(row_hashes(pd.DataFrame(canonical, index=index)),
                                              index), "str", index),
    }
    return pd.DataFrame({name: canonical.get(name, source.get(name)) for name in dtypes},
                        index=index)


def _as_dtype(values: pd.Series, dtype: str, index: pd.Index) -> pd.Series:
    if str(values.dtype) != dtype:
        values = values.astype(dtype)
    return values if values.index is index else values.set_axis(index)


def _schema_problems(frame: pd.DataFrame, header: RegisterHeader, problems: Problems) -> None:
    """The schema's failures of the rows that parsed, as problems naming the file's columns."""
    parsed = frame[~frame.index.isin(problems.rows())]
    if parsed.empty:
        return
    failures = register_failures(parsed, header.kind)
    if failures.empty:
        return
    labels = _labels(header)
    for (fields, reason), group in failures.groupby(["fields", "reason"], sort=False):
        mask = problems.index.isin(group["row"])
        label = "、".join(labels[name] for name in fields)
        problems.where(mask, label, reason.format_map(labels))


def _labels(header: RegisterHeader) -> dict[str, str]:
    """Each field's name in reasons: its header as the file writes it, else its Chinese name."""
    return {name: header.columns.label(name) if header.columns.has(name) else word
            for name, word in field_words(header.kind).items()}


def _section_rows(text: pd.DataFrame, header: RegisterHeader) -> np.ndarray:
    """Rows with one filled cell that heads a group (一、经营性资产, 房屋类), not a register row."""
    filled = (text != "").sum(axis=1).to_numpy()
    single = filled == 1
    if not single.any():
        return single
    joined = text[single].apply(lambda row: "".join(row), axis=1)
    found = np.zeros(len(text), dtype=bool)
    found[np.flatnonzero(single)] = joined.str.contains(_SECTION).to_numpy(dtype=bool)
    return found


def _layout(suffix: str, encoding: str, header_row: int) -> str:
    """As the journal's: B a workbook, C a legacy CSV (GB18030 or titled), A a plain CSV."""
    if suffix in WORKBOOK_SUFFIXES:
        return "B"
    return "C" if encoding == "gb18030" or header_row > 1 else "A"


def _no_register_message(file: str) -> str:
    return (
        f"{where(file)}：前几行中未找到台账的表头。合同台账需有合同编号和起止日期（或起始/终止日期）"
        "列；收付款计划需有合同编号和期次、应收日期或应收金额列；资产台账需有资产编号或资产名称和"
        "原值列；资源台账需有资源编号（地块编码）和面积列。"
        "可先用 sanzi-audit inspect 查看文件内容。"
    )

