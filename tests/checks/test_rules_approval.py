"""Approval, works and 摘要 rules: decisions, contracts, split payments, banned items."""

from __future__ import annotations

import pytest

from checks.params import load_params
from tests.checks.books import clean_book, entry_ids, hits, voucher

BANK = ("102", "银行存款")
BUILDER = "桃源宏远建筑有限公司"


def _spend(code: str, name: str, amount: float, *, period: str = "2023-03", number: int = 9,
           day: str | None = None, **fields) -> list[dict]:
    lines = [(code, name, amount, 0), (*BANK, 0, amount)]
    return voucher(period, number, day or f"{period}-20", "付款", lines, **fields)


@pytest.mark.parametrize(
    ("period", "code", "name", "amount", "breach"),
    [
        ("2023-03", "541005", "管理费用-维修费", 10000, True),  # exactly at the tier
        ("2023-03", "541005", "管理费用-维修费", 9999.99, False),
        ("2023-03", "551", "其他支出", 25000, True),
        ("2023-03", "502", "经营支出", 25000, False),  # production spending
        ("2024-03", "513005", "管理费用-维修费", 10000, True),
        ("2024-03", "514", "公益支出", 30000, True),
        ("2024-03", "515", "其他支出", 30000, True),
        ("2024-03", "511", "经营支出", 30000, False),
    ],
)
def test_non_production_spending_at_the_tier_needs_a_decision(period, code, name, amount, breach):
    rows = _spend(code, name, amount, period=period, number=1)
    found = hits(rows, "approval.decision_ref")
    assert (found != {}) is breach
    if breach:
        assert set(found) == {"e0000", "e0001"}
    with_decision = _spend(code, name, amount, period=period, number=1, decision_ref="JY-1")
    assert hits(with_decision, "approval.decision_ref") == {}


def test_decision_detail_and_lines_of_one_voucher_add_up():
    rows = voucher(
        "2023-03", 1, "2023-03-20", "村部维修",
        [("541005", "管理费用-维修费", 6000, 0), ("551", "其他支出", 6000, 0), (*BANK, 0, 12000)],
    )
    found = hits(rows, "approval.decision_ref")
    assert set(found) == {"e0000", "e0001", "e0002"}
    assert set(found.values()) == {
        "凭证 2023-03 记-1 非生产性开支 12,000.00 元（541 管理费用、551 其他支出）"
        "达到审批限额 10,000.00 元，没有村民（代表）会议决议编号"
    }


def test_spending_is_net_of_credits_to_the_same_accounts():
    rows = voucher(
        "2023-03", 1, "2023-03-20", "维修广播设备",
        [("541005", "管理费用-维修费", 6808.87, 0), ("541005", "管理费用-维修费", 6808.87, 6808.87),
         (*BANK, 0, 6808.87)],
    )
    assert hits(rows, "approval.decision_ref") == {}


def test_town_tier_applies_to_its_entries():
    params = load_params().model_copy(
        update={"town_overrides": {"白沙镇": {"approval_tier": "5000"}}}
    )
    rows = _spend("541005", "管理费用-维修费", 6000, number=1)
    assert hits(rows, "approval.decision_ref", params) == {}
    in_baisha = [{**row, "town": "白沙镇"} for row in rows]
    assert len(hits(in_baisha, "approval.decision_ref", params)) == 2


@pytest.mark.parametrize(
    ("period", "code", "amount", "breach"),
    [
        ("2023-03", "154001", 100000, True),  # 在建工程 in 2004, exactly at the tender line
        ("2023-03", "154001", 99999.99, False),
        ("2023-03", "153", 150000, False),  # 153 is 固定资产清理 in 2004
        ("2024-03", "153001", 150000, True),  # 在建工程 in 2023
        ("2024-03", "154", 150000, False),  # 154 is 固定资产清理 in 2023
    ],
)
def test_works_at_the_tender_line_need_a_contract(period, code, amount, breach):
    rows = _spend(code, "在建工程-村道工程", amount, period=period, number=1, counterparty=BUILDER)
    found = hits(rows, "works.contract_ref")
    assert (found != {}) is breach
    with_contract = [{**row, "contract_ref": "HT-1"} for row in rows]
    assert hits(with_contract, "works.contract_ref") == {}


