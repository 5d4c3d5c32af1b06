"""The writer edge: the files of one audit run (README.md 你会得到什么).

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
from models.cases import VOUCHER_KEY
from models.ranking import REASON_SEPARATOR
from review.xlsx import (
    ROWS_PER_PART,
    NumberedRows,
    column_widths,
    neutralise_formulas,
    unreferenced_cells,
    utf8,
    widths_by,
    write_xlsx,
)

SCORE_COLUMNS = ["risk_score", "rule_ids", "signals", "flagged", "rank", "reasons",
                 "anomaly_score", "case_id"]
QUARANTINE_COLUMNS = ["source_file", "source_sheet", "source_row", "column", "reason", "raw"]
# quarantine.csv is opened by the agency's staff: Chinese headers, as findings.csv's
QUARANTINE_HEADERS = {"source_file": "来源文件", "source_sheet": "来源工作表",
                      "source_row": "来源行号", "column": "列", "reason": "隔离原因",
                      "raw": "原始内容"}
FINDINGS_SHEET, VOUCHERS_SHEET = "疑点清单", "凭证明细"
# A town's rows of the findings files (:func:`sheet_rows`), as the parts store keeps them.
FINDING_ROWS, LINE_ROWS = "finding_rows", "line_rows"
SHEET_FRAMES = (FINDING_ROWS, LINE_ROWS)
_WIDTHS = b"sanzi.widths"
_UNRANKED = np.iinfo(np.int64).max
_LINES_PER_VOUCHER = 1_000_000  # orders a case's lines by voucher, then line number

# findings.xlsx's first sheet and findings.csv: one row per case (README.md 你会得到什么).
CASE_HEADERS = {
    "rank": "排名",
    "risk_score": "风险分",
    "kind": "疑点类型",
    "subject_id": "涉及对象",
    "town": "乡镇",
    "village": "村",
    "periods": "会计期间",
    "raised_by": "发现方式",
    "rules": "违反规则",
    "signals": "疑点信号",
    "amount": "涉及金额（元）",
    "entries": "涉及分录数",
    "reasons": "疑点说明",
    "case_id": "疑点编号",
}
# The sheets show a case's strongest reasons; findings.parquet and the case's page all of them.
SHOWN_REASONS = 3
# The second sheet: every line of every voucher of each case.
LINE_HEADERS = {
    "rank": "疑点排名",
    "case_id": "疑点编号",
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
    "period": "会计期间",
    "source_file": "来源文件",
    "source_sheet": "来源工作表",
    "source_row": "来源行号",
    "entry_id": "分录编号",
}
MONEY_HEADERS = ("涉及金额（元）", "借方金额", "贷方金额")
# how the workbook shows the findings' numbers (review.xlsx.Sheet.formats)
NUMBER_FORMATS = dict.fromkeys(MONEY_HEADERS, "money")
KIND_WORDS = {"voucher": "单张凭证", "pattern": "多张凭证", "contract": "合同", "asset": "资产",
              "resource": "资源", "account": "科目"}
RAISED_WORDS = {"rule": "违反规则", "model": "模型与疑点信号", "both": "规则与模型"}


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
    columns["reasons"] = reason_lists(columns["reasons"])
    return pa.table(columns)


def reason_lists(reasons: pa.Array) -> pa.Array:
    """Each entry's reasons (one text, facts joined by "；") as a list of facts, strongest
    first; an entry without reasons has an empty list."""
    texts = pc.fill_null(reasons.cast(pa.large_string()), "")
    split = pc.split_pattern(texts, REASON_SEPARATOR)
    return pc.if_else(pc.equal(texts, ""), pa.scalar([], type=split.type), split).cast(
        pa.list_(pa.string()))


def voucher_lines(scored: pd.DataFrame) -> pd.DataFrame:
    """Every line of every voucher that holds a flagged entry, with the finding's rank and the
    voucher's case (``case_id``: the case of its flagged lines, where ``scored`` has cases)."""
    findings = scored.loc[scored["flagged"], [*VOUCHER_KEY, "rank", "entry_id"]]
    first_rank = findings.groupby(VOUCHER_KEY, sort=False)["rank"].min().rename("voucher_rank")
    lines = scored.merge(first_rank.reset_index(), on=VOUCHER_KEY, how="inner")
    lines["is_finding"] = np.where(lines["flagged"], "★", "")
    if "case_id" in lines.columns:
        lines["case_id"] = lines.groupby(VOUCHER_KEY, sort=False)["case_id"].transform("first")
    return lines.sort_values(["voucher_rank", "line_no"], kind="stable")


