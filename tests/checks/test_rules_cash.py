"""Cash rules: paying organisations in cash, the day-end till, special funds paid in cash."""

from __future__ import annotations

from decimal import Decimal

import pytest

from checks.params import load_params
from tests.checks.books import clean_book, entry_ids, hits, voucher, with_params

CASH = ("101", "现金")
BANK = ("102", "银行存款")
OFFICE = ("541001", "管理费用-办公费")


def _cash_payment(amount: float, payee: str, *, day: str = "2023-03-20", number: int = 9,
                  **fields) -> list[dict]:
    return voucher(
        day[:7], number, day, "购办公用品", [(*OFFICE, amount, 0), (*CASH, 0, amount)],
        counterparty=payee, **fields,
    )


def _top_up(amount: float, *, day: str = "2023-03-20", number: int = 10) -> list[dict]:
    return voucher(day[:7], number, day, "提取备用金", [(*CASH, amount, 0), (*BANK, 0, amount)])


@pytest.mark.parametrize(
    ("amount", "payee", "breach"),
    [
        (1000, "青石镇鑫盛五金店", True),  # exactly at the ceiling: "at or above"
        (999.99, "青石镇鑫盛五金店", False),
        (1500, "桃源宏远建筑有限公司", True),
        (1500, "柳溪农机合作社", True),
        (1500, "青石镇卫生院", True),
        (1500, "王建国", False),  # a person
        (1500, "王建社", False),  # a person's name ending in 社: too short for an organisation
        (1500, "", False),  # payee unknown
    ],
)
def test_cash_paid_to_an_organisation_at_the_ceiling(amount, payee, breach):
    book = clean_book()
    payment = _top_up(amount) + _cash_payment(amount, payee)
    found = hits(book + payment, "cash.payment_ceiling")
    if breach:
        assert set(found) == entry_ids(payment[2:], len(book) + 2)
    else:
        assert found == {}


def test_ceiling_detail_names_payee_amount_and_limit():
    book = clean_book() + _top_up(1200)
    payment = _cash_payment(1200, "青石镇鑫盛五金店")
    found = hits(book + payment, "cash.payment_ceiling")
    assert set(found.values()) == {
        "凭证 2023-03 记-9 以现金向单位支付 “青石镇鑫盛五金店”1,200.00 元，"
        "达到对单位单笔现金支付限额 1,000.00 元"
    }


def test_payee_named_on_another_line_of_the_voucher_counts():
    book = clean_book() + _top_up(1200)
    payment = _cash_payment(1200, "")
    payment[0]["counterparty"] = "青石镇鑫盛五金店"
    assert len(hits(book + payment, "cash.payment_ceiling")) == 2


def test_cash_line_paying_a_person_is_judged_by_its_own_payee():
    # two vouchers under one number: fuel paid to a station from the bank, a claim in cash
    book = clean_book() + _top_up(1300)
    merged = voucher(
        "2023-03", 9, "2023-03-20", "村巡逻车加油",
        [("541007", "管理费用-交通费", 645.64, 0), (*BANK, 0, 645.64)],
        counterparty="中国石化青石加油站",
    ) + voucher(
        "2023-03", 9, "2023-03-20", "报销差旅费",
        [("541004", "管理费用-差旅费", 1300, 0), (*CASH, 0, 1300)], counterparty="丁胜建",
    )
    assert hits(book + merged, "cash.payment_ceiling") == {}


def test_depositing_cash_in_the_bank_is_not_a_payment():
    book = clean_book() + _top_up(3000)
    deposit = voucher(
        "2023-03", 9, "2023-03-20", "库存现金存入银行", [(*BANK, 3000, 0), (*CASH, 0, 3000)],
        counterparty="青石镇农村信用社",
    )
    assert hits(book + deposit, "cash.payment_ceiling") == {}


def test_town_override_of_the_ceiling():
    params = load_params().model_copy(
        update={"town_overrides": {"青石镇": {"cash_payment_ceiling": "500"}}}
    )
    book = clean_book()  # pays 青石镇文具店 800 in cash
    found = hits(book, "cash.payment_ceiling", params)
    assert set(found) == {"e0002", "e0003"}
    assert "限额 500.00 元" in found["e0002"]
    other_town = [{**row, "town": "白沙镇"} for row in book]
    assert hits(other_town, "cash.payment_ceiling", params) == {}


def _sweep(amount: float, *, day: str = "2023-03-21", number: int = 11) -> list[dict]:
    """Cash deposited back in the bank, restoring the clean book's till."""
    lines = [(*BANK, amount, 0), (*CASH, 0, amount)]
    return voucher(day[:7], number, day, "库存现金存入银行", lines)


