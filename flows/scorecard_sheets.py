"""scorecards.xlsx: one sheet per year with the villages ranked (colour first, then operating
income), the colour as the cell's fill, numbers as numbers (money in yuan, shares as
percentages), and a sheet of the definitions and lines used.

Written by the one workbook writer (:mod:`review.xlsx`), which also keeps text from being read
as a formula.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from checks.scorecard_params import ScorecardParams
from models.scorecard_status import CONDITION_LABELS, STATUS_LABELS
from review.xlsx import Sheet, write_xlsx

STATUS_ORDER = {"red": 0, "yellow": 1, "green": 2}
# (column, header, kind): kind is status (its label, filled with its colour), text, or how the
# number shows: money (fen shown as yuan), share or count.
SHEET_COLUMNS = [
    ("town", "乡镇", "text"), ("village", "村", "text"), ("status", "预警颜色", "status"),
    ("status_reasons", "预警原因", "text"), ("operating_income_fen", "经营性收入（元）", "money"),
    ("operating_income_change_share", "经营性收入同比", "share"),
    ("income_fen", "收入合计（元）", "money"), ("income_change_fen", "收入同比增减（元）", "money"),
    ("expense_fen", "支出合计（元）", "money"), ("admin_expense_fen", "管理费用（元）", "money"),
    ("admin_expense_share", "管理费用占支出", "share"),
    ("cadre_pay_fen", "干部报酬（元）", "money"),
    ("cash_payment_share", "现金支付占比", "share"), ("debt_ratio", "资产负债率", "share"),
    ("rent_due_fen", "应收租金（元）", "money"), ("rent_received_fen", "已收租金（元）", "money"),
    ("rule_cases", "违规案件", "count"), ("confirmed_cases", "属实案件", "count"),
    ("open_cases", "待复核案件", "count"),
]
STATUS_HEADER = "预警颜色"
DEFINITIONS = [
    ("收入合计", "当年各收入科目（2004 制度 501、511、521、522、531、561；2023 制度 501—504）"
             "贷方减借方，不含年终结转凭证；红字冲销以负数抵减"),
    ("经营性收入", "收入合计减去参数 operating_income_excludes 所列科目（默认补助收入）"),
    ("支出合计", "当年各支出科目（损益类借方科目）借方减贷方，不含年终结转凭证"),
    ("管理费用", "2004 制度 541、2023 制度 513 借方减贷方；占比 = 管理费用 ÷ 支出合计"),
    ("干部报酬", "摘要或科目名称含干部报酬用词（参数 registers.cadre_pay_terms）的支出"),
    ("现金支付占比", "现金科目贷方 ÷（现金 + 银行存款科目贷方），不含提现、存现"),
    ("资产负债率", "年末负债 ÷ 资产，按本次载入的最早期间起累计发生额计算（无期初余额）"),
    ("应收 / 已收租金", "三资合同台账当年到期的应收租金（承包费）及其在账上的收款（读入台账时）"),
    ("违规案件", "当年规则发现、未因更正消除的案件数"),
    ("属实案件", "复核结论为“属实”的案件数"),
    ("待复核案件", "尚未复核（含重新打开）的案件数"),
    ("科目映射", "按科目的类别、余额方向和名称取数，不按编码："
             "2024 年改用新制度的村仍为一条连续序列"),
]


def _rules(params: ScorecardParams) -> list[tuple[str, str]]:
    return [
        ("达线标准", f"经营性收入 {params.income_line:,} 元（乡镇年度总结“15 万元以上的村”口径）"),
        ("资产负债率警戒线", f"{params.debt_warning_line:.0%}（条例第十八条由乡镇设定）"),
        ("收入连续下降", f"经营性收入连续 {params.falling_years} 年下降"),
        ("租金逾期", f"当年应收租金未收超过 {params.rent_overdue_share:.0%}"),
        ("红色情形", "、".join(CONDITION_LABELS[name] for name in params.red_when) or "无"),
        ("黄色情形", "、".join(CONDITION_LABELS[name] for name in params.yellow_when) or "无"),
        ("乡镇差异", "、".join(params.town_overrides) or "无"),
    ]


def ranked(scorecards: pd.DataFrame) -> pd.DataFrame:
    """One year's villages in assessment order: red, yellow, green, then by operating income,
    highest first."""
    return scorecards.assign(_order=scorecards["status"].map(STATUS_ORDER)).sort_values(
        ["_order", "operating_income_fen", "town", "village"],
        ascending=[True, False, True, True]).drop(columns="_order")


RANK_HEADER = "名次"
# 名次, 乡镇, 村, 预警颜色, 预警原因, then the numbers
YEAR_WIDTHS = [8, 10, 10, 10, 48] + [14] * (len(SHEET_COLUMNS) - 4)


def year_sheet(scorecards: pd.DataFrame) -> Sheet:
    """One year's villages as a sheet: ranked, the colour as the cell's fill, money in yuan;
    the rank and the village stay in view."""
    rows = ranked(scorecards).reset_index(drop=True)
    columns: dict[str, pd.Series] = {RANK_HEADER: pd.Series(range(1, len(rows) + 1))}
    for name, title, kind in SHEET_COLUMNS:
        values = rows[name]
        if kind == "status":
            columns[title] = values.map(STATUS_LABELS).astype("str")
        elif kind == "text":
            columns[title] = values.astype("str")
        else:
            number = values.astype("Float64")
            columns[title] = number / 100 if kind == "money" else number
    return Sheet(pd.DataFrame(columns),
                 formats={title: kind for _, title, kind in SHEET_COLUMNS
                          if kind in ("money", "share", "count")},
                 fills={STATUS_HEADER: rows["status"].tolist()},
                 widths=YEAR_WIDTHS, frozen_columns=3)


def definitions_sheet(params: ScorecardParams) -> Sheet:
    """The definitions and the lines in force."""
    items = [*DEFINITIONS, *_rules(params)]
    return Sheet(pd.DataFrame(items, columns=["项目", "口径"], dtype="str"), widths=[18, 90])


def write_scorecard_workbook(path: Path, scorecards: pd.DataFrame,
                             params: ScorecardParams) -> Path:
    """Write the workbook: a sheet per year, then the definitions; returns its path."""
    sheets = {f"{year} 年": year_sheet(rows) for year, rows in scorecards.groupby("year")}
    write_xlsx(path, sheets | {"指标口径": definitions_sheet(params)})
    return path