def case_findings_frame(cases: pd.DataFrame, titles: dict[str, str]) -> pd.DataFrame:
    """The cases as inspectors read them (:data:`CASE_HEADERS`): Chinese names for rules and
    signals, the amount at stake in yuan as a number, the score with two decimals."""
    def named(ids: Any) -> str:
        return "、".join(titles.get(item, item) for item in ids)

    frame = pd.DataFrame({
        "rank": pd.array(cases["rank"], dtype="Int64"),
        "risk_score": cases["risk_score"].astype("float64").round(2),
        "kind": cases["subject_kind"].map(KIND_WORDS).astype("str"),
        "subject_id": cases["subject_id"].astype("str"),
        "town": cases["town"].astype("str"),
        "village": cases["village"].astype("str"),
        "periods": cases["periods"].map("、".join).astype("str"),
        "raised_by": cases["raised_by"].map(RAISED_WORDS).astype("str"),
        "rules": cases["rule_ids"].map(named).astype("str"),
        "signals": cases["signals"].map(named).astype("str"),
        "amount": cases["amount_fen"].astype("int64") / 100,
        "entries": cases["entry_ids"].map(len).astype("int64"),
        "reasons": cases["reasons"].map(_strongest_reasons).astype("str"),
        "case_id": cases["case_id"].astype("str"),
    })
    return frame.rename(columns=CASE_HEADERS)


def _strongest_reasons(reasons: Any) -> str:
    """A case's strongest few reasons, and how many more findings.parquet and the case's page
    in the review app hold."""
    reasons = list(reasons)
    shown = REASON_SEPARATOR.join(reasons[:SHOWN_REASONS])
    more = len(reasons) - SHOWN_REASONS
    return f"{shown}{REASON_SEPARATOR}另有 {more} 条说明" if more > 0 else shown


def case_lines_frame(lines: pd.DataFrame) -> pd.DataFrame:
    """The lines of the cases' vouchers (:func:`voucher_lines`) as the workbook shows them."""
    frame = lines.assign(
        rank=pd.array(lines["voucher_rank"], dtype="Int64"),
        debit=lines["debit_fen"] / 100, credit=lines["credit_fen"] / 100,
        voucher_date=lines["voucher_date"].dt.strftime("%Y-%m-%d"))
    return frame[list(LINE_HEADERS)].rename(columns=LINE_HEADERS)


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


