"""Schedules of amounts due made from a contract's terms, or taken from its payment plan."""

from __future__ import annotations

import pandas as pd
import pytest

from checks.registers.columns import SCHEDULE_COLUMNS
from checks.registers.schedule import (
    build_schedule,
    parse_due_day,
    parse_escalation,
    terms_instalments,
)
from tests.checks.registers.frames import contract, register_frame


def instalments(**fields):
    row = register_frame("contracts", [contract(**fields)]).iloc[0].to_dict()
    return [(f"{due:%Y-%m-%d}", amount) for due, amount in terms_instalments(row)]


@pytest.mark.parametrize(("collection", "count", "first", "amount"), [
    ("按月", 36, ("2023-01-01", 16_667), ("2023-02-01", 16_666)),
    ("按季", 12, ("2023-01-01", 50_000), ("2023-04-01", 50_000)),
    ("按半年", 6, ("2023-01-01", 100_000), ("2023-07-01", 100_000)),
    ("按年", 3, ("2023-01-01", 200_000), ("2024-01-01", 200_000)),
])
def test_each_collection_interval_is_due_at_each_period_start(collection, count, first, amount):
    due = instalments(collection=collection)
    assert len(due) == count
    assert due[0] == first and due[1] == amount
    assert sum(fen for _, fen in due) == 600_000  # exact: three years' rent to the fen


def test_one_off_is_one_amount_at_the_start():
    assert instalments(collection="一次性", amount_fen=600_000) == [("2023-01-01", 600_000)]


def test_civil_code_721_when_the_terms_say_nothing():
    assert instalments(collection="") == [
        ("2023-12-31", 200_000), ("2024-12-31", 200_000), ("2025-12-31", 200_000)]
    # a term under a year is paid when it ends
    assert instalments(collection="", end_on="2023-06-30") == [("2023-06-30", 99_178)]


def test_first_due_date_and_due_day():
    assert instalments(first_due_on="2023-01-05")[1] == ("2024-01-05", 200_000)
    assert instalments(due_day="每年3月10日前", start_on="2023-04-01", end_on="2025-03-31") == [
        ("2024-03-10", 200_000), ("2025-03-10", 200_000)]
    assert parse_due_day("每月5日") == (None, 5)
    assert parse_due_day("随时") is None


@pytest.mark.parametrize(("text", "rents"), [
    ("每年递增10%", [200_000, 220_000, 242_000]),
    ("按比例递增，每2年递增5%", [200_000, 200_000, 210_000]),
    ("按固定金额每年增加500元", [200_000, 250_000, 300_000]),
    ("每两年递增0.1万元", [200_000, 200_000, 300_000]),
    ("", [200_000, 200_000, 200_000]),
])
def test_escalation(text, rents):
    assert [amount for _, amount in instalments(escalation=text)] == rents
    assert parse_escalation("无").ratio == 0


def test_rent_free_days_reduce_the_first_period_and_delay_its_due_date():
    due = instalments(rent_free_days=90)
    assert due[0] == ("2023-04-01", 150_685)  # 275 of 365 days charged
    assert due[1] == ("2024-01-01", 200_000)


def test_rent_from_unit_price_and_area():
    assert instalments(annual_rent_fen=None, unit_price_fen=30_000, area_mu=2.5)[0][1] == 75_000


def test_the_plan_wins_over_the_terms():
    contracts = register_frame("contracts", [contract(), contract("HT-2", counterparty="李四")])
    plans = register_frame("plans", [
        {"contract_no": "HT-2", "instalment": 1, "direction": "收", "due_on": "2023-03-01",
         "amount_due_fen": 500_000}])
    schedule = build_schedule(contracts, plans)
    assert dict(schedule.dtypes.astype(str)) == {
        name: ("object" if dtype == "object" else str(pd.Series(dtype=dtype).dtype))
        for name, dtype in SCHEDULE_COLUMNS.items()}
    assert schedule.loc[schedule["contract_no"] == "HT-2", "origin"].tolist() == ["plan"]
    assert schedule.loc[schedule["contract_no"] == "HT-1", "origin"].tolist() == ["terms"] * 3


def test_works_contracts_have_no_schedule_without_a_plan():
    assert instalments(category="工程建设", amount_fen=1_000_000) == []


def test_monthly_periods_from_a_month_end_keep_to_each_months_end():
    dues = instalments(collection="按月", start_on="2024-01-31", end_on="2024-04-29",
                       annual_rent_fen=120_000)
    assert dues == [("2024-01-31", 10_000), ("2024-02-29", 10_000), ("2024-03-31", 10_000)]
