"""The accounts the generator books, in both village charts of accounts.

Periods before 2024-01-01 use the 2004 chart (财会〔2004〕12号), later periods the 2023 chart
(财会〔2023〕14号); the same code can mean different accounts in the two (2004's 211 应付工资 is
2023's 211 应付款; the charts are checks/charts/village_*.yaml).
Sub-accounts extend a first-level code by three digits and are named "一级名称-明细名称".
"""

from __future__ import annotations

NEW_CHART_FROM_YEAR = 2024

# key: ((2004 code, 2004 name), (2023 code, 2023 name))
ACCOUNTS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "cash": (("101", "现金"), ("101", "库存现金")),
    "bank": (("102", "银行存款"), ("102", "银行存款")),
    "receivable_person": (("112002", "应收款-个人"), ("112002", "应收款-个人")),
    "internal": (("113", "内部往来"), ("113", "内部往来")),
    "fixed_assets": (("151", "固定资产"), ("151", "固定资产")),
    "wages_payable": (("211", "应付工资"), ("212", "应付工资")),
    "current_income": (("321", "本年收益"), ("321", "本年收益")),
    "undistributed": (("322001", "收益分配-未分配收益"), ("322001", "收益分配-未分配收益")),
    "contract_income": (("511001", "发包及上交收入-承包收入"), ("501002", "经营收入-发包收入")),
    "subsidy_income": (("522", "补助收入"), ("503", "补助收入")),
    "other_income": (("531", "其他收入"), ("504", "其他收入")),
    "operating_expense": (("502", "经营支出"), ("511", "经营支出")),
    "office": (("541001", "管理费用-办公费"), ("513001", "管理费用-办公费")),
    "wages": (("541002", "管理费用-工资"), ("513002", "管理费用-工资")),
    "utilities": (("541003", "管理费用-水电费"), ("513003", "管理费用-水电费")),
    "travel": (("541004", "管理费用-差旅费"), ("513004", "管理费用-差旅费")),
    "repairs": (("541005", "管理费用-维修费"), ("513005", "管理费用-维修费")),
    "allowance": (("541006", "管理费用-误工补贴"), ("513006", "管理费用-误工补贴")),
    "transport": (("541007", "管理费用-交通费"), ("513007", "管理费用-交通费")),
    "admin_other": (("541008", "管理费用-其他"), ("513008", "管理费用-其他")),
    "other_expense": (("551", "其他支出"), ("515", "其他支出")),
    "public_welfare": (("551001", "其他支出-公益支出"), ("514", "公益支出")),
}

# Per-project sub-accounts: first-level code and name in each chart.
PROJECT_ACCOUNTS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "works": (("154", "在建工程"), ("153", "在建工程")),
    "special_fund": (("241", "专项应付款"), ("241", "专项应付款")),
}

CASH_CODE = "101"
BANK_CODE = "102"


def uses_new_chart(year: int) -> bool:
    """Whether a year's periods follow the 2023 chart."""
    return year >= NEW_CHART_FROM_YEAR


def account(key: str, year: int) -> tuple[str, str]:
    """Code and name of a generator account in the chart in force in ``year``."""
    return ACCOUNTS[key][uses_new_chart(year)]


def other_chart_account(key: str, year: int) -> tuple[str, str]:
    """The account as the chart *not* in force in ``year`` codes it: what an outdated or
    careless export writes (the code is foreign to the period, or means another account)."""
    return ACCOUNTS[key][not uses_new_chart(year)]


def project_account(key: str, year: int, number: int, project: str) -> tuple[str, str]:
    """The sub-account of one project (在建工程 or 专项应付款), numbered from 1."""
    code, name = PROJECT_ACCOUNTS[key][uses_new_chart(year)]
    return f"{code}{number:03d}", f"{name}-{project}"
