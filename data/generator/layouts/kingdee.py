"""A 金蝶-style voucher export (.xlsx, sheet 凭证), one file per village-year
(docs/reading-exports.md).

Flat, one line a row, no title: 公司 holds the unit's code (``2.01.01.01``), not its name, so
the village is known from the file name only. 记账日期 is blank on vouchers not yet posted,
业务日期 always filled; 会计期间 is the month alone (``8``); the voucher word (凭证类型) stands
beside a bare, zero-padded 凭证号 (``00012``); 分录号 is 1 on every line of some vouchers.
Accounts are written with level separators (``541.001``) and full paths (``管理费用_办公费``);
方向 is 1/0 beside 原币金额, and 单位 is the unit of measure of 数量 and 单价. Counterparties are
auxiliary pairs 核算项目1/编码1/名称1, the department a second pair.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from data.generator.layouts.auxiliary import (
    DEPARTMENT,
    DEPARTMENT_CODE,
    DEPARTMENT_KIND,
    auxiliary_items,
)
from data.generator.layouts.workbook import (
    DATE_FORMAT,
    MONEY_FORMAT,
    date_cells,
    money_cells,
    new_workbook,
)

SHEET = "凭证"
HEADER = [
    "公司", "记账日期", "业务日期", "会计期间", "凭证类型", "凭证号", "分录号", "摘要", "科目",
    "科目名称", "币种", "汇率", "方向", "原币金额", "数量", "单价", "单位", "借方金额",
    "贷方金额", "制单人", "审核人", "过账人", "附件数量", "结算方式", "民主决策编号", "合同编号",
    "核算项目1", "编码1", "名称1", "核算项目2", "编码2", "名称2",
]
DATE_COLUMNS = ("记账日期", "业务日期")
MONEY_COLUMNS = ("原币金额", "单价", "借方金额", "贷方金额")
UNPOSTED_EVERY = 6  # every sixth voucher of a month is not yet posted: no 记账日期
LINE_NUMBER_ONE_EVERY = 4  # every fourth voucher numbers all its lines 1
MEASURED_ACCOUNT = "管理费用"
MEASURE_UNIT = "次"


def unit_codes(lines: pd.DataFrame) -> pd.Series:
    """The unit's code in the 金蝶 organisation tree, from its 单位编码 (``…00101`` →
    ``2.01.01.01``)."""
    org_code = lines["org_code"]
    return "2.01." + org_code.str.slice(7, 9) + "." + org_code.str.slice(9, 11)


def dotted_codes(codes: pd.Series) -> pd.Series:
    """``541001`` → ``541.001``; a first-level ``541`` stays."""
    return codes.str.slice(0, 3) + ("." + codes.str.slice(3)).where(codes.str.len() > 3, "")


def path_names(names: pd.Series) -> pd.Series:
    """``管理费用-办公费`` → ``管理费用_办公费``."""
    return names.str.replace("-", "_", regex=False)


def _numbered_one(lines: pd.DataFrame) -> pd.Series:
    """Lines of the vouchers whose 分录号 are all written 1."""
    return lines["voucher_number"] % LINE_NUMBER_ONE_EVERY == 0


def restated(lines: pd.DataFrame) -> dict[str, pd.Series]:
    """The fields this export states otherwise than the books: the unit code, the account
    path, and in vouchers numbering every line 1, a line's order among the lines of its
    voucher number."""
    voucher = [lines[name] for name in ("town", "village", "period", "voucher_word",
                                        "voucher_number")]
    order = lines.groupby(voucher).cumcount() + 1
    return {
        "org_code": unit_codes(lines),
        "account_name": path_names(lines["account_name"]),
        "line_no": lines["line_no"].where(~_numbered_one(lines), order),
    }


def _columns(lines: pd.DataFrame) -> dict[str, list[object]]:
    number = lines["voucher_number"]
    dates = date_cells(lines)
    posted = (number % UNPOSTED_EVERY != 0).tolist()
    on_debit = (lines["debit_fen"] != 0) | (lines["credit_fen"] == 0)
    amount = lines["debit_fen"].where(on_debit, lines["credit_fen"])
    measured = (
        lines["account_name"].str.startswith(MEASURED_ACCOUNT)
        & (lines["debit_fen"] > 0) & (lines["raw_amount"] == "")
    )
    items = auxiliary_items(lines)
    department = items.department
    blank = pd.Series("", index=lines.index, dtype="str")
    return {
        "公司": unit_codes(lines).tolist(),
        "记账日期": [date if keep else None for date, keep in zip(dates, posted, strict=True)],
        "业务日期": dates,
        "会计期间": lines["period"].str.slice(5, 7).astype("int64").tolist(),
        "凭证类型": lines["voucher_word"].tolist(),
        "凭证号": number.astype("str").str.zfill(5).tolist(),
        "分录号": lines["line_no"].where(~_numbered_one(lines), 1).tolist(),
        "摘要": lines["summary"].tolist(),
        "科目": dotted_codes(lines["account_code"]).tolist(),
        "科目名称": path_names(lines["account_name"]).tolist(),
        "币种": ["人民币"] * len(lines),
        "汇率": [1] * len(lines),
        "方向": np.where(on_debit, 1, 0).tolist(),
        "原币金额": money_cells(amount, lines["raw_amount"], zero=0),
        "数量": [1 if measure else None for measure in measured.tolist()],
        "单价": [fen / 100 if measure else None
                 for fen, measure in zip(lines["debit_fen"].tolist(), measured.tolist(),
                                         strict=True)],
        "单位": blank.where(~measured, MEASURE_UNIT).tolist(),
        "借方金额": money_cells(lines["debit_fen"], lines["raw_amount"]),
        "贷方金额": money_cells(lines["credit_fen"], lines["raw_amount"]),
        "制单人": lines["preparer"].tolist(),
        "审核人": lines["reviewer"].tolist(),
        "过账人": lines["bookkeeper"].tolist(),
        "附件数量": lines["attachments"].astype("int64").tolist(),
        "结算方式": lines["settlement"].tolist(),
        "民主决策编号": lines["decision_ref"].tolist(),
        "合同编号": lines["contract_ref"].tolist(),
        "核算项目1": items.kind.tolist(),
        "编码1": items.code.tolist(),
        "名称1": lines["counterparty"].tolist(),
        "核算项目2": blank.where(~department, DEPARTMENT_KIND).tolist(),
        "编码2": blank.where(~department, DEPARTMENT_CODE).tolist(),
        "名称2": blank.where(~department, DEPARTMENT).tolist(),
    }


def write_kingdee(lines: pd.DataFrame, path: Path) -> np.ndarray:
    """Write one village-year; returns each line's 1-based row in the sheet."""
    book = new_workbook(path)
    sheet = book.add_worksheet(SHEET)
    formats = {
        **dict.fromkeys(DATE_COLUMNS, book.add_format({"num_format": DATE_FORMAT})),
        **dict.fromkeys(MONEY_COLUMNS, book.add_format({"num_format": MONEY_FORMAT})),
    }
    for column, name in enumerate(HEADER):
        sheet.set_column(column, column, 12, formats.get(name))
    sheet.write_row(0, 0, HEADER, book.add_format({"bold": True}))
    columns = _columns(lines)
    for row, cells in enumerate(zip(*(columns[name] for name in HEADER), strict=True), 1):
        sheet.write_row(row, 0, cells)
    book.close()
    return np.arange(2, len(lines) + 2)
