"""A small bookkeeping tool's standard voucher export (GB18030 CSV), one file per village-year
(docs/reading-exports.md).

A title line naming the unit (``核算单位：青石镇下坝村``) and one naming the year (``2023年度``)
above the header; dates ``2023.8.5``; 凭证字号 ``记-12``; the account's code and name in one cell
(``541001 管理费用-办公费``); ``-`` on the empty amount side; the auxiliary items in one cell
(``供应商:S0012_某县建筑工程公司；部门:村委会``). A 本页合计 row closes every page of 50 lines
and a signature row (``审核：… 记账：… 制单：…``) ends the file. No reviewer, bookkeeper,
settlement or references per line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from data.generator.layouts.auxiliary import auxiliary_cells, auxiliary_items
from data.generator.layouts.formatting import (
    amount_columns,
    amount_text,
    coded_accounts,
    counted_amounts,
    dotted_dates,
    hyphen_voucher_numbers,
    write_csv_rows,
)

ENCODING = "gb18030"
HEADER = ["日期", "凭证字号", "摘要", "科目", "借方", "贷方", "辅助核算", "附件数", "制单人"]
PAGE_LINES = 50
PAGE_TOTAL = "本页合计"
SUMMARY_COLUMN = 2
DEBIT_COLUMN = 4
EMPTY_SIDE = "-"


def _data_cells(lines: pd.DataFrame) -> list[list[str]]:
    debit, credit = amount_columns(lines, thousands=True, zero=EMPTY_SIDE)
    cells = auxiliary_cells(auxiliary_items(lines), lines["counterparty"], department=True)
    columns = [
        dotted_dates(lines).tolist(),
        hyphen_voucher_numbers(lines).tolist(),
        lines["summary"].tolist(),
        coded_accounts(lines).tolist(),
        debit,
        credit,
        cells.tolist(),
        lines["attachments"].astype("str").tolist(),
        lines["preparer"].tolist(),
    ]
    return [list(row) for row in zip(*columns, strict=True)]


def _page_total(debit: int, credit: int) -> list[str]:
    row = [""] * len(HEADER)
    row[SUMMARY_COLUMN] = PAGE_TOTAL
    row[DEBIT_COLUMN:DEBIT_COLUMN + 2] = amount_text(pd.Series([debit, credit]), thousands=True)
    return row


def _signatures(lines: pd.DataFrame) -> list[str]:
    """Who signs the export: the year's usual reviewer, bookkeeper and preparer."""
    names = [lines[role].mode().iloc[0] for role in ("reviewer", "bookkeeper", "preparer")]
    return [f"审核：{names[0]} 记账：{names[1]} 制单：{names[2]}"]


def write_small_tool(lines: pd.DataFrame, path: Path) -> np.ndarray:
    """Write one village-year; returns each line's 1-based line number in the file."""
    first = lines.iloc[0]
    rows: list[list[str]] = [
        [f"核算单位：{first['town']}{first['village']}"],
        [f"{first['year']}年度"],
        HEADER,
    ]
    debit, credit = counted_amounts(lines)
    cells = _data_cells(lines)
    source_rows = np.zeros(len(lines), dtype=np.int64)
    for start in range(0, len(lines), PAGE_LINES):
        page = slice(start, start + PAGE_LINES)
        for position in range(*page.indices(len(lines))):
            rows.append(cells[position])
            source_rows[position] = len(rows)
        rows.append(_page_total(int(debit[page].sum()), int(credit[page].sum())))
    rows.append(_signatures(lines))
    write_csv_rows(path, rows, ENCODING)
    return source_rows
