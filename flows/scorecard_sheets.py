"""scorecards.xlsx: one sheet per year with the villages ranked (colour first, then operating
income), the colour as the cell's fill, numbers as numbers (money in yuan, shares as
percentages), and a sheet of the definitions and lines used.

The scorecards are a few rows per village, so xlsxwriter writes them cell by cell; every text
is written as a string (``write_string``), never read as a formula, as in flows/xlsx.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter

from checks.scorecard_params import ScorecardParams
from models.scorecard_status import CONDITION_LABELS, STATUS_LABELS

FILLS = {"red": "#F4B6B6", "yellow": "#FFE699", "green": "#C6E0B4"}
STATUS_ORDER = {"red": 0, "yellow": 1, "green": 2}
# (column, header, kind): kind is money (fen shown as yuan), share, count or text.
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


def write_scorecard_workbook(path: Path, scorecards: pd.DataFrame,
                             params: ScorecardParams) -> Path:
    """Write the workbook; returns its path."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                           "strings_to_numbers": False, "strings_to_urls": False})
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    formats = {"money": book.add_format({"num_format": "#,##0.00"}),
               "share": book.add_format({"num_format": "0.0%"}),
               "count": book.add_format({"num_format": "0"}), "text": None}
    fills = {status: book.add_format({"bg_color": colour}) for status, colour in FILLS.items()}
    for year, rows in scorecards.groupby("year"):
        sheet = book.add_worksheet(f"{year} 年")
        sheet.write_string(0, 0, "名次", header)
        for number, (_, title, _) in enumerate(SHEET_COLUMNS, start=1):
            sheet.write_string(0, number, title, header)
        sheet.freeze_panes(1, 3)
        sheet.set_column(1, 2, 10)
        sheet.set_column(4, 4, 48)
        sheet.set_column(5, len(SHEET_COLUMNS), 14)
        for position, row in enumerate(ranked(rows).itertuples(index=False), start=1):
            sheet.write_number(position, 0, position)
            for number, (name, _, kind) in enumerate(SHEET_COLUMNS, start=1):
                value = getattr(row, name)
                if kind == "status":
                    sheet.write_string(position, number, STATUS_LABELS[value], fills[value])
                elif value is None or pd.isna(value):
                    sheet.write_blank(position, number, None)
                elif kind == "text":
                    sheet.write_string(position, number, str(value))
                else:
                    amount = int(value) / 100 if kind == "money" else float(value)
                    sheet.write_number(position, number, amount, formats[kind])
    definitions = book.add_worksheet("指标口径")
    definitions.write_string(0, 0, "项目", header)
    definitions.write_string(0, 1, "口径", header)
    definitions.set_column(0, 0, 18)
    definitions.set_column(1, 1, 90)
    for number, (item, text) in enumerate([*DEFINITIONS, *_rules(params)], start=1):
        definitions.write_string(number, 0, item)
        definitions.write_string(number, 1, text)
    book.close()
    return path
