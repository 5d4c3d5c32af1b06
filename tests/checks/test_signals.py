"""Signals: each journal-entry test with an entry it marks and one it does not."""

from __future__ import annotations

import numpy as np
import pytest

from checks.context import CheckContext
from checks.params import load_params
from checks.prepared import prepare_entries
from checks.signals import SIGNALS, evaluate_signals
from checks.signals.benford import first_digits
from tests.checks.books import clean_book, voucher
from tests.entries import make_entries

BANK = ("102", "银行存款")
OFFICE = ("541001", "管理费用-办公费")


def signals_of(rows, signal_id, params=None) -> dict[str, str]:
    params = params or load_params()
    context = CheckContext.of(params)
    frame = prepare_entries(make_entries(rows), params, context.charts)
    found = evaluate_signals(frame, context)
    found = found[found["signal_id"] == signal_id]
    return dict(zip(found["entry_id"], found["detail"], strict=True))


def _payment(day: str, amount: float, *, number: int = 1, payee: str = "", code=OFFICE,
             word: str = "记", **fields) -> list[dict]:
    return voucher(day[:7], number, day, "付款", [(*code, amount, 0), (*BANK, 0, amount)],
                   counterparty=payee, word=word, **fields)


def test_signal_ids_are_distinct_from_rule_ids():
    ids = [signal.id for signal in SIGNALS]
    assert len(set(ids)) == len(ids)
    assert all(signal_id.startswith("signal.") for signal_id in ids)


@pytest.mark.parametrize(
    ("day", "marked"),
    [
        ("2023-10-02", "凭证日期 2023-10-02 为中秋节、国庆节假期"),  # a Monday in the holiday
        ("2023-10-07", None),  # a Saturday make-up working day (调休上班)
        ("2023-03-04", "凭证日期 2023-03-04 为星期六"),
        ("2023-03-06", None),
        ("2024-02-04", None),  # Sunday, worked before 春节
        ("2024-02-16", "凭证日期 2024-02-16 为春节假期"),
        ("2020-02-01", "凭证日期 2020-02-01 为春节假期"),  # 调休 cancelled by the extension
        ("2019-05-04", "凭证日期 2019-05-04 为劳动节假期"),  # a Saturday, from chinese-calendar
        ("2027-05-01", "凭证日期 2027-05-01 为星期六（该年节假日安排未收录，仅按周末判断）"),
    ],
)
def test_rest_day_postings(day, marked):
    found = signals_of(_payment(day, 100), "signal.weekend")
    assert found == ({} if marked is None else {"e0000": marked, "e0001": marked})


def test_transfer_vouchers_dated_on_a_rest_day_are_not_marked():
    assert signals_of(_payment("2023-12-31", 100, word="转"), "signal.weekend") == {}


@pytest.mark.parametrize(
    ("amount", "code", "marked"),
    [(5000, OFFICE, True), (12000, OFFICE, True), (5000.5, OFFICE, False), (4000, OFFICE, False),
     (5000, ("101", "现金"), False)],
)
def test_round_amounts(amount, code, marked):
    found = signals_of(_payment("2023-03-15", amount, code=code, decision_ref="JY"),
                       "signal.round_amount")
    assert (found == {"e0000": f"支出金额 {amount:,.2f} 元为 1,000.00 元的整数倍"}) is marked
    assert marked or found == {}


def test_near_the_approval_tier_and_the_cash_ceiling():
    found = signals_of(_payment("2023-03-15", 9500), "signal.near_threshold")
    assert found == {
        "e0000": "凭证 2023-03 记-1 金额 9,500.00 元为非生产性开支审批限额 10,000.00 元的 95.0%"
    }
    assert signals_of(_payment("2023-03-15", 8999.99), "signal.near_threshold") == {}
    assert signals_of(_payment("2023-03-15", 10000), "signal.near_threshold") == {}
    cash = voucher("2023-03", 1, "2023-03-15", "购配件",
                   [("541005", "管理费用-维修费", 950, 0), ("101", "现金", 0, 950)],
                   counterparty="青石镇鑫盛五金店")
    assert signals_of(cash, "signal.near_threshold") == {
        "e0001": "金额 950.00 元为对单位现金支付限额 1,000.00 元的 95.0%"
    }
    to_person = [{**row, "counterparty": "王建国"} for row in cash]
    assert signals_of(to_person, "signal.near_threshold") == {}


