"""A voucher import template filled in (.xlsx), one file per village-year
(docs/reading-exports.md).

The first sheet (说明) holds instructions, not a journal; the sheet 凭证 has headers marking the
required columns with ``*``, an example row under the header (``示例：此行导入前删除``) that the
bookkeeper left in, then the lines: Excel dates, numeric amounts with 0 on the empty side and
red ink as text in brackets (``(1,200.00)``), the counterparty in 客户, 供应商 or 职员 by kind.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from data.generator.layouts.auxiliary import CUSTOMER, PERSON, SUPPLIER, auxiliary_items
from data.generator.layouts.formatting import amount_text
from data.generator.layouts.workbook import (
    DATE_FORMAT,
    MONEY_FORMAT,
    date_cells,
    money_cells,
    new_workbook,
)

INSTRUCTIONS_SHEET = "说明"
SHEET = "凭证"
INSTRUCTIONS = (
    "凭证导入模板使用说明",
    "1. 带*号的列为必填项，请勿修改、删除表头。",
    "2. 日期按Excel日期格式填写；凭证字填写记、收、付或转；同一凭证的各行凭证字、凭证号相同。",
    "3. 金额保留两位小数，未发生的一方填0；红字金额用括号表示，如(1,200.00)。",
    "4. 往来单位按类别填入客户、供应商或职员列，只填一列。",
    "5. 工作表“凭证”第2行为示例，导入前请删除。",
)
HEADER = [
    "*日期", "*凭证字", "*凭证号", "分录序号", "*摘要", "*科目代码", "科目名称", "*借方金额",
    "*贷方金额", "客户", "供应商", "职员", "附件数", "制单人", "决议编号", "合同编号",
]
EXAMPLE = [
    "示例：此行导入前删除", "记", 1, 1, "购办公用品", "541001", "管理费用-办公费", 120.0, 0,
    "", "某某文具店", "", 1, "张三", "", "",
]
COUNTERPARTY_COLUMNS = {"客户": CUSTOMER, "供应商": SUPPLIER, "职员": PERSON}
DATE_COLUMN = "*日期"
MONEY_COLUMNS = ("*借方金额", "*贷方金额")
FIRST_LINE_ROW = 3  # header, example, then the lines


def _amount_cells(fen: pd.Series, raw: pd.Series) -> list[object]:
    """Numbers, 0 on the empty side, red ink as ``(1,200.00)``, raw text where unreadable."""
    red = ((fen < 0) & (raw == "")).tolist()
    brackets = ["(" + text + ")" for text in amount_text(-fen, thousands=True)]
    return [
        bracket if is_red else cell
        for cell, bracket, is_red in zip(money_cells(fen, raw, zero=0), brackets, red,
                                         strict=True)
    ]


def _columns(lines: pd.DataFrame) -> dict[str, list[object]]:
    kind = auxiliary_items(lines).kind
    columns: dict[str, list[object]] = {
        "*日期": date_cells(lines),
        "*凭证字": lines["voucher_word"].tolist(),
        "*凭证号": lines["voucher_number"].tolist(),
        "分录序号": lines["line_no"].tolist(),
        "*摘要": lines["summary"].tolist(),
        "*科目代码": lines["account_code"].tolist(),
        "科目名称": lines["account_name"].tolist(),
        "*借方金额": _amount_cells(lines["debit_fen"], lines["raw_amount"]),
        "*贷方金额": _amount_cells(lines["credit_fen"], lines["raw_amount"]),
        "附件数": lines["attachments"].astype("int64").tolist(),
        "制单人": lines["preparer"].tolist(),
        "决议编号": lines["decision_ref"].tolist(),
        "合同编号": lines["contract_ref"].tolist(),
    }
    for header, wanted in COUNTERPARTY_COLUMNS.items():
        columns[header] = lines["counterparty"].where(kind == wanted, "").tolist()
    return columns


def write_template(lines: pd.DataFrame, path: Path) -> np.ndarray:
    """Write one village-year; returns each line's 1-based row in the sheet 凭证."""
    book = new_workbook(path)
    notes = book.add_worksheet(INSTRUCTIONS_SHEET)
    notes.set_column(0, 0, 80)
    for row, text in enumerate(INSTRUCTIONS):
        notes.write_string(row, 0, text)
    sheet = book.add_worksheet(SHEET)
    formats = {
        DATE_COLUMN: book.add_format({"num_format": DATE_FORMAT}),
        **dict.fromkeys(MONEY_COLUMNS, book.add_format({"num_format": MONEY_FORMAT})),
    }
    for column, name in enumerate(HEADER):
        sheet.set_column(column, column, 12, formats.get(name))
    sheet.write_row(0, 0, HEADER, book.add_format({"bold": True}))
    sheet.write_row(1, 0, EXAMPLE, book.add_format({"font_color": "red"}))
    columns = _columns(lines)
    first = FIRST_LINE_ROW - 1
    for row, cells in enumerate(zip(*(columns[name] for name in HEADER), strict=True), first):
        sheet.write_row(row, 0, cells)
    book.close()
    return np.arange(FIRST_LINE_ROW, FIRST_LINE_ROW + len(lines))
