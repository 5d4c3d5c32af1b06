"""Clean generated books break no stated rule."""

from __future__ import annotations

import pandas as pd
import pytest

from checks.entry_schema import ENTRY_COLUMNS, JournalEntry
from data.generator import GenerationResult
from tests.data.rule_oracle import CHART_2004, CHART_2023, VOUCHER, rule_hits


@pytest.fixture(scope="module")
def truth(clean_ledgers: GenerationResult) -> pd.DataFrame:
    return clean_ledgers.truth


def test_no_stated_rule_fires_on_clean_books(truth: pd.DataFrame) -> None:
    fired = {rule: len(hits) for rule, hits in rule_hits(truth).items() if len(hits)}
    assert fired == {}


def test_every_voucher_balances(truth: pd.DataFrame) -> None:
    sums = truth.groupby(VOUCHER)[["debit_fen", "credit_fen"]].sum()
    assert (sums["debit_fen"] == sums["credit_fen"]).all()
    assert len(sums) > 1000


def test_every_line_has_exactly_one_side(truth: pd.DataFrame) -> None:
    assert ((truth["debit_fen"] != 0) ^ (truth["credit_fen"] != 0)).all()


def test_voucher_numbers_run_from_one_without_gaps(truth: pd.DataFrame) -> None:
    vouchers = truth.drop_duplicates(VOUCHER)
    for _, numbers in vouchers.groupby(VOUCHER[:4])["voucher_number"]:
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert set(vouchers["voucher_word"]) == {"记", "转"}


def test_cash_day_end_balance_stays_between_zero_and_the_limit(truth: pd.DataFrame) -> None:
    cash = truth.loc[truth["account_code"].str.startswith("101")]
    daily = (cash["debit_fen"] - cash["credit_fen"]).groupby(
        [cash["village"], cash["voucher_date"]]
    ).sum()
    balance = daily.groupby(level="village").cumsum()
    assert balance.min() >= 0
    assert balance.max() <= 500_000
    assert balance.max() > 100_000  # the till is really used


def test_preparer_differs_from_reviewer(truth: pd.DataFrame) -> None:
    assert (truth["preparer"] != truth["reviewer"]).all()
    assert (truth[["preparer", "reviewer", "bookkeeper"]] != "").all().all()


@pytest.mark.parametrize(("period", "chart"), [("2023", CHART_2004), ("2024", CHART_2023)])
def test_codes_and_names_follow_the_chart_of_the_period(
    truth: pd.DataFrame, period: str, chart: dict[str, str]
) -> None:
    lines = truth.loc[truth["period"].str.startswith(period)]
    first = lines["account_code"].str.slice(0, 3)
    assert first.isin(list(chart)).all()
    assert (lines["account_name"].str.split("-").str[0] == first.map(chart)).all()


def test_same_account_changes_code_with_the_chart(truth: pd.DataFrame) -> None:
    admin = truth.loc[truth["account_name"].str.startswith("管理费用")]
    assert set(admin.loc[admin["period"] < "2024", "account_code"].str.slice(0, 3)) == {"541"}
    assert set(admin.loc[admin["period"] >= "2024", "account_code"].str.slice(0, 3)) == {"513"}
    sub = admin["account_code"].str.len() > 3
    assert admin.loc[sub, "account_name"].str.contains("-").all()


def test_year_end_closing_uses_transfer_vouchers(truth: pd.DataFrame) -> None:
    closing = truth.loc[truth["voucher_word"] == "转"]
    assert set(closing["period"]) == {"2023-12", "2024-12"}
    assert closing["summary"].str.startswith("结转").all()
    assert (closing["attachments"] == 0).all()


def test_truth_is_a_canonical_entry_frame(truth: pd.DataFrame) -> None:
    assert list(truth.columns) == ENTRY_COLUMNS
    assert (truth["entry_id"] == "").all()
    filled = truth.assign(entry_id=[f"e{index}" for index in range(len(truth))])
    JournalEntry.validate(filled, lazy=True)

