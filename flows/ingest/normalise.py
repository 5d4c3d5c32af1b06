"""A grid of text cells to canonical journal entries and quarantined rows (docs/reading-exports.md).

Every non-blank row below the header ends up in exactly one place: an entry, a quarantined
row with a Chinese reason naming the column and the bad value, or a skipped row counted with
its reason (:mod:`flows.ingest.rows`). Parsing is column-at-a-time (:mod:`flows.ingest.fields`);
Python loops only over quarantined rows, to word their reasons.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from checks.entry_schema import ENTRY_COLUMNS, empty_entries
from flows.ingest.cells import WHITESPACE
from flows.ingest.errors import LedgerFileError, MissingColumns, where
from flows.ingest.fields import TEXT_FIELDS, UNIT_OPTION, Reading, parse_fields
from flows.ingest.grid import Grid
from flows.ingest.headers import ColumnMap, map_columns
from flows.ingest.problems import Problems
from flows.ingest.rows import fill_voucher_cells, skipped_rows

QUARANTINE_COLUMNS = ["source_file", "source_sheet", "source_row", "column", "reason", "raw"]
TOP_REASONS = 5
_CONTROL_CHARACTERS = r"[\x00-\x1f]"


@dataclass(frozen=True)
class GridLoad:
    """What one grid gave: entries, quarantined rows, and the row counts that add up.

    ``rows_read`` (non-blank rows below the header, and rows a layout reader skipped before)
    = ``loaded`` + ``quarantined`` + the ``skipped`` counts per reason; blank rows are counted
    apart. ``filled_down`` lines took their voucher's date and number from the line above;
    ``balanced_vouchers`` vouchers were told apart by their balance (no number column);
    ``reasons`` counts the quarantined rows by the kind of their first problem.
    """

    entries: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: int
    loaded: int
    quarantined: int
    skipped: dict[str, int]
    blank_rows: int
    columns: ColumnMap
    filled_down: int = 0
    balanced_vouchers: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def normalise_grid(
    grid: Grid, reading: Reading, *, skipped_before: dict[str, int] | None = None
) -> GridLoad:
    """Canonical entries and quarantined rows from one grid.

    ``reading`` gives the profile, the charts and the place (town, village, year) rows fall
    back on where their cells say nothing; ``skipped_before`` are rows a layout reader has
    already set aside (a printed voucher's titles and footers), counted with this grid's.
    """
    columns = map_columns(grid.headers, reading.profile)
    missing = columns.missing_required()
    if missing:
        raise MissingColumns(
            f"{where(grid.file, grid.sheet, grid.header_row)}的表头缺少必需的列："
            f"{'；'.join(missing)}。请在导出时包含这些列（列名可用所列任一名称），"
            "或用 --profile 指定导入配置说明各列的含义。",
            missing,
        )
    if not columns.has("village") and not reading.place.village:
        raise LedgerFileError(
            f"{where(grid.file, grid.sheet)}：无法确定这份账属于哪个单位（村）：表中没有单位列"
            "（单位名称/核算单位/账套/公司），标题行、工作表名和文件名中也没有村名。"
            f"请用 {UNIT_OPTION} 单位名 指定（如 {UNIT_OPTION} 青石镇下坝村），"
            "或在导入配置中写 unit。"
        )
    text = pd.DataFrame(
        {position: grid.cells[position].str.strip(WHITESPACE) for position in grid.cells.columns}
    )
    blank = (text == "").all(axis=1).to_numpy()
    skipped = skipped_rows(text, columns, grid.headers, ~blank, reading.profile)
    kept = ~blank
    for mask in skipped.values():
        kept &= ~mask
    filled_down = fill_voucher_cells(text, columns, kept)
    rows = text if kept.all() else text[kept]
    problems = Problems(rows.index)
    fields = parse_fields(rows, columns, reading, problems)
    worded = problems.by_row()
    bad = pd.Index(sorted(worded))
    good = ~rows.index.isin(bad)
    row_numbers = grid.row_numbers[rows.index.to_numpy()]
    entries = _entries(fields, good, row_numbers, grid)
    entries["extra"] = extra_json(rows if good.all() else rows[good], columns)
    quarantine = quarantine_rows(grid, columns, worded, bad)
    counts = {reason: int(mask.sum()) for reason, mask in skipped.items()}
    for reason, count in (skipped_before or {}).items():
        counts[reason] = counts.get(reason, 0) + count
    kinds = Counter(kind for _, _, kind in worded.values())
    return GridLoad(
        entries=entries[ENTRY_COLUMNS],
        quarantine=quarantine,
        rows_read=len(rows) + sum(counts.values()),
        loaded=len(entries),
        quarantined=len(quarantine),
        skipped=counts,
        blank_rows=int(blank.sum()),
        columns=columns,
        filled_down=filled_down,
        balanced_vouchers=0 if columns.has("voucher_no") or entries.empty else int(
            entries[["village", "period", "voucher_word", "voucher_number"]]
            .drop_duplicates().shape[0]),
        reasons=dict(kinds.most_common(TOP_REASONS)),
    )


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


def extra_json(rows: pd.DataFrame, columns: ColumnMap) -> pd.Series:
    """Unknown columns' non-empty cells as a JSON object per row ("" when there are none)."""
    body = _repeated_text("", len(rows), rows.index)
    for position in columns.extra():
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


def quarantine_rows(
    grid: Grid, columns: ColumnMap, worded: dict[int, tuple[list[str], list[str], str]],
    bad: pd.Index,
) -> pd.DataFrame:
    original = grid.cells.loc[bad]
    records = {name: [] for name in QUARANTINE_COLUMNS}
    for row, cells in zip(bad, original.itertuples(index=False, name=None), strict=True):
        labels, reasons, _ = worded[row]
        records["source_file"].append(grid.file)
        records["source_sheet"].append(grid.sheet)
        records["source_row"].append(int(grid.row_numbers[row]))
        records["column"].append("、".join(labels))
        records["reason"].append("；".join(reasons))
        records["raw"].append(json.dumps(dict(zip(columns.labels, cells, strict=True)),
                                         ensure_ascii=False))
    frame = pd.DataFrame(records)
    return frame.astype({name: "str" for name in QUARANTINE_COLUMNS} | {"source_row": "int64"})
