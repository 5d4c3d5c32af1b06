"""A grid of text cells to canonical journal entries and quarantined rows (FORMATS.md §1, §3).

Every non-blank row below the header ends up in exactly one place: an entry, a quarantined
row with a Chinese reason naming the column and the bad value, or a skipped subtotal row.
Parsing is column-at-a-time; Python loops only over quarantined rows, to word their reasons.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from checks.entry_schema import ENTRY_COLUMNS, empty_entries
from flows.ingest.cells import (
    WHITESPACE,
    Parsed,
    fold_width,
    parse_account_codes,
    parse_amounts,
    parse_counts,
    parse_dates,
    parse_directions,
    parse_distinct,
    parse_periods,
    parse_voucher_numbers,
    period_of,
)
from flows.ingest.errors import LedgerFileError, where
from flows.ingest.grid import Grid
from flows.ingest.headers import ColumnMap, map_columns
from flows.ingest.titles import Title

QUARANTINE_COLUMNS = ["source_file", "source_sheet", "source_row", "column", "reason", "raw"]
DEFAULT_VOUCHER_WORD = "记"
# A row without a voucher number whose cell reads like 本月合计, 本年累计, 2023年1月合计,
# 期初余额, 上年结转 or 承前页 is a subtotal or carried balance, not a journal line.
SUBTOTAL_LABEL = (
    r"^(?:\d{4}年)?(?:\d{1,2}月)?"
    r"(?:本日|本月|本期|本季|本年|全年|上年|年初|期初|期末|月末|年末|本页)?"
    r"(?:合计|累计|小计|总计|余额|结转|承前页|过次页)$"
)
TEXT_FIELDS = (
    "org_code", "summary", "account_name", "counterparty", "settlement",
    "decision_ref", "contract_ref", "preparer", "reviewer", "bookkeeper",
)
_CONTROL_CHARACTERS = r"[\x00-\x1f]"


@dataclass(frozen=True)
class GridLoad:
    """What one grid gave: entries, quarantined rows, and the row counts that add up.

    ``rows_read`` (non-blank rows below the header) = ``loaded`` + ``quarantined`` +
    ``skipped_subtotal``; blank rows are counted apart.
    """

    entries: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: int
    loaded: int
    quarantined: int
    skipped_subtotal: int
    blank_rows: int


def normalise_grid(grid: Grid, *, fallback: Title) -> GridLoad:
    """Canonical entries and quarantined rows from one grid.

    ``fallback`` gives town and village where the row has none (title rows, sheet name, file
    name, configured default town — the caller has already put them in that order).
    """
    columns = map_columns(grid.headers)
    missing = columns.missing_required()
    if missing:
        raise LedgerFileError(
            f"{where(grid.file, grid.sheet, grid.header_row)}的表头缺少必需的列："
            f"{'；'.join(missing)}。请在导出时包含这些列（列名可用所列任一名称）。"
        )
    text = pd.DataFrame(
        {position: grid.cells[position].str.strip(WHITESPACE) for position in grid.cells.columns}
    )
    blank = (text == "").all(axis=1).to_numpy()
    subtotal = _subtotal_rows(text, columns, ~blank)
    kept = ~blank & ~subtotal
    rows = text if kept.all() else text[kept]
    problems = _Problems(rows.index)
    fields = _parse_fields(rows, columns, fallback, problems)
    bad = problems.rows()
    good = ~rows.index.isin(bad)
    row_numbers = grid.row_numbers[rows.index.to_numpy()]
    entries = _entries(fields, good, row_numbers, grid)
    entries["extra"] = _extra_json(rows if good.all() else rows[good], columns)
    quarantine = _quarantine(grid, columns, problems, bad)
    return GridLoad(
        entries=entries[ENTRY_COLUMNS],
        quarantine=quarantine,
        rows_read=len(rows) + int(subtotal.sum()),
        loaded=len(entries),
        quarantined=len(quarantine),
        skipped_subtotal=int(subtotal.sum()),
        blank_rows=int(blank.sum()),
    )


class _Problems:
    """Reasons for quarantining rows, gathered field by field, kept only for bad rows."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.found: list[tuple[str, pd.Series]] = []

    def bad_values(self, label: str, raw: pd.Series, problems: pd.Series) -> None:
        """Cells that did not parse: 凭证日期「2023-02-30」不是真实存在的日期."""
        if len(problems):
            self.found.append((label, label + "「" + raw[problems.index] + "」" + problems))

    def where(self, mask: np.ndarray | pd.Series, label: str, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.found.append((label, pd.Series(reason, index=self.index[mask], dtype="str")))

    def missing(self, raw: pd.Series, label: str) -> None:
        self.where((raw == "").to_numpy(), label, f"{label}为空")

    def rows(self) -> pd.Index:
        """The bad rows, in file order."""
        if not self.found:
            return self.index[:0]
        return pd.Index(sorted(set().union(*(reasons.index for _, reasons in self.found))))

    def by_row(self) -> dict[int, tuple[list[str], list[str]]]:
        """Per bad row, the labels of its bad columns and the reasons, in field order."""
        worded: dict[int, tuple[list[str], list[str]]] = {}
        for label, reasons in self.found:
            for row, reason in reasons.items():
                labels, texts = worded.setdefault(row, ([], []))
                if label not in labels:
                    labels.append(label)
                texts.append(reason)
        return worded


class _Columns:
    """The rows' cells by canonical field, parsed with their problems noted."""

    def __init__(self, rows: pd.DataFrame, columns: ColumnMap, problems: _Problems) -> None:
        self.rows = rows
        self.columns = columns
        self.problems = problems

    def has(self, field: str) -> bool:
        return field in self.columns.fields

    def text(self, field: str) -> pd.Series:
        if self.has(field):
            return self.rows[self.columns.fields[field]]
        return _repeated_text("", len(self.rows), self.rows.index)

    def label(self, field: str, default: str = "") -> str:
        return self.columns.label(field) if self.has(field) else default

    def parse(
        self,
        field: str,
        parse: Callable[[pd.Series], Parsed],
        *,
        required: bool = False,
        repeating: bool = True,
    ) -> Parsed:
        """Parse a field's cells (each distinct text once when values repeat), noting problems."""
        raw = self.text(field)
        folded = _folded(parse)
        parsed = parse_distinct(folded, raw) if repeating else folded(raw)
        if required:
            self.problems.missing(raw, self.label(field))
        self.problems.bad_values(self.label(field), raw, parsed.problems)
        return parsed


def _parse_fields(
    rows: pd.DataFrame, columns: ColumnMap, fallback: Title, problems: _Problems
) -> dict[str, pd.Series]:
    """Every canonical field for every row; the problems are noted on the way."""
    cells = _Columns(rows, columns, problems)
    fields: dict[str, pd.Series] = {name: cells.text(name) for name in TEXT_FIELDS}
    fields["town"] = _or_else(cells.text("town"), fallback.town)
    fields["village"] = _or_else(cells.text("village"), fallback.village)
    village = cells.label("village", "单位名称")
    problems.where(
        (fields["village"] == "").to_numpy(),
        village,
        f"{village}为空，标题行、工作表名和文件名中也没有村名",
    )
    dates = cells.parse("voucher_date", parse_dates, required=True).values
    fields["voucher_date"] = dates
    fields["voucher_word"], fields["voucher_number"] = _voucher_numbers(cells)
    fields["period"] = _periods(cells, dates)
    fields["account_code"] = cells.parse("account_code", parse_account_codes, required=True).values
    fields["debit_fen"], fields["credit_fen"] = _amounts(cells)
    fields["line_no"] = _line_numbers(cells, fields)
    if cells.has("attachments"):
        fields["attachments"] = cells.parse("attachments", parse_counts).values
    else:
        fields["attachments"] = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    return fields


def _voucher_numbers(cells: _Columns) -> tuple[pd.Series, pd.Series]:
    """凭证字 (from the number, else a 凭证字 column, else 记) and 凭证号."""
    raw = cells.text("voucher_no")
    numbers = parse_voucher_numbers(fold_width(raw))
    cells.problems.missing(raw, cells.label("voucher_no"))
    cells.problems.bad_values(cells.label("voucher_no"), raw, numbers.problems)
    word = numbers.word
    if cells.has("voucher_word"):
        word = word.where(word != "", cells.text("voucher_word"))
    return word.where(word != "", DEFAULT_VOUCHER_WORD), numbers.number


def _periods(cells: _Columns, dates: pd.Series) -> pd.Series:
    """会计期间 where given, else the month of the voucher date."""
    if not cells.has("period"):
        return period_of(dates)
    periods = cells.parse("period", parse_periods).values
    given = cells.text("period") != ""
    return periods if given.all() else periods.where(given, period_of(dates))


def _amounts(cells: _Columns) -> tuple[pd.Series, pd.Series]:
    """Debit and credit fen from a 借方/贷方 pair, or from 方向 + 金额."""
    if cells.has("direction"):
        direction = cells.parse("direction", parse_directions, required=True).values
        fen = cells.parse("amount", parse_amounts, required=True, repeating=False).values
        fen = fen.fillna(0)
        return fen.where(direction == "借", 0), fen.where(direction == "贷", 0)
    debit = cells.parse("debit", parse_amounts, repeating=False).values
    credit = cells.parse("credit", parse_amounts, repeating=False).values
    pair = "、".join(cells.label(field) for field in ("debit", "credit") if cells.has(field))
    both_empty = (cells.text("debit") == "") & (cells.text("credit") == "")
    cells.problems.where(both_empty.to_numpy(), pair, f"{pair}均为空")
    return debit.fillna(0), credit.fillna(0)


def _line_numbers(cells: _Columns, fields: dict[str, pd.Series]) -> pd.Series:
    """分录号 where given, else the line's place within its voucher in file order."""
    if not cells.has("line_no"):
        return _order_within_voucher(fields)
    given = cells.parse("line_no", partial(parse_counts, minimum=1)).values
    filled = cells.text("line_no") != ""
    return given if filled.all() else given.where(filled, _order_within_voucher(fields))


def _order_within_voucher(fields: dict[str, pd.Series]) -> pd.Series:
    """1, 2, 3 … down each voucher (village, period, word, number), for rows whose key parsed."""
    key = pd.DataFrame(
        {name: fields[name] for name in ("village", "period", "voucher_word", "voucher_number")}
    )
    known = (
        (key["village"] != "") & (key["period"] != "") & key["voucher_number"].notna()
    ).to_numpy()
    order = pd.Series(pd.NA, index=key.index, dtype="Int64")
    if known.any():
        order[known] = key[known].groupby(list(key.columns), sort=False).cumcount() + 1
    return order


def _folded(parse: Callable[[pd.Series], Parsed]) -> Callable[[pd.Series], Parsed]:
    """``parse`` applied to the text with full-width digits and signs folded to ASCII."""
    return lambda text: parse(fold_width(text))


def _or_else(values: pd.Series, default: str) -> pd.Series:
    return values.where(values != "", default) if default else values


def _subtotal_rows(text: pd.DataFrame, columns: ColumnMap, candidates: np.ndarray) -> np.ndarray:
    """Rows without a voucher number that carry a subtotal label (本月合计, 本年累计 …)."""
    voucher = text[columns.fields["voucher_no"]]
    candidates = candidates & (voucher == "").to_numpy()
    subtotal = np.zeros(len(text), dtype=bool)
    if not candidates.any():
        return subtotal
    subset = text[candidates]
    labelled = np.zeros(len(subset), dtype=bool)
    for position in subset.columns:
        squeezed = subset[position].str.replace(r"\s+", "", regex=True)
        labelled |= squeezed.str.fullmatch(SUBTOTAL_LABEL).to_numpy(dtype=bool)
    subtotal[np.flatnonzero(candidates)[labelled]] = True
    return subtotal


def _entries(
    fields: dict[str, pd.Series], good: np.ndarray, row_numbers: np.ndarray, grid: Grid
) -> pd.DataFrame:
    if not good.any():
        return empty_entries()
    chosen = {name: values if good.all() else values[good] for name, values in fields.items()}
    count = int(good.sum())
    index = chosen["village"].index
    number = chosen["voucher_number"].astype("int64")
    frame = pd.DataFrame(
        {
            **{name: chosen[name] for name in ("town", "village", "period", *TEXT_FIELDS)},
            "voucher_date": chosen["voucher_date"].astype("datetime64[s]"),
            "voucher_word": chosen["voucher_word"],
            "voucher_number": number,
            "voucher_no": chosen["voucher_word"] + "-" + number.astype("str"),
            "line_no": chosen["line_no"].astype("int64"),
            "account_code": chosen["account_code"],
            "debit_fen": chosen["debit_fen"].astype("int64"),
            "credit_fen": chosen["credit_fen"].astype("int64"),
            "attachments": chosen["attachments"].astype("Int64"),
            "source_row": pd.Series(row_numbers[good], index=index, dtype="int64"),
        },
        index=index,
    )
    for name, value in (
        ("source_file", grid.file),
        ("source_sheet", grid.sheet),
        ("entry_id", ""),
        ("content_hash", ""),
    ):
        frame[name] = _repeated_text(value, count, index)
    return frame.reset_index(drop=True)


def _repeated_text(value: str, count: int, index: pd.Index) -> pd.Series:
    """A ``str`` column holding one value, built in Arrow rather than from a Python list."""
    return pc.fill_null(pa.nulls(count, pa.string()), value).to_pandas().set_axis(index)


def _extra_json(rows: pd.DataFrame, columns: ColumnMap) -> pd.Series:
    """Unknown columns' non-empty cells as a JSON object per row ("" when there are none)."""
    body = _repeated_text("", len(rows), rows.index)
    for position in columns.unknown:
        values = rows[position]
        filled = values != ""
        if not filled.any():
            continue
        key = json.dumps(columns.labels[position], ensure_ascii=False)
        pair = (key + ': "' + _json_escape(values) + '"').where(filled, "")
        joined = body + ", " + pair
        body = joined.where((body != "") & filled, body.where(body != "", pair))
    return ("{" + body + "}").where(body != "", "").reset_index(drop=True)


def _json_escape(values: pd.Series) -> pd.Series:
    """The inside of a JSON string literal for each value (as json.dumps, non-ASCII kept)."""
    escaped = values.str.replace("\\", "\\\\", regex=False).str.replace('"', '\\"', regex=False)
    if escaped.str.contains(_CONTROL_CHARACTERS, regex=True).any():
        for code in range(0x20):
            escaped = escaped.str.replace(
                chr(code), json.dumps(chr(code))[1:-1], regex=False
            )
    return escaped


def _quarantine(
    grid: Grid, columns: ColumnMap, problems: _Problems, bad: pd.Index
) -> pd.DataFrame:
    worded = problems.by_row()
    original = grid.cells.loc[bad]
    records = {name: [] for name in QUARANTINE_COLUMNS}
    for row, cells in zip(bad, original.itertuples(index=False, name=None), strict=True):
        labels, reasons = worded[row]
        records["source_file"].append(grid.file)
        records["source_sheet"].append(grid.sheet)
        records["source_row"].append(int(grid.row_numbers[row]))
        records["column"].append("、".join(labels))
        records["reason"].append("；".join(reasons))
        records["raw"].append(json.dumps(dict(zip(columns.labels, cells, strict=True)),
                                         ensure_ascii=False))
    frame = pd.DataFrame(records)
    return frame.astype({name: "str" for name in QUARANTINE_COLUMNS} | {"source_row": "int64"})