def test_near_the_tender_line():
    works = _payment("2024-03-15", 95000, code=("153001", "在建工程-村道"), payee="某建筑有限公司")
    found = signals_of(works, "signal.near_threshold")
    assert found == {
        "e0000": "凭证 2024-03 记-1 金额 95,000.00 元为工程招标限额 100,000.00 元的 95.0%"
    }


def test_same_payee_and_amount_within_days():
    first = _payment("2023-03-10", 860, payee="青石镇供电所")
    again = _payment("2023-03-13", 860, number=2, payee="青石镇供电所")
    found = signals_of(first + again, "signal.duplicate_payment")
    assert found == {
        "e0000": "向“青石镇供电所”支付 860.00 元，与凭证 2023-03 记-2（2023-03-13）同一收款方、"
                 "同一金额，相隔 3 天",
        "e0002": "向“青石镇供电所”支付 860.00 元，与凭证 2023-03 记-1（2023-03-10）同一收款方、"
                 "同一金额，相隔 3 天",
    }


@pytest.mark.parametrize(
    "again",
    [
        _payment("2023-03-20", 860, number=2, payee="青石镇供电所"),  # 10 days later
        _payment("2023-03-13", 861, number=2, payee="青石镇供电所"),
        _payment("2023-03-13", 860, number=2, payee="白沙镇供电所"),
    ],
)
def test_not_duplicates(again):
    first = _payment("2023-03-10", 860, payee="青石镇供电所")
    assert signals_of(first + again, "signal.duplicate_payment") == {}


def _busy_village(n_vouchers: int = 160) -> list[dict]:
    """A village with enough lines to judge rarity: office supplies paid from the bank."""
    rows = []
    for number in range(1, n_vouchers + 1):
        rows += _payment("2023-03-15", 100 + number, number=number, payee="青石镇文具店")
    return rows


def test_rare_account_and_rare_pair():
    rows = _busy_village()
    rare = voucher("2023-03", 161, "2023-03-15", "购软件",
                   [("161", "无形资产", 900, 0), *[(*BANK, 0, 900)]])
    accounts = signals_of(rows + rare, "signal.rare_account")
    assert accounts == {"e0320": "科目 161 无形资产 在本村全部 322 条分录中仅出现 1 次"}
    pairs = signals_of(rows + rare, "signal.rare_pair")
    assert set(pairs) == {"e0320", "e0321"}
    assert pairs["e0320"] == (
        "借 161 无形资产 / 贷 102 银行存款 的科目组合在本村 161 张凭证中仅出现 1 次"
    )
    small_village = signals_of(rows[:100] + rare, "signal.rare_account")
    assert small_village == {}


def test_benford_marks_over_represented_digits_in_nonconforming_years():
    rows = []
    for number in range(1, 321):
        rows += _payment("2023-03-15", 500 + number / 10, number=number, decision_ref="JY")
    found = signals_of(rows, "signal.benford")
    assert len(found) == 320
    assert all("首位为 5 的金额占 100.0%，理论值 7.9%" in detail for detail in found.values())
    assert signals_of(rows[:400], "signal.benford") == {}  # 200 amounts: too few to judge


def test_benford_conforming_amounts_are_not_marked():
    rng = np.random.default_rng(7)  # this sample's MAD is 0.0178: above 0.015 by chance alone
    amounts = np.round(10 ** rng.uniform(1, 5, 400), 2)
    rows = []
    for number, amount in enumerate(amounts, start=1):
        rows += _payment("2023-03-15", float(amount), number=number, decision_ref="JY")
    assert signals_of(rows, "signal.benford") == {}


def test_first_digits_are_exact_at_powers_of_ten():
    values = np.array([1, 9, 10, 99, 100, 1000, 999_999, 10**12, 5 * 10**13])
    assert first_digits(values).tolist() == [1, 9, 1, 9, 1, 1, 9, 1, 5]


def test_clean_book_signals_are_signals_only():
    params = load_params()
    context = CheckContext.of(params)
    frame = prepare_entries(make_entries(clean_book()), params, context.charts)
    signals = evaluate_signals(frame, context)
    assert set(signals["signal_id"]) <= {signal.id for signal in SIGNALS}
