"""The writer edge: the files of one audit run (FORMATS.md §4).

entries.parquet is for programs (exact decimals, list columns); findings.xlsx/csv are for
inspectors (Chinese headers, most suspicious first, the whole voucher beside each finding);
quarantine.csv is for the agency; run.json for monitoring.

The findings files are made in two steps: each town's rows are formatted, neutralised and made
into CSV and worksheet cells once for its report (:func:`sheet_rows`, many towns in one pass,
kept in the parts store), and the county's files only put the rows in the county's order with
their ranks (:func:`write_findings`), so a rerun after one correction formats one town's rows.
"""

from __future__ import annotations

import codecs
import functools
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from checks.entry_schema import ENTRY_COLUMNS
from flows.xlsx import (
    ROWS_PER_PART,
    NumberedRows,
    column_widths,
    unreferenced_cells,
    utf8,
    widths_by,
    write_xlsx,
)

VOUCHER_KEY = ["town", "village", "period", "voucher_word", "voucher_number"]
SCORE_COLUMNS = ["risk_score", "rule_ids", "signals", "flagged", "rank", "reasons",
                 "anomaly_score", "case_id"]
QUARANTINE_COLUMNS = ["source_file", "source_sheet", "source_row", "column", "reason", "raw"]
# Spreadsheet programs run a cell as a formula when it starts with one of these (OWASP CSV
# injection); a leading apostrophe makes it plain text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FINDINGS_SHEET, VOUCHERS_SHEET = "疑点清单", "凭证明细"
# A town's rows of the findings files (:func:`sheet_rows`), as the parts store keeps them.
FINDING_ROWS, LINE_ROWS = "finding_rows", "line_rows"
SHEET_FRAMES = (FINDING_ROWS, LINE_ROWS)
_WIDTHS = b"sanzi.widths"
_UNRANKED = np.iinfo(np.int64).max

FINDING_HEADERS = {
    "rank": "排名",
    "risk_score": "风险分",
    "rule_ids": "违反规则",
    "signals": "疑点信号",
    "reasons": "疑点说明",
    "town": "乡镇",
    "village": "村",
    "period": "会计期间",
    "voucher_date": "凭证日期",
    "voucher_no": "凭证号",
    "line_no": "分录号",
    "summary": "摘要",
    "account_code": "科目编码",
    "account_name": "科目名称",
    "debit": "借方金额",
    "credit": "贷方金额",
    "counterparty": "往来单位",
    "settlement": "结算方式",
    "attachments": "附件张数",
    "decision_ref": "决议编号",
    "contract_ref": "合同编号",
    "preparer": "制单人",
    "reviewer": "审核人",
    "voucher_context": "凭证全部分录",
    "source_file": "来源文件",
    "source_sheet": "来源工作表",
    "source_row": "来源行号",
    "entry_id": "分录编号",
}
VOUCHER_LINE_HEADERS = {
    "rank": "疑点排名",
    "is_finding": "疑点分录",
    "voucher_no": "凭证号",
    "line_no": "分录号",
    "voucher_date": "凭证日期",
    "summary": "摘要",
    "account_code": "科目编码",
    "account_name": "科目名称",
    "debit": "借方金额",
    "credit": "贷方金额",
    "counterparty": "往来单位",
    "settlement": "结算方式",
    "town": "乡镇",
    "village": "村",
    "source_file": "来源文件",
    "source_row": "来源行号",
}


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe."""
    safe = frame.copy()
    for name in safe.columns:
        column = safe[name]
        if column.dtype == "str" or column.dtype == object:
            text = column.astype("str")
            risky = text.str.startswith(FORMULA_PREFIXES).fillna(False)
            if risky.any():
                safe[name] = text.where(~risky, "'" + text)
    return safe


def yuan_text(fen: pd.Series) -> pd.Series:
    """Exact yuan with two decimals from integer fen, e.g. -120005 → "-1200.05"."""
    magnitude = fen.abs()
    text = (magnitude // 100).astype("str") + "." + (magnitude % 100).astype("str").str.zfill(2)
    return text.where(fen >= 0, "-" + text)


def _decimal_yuan(fen: pd.Series) -> pa.Array:
    """fen as an exact decimal128(18, 2) array: the unscaled value of a decimal is the fen."""
    values = fen.to_numpy(dtype=np.int64)
    words = np.empty((len(values), 2), dtype=np.int64)
    words[:, 0] = values
    words[:, 1] = values >> 63  # sign extension into the high 64 bits
    return pa.Array.from_buffers(
        pa.decimal128(18, 2), len(values), [None, pa.py_buffer(words.tobytes())]
    )


def entries_table(scored: pd.DataFrame) -> pa.Table:
    """The entries.parquet table: canonical fields, exact money, scores and list columns."""
    columns: dict[str, Any] = {}
    for name in ENTRY_COLUMNS:
        if name == "debit_fen":
            columns["debit"] = _decimal_yuan(scored["debit_fen"])
            columns["credit"] = _decimal_yuan(scored["credit_fen"])
        elif name == "credit_fen":
            continue
        elif name == "voucher_date":
            columns[name] = pa.array(scored[name].dt.date, type=pa.date32())
        else:
            columns[name] = pa.Array.from_pandas(scored[name])
    columns["debit_fen"] = pa.Array.from_pandas(scored["debit_fen"])
    columns["credit_fen"] = pa.Array.from_pandas(scored["credit_fen"])
    for name in SCORE_COLUMNS:
        columns[name] = pa.Array.from_pandas(scored[name])
    return pa.table(columns)


def _line_text(lines: pd.DataFrame) -> pd.Series:
    side = np.where(lines["debit_fen"] != 0, "借", "贷")
    amount = yuan_text(lines["debit_fen"] + lines["credit_fen"])
    return side + " " + lines["account_code"] + " " + lines["account_name"] + " " + amount


def voucher_lines(scored: pd.DataFrame) -> pd.DataFrame:
    """Every line of every voucher that holds a flagged entry, with the finding's rank."""
    findings = scored.loc[scored["flagged"], [*VOUCHER_KEY, "rank", "entry_id"]]
    first_rank = findings.groupby(VOUCHER_KEY, sort=False)["rank"].min().rename("voucher_rank")
    lines = scored.merge(first_rank.reset_index(), on=VOUCHER_KEY, how="inner")
    lines["is_finding"] = np.where(lines["flagged"], "★", "")
    return lines.sort_values(["voucher_rank", "line_no"], kind="stable")


