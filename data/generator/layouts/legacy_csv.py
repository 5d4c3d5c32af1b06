"""Layout C: a legacy bookkeeping program's 序时账 saved as GB18030 CSV (旧软件 CSV
in docs/reading-exports.md).

Title lines above the header, amounts as text with thousands separators (now and then the
full-width ``，``), Chinese or slash dates, voucher numbers ``记字第12号``, 本月合计/本年累计 rows
after each month, full-width spaces padding some cells, blank lines and trailing empty rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from data.generator.layouts.formatting import (
    MONTH_TOTAL,
    YEAR_TOTAL,
    amount_columns,
    amount_text,
    chinese_dates,
    legacy_voucher_numbers,
    month_blocks,
    period_caption,
    slash_dates,
    title,
    write_csv_rows,
)

ENCODING = "gb18030"
FULL_WIDTH_SPACE = "\u3000"
FULL_WIDTH_COMMA_EVERY = 5  # every fifth amount is typed with a full-width thousands separator
TRAILING_EMPTY_ROWS = 3
HEADERS = {
    0: ["日期", "凭证号", "摘要", "科目编码", "科目名称", "借方金额", "贷方金额", "往来单位",
        "结算方式", "附件张数", "决议编号", "合同编号", "制单人", "审核人", "记账人"],
    1: ["凭证日期", "凭证字号", "摘要", "科目代码", "科目名称", "方向", "金额", "对方单位",
        "结算方式", "附单据数", "民主决策编号", "合同编号", "制单", "审核", "记账"],
}
SUMMARY_COLUMN = 2
AMOUNT_COLUMN = 5


def legacy_file_name(town: str, village: str, year: int) -> str:
    return f"{town}_{village}_{year}.csv"


def _full_width_commas(texts: list[str]) -> list[str]:
    return [
        text.replace(",", "，") if index % FULL_WIDTH_COMMA_EVERY == 0 else text
        for index, text in enumerate(texts)
    ]


def _amount_cells(lines: pd.DataFrame, variant: int) -> list[list[str]]:
    debit, credit = amount_columns(lines, thousands=True, zero="")
    debit, credit = _full_width_commas(debit), _full_width_commas(credit)
    if variant == 0:
        return [debit, credit]
    on_credit = (lines["debit_fen"] == 0) & (lines["credit_fen"] != 0)
    direction = np.where(on_credit, "贷", "借").tolist()
    amount = [
        (c if side else d) or "0.00"
        for d, c, side in zip(debit, credit, on_credit.tolist(), strict=True)
    ]
    return [direction, amount]


def _data_cells(lines: pd.DataFrame, variant: int) -> list[list[str]]:
    dates = chinese_dates(lines) if variant == 0 else slash_dates(lines)
    # Continuation lines of a voucher are indented with a full-width space, as printed.
    summary = lines["summary"].where(lines["line_no"] == 1, FULL_WIDTH_SPACE + lines["summary"])
    columns = [
        dates.tolist(),
        legacy_voucher_numbers(lines).tolist(),
        summary.tolist(),
        lines["account_code"].tolist(),
        lines["account_name"].tolist(),
        *_amount_cells(lines, variant),
        lines["counterparty"].tolist(),
        lines["settlement"].tolist(),
        lines["attachments"].astype("str").tolist(),
        lines["decision_ref"].tolist(),
        lines["contract_ref"].tolist(),
        lines["preparer"].tolist(),
        lines["reviewer"].tolist(),
        lines["bookkeeper"].tolist(),
    ]
    return [list(row) for row in zip(*columns, strict=True)]


def _subtotal(label: str, debit: int, credit: int, variant: int, width: int) -> list[str]:
    row = [""] * width
    row[SUMMARY_COLUMN] = FULL_WIDTH_SPACE * 2 + label
    texts = amount_text(pd.Series([debit, credit]), thousands=True)
    if variant == 0:
        row[AMOUNT_COLUMN:AMOUNT_COLUMN + 2] = texts
    else:
        row[AMOUNT_COLUMN + 1] = texts[0]
    return row


def write_legacy_csv(lines: pd.DataFrame, path: Path, *, variant: int) -> np.ndarray:
    """Write one village-year; returns each line's 1-based line number in the file.

    Variant 0 has 借方金额/贷方金额 and dates ``2023年1月5日``; variant 1 has 方向 + 金额 and
    dates ``2023/1/5``.
    """
    first = lines.iloc[0]
    header = HEADERS[variant]
    width = len(header)
    rows: list[list[str]] = [
        [title(first["town"], first["village"])] + [""] * (width - 1),
        [period_caption(int(first["year"]))] + [""] * (width - 1),
        [""] * width,
        header,
    ]
    cells = _data_cells(lines, variant)
    source_rows = np.zeros(len(lines), dtype=np.int64)
    for block in month_blocks(lines):
        for position in block.positions:
            rows.append(cells[position])
            source_rows[position] = len(rows)
        rows.append(_subtotal(MONTH_TOTAL, block.month_debit, block.month_credit, variant, width))
        rows.append(_subtotal(YEAR_TOTAL, block.year_debit, block.year_credit, variant, width))
        if block.period.endswith(("03", "06", "09")):
            rows.append([])  # a truly blank line between quarters
    rows.extend([[""] * width] * TRAILING_EMPTY_ROWS)
    write_csv_rows(path, rows, ENCODING)
    return source_rows
