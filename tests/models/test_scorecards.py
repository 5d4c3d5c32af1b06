"""Village scorecards: indicators on tiny literal ledgers of each chart (closing entries, red
ink, a village switching charts), and the colour rules on literal indicator rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from checks.charts import charts_with
from checks.scorecard_params import ScorecardParams
from models.scorecard_status import coloured
from models.scorecards import (
    ENTRY_COLUMNS,
    case_counts,
    journal_indicators,
    ledger_lines,
    with_cases,
    with_changes,
    with_rents,
)

CADRE_TERMS = ("干部报酬", "误工补贴")


def _ledger(rows: list[tuple]) -> pd.DataFrame:
    """(village, period, word, number, summary, code, name, debit, credit) → entries."""
    frame = pd.DataFrame(rows, columns=["village", "period", "voucher_word", "voucher_number",
                                        "summary", "account_code", "account_name", "debit_fen",
                                        "credit_fen"])
    return frame.assign(town="青石镇")[ENTRY_COLUMNS].astype(
        {"voucher_number": "int64", "debit_fen": "int64", "credit_fen": "int64"})


def _indicators(entries: pd.DataFrame) -> pd.DataFrame:
    lines = ledger_lines(entries, charts_with({}), None, closing_markers=("结转",),
                         cadre_pay_terms=CADRE_TERMS)
    return journal_indicators(lines, operating_income_excludes=("补助收入",)).set_index(
        ["village", "year"])


# 2004 chart: 501 经营收入, 511 发包及上交收入, 522 补助收入, 541 管理费用, 502 经营支出,
# 101 现金, 102 银行存款, 202 应付款, 321 本年收益.
OLD_BOOKS = [
    ("下坝村", "2023-03", "记", 1, "收鱼塘承包费", "102", "银行存款", 12_000_000, 0),
    ("下坝村", "2023-03", "记", 1, "收鱼塘承包费", "511", "发包及上交收入", 0, 12_000_000),
    ("下坝村", "2023-04", "记", 2, "收上级补助", "102", "银行存款", 5_000_000, 0),
    ("下坝村", "2023-04", "记", 2, "收上级补助", "522", "补助收入", 0, 5_000_000),
    ("下坝村", "2023-05", "记", 3, "付办公费", "541", "管理费用-办公费", 300_000, 0),
    ("下坝村", "2023-05", "记", 3, "付办公费", "101", "现金", 0, 300_000),
    ("下坝村", "2023-06", "记", 4, "付干部报酬", "541", "管理费用-干部报酬", 1_000_000, 0),
    ("下坝村", "2023-06", "记", 4, "付干部报酬", "102", "银行存款", 0, 1_000_000),
    ("下坝村", "2023-07", "记", 5, "提现", "101", "现金", 200_000, 0),
    ("下坝村", "2023-07", "记", 5, "提现", "102", "银行存款", 0, 200_000),
    ("下坝村", "2023-08", "记", 6, "付维修费", "502", "经营支出", 700_000, 0),
    ("下坝村", "2023-08", "记", 6, "付维修费", "202", "应付款", 0, 700_000),
    # a red-ink reversal of half the office expense: nets out
    ("下坝村", "2023-09", "记", 7, "冲销多记办公费", "541", "管理费用-办公费", -100_000, 0),
    ("下坝村", "2023-09", "记", 7, "冲销多记办公费", "101", "现金", 0, -100_000),
    # the year-end close: income and spending into 本年收益, left out of the flows
    ("下坝村", "2023-12", "转", 1, "结转本年收入", "511", "发包及上交收入", 12_000_000, 0),
    ("下坝村", "2023-12", "转", 1, "结转本年收入", "522", "补助收入", 5_000_000, 0),
    ("下坝村", "2023-12", "转", 1, "结转本年收入", "321", "本年收益", 0, 17_000_000),
    ("下坝村", "2023-12", "转", 2, "结转本年支出", "321", "本年收益", 1_900_000, 0),
    ("下坝村", "2023-12", "转", 2, "结转本年支出", "541", "管理费用", 0, 1_200_000),
    ("下坝村", "2023-12", "转", 2, "结转本年支出", "502", "经营支出", 0, 700_000),
]
# 2023 chart, the same village from 2024: 502 is now 投资收益 (income), 513 管理费用,
# 503 补助收入, 211 应付款.
NEW_BOOKS = [
    ("下坝村", "2024-03", "记", 1, "收鱼塘承包费", "102", "银行存款", 9_000_000, 0),
    ("下坝村", "2024-03", "记", 1, "收鱼塘承包费", "501", "经营收入", 0, 9_000_000),
    ("下坝村", "2024-04", "记", 2, "收股金分红", "102", "银行存款", 1_000_000, 0),
    ("下坝村", "2024-04", "记", 2, "收股金分红", "502", "投资收益", 0, 1_000_000),
    ("下坝村", "2024-05", "记", 3, "付误工补贴", "513", "管理费用", 400_000, 0),
    ("下坝村", "2024-05", "记", 3, "付误工补贴", "101", "库存现金", 0, 400_000),
    ("下坝村", "2024-06", "记", 4, "借款", "102", "银行存款", 10_000_000, 0),
    ("下坝村", "2024-06", "记", 4, "借款", "201", "短期借款", 0, 10_000_000),
    ("下坝村", "2024-12", "转", 1, "结转本年收入", "501", "经营收入", 9_000_000, 0),
    ("下坝村", "2024-12", "转", 1, "结转本年收入", "502", "投资收益", 1_000_000, 0),
    ("下坝村", "2024-12", "转", 1, "结转本年收入", "321", "本年收益", 0, 10_000_000),
]


def test_indicators_of_the_2004_chart_leave_out_the_close_and_net_red_ink():
    entries = _ledger(OLD_BOOKS)
    before = entries.copy()
    row = _indicators(entries).loc[("下坝村", 2023)]
    pd.testing.assert_frame_equal(entries, before)  # the input is not mutated
    assert row["income_fen"] == 17_000_000
    assert row["operating_income_fen"] == 12_000_000  # less 补助收入
    assert row["expense_fen"] == 1_900_000  # 300,000 + 1,000,000 + 700,000 − 100,000
    assert row["admin_expense_fen"] == 1_200_000
    assert row["admin_expense_share"] == pytest.approx(1_200_000 / 1_900_000)
    assert row["cadre_pay_fen"] == 1_000_000
    # paid from cash 300,000 − 100,000, from the bank 1,000,000; 提现 is no payment
    assert row["cash_payment_share"] == pytest.approx(200_000 / 1_200_000)
    # assets 12,000,000 + 5,000,000 − 300,000 − 1,000,000 + 100,000 = 15,800,000; 应付款 700,000
    assert row["debt_ratio"] == pytest.approx(700_000 / 15_800_000)


def test_a_village_switching_charts_in_2024_has_one_series():
    indicators = _indicators(_ledger(OLD_BOOKS + NEW_BOOKS))
    new = indicators.loc[("下坝村", 2024)]
    assert new["income_fen"] == 10_000_000  # 502 read as 投资收益 in 2024, not 经营支出
    assert new["operating_income_fen"] == 10_000_000
    assert new["expense_fen"] == 400_000 and new["admin_expense_fen"] == 400_000
    assert new["cadre_pay_fen"] == 400_000
    assert new["cash_payment_share"] == 1.0
    # balances carry over: assets 15,800,000 + 9,000,000 + 1,000,000 − 400,000 + 10,000,000
    assert new["debt_ratio"] == pytest.approx(10_700_000 / 35_400_000)
    changes = with_changes(indicators.reset_index().assign(town="青石镇"))
    assert changes["operating_income_change_fen"].tolist()[1] == -2_000_000
    assert changes["operating_income_change_share"].tolist()[1] == pytest.approx(-2 / 12)
    assert changes["income_change_fen"].isna().tolist() == [True, False]


def test_a_closing_voucher_needs_its_word_month_and_current_income_line():
    not_closing = [  # 结转 in a 记 voucher of June: an ordinary transfer, it counts
        ("河口村", "2023-06", "记", 9, "结转收入", "511", "发包及上交收入", 0, 500_000),
        ("河口村", "2023-06", "记", 9, "结转收入", "102", "银行存款", 500_000, 0),
    ]
    assert _indicators(_ledger(not_closing)).loc[("河口村", 2023), "income_fen"] == 500_000


def test_rents_cases_and_their_absence():
    indicators = _indicators(_ledger(OLD_BOOKS)).reset_index().assign(town="青石镇")
    no_rents = with_rents(indicators, None)
    assert no_rents["rent_due_fen"].isna().all()
    contracts = pd.DataFrame({"town": ["青石镇"], "village": ["下坝村"], "year": [2023],
                              "rent_due_fen": [2_000_000], "rent_received_fen": [500_000]})
    assert with_rents(indicators, contracts)["rent_received_fen"].tolist() == [500_000]
    cases = pd.DataFrame({"town": ["青石镇"] * 4, "village": ["下坝村"] * 4,
                          "year": [2023] * 4, "rule": [True, True, False, True],
                          "status": ["confirmed", "resolved", "open", "reopened"]})
    counted = with_cases(indicators, case_counts(cases))
    assert counted[["rule_cases", "confirmed_cases", "open_cases"]].iloc[0].tolist() == [2, 1, 2]
    assert with_cases(indicators, case_counts(cases.iloc[:0]))["open_cases"].tolist() == [0]


def _rows(**columns) -> pd.DataFrame:
    base = {"town": "青石镇", "village": "下坝村", "year": 2024,
            "operating_income_fen": 20_000_000, "operating_income_change_fen": 1,
            "debt_ratio": 0.2, "rent_due_fen": pd.NA, "rent_received_fen": pd.NA,
            "rule_cases": 0, "confirmed_cases": 0, "open_cases": 0}
    frame = pd.DataFrame([{**base, **row} for row in columns.get("rows", [{}])])
    return frame.astype({"rent_due_fen": "Int64", "rent_received_fen": "Int64",
                         "operating_income_change_fen": "Int64"})


def test_a_confirmed_breach_is_red_and_a_healthy_village_green():
    rows = _rows(rows=[{}, {"village": "河口村", "confirmed_cases": 2,
                            "operating_income_fen": 100_000}])
    result = coloured(rows, ScorecardParams())
    assert result["status"].tolist() == ["green", "red"]
    assert result["status_reasons"][0] == ""
    assert result["status_reasons"][1].startswith(
        "有 2 件经复核属实的违规案件；经营性收入 0.10 万元")
    assert result["above_income_line"].tolist() == [True, False]


def test_yellow_conditions_each_with_its_reason():
    rows = _rows(rows=[
        {"debt_ratio": 0.55},
        {"village": "河口村", "operating_income_fen": 14_999_999},
        {"village": "岭头村", "rent_due_fen": 1_000_000, "rent_received_fen": 800_000},
        {"village": "岭脚村", "rent_due_fen": 1_000_000, "rent_received_fen": 950_000},
        {"village": "溪口村", "debt_ratio": np.nan},
    ])
    result = coloured(rows, ScorecardParams())
    assert result["status"].tolist() == ["yellow", "yellow", "yellow", "green", "green"]
    assert result["status_reasons"][0] == "资产负债率 55.0%，达到警戒线 50%"
    assert result["status_reasons"][1] == "经营性收入 15.00 万元，低于 15.00 万元"
    assert result["status_reasons"][2] == "应收租金 10,000.00 元，未收 2,000.00 元"


def test_income_falling_two_years_running_and_town_overrides():
    rows = _rows(rows=[{"year": 2022, "operating_income_change_fen": pd.NA},
                       {"year": 2023, "operating_income_change_fen": -5},
                       {"year": 2024, "operating_income_change_fen": -5}])
    assert coloured(rows, ScorecardParams())["status"].tolist() == ["green", "green", "yellow"]
    params = ScorecardParams(town_overrides={"青石镇": {"debt_warning_line": 0.1,
                                                     "yellow_when": ["debt_over_line"]}})
    result = coloured(rows, params)
    assert result["status"].tolist() == ["yellow"] * 3
    assert "警戒线 10%" in result["status_reasons"][0]


def test_a_condition_cannot_be_both_colours():
    with pytest.raises(ValueError, match="只能选一种颜色"):
        ScorecardParams(red_when=["rent_overdue"])