def _joined_per_voucher(lines: pd.DataFrame, text: pd.Series) -> pd.Series:
    """``text`` of each voucher's lines joined in their order, indexed by VOUCHER_KEY.

    A join over slices of one list: pandas' groupby of a Python function cut the frame once
    per voucher, half a second for a county's findings."""
    if lines.empty:
        return pd.Series([], index=pd.MultiIndex.from_frame(lines[VOUCHER_KEY]), dtype="str")
    codes = lines.groupby(VOUCHER_KEY, sort=False).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")  # each voucher's lines together, in their order
    starts = np.flatnonzero(np.diff(codes[order], prepend=-1) != 0)
    ends = np.r_[starts[1:], len(order)]
    texts = text.to_numpy(dtype=object)[order].tolist()
    joined = ["；".join(texts[start:end]) for start, end in zip(starts, ends, strict=True)]
    keys = pd.MultiIndex.from_frame(lines[VOUCHER_KEY].iloc[order[starts]])
    return pd.Series(joined, index=keys, dtype="str")


def findings_frame(scored: pd.DataFrame, lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """Flagged entries, most suspicious first, each with its whole voucher as context
    (``lines``: :func:`voucher_lines` of ``scored``, when the caller has them)."""
    lines = voucher_lines(scored) if lines is None else lines
    context = _joined_per_voucher(lines, _line_text(lines))
    findings = scored.loc[scored["flagged"]].sort_values("rank")
    findings = findings.join(context.rename("voucher_context"), on=VOUCHER_KEY)
    findings["debit"] = yuan_text(findings["debit_fen"])
    findings["credit"] = yuan_text(findings["credit_fen"])
    findings["voucher_date"] = findings["voucher_date"].dt.strftime("%Y-%m-%d")
    findings["rule_ids"] = findings["rule_ids"].map("、".join).astype("str")
    findings["signals"] = findings["signals"].map("、".join).astype("str")
    return findings[list(FINDING_HEADERS)].rename(columns=FINDING_HEADERS)


def _voucher_sheet(lines: pd.DataFrame) -> pd.DataFrame:
    """The lines of the flagged vouchers (:func:`voucher_lines`) as the workbook shows them."""
    lines = lines.rename(columns={"voucher_rank": "rank_of_voucher"})
    lines["rank"] = lines["rank_of_voucher"]
    lines["debit"] = yuan_text(lines["debit_fen"])
    lines["credit"] = yuan_text(lines["credit_fen"])
    lines["voucher_date"] = lines["voucher_date"].dt.strftime("%Y-%m-%d")
    return lines[list(VOUCHER_LINE_HEADERS)].rename(columns=VOUCHER_LINE_HEADERS)


def _csv_cells(values: pd.Series) -> pa.Array | None:
    """A column's CSV cells as pandas' ``to_csv`` writes them (missing as empty, text quoted
    where it holds a comma, a quote or a line end); None for a type it is not known to write
    alike (dates, objects)."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.BooleanDtype):
        return pc.if_else(pa.array(values.to_numpy(dtype=bool)), "True", "False")
    if pd.api.types.is_integer_dtype(dtype):
        return pc.fill_null(pc.cast(pa.array(values, from_pandas=True), pa.string()), "")
    if pd.api.types.is_float_dtype(dtype):
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        return pa.array(np.where(np.isnan(numbers), "", numbers.astype(str)), type=pa.string())
    if isinstance(dtype, pd.StringDtype):
        text = pc.fill_null(pa.array(values, type=pa.string(), from_pandas=True), "")
        needs_quotes = pc.match_substring_regex(text, '[,"\n]')
        if not pc.any(needs_quotes).as_py():
            return text
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        return pc.if_else(needs_quotes, quoted, text)
    return None


def _csv_header(columns: list[str]) -> bytes:
    header = _csv_cells(pd.Series(columns, dtype="str"))
    return codecs.BOM_UTF8 + ",".join(header.to_pylist()).encode() + b"\n"


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as ``frame.to_csv(path, index=False, encoding="utf-8-sig")`` writes it, the
    same bytes, but formatted and quoted by Arrow a part of rows at a time (pandas writes
    75,000 findings in about 1.3 s, this in a tenth of it)."""
    columns = [_csv_cells(frame[name].iloc[:0]) for name in frame.columns]
    if not columns or any(cells is None for cells in columns) or len(columns) == 1:
        frame.to_csv(path, index=False, encoding="utf-8-sig")
        return path
    with open(path, "wb") as handle:
        handle.write(_csv_header([str(name) for name in frame.columns]))
        for start in range(0, len(frame), ROWS_PER_PART):
            part = frame.iloc[start:start + ROWS_PER_PART]
            rows = pc.binary_join_element_wise(
                *(_csv_cells(part[name]) for name in frame.columns), ",")
            handle.write(utf8(pc.binary_join_element_wise(rows, "\n", "")))
    return path


def _csv_tails(frame: pd.DataFrame) -> pa.Array:
    """Each row's CSV cells after the first, each after its comma (a column of a type
    :func:`_csv_cells` does not write is written as its text)."""
    cells = [_csv_cells(frame[name]) for name in frame.columns[1:]]
    cells = [cell if cell is not None else _csv_cells(frame[name].astype("str"))
             for cell, name in zip(cells, frame.columns[1:], strict=True)]
    return pc.binary_join_element_wise("", *cells, ",")


def sheet_rows(context: pd.DataFrame, towns: list[str]) -> dict[str, dict[str, pa.Table]]:
    """Each town's rows of findings.csv and findings.xlsx, made from ``context``: the lines of
    the towns' flagged vouchers as :func:`voucher_lines` gives them, each with its entry's row
    ``position`` in its town, flagged entries with any rank.

    Every finding and every line of its vouchers is formatted, neutralised and made into its
    CSV row and worksheet cells but for the first column, the county's rank, which other towns
    move (``csv``, ``xlsx``). Beside them, what places them in the county's order: the town
    and ``position``; for a line, its ``voucher`` (numbered within the town), ``line_no`` and
    whether it is a finding (``flagged``). The findings' table holds the widths of the columns
    after the first that its town's values need (its metadata, by sheet; none for a sheet
    where the town has no rows). A town of ``towns`` without findings gets tables without
    rows."""
    context = context.reset_index(drop=True)
    lines = voucher_lines(context)
    findings = neutralise_formulas(findings_frame(context, lines))
    vouchers = neutralise_formulas(_voucher_sheet(lines))
    finding_towns = context["town"].to_numpy()[findings.index]
    line_towns = lines["town"].to_numpy()
    widths = {FINDINGS_SHEET: widths_by(findings.iloc[:, 1:], finding_towns),
              VOUCHERS_SHEET: widths_by(vouchers.iloc[:, 1:], line_towns)}
    rows = {
        FINDING_ROWS: pa.table({
            "town": pa.array(finding_towns, type=pa.string()),
            "position": context["position"].to_numpy(dtype=np.int64)[findings.index],
            "csv": _csv_tails(findings), "xlsx": unreferenced_cells(findings.iloc[:, 1:])}),
        LINE_ROWS: pa.table({
            "town": pa.array(line_towns, type=pa.string()),
            "position": lines["position"].to_numpy(dtype=np.int64),
            "voucher": lines.groupby(VOUCHER_KEY, sort=False).ngroup().to_numpy(dtype=np.int64),
            "line_no": lines["line_no"].to_numpy(dtype=np.int64),
            "flagged": lines["flagged"].to_numpy(dtype=bool),
            "csv": _csv_tails(vouchers), "xlsx": unreferenced_cells(vouchers.iloc[:, 1:])}),
    }
    by_town = {name: pd.Series(towns).groupby(towns, sort=False).indices
               for name, towns in ((FINDING_ROWS, finding_towns), (LINE_ROWS, line_towns))}
    made = {town: {name: table.take(pa.array(by_town[name].get(town, []), type=pa.int64()))
                   for name, table in rows.items()} for town in towns}
    for town, sheets in made.items():
        town_widths = {sheet: by_town[town] for sheet, by_town in widths.items() if town in by_town}
        sheets[FINDING_ROWS] = sheets[FINDING_ROWS].replace_schema_metadata(
            {_WIDTHS: json.dumps(town_widths, ensure_ascii=False)})
    return made


@dataclass(frozen=True)
class _Placed:
    """The county's rows of one sheet, in order, left in their towns' tables: each row's first
    column (a rank), and which town's table (``town``) and which of its rows (``row``) holds
    its other cells. :meth:`cells` gathers a part of them at a time, so the county's cells
    are never copied whole."""

    columns: list[str]
    widths: list[int]
    first: np.ndarray
    town: np.ndarray
    row: np.ndarray
    tables: list[pa.Table]

    def cells(self, name: str, start: int, stop: int) -> pa.Array:
        """Column ``name`` (``csv`` or ``xlsx``) of rows ``start`` to ``stop``, in order."""
        towns, rows = self.town[start:stop], self.row[start:stop]
        grouped = np.argsort(towns, kind="stable")  # the part's rows town by town
        bounds = np.flatnonzero(np.diff(towns[grouped], prepend=-1, append=-1) != 0)
        pieces = [self.tables[towns[grouped[begin]]].column(name)
                  .take(pa.array(rows[grouped[begin:end]])).combine_chunks().cast(pa.string())
                  for begin, end in itertools.pairwise(bounds)]
        stacked = pa.concat_arrays(pieces) if pieces else pa.array([], type=pa.string())
        return stacked.take(pa.array(np.argsort(grouped)))


def _placed(columns: list[str], tables: list[pa.Table], firsts: list[np.ndarray],
            keys: list[np.ndarray], widths: list[list[int]]) -> _Placed:
    """The towns' rows put in order by their first column (``firsts``), then by ``keys``,
    then by their towns' order; the widths are the widest of the towns'."""
    nothing = np.zeros(0, dtype=np.int64)
    first = np.concatenate([nothing, *firsts])
    order = np.lexsort((np.concatenate([nothing, *keys]), first))
    town = np.concatenate([nothing, *(np.full(len(table), number, dtype=np.int64)
                                      for number, table in enumerate(tables))])
    row = np.concatenate([nothing, *(np.arange(len(table), dtype=np.int64) for table in tables)])
    first = first[order]
    widest = np.max(np.vstack([column_widths(pd.DataFrame(columns=columns[1:])), *widths]),
                    axis=0)
    rank_width = column_widths(pd.DataFrame({columns[0]: first[:200]}))
    return _Placed(columns, [*rank_width, *widest.tolist()], first, town[order], row[order],
                   tables)


def write_findings(towns: list[tuple[dict[str, pa.Table], np.ndarray]], out_dir: Path
                   ) -> dict[str, Path]:
    """findings.csv (UTF-8 with BOM) and findings.xlsx (findings + the lines of their vouchers)
    from each town's rows made ahead (:func:`sheet_rows`) and the county's rank of each of the
    town's entries by row position (0 for an entry that is not a finding): findings by rank,
    the lines of their vouchers by the rank of the voucher's first finding, then line number."""
    finding_tables = [sheets[FINDING_ROWS] for sheets, _ in towns]
    line_tables = [sheets[LINE_ROWS] for sheets, _ in towns]
    finding_ranks = [ranks[table.column("position").to_numpy()]
                     for table, (_, ranks) in zip(finding_tables, towns, strict=True)]
    voucher_ranks = [_voucher_ranks(table, ranks)
                     for table, (_, ranks) in zip(line_tables, towns, strict=True)]
    findings = _placed(list(FINDING_HEADERS.values()), finding_tables, finding_ranks,
                       finding_ranks, _widths(towns, FINDINGS_SHEET))
    lines = _placed(list(VOUCHER_LINE_HEADERS.values()), line_tables, voucher_ranks,
                    [table.column("line_no").to_numpy() for table in line_tables],
                    _widths(towns, VOUCHERS_SHEET))
    csv_path = out_dir / "findings.csv"
    with open(csv_path, "wb") as handle:
        handle.write(_csv_header(findings.columns))
        for start in range(0, len(findings.first), ROWS_PER_PART):
            tails = findings.cells("csv", start, start + ROWS_PER_PART)
            ranks = pc.cast(pa.array(findings.first[start:start + len(tails)]), pa.string())
            handle.write(utf8(pc.binary_join_element_wise(ranks, tails, "\n", "")))
    xlsx_path = write_xlsx(out_dir / "findings.xlsx", {
        sheet: NumberedRows(placed.columns, placed.widths, placed.first,
                            functools.partial(placed.cells, "xlsx"))
        for sheet, placed in ((FINDINGS_SHEET, findings), (VOUCHERS_SHEET, lines))})
    return {"findings_csv": csv_path, "findings_xlsx": xlsx_path}


def _voucher_ranks(lines: pa.Table, ranks: np.ndarray) -> np.ndarray:
    """Each line's voucher's rank: the county's rank of the voucher's first finding."""
    voucher = lines.column("voucher").to_numpy()
    finding = np.where(lines.column("flagged").to_numpy(zero_copy_only=False),
                       ranks[lines.column("position").to_numpy()], _UNRANKED)
    first = np.full(voucher.max() + 1 if len(voucher) else 0, _UNRANKED, dtype=np.int64)
    np.minimum.at(first, voucher, finding)
    return first[voucher]


def _widths(towns: list[tuple[dict[str, pa.Table], np.ndarray]], sheet: str
            ) -> list[list[int]]:
    """The towns' widths of a sheet's columns after the first, as :func:`sheet_rows` made them
    (none from a town without rows in the sheet)."""
    made = [json.loads(sheets[FINDING_ROWS].schema.metadata[_WIDTHS]) for sheets, _ in towns]
    return [widths[sheet] for widths in made if sheet in widths]


def write_quarantine(quarantine: pd.DataFrame, out_dir: Path) -> Path:
    return write_csv(neutralise_formulas(quarantine[QUARANTINE_COLUMNS]),
                     out_dir / "quarantine.csv")


def write_run_record(run_record: dict[str, Any], out_dir: Path) -> Path:
    """run.json, written last so its timings cover the whole run."""
    path = out_dir / "run.json"
    path.write_text(
        json.dumps(run_record, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    return path
