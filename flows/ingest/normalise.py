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


def _parse_fields(
    rows: pd.DataFrame, columns: ColumnMap, fallback: Title, problems: _Problems
) -> dict[str, pd.Series]:
    """Every canonical field for every row; the problems are noted on the way."""

    def column(field: str) -> pd.Series:
        if field in columns.fields:
            return rows[columns.fields[field]]
        return _repeated_text("", len(rows), rows.index)

    def label(field: str, default: str) -> str:
        return columns.label(field) if field in columns.fields else default

    fields: dict[str, pd.Series] = {name: column(name) for name in TEXT_FIELDS}
    fields["town"] = _or_else(column("town"), fallback.town)
    fields["village"] = _or_else(column("village"), fallback.village)
    problems.where(
        (fields["village"] == "").to_numpy(),
        label("village", "单位名称"),
        f"{label('village', '单位名称')}为空，标题行、工作表名和文件名中也没有村名",
    )

    raw_dates = column("voucher_date")
    dates = parse_distinct(_folded(parse_dates), raw_dates)
    problems.missing(raw_dates, label("voucher_date", ""))
    problems.bad_values(label("voucher_date", ""), raw_dates, dates.problems)
    fields["voucher_date"] = dates.values

    raw_numbers = column("voucher_no")
    numbers = parse_voucher_numbers(fold_width(raw_numbers))
    problems.missing(raw_numbers, label("voucher_no", ""))
    problems.bad_values(label("voucher_no", ""), raw_numbers, numbers.problems)
    word = _or_else(numbers.word, "")
    if "voucher_word" in columns.fields:
        word = word.where(word != "", column("voucher_word"))
    fields["voucher_word"] = word.where(word != "", DEFAULT_VOUCHER_WORD)
    fields["voucher_number"] = numbers.number

    if "period" in columns.fields:
        raw_periods = column("period")
        periods = parse_distinct(_folded(parse_periods), raw_periods)
        problems.bad_values(label("period", ""), raw_periods, periods.problems)
        given = raw_periods != ""
        fields["period"] = (
            periods.values if given.all() else periods.values.where(given, period_of(dates.values))
        )
    else:
        fields["period"] = period_of(dates.values)

    raw_codes = column("account_code")
    codes = parse_distinct(_folded(parse_account_codes), raw_codes)
    problems.missing(raw_codes, label("account_code", ""))
    problems.bad_values(label("account_code", ""), raw_codes, codes.problems)
    fields["account_code"] = codes.values

    fields["debit_fen"], fields["credit_fen"] = _amounts(column, label, columns, problems)
    fields["line_no"] = _line_numbers(column, label, columns, fields, problems)

    if "attachments" in columns.fields:
        raw_attachments = column("attachments")
        attachments = parse_distinct(_folded(parse_counts), raw_attachments)
        problems.bad_values(label("attachments", ""), raw_attachments, attachments.problems)
        fields["attachments"] = attachments.values
    else:
        fields["attachments"] = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    return fields


def _amounts(
    column: Callable[[str], pd.Series],
    label: Callable[[str, str], str],
    columns: ColumnMap,
    problems: _Problems,
) -> tuple[pd.Series, pd.Series]:
    """Debit and credit fen from a 借方/贷方 pair, or from 方向 + 金额."""
    if "direction" in columns.fields:
        raw_direction, raw_amount = column("direction"), column("amount")
        direction = parse_distinct(_folded(parse_directions), raw_direction)
        amount = parse_amounts(fold_width(raw_amount))
        for field, raw, parsed in (
            ("direction", raw_direction, direction),
            ("amount", raw_amount, amount),
        ):
            problems.missing(raw, label(field, ""))
            problems.bad_values(label(field, ""), raw, parsed.problems)
        fen = amount.values.fillna(0)
        return fen.where(direction.values == "借", 0), fen.where(direction.values == "贷", 0)
    raw_debit, raw_credit = column("debit"), column("credit")
    debit = parse_amounts(fold_width(raw_debit))
    credit = parse_amounts(fold_width(raw_credit))
    problems.bad_values(label("debit", "借方金额"), raw_debit, debit.problems)
    problems.bad_values(label("credit", "贷方金额"), raw_credit, credit.problems)
    pair = "、".join(label(field, "") for field in ("debit", "credit") if field in columns.fields)
    problems.where(
        ((raw_debit == "") & (raw_credit == "")).to_numpy(), pair, f"{pair}均为空"
    )
    return debit.values.fillna(0), credit.values.fillna(0)


def _line_numbers(
    column: Callable[[str], pd.Series],
    label: Callable[[str, str], str],
    columns: ColumnMap,
    fields: dict[str, pd.Series],
    problems: _Problems,
) -> pd.Series:
    """分录号 where given, else the line's place within its voucher in file order."""
    if "line_no" not in columns.fields:
        return _order_within_voucher(fields)
    raw = column("line_no")
    given = parse_distinct(_folded(partial(parse_counts, minimum=1)), raw)
    problems.bad_values(label("line_no", ""), raw, given.problems)
    filled = raw != ""
    if filled.all():
        return given.values
    return given.values.where(filled, _order_within_voucher(fields))


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
