"""Income and spending of a village from its account aggregates (pure function)."""

from __future__ import annotations

import pandas as pd

from review.formatting import format_yuan
from review.village_summary import bar_chart_svg, summarise_accounts


def _accounts(rows: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["period", "account_code", "debit_fen", "credit_fen"])


def test_income_and_spending_follow_the_chart_in_force():
    summary = summarise_accounts(
        _accounts(
            [
                ("2023-06", "502", 30_000, 0),  # 2004 chart: 经营支出 (spending)
                ("2023-06", "511", 0, 500_000),  # 2004 chart: 发包及上交收入 (income)
                ("2023-12", "511", 500_000, 0),  # year-end close: not less income
                ("2024-02", "502", 0, 80_000),  # 2023 chart: 投资收益 (income)
                ("2024-02", "513", 12_345, 0),  # 2023 chart: 管理费用 (spending)
                ("2024-02", "102", 99_999, 99_999),  # bank: neither
            ]
        )
    )
    assert summary["income_fen"] == 580_000
    assert summary["spending_fen"] == 42_345
    assert summary["income_mix"] == [("发包及上交收入", 500_000), ("投资收益", 80_000)]
    assert summary["spending_mix"] == [("经营支出", 30_000), ("管理费用", 12_345)]
    assert [month["period"] for month in summary["monthly"]] == ["2023-06", "2023-12", "2024-02"]
    assert summary["monthly"][1] == {"period": "2023-12", "income_fen": 0, "spending_fen": 0}


def test_yuan_are_written_with_separators_and_two_decimals():
    assert format_yuan(123_456_789) == "1,234,567.89"
    assert format_yuan(-5) == "-0.05"
    assert format_yuan(0) == "0.00"


def test_bar_chart_is_inline_svg_with_escaped_labels():
    svg = str(bar_chart_svg([("<b>管理费用</b>", 12_345)]))
    assert svg.startswith("<svg") and "&lt;b&gt;管理费用&lt;/b&gt;" in svg and "123.45" in svg
    assert "无数据" in str(bar_chart_svg([]))