def test_till_above_the_holding_limit_at_day_end():
    book = clean_book()
    drawn = _top_up(6000, number=9)
    found = hits(book + drawn + _sweep(6000, number=10), "cash.holding_limit")
    assert set(found) == entry_ids(drawn, len(book))
    assert set(found.values()) == {
        "凭证 2023-03 记-9 当日收付现金；2023-03-20 日终库存现金余额 6,500.00 元，"
        "超过库存现金限额 5,000.00 元"
    }


def test_till_exactly_at_the_limit_or_paid_out_the_same_day_is_fine():
    book = clean_book()  # 500 in the till from 2023-03-08 to 2023-03-31
    at_limit = _top_up(4500, number=9) + _sweep(4500, number=10)
    assert hits(book + at_limit, "cash.holding_limit") == {}
    spent_same_day = (
        _top_up(6000, number=9)
        + _cash_payment(1500, "李秀英", number=10)
        + _sweep(4500, number=11)
    )
    assert hits(book + spent_same_day, "cash.holding_limit") == {}


def test_holding_limit_per_town_and_opening_balance():
    book = clean_book() + _top_up(3500, number=9) + _sweep(3500, number=10)
    assert hits(book, "cash.holding_limit") == {}
    stricter = load_params().model_copy(
        update={"town_overrides": {"青石镇": {"cash_holding_limit": "3000"}}}
    )
    found = hits(book, "cash.holding_limit", stricter)
    assert set(found) == entry_ids(book[-4:-2], len(book) - 4)  # the 4,000 on 2023-03-20
    assert hits(
        [{**row, "town": "白沙镇"} for row in book], "cash.holding_limit", stricter
    ) == {}
    opening = load_params().model_copy(
        update={"opening_cash": {"青石镇/下坝村": Decimal("3000")}}
    )
    # 3,000 opening + 2,500 drawn on 2023-03-02: the till is over the limit from day one
    assert {"e0000", "e0001"} <= set(hits(clean_book(), "cash.holding_limit", opening))
    assert load_params().opening_cash_fen("青石镇", "下坝村") == 0


def test_negative_till_marks_the_cash_vouchers_of_that_day():
    book = clean_book()
    unfunded = _cash_payment(800, "王建国", day="2023-03-21", number=9)
    refill = _top_up(800, day="2023-03-22", number=10)  # back to the 500 the book expects
    found = hits(book + unfunded + refill, "cash.negative_balance")
    assert set(found) == entry_ids(unfunded, len(book))
    assert set(found.values()) == {
        "凭证 2023-03 记-9 当日收付现金；2023-03-21 日终库存现金余额为 -300.00 元（红字），"
        "现金不足仍在支付"
    }


def test_cash_drawn_later_the_same_day_covers_a_payment():
    book = clean_book()
    same_day = _cash_payment(800, "王建国", number=9) + _top_up(800, number=10)
    assert hits(book + same_day, "cash.negative_balance") == {}


def test_till_runs_across_the_chart_switch():
    # 2,000 left in the till at the end of 2023 (现金) is spent in 2024 (库存现金)
    book = clean_book() + _top_up(2000, day="2023-12-20", number=2)
    spend = voucher(
        "2024-01", 5, "2024-01-20", "付保洁费", [("514", "公益支出", 2000, 0),
                                             ("101", "库存现金", 0, 2000)],
        counterparty="李秀英",
    )
    assert hits(book + spend, "cash.negative_balance") == {}
    assert hits(spend, "cash.negative_balance") != {}


def test_special_fund_paid_out_in_cash():
    book = clean_book() + _top_up(800, number=9)
    payout = voucher(
        "2023-03", 10, "2023-03-20", "支付专项项目零工工资",
        [("241001", "专项应付款-环境整治项目", 800, 0), (*CASH, 0, 800)], counterparty="王建国",
    )
    found = hits(book + payout, "special_fund.cash_payout")
    assert set(found) == entry_ids(payout, len(book))
    assert set(found.values()) == {
        "凭证 2023-03 记-10 借记专项应付款 800.00 元，同时贷记库存现金 800.00 元："
        "专项资金以现金支出"
    }
    by_bank = voucher(
        "2023-03", 10, "2023-03-20", "支付专项项目工程款",
        [("241001", "专项应付款-环境整治项目", 800, 0), (*BANK, 0, 800)],
    )
    assert hits(clean_book() + by_bank, "special_fund.cash_payout") == {}


def test_with_params_helper_changes_county_thresholds():
    params = with_params(cash_payment_ceiling=Decimal("5000"))
    book = clean_book() + _top_up(1500) + _cash_payment(1500, "青石镇鑫盛五金店")
    assert hits(book, "cash.payment_ceiling", params) == {}