def sheet_rows(context: pd.DataFrame, cases: pd.DataFrame, towns: list[str],
               titles: dict[str, str]) -> dict[str, dict[str, pa.Table]]:
    """Each town's rows of findings.csv and findings.xlsx: a row per case (``cases``, the
    towns' cases as their reports keep them) and a row per line of the cases' vouchers
    (``context``: the lines of the towns' flagged vouchers as :func:`voucher_lines` gives
    them, each with its ``case_id``).

    Every row is formatted, neutralised and made into its CSV row and worksheet cells but for
    the first column, the county's rank of its case, which other towns move (``csv``,
    ``xlsx``). Beside them, what places them in the county's order: the town and ``case_id``;
    for a line, its ``voucher`` (numbered within the town by village, period, word and number)
    and ``line_no``. The cases' table
    holds the widths of the columns after the first that its town's values need (its
    metadata, by sheet; none for a sheet where the town has no rows). A town of ``towns``
    without cases gets tables without rows."""
    context = context.reset_index(drop=True)
    cases = cases.reset_index(drop=True)
    lines = voucher_lines(context)
    findings = neutralise_formulas(case_findings_frame(cases.assign(rank=1), titles))
    vouchers = neutralise_formulas(case_lines_frame(lines))
    finding_towns = cases["town"].to_numpy(dtype=object)
    line_towns = lines["town"].to_numpy(dtype=object)
    widths = {FINDINGS_SHEET: widths_by(findings.iloc[:, 1:], finding_towns),
              VOUCHERS_SHEET: widths_by(vouchers.iloc[:, 1:], line_towns)}
    rows = {
        FINDING_ROWS: pa.table({
            "town": pa.array(finding_towns, type=pa.string()),
            "case_id": pa.array(cases["case_id"].astype("str"), type=pa.string()),
            "csv": _csv_tails(findings), "xlsx": _sheet_tails(findings)}),
        LINE_ROWS: pa.table({
            "town": pa.array(line_towns, type=pa.string()),
            "case_id": pa.array(lines["case_id"].astype("str"), type=pa.string()),
            # a case's vouchers in the order of their period, word and number
            "voucher": lines.groupby(VOUCHER_KEY, sort=True).ngroup().to_numpy(dtype=np.int64),
            "line_no": lines["line_no"].to_numpy(dtype=np.int64),
            "csv": _csv_tails(vouchers), "xlsx": _sheet_tails(vouchers)}),
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


def _sheet_tails(frame: pd.DataFrame) -> pa.Array:
    """Each row's worksheet cells after the first (the rank, filled in later)."""
    return unreferenced_cells(frame.iloc[:, 1:], NUMBER_FORMATS)


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


def write_findings(towns: list[dict[str, pa.Table]], case_ranks: pd.Series, out_dir: Path
                   ) -> dict[str, Path]:
    """findings.csv (UTF-8 with BOM, a row per case) and findings.xlsx (the cases, and every
    line of their vouchers) from each town's rows made ahead (:func:`sheet_rows`) and the
    county's rank of each case (``case_ranks``: case_id → rank): cases by rank, their lines by
    their case's rank, then voucher and line number."""
    finding_tables = [sheets[FINDING_ROWS] for sheets in towns]
    line_tables = [sheets[LINE_ROWS] for sheets in towns]
    finding_ranks = [_case_ranks(table, case_ranks) for table in finding_tables]
    line_ranks = [_case_ranks(table, case_ranks) for table in line_tables]
    findings = _placed(list(CASE_HEADERS.values()), finding_tables, finding_ranks,
                       finding_ranks, _widths(towns, FINDINGS_SHEET))
    within = [table.column("voucher").to_numpy() * _LINES_PER_VOUCHER
              + table.column("line_no").to_numpy() for table in line_tables]
    lines = _placed(list(LINE_HEADERS.values()), line_tables, line_ranks, within,
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


def _case_ranks(table: pa.Table, case_ranks: pd.Series) -> np.ndarray:
    """The county's rank of the case of each of a town's rows."""
    ids = table.column("case_id").to_pandas()
    return ids.map(case_ranks).fillna(_UNRANKED).to_numpy(dtype=np.int64)


def _widths(towns: list[dict[str, pa.Table]], sheet: str) -> list[list[int]]:
    """The towns' widths of a sheet's columns after the first, as :func:`sheet_rows` made them
    (none from a town without rows in the sheet)."""
    made = [json.loads(sheets[FINDING_ROWS].schema.metadata[_WIDTHS]) for sheets in towns]
    return [widths[sheet] for widths in made if sheet in widths]


def write_quarantine(quarantine: pd.DataFrame, out_dir: Path) -> Path:
    rows = neutralise_formulas(quarantine[QUARANTINE_COLUMNS]).rename(columns=QUARANTINE_HEADERS)
    return write_csv(rows, out_dir / "quarantine.csv")


def write_run_record(run_record: dict[str, Any], out_dir: Path) -> Path:
    """run.json, written last so its timings cover the whole run."""
    path = out_dir / "run.json"
    path.write_text(
        json.dumps(run_record, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    return path