def test_works_contract_detail():
    rows = _spend("154001", "在建工程-村道工程", 120000, number=1)
    assert set(hits(rows, "works.contract_ref").values()) == {
        "凭证 2023-03 记-1 工程款（在建工程）120,000.00 元达到招标限额 100,000.00 元，没有合同编号"
    }


def _works(amount: float, day: str, number: int, payee: str = BUILDER, **fields) -> list[dict]:
    return _spend("154002", "在建工程-环境整治工程", amount, day=day, number=number,
                  counterparty=payee, **fields)


def test_payments_split_under_the_tender_line():
    book = clean_book()
    first = _works(60000, "2023-03-02", 9)
    second = _works(40000, "2023-03-25", 10)
    found = hits(book + first + second, "works.split_payment")
    assert set(found) == entry_ids(first + second, len(book))
    assert set(found.values()) == {
        f"30 天内向“{BUILDER}”支付无合同款项 2 笔共 100,000.00 元（2023-03-02 60,000.00 元、"
        "2023-03-25 40,000.00 元），单笔均低于招标限额 100,000.00 元、合计达到限额"
    }


def test_incidental_small_payments_in_the_window_are_not_part_of_the_split():
    book = clean_book()
    first = _works(76000, "2023-03-02", 9)
    repair = _spend("541005", "管理费用-维修费", 3809.22, day="2023-03-11", number=10,
                    counterparty=BUILDER)
    second = _works(30000, "2023-03-17", 11)
    found = hits(book + first + repair + second, "works.split_payment")
    assert set(found) == entry_ids(first, len(book)) | entry_ids(second, len(book) + 4)


@pytest.mark.parametrize(
    "second",
    [
        _works(39999.99, "2023-03-25", 10),  # together below the line
        _works(40000, "2023-04-02", 10),  # 31 days apart
        _works(40000, "2023-03-25", 10, payee="青石镇鑫盛五金店"),  # another payee
        _works(40000, "2023-03-25", 10, contract_ref="HT-2"),  # under contract
    ],
)
def test_payments_that_are_not_a_split(second):
    book = clean_book() + _works(60000, "2023-03-02", 9)
    assert hits(book + second, "works.split_payment") == {}


def test_split_counts_expense_debits_and_the_town_window():
    params = load_params().model_copy(
        update={"town_overrides": {"青石镇": {"split_window_days": 60}}}
    )
    book = clean_book()
    repair = _spend("541005", "管理费用-维修费", 55000, day="2023-03-02", number=9,
                    counterparty=BUILDER, decision_ref="JY-3")
    later = _works(45000, "2023-04-20", 10)
    assert hits(book + repair + later, "works.split_payment") == {}
    assert len(hits(book + repair + later, "works.split_payment", params)) == 4


def test_banned_items_in_the_summary_where_hospitality_is_banned():
    book = clean_book()
    meal = voucher(
        "2023-03", 9, "2023-03-20", "招待镇检查组工作餐",
        [("541008", "管理费用-其他", 600, 0), (*BANK, 0, 600)],
    )
    found = hits(book + meal, "summary.banned_item")
    assert set(found) == entry_ids(meal, len(book))
    assert set(found.values()) == {
        "凭证 2023-03 记-9：摘要“招待镇检查组工作餐”含禁止列支的事项“招待”"
        "（青石镇禁止村级开支招待费）"
    }
    allowed = load_params().model_copy(
        update={"town_overrides": {"青石镇": {"hospitality_banned": False}}}
    )
    assert hits(book + meal, "summary.banned_item", allowed) == {}


@pytest.mark.parametrize(
    "summary", ["购春节慰问购物卡", "报销烟酒款", "白条报销误餐费", "购慰问礼品", "宴请客商"]
)
def test_each_banned_term(summary):
    rows = voucher("2023-03", 1, "2023-03-20", summary,
                   [("541008", "管理费用-其他", 600, 0), (*BANK, 0, 600)])
    assert len(hits(rows, "summary.banned_item")) == 2


def test_ordinary_summaries_are_not_banned():
    assert hits(clean_book(), "summary.banned_item") == {}
