"""The writer edge: the files of one audit run (FORMATS.md §4).

entries.parquet is for programs (exact decimals, list columns); findings.xlsx/csv are for
inspectors (Chinese headers, most suspicious first, the whole voucher beside each finding);
quarantine.csv is for the agency; run.json for monitoring.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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
    Sheet,
    column_widths,
    longest_values,
    numbered_rows,
    row_numbers,
    row_templates,
    write_xlsx,
)

VOUCHER_KEY = ["town", "village", "period", "voucher_word", "voucher_number"]
SCORE_COLUMNS = ["risk_score", "rule_ids", "signals", "flagged", "rank", "reasons", "anomaly_score"]
QUARANTINE_COLUMNS = ["source_file", "source_sheet", "source_row", "column", "reason", "raw"]
# Spreadsheet programs run a cell as a formula when it starts with one of these (OWASP CSV
# injection); a leading apostrophe makes it plain text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

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


@dataclass(frozen=True)
class FindingCells:
    """The findings sheets' rows of some findings (a town's, or a whole run's), rendered
    before their ranks are known, so a rerun renders only the towns it recomputed.

    ``findings``: one row per finding (entry_id, its voucher's number within these findings,
    ``csv``: its line of findings.csv after the rank, ``xlsx``: its cells of the 疑点清单
    sheet after the rank, a :func:`flows.xlsx.row_templates` template); ``lines``: one row
    per line of their vouchers, in order (voucher, line_no, ``xlsx``: its cells of the
    凭证明细 sheet after the voucher's rank); ``longest``: per sheet, the length of the
    longest value of each column after the rank, for the column widths."""

    findings: pd.DataFrame
    lines: pd.DataFrame
    longest: dict[str, list[int]]


FINDINGS_SHEET, VOUCHERS_SHEET = "疑点清单", "凭证明细"
_ROW_START = "\x1f"  # marks each row's first cell when a CSV text is cut into rows


def csv_rows(frame: pd.DataFrame) -> list[str]:
    """Each row of ``frame`` as pandas writes it into a CSV file (as ``to_csv`` with its
    defaults), without its first cell and the comma after it, and without the line end."""
    if frame.empty:
        return []
    marked = frame.iloc[:, 1:].copy()
    marked.insert(0, "\x1f", _ROW_START, allow_duplicates=True)
    text = "\n" + marked.to_csv(index=False, header=False)
    rows = text[:-1].split("\n" + _ROW_START + ",")
    if len(rows) == len(frame) + 1:
        return rows[1:]
    # the marker itself follows a line end inside some cell: one row at a time, as exact
    return [marked.iloc[[number]].to_csv(index=False, header=False)[len(_ROW_START) + 1:-1]
            for number in range(len(frame))]


def finding_cells(scored: pd.DataFrame) -> FindingCells:
    """The findings sheets' rows of the flagged entries of ``scored`` (every entry of the
    towns they are in, so each voucher is whole); ranks are given when they are assembled
    (:func:`write_finding_sheets`)."""
    lines = voucher_lines(scored)
    voucher = lines.groupby(VOUCHER_KEY, sort=False).ngroup().to_numpy(dtype=np.int64)
    findings = findings_frame(scored, lines)
    of_finding = pd.Series(voucher[lines["flagged"].to_numpy(dtype=bool)],
                           index=lines.loc[lines["flagged"], "entry_id"].to_numpy())
    entry_ids = findings[FINDING_HEADERS["entry_id"]]
    findings = neutralise_formulas(findings)
    sheet = neutralise_formulas(_voucher_sheet(lines))
    return FindingCells(
        findings=pd.DataFrame({
            "entry_id": entry_ids.to_numpy(),
            "voucher": of_finding.loc[entry_ids.to_numpy()].to_numpy(dtype=np.int64),
            "csv": pd.Series(csv_rows(findings), dtype="str"),
            "xlsx": pd.Series(row_templates(findings.iloc[:, 1:], first_column=2),
                              dtype="str"),
        }),
        lines=pd.DataFrame({
            "voucher": voucher, "line_no": lines["line_no"].to_numpy(dtype=np.int64),
            "xlsx": pd.Series(row_templates(sheet.iloc[:, 1:], first_column=2), dtype="str"),
        }),
        longest={FINDINGS_SHEET: longest_values(findings.iloc[:, 1:]),
                 VOUCHERS_SHEET: longest_values(sheet.iloc[:, 1:])},
    )


def write_finding_sheets(
    parts: list[tuple[FindingCells, pd.Series]], out_dir: Path
) -> dict[str, Path]:
    """findings.csv (UTF-8 with BOM) and findings.xlsx (findings + the lines of their
    vouchers) from the rendered rows of each part and its findings' ranks (entry_id → rank),
    most suspicious first."""
    findings, lines = [], []
    for cells, ranks in parts:
        rank = cells.findings["entry_id"].map(ranks)
        if rank.isna().any():
            missing = cells.findings.loc[rank.isna(), "entry_id"].iloc[0]
            raise ValueError(f"finding {missing} has no rank")
        rank = rank.to_numpy(dtype=np.int64)
        findings.append(pd.DataFrame({"rank": rank, "csv": cells.findings["csv"],
                                      "xlsx": cells.findings["xlsx"]}))
        first = pd.Series(rank).groupby(cells.findings["voucher"].to_numpy()).min()
        lines.append(pd.DataFrame({"rank": cells.lines["voucher"].map(first),
                                   "line_no": cells.lines["line_no"],
                                   "xlsx": cells.lines["xlsx"]}))
    findings_sheet = _stacked(findings, ["rank"])
    lines_sheet = _stacked(lines, ["rank", "line_no"])
    longest = {sheet: [max(values) for values in zip(
        *(cells.longest[sheet] for cells, _ in parts), strict=True)] if parts else None
        for sheet in (FINDINGS_SHEET, VOUCHERS_SHEET)}
    csv_path = out_dir / "findings.csv"
    headers = list(FINDING_HEADERS.values())
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(pd.DataFrame(columns=headers).to_csv(index=False))
        for start in range(0, len(findings_sheet), ROWS_PER_PART):
            part = findings_sheet.iloc[start:start + ROWS_PER_PART]
            handle.write("".join(pc.binary_join_element_wise(
                _text(part["rank"]), ",", _arrow_text(part["csv"]), "\n", "").to_pylist()))
    xlsx_path = write_xlsx(out_dir / "findings.xlsx", {
        FINDINGS_SHEET: _ranked_sheet(findings_sheet, headers, longest[FINDINGS_SHEET]),
        VOUCHERS_SHEET: _ranked_sheet(lines_sheet, list(VOUCHER_LINE_HEADERS.values()),
                                      longest[VOUCHERS_SHEET]),
    })
    return {"findings_csv": csv_path, "findings_xlsx": xlsx_path}


def _stacked(frames: list[pd.DataFrame], order: list[str]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame({"rank": pd.Series(dtype="int64"), "line_no": pd.Series(
            dtype="int64"), "csv": pd.Series(dtype="str"), "xlsx": pd.Series(dtype="str")})
    return pd.concat(frames, ignore_index=True).sort_values(order, kind="stable",
                                                            ignore_index=True)


def _arrow_text(text: pd.Series) -> pa.Array:
    return pa.array(text, type=pa.string())  # a part of rows: far below string's 2 GiB


def _text(numbers: pd.Series) -> pa.Array:
    return pc.cast(pa.array(numbers.to_numpy(dtype=np.int64)), pa.string())


def _ranked_sheet(rows: pd.DataFrame, headers: list[str], longest: list[int] | None) -> Sheet:
    """A sheet of rendered rows (rank, xlsx template) in their order, the rank first."""
    ranks = rows["rank"]
    longest_rank = len(str(int(ranks.max()))) if len(ranks) else 0
    widths = column_widths(headers, [longest_rank, *(longest or [0] * (len(headers) - 1))])

    def parts() -> Iterator[str]:
        for start in range(0, len(rows), ROWS_PER_PART):
            part = rows.iloc[start:start + ROWS_PER_PART]
            numbers = row_numbers(start + 2, len(part))
            lead = pc.binary_join_element_wise('<c r="A', numbers, '"><v>', _text(part["rank"]),
                                               "</v></c>", "")
            yield "".join(numbered_rows(_arrow_text(part["xlsx"]), numbers, lead).to_pylist())

    return Sheet(headers, widths, parts())


def write_findings(scored: pd.DataFrame, out_dir: Path) -> dict[str, Path]:
    """findings.csv and findings.xlsx of one scored frame (every entry of its towns)."""
    flagged = scored.loc[scored["flagged"]]
    ranks = pd.Series(flagged["rank"].to_numpy(), index=flagged["entry_id"].to_numpy())
    return write_finding_sheets([(finding_cells(scored), ranks)], out_dir)


def write_quarantine(quarantine: pd.DataFrame, out_dir: Path) -> Path:
    path = out_dir / "quarantine.csv"
    neutralise_formulas(quarantine[QUARANTINE_COLUMNS]).to_csv(
        path, index=False, encoding="utf-8-sig"
    )
    return path


def write_run_record(run_record: dict[str, Any], out_dir: Path) -> Path:
    """run.json, written last so its timings cover the whole run."""
    path = out_dir / "run.json"
    path.write_text(
        json.dumps(run_record, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    return path
