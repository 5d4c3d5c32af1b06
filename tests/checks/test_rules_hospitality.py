"""Hospitality, gifts, tobacco and alcohol told by meaning: 摘要 words, the account and the
payee's kind together; and the other checks whose word lists no longer decide alone (red ink,
closing vouchers, organisations)."""

from __future__ import annotations

import pandas as pd
import pytest

from checks.context import CheckContext
from checks.params import AuditParams, load_params
from checks.prepared import counterparty_kinds, is_organisation, prepare_entries
from checks.rules.summary import SUMMARY_BANNED_ITEM
from checks.signals.hospitality import HOSPITALITY_PAYEE
from tests.checks.books import clean_book, entry_ids, hits, voucher
from tests.entries import make_entries

BANK = ("102", "银行存款")
OTHER = ("541008", "管理费用-其他")
OFFICE = ("541001", "管理费用-办公费")
BANNED = "summary.banned_item"


def _paid(summary: str, payee: str = "", account: tuple[str, str] = OTHER,
          amount: float = 600, number: int = 9) -> list[dict]:
    return voucher("2023-03", number, "2023-03-20", summary,
                   [(*account, amount, 0), (*BANK, 0, amount)], counterparty=payee)


def _signalled(rows: list[dict]) -> dict[str, str]:
    params = load_params()
    context = CheckContext.of(params)
    frame = prepare_entries(make_entries(rows), params, context.charts)
    before = frame.copy()
    found = HOSPITALITY_PAYEE.find(frame, context)
    pd.testing.assert_frame_equal(frame, before)  # the signal leaves its input as it was
    ids = frame["entry_id"].to_numpy()[found["row"].to_numpy()]
    return dict(zip(ids, found["detail"], strict=True))


def test_a_meal_for_inspectors_at_a_farmhouse_restaurant_is_caught_by_two_kinds_of_evidence():
    book = clean_book()
    meal = _paid("接待上级检查餐费", "青石农家乐")
    found = hits(book + meal, BANNED)
    assert set(found) == entry_ids(meal, len(book))
    assert set(found.values()) == {
        "凭证 2023-03 记-9：摘要“接待上级检查餐费”提到“接待、餐”；"
        "收款方“青石农家乐”按名称属餐饮类：摘要用词和收款方类别两类证据都指向招待、烟酒或礼品开支"
        "（青石镇禁止村级开支招待费）"
    }


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        (_paid("支付招待费", "王伟"), "摘要“支付招待费”含禁止列支的事项“招待”"),
        (_paid("付会务费", "青石镇文具店", account=("541009", "管理费用-招待费")),
         "借记“管理费用-招待费”科目"),
        (_paid("购香烟", "青石鸿运烟酒商行"),
         "摘要“购香烟”含禁止列支的事项“香烟”；收款方“青石鸿运烟酒商行”按名称属烟酒类"),
    ],
)
def test_a_strong_word_or_a_hospitality_account_is_enough_alone(rows, said):
    found = hits(clean_book() + rows, BANNED)
    assert len(found) == 2
    assert set(found.values()) == {f"凭证 2023-03 记-9：{said}（青石镇禁止村级开支招待费）"}


@pytest.mark.parametrize(
    "rows",
    [
        _paid("购办公用品", "青石民远超市", account=OFFICE),  # a clean purchase at a supermarket
        _paid("购酒精消毒", "青石仁和大药房"),  # 酒 inside 酒精
        _paid("付酒坊村道路维修款", "青石宏远建筑有限公司"),  # 酒 in a village's name
        _paid("购工作餐餐具", "青石民远超市"),  # 餐 inside 餐具
        _paid("接待上级检查餐费", "王伟"),  # hints, but no payee of a hospitality kind
        _paid("付会议室租金", "青石大酒店"),  # a hotel, but no hint
        voucher("2023-03", 9, "2023-03-20", "收青石饭店门面房租金",  # income from a restaurant
                [(*BANK, 3000, 0), ("531", "其他收入", 0, 3000)], counterparty="青石饭店"),
    ],
)
def test_one_kind_of_evidence_or_none_is_not_a_breach(rows):
    assert hits(clean_book() + rows, BANNED) == {}


def test_closing_a_hospitality_account_into_the_years_income_is_not_spending_it():
    book = clean_book()
    closing = voucher("2023-12", 5, "2023-12-31", "结转本年支出",
                      [("321", "本年收益", 600, 0), ("541009", "管理费用-招待费", 0, 600)],
                      word="转", attachments=0)
    assert hits(book + closing, BANNED) == {}


def test_towns_that_allow_hospitality_and_county_word_lists():
    meal = _paid("接待上级检查餐费", "青石农家乐")
    allowed = load_params().model_copy(
        update={"town_overrides": {"青石镇": {"hospitality_banned": False}}})
    assert hits(meal, BANNED, allowed) == {}
    tea_house = _paid("接待考察组餐费", "青石聚贤茶楼")
    assert hits(tea_house, BANNED) == {}
    kinds = dict(load_params().keywords.counterparty_kinds)
    kinds["餐饮"] = kinds["餐饮"].model_copy(
        update={"endings": (*kinds["餐饮"].endings, "茶楼")})
    county = load_params().model_copy(update={"keywords": load_params().keywords.model_copy(
        update={"counterparty_kinds": kinds})})
    assert len(hits(tea_house, BANNED, county)) == 2


def test_the_rule_does_not_change_its_input():
    params = load_params()
    context = CheckContext.of(params)
    entries = make_entries(clean_book() + _paid("接待上级检查餐费", "青石农家乐"))
    frame = prepare_entries(entries, params, context.charts)
    before, entries_before = frame.copy(), entries.copy()
    verdict = SUMMARY_BANNED_ITEM.test(frame, context)
    assert (~verdict).sum() == 2
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(entries, entries_before)


def test_a_restaurant_paid_for_office_supplies_is_a_signal_not_a_breach():
    book = clean_book()
    disguised = _paid("购办公用品", "青石山家乐", account=OFFICE)
    assert hits(book + disguised, BANNED) == {}
    found = _signalled(book + disguised)
    assert set(found) == entry_ids(disguised, len(book))
    assert set(found.values()) == {
        "凭证 2023-03 记-9 付给“青石山家乐”（按名称属餐饮类），摘要却为“购办公用品”、"
        "记入“管理费用-办公费”，没有招待、餐饮、烟酒、礼品等字样"
    }


@pytest.mark.parametrize(
    "rows",
    [
        _paid("购办公用品", "青石民远超市", account=OFFICE),
        _paid("接待上级检查餐费", "青石农家乐"),  # says so: the rule's matter
        _paid("付会议室租金", "青石大酒店"),  # lodging is not among the signal's kinds
        voucher("2023-03", 9, "2023-03-20", "收青石饭店门面房租金",
                [(*BANK, 3000, 0), ("531", "其他收入", 0, 3000)], counterparty="青石饭店"),
    ],
)
def test_the_signal_stays_silent_elsewhere(rows):
    assert _signalled(clean_book() + rows) == {}


def test_counterparty_kinds_and_organisations_by_name():
    keywords = load_params().keywords
    names = pd.Series(
        ["青石山家乐", "白沙农家乐", "青石联家乐超市", "王家乐", "青石饭店（个体）",
         "县宏达餐饮服务有限公司", "青石烟酒店", "青石大酒店", "白沙礼品店", "张三", "王强(代收)"],
        dtype="str",
    )
    before = names.copy()
    assert list(counterparty_kinds(names, keywords)) == [
        "餐饮", "餐饮", "", "", "餐饮", "餐饮", "烟酒", "住宿", "礼品", "", ""]
    assert list(is_organisation(names, keywords)) == [
        True, True, True, False, True, True, True, True, True, False, False]
    pd.testing.assert_series_equal(names, before)


def test_a_kind_the_parameters_do_not_define_is_refused():
    with pytest.raises(ValueError, match="茶楼"):
        AuditParams.model_validate({"keywords": {"hospitality_kinds": ["餐饮", "茶楼"]}})


def test_a_red_ink_reversal_needs_an_original_to_reverse():
    book = clean_book()
    invented = voucher("2023-03", 9, "2023-03-20", "红字冲销多记的维修费",
                       [("541005", "管理费用-维修费", -800, 0), (*BANK, 0, -800)])
    found = hits(book + invented, "line.negative_amount")
    # the bank line has originals (the clean book pays from the bank); the repair line has none
    assert set(found) == {f"e{len(book):04d}"}
    assert found[f"e{len(book):04d}"] == (
        "借方金额为负数（-800.00 元），摘要“红字冲销多记的维修费”称红字冲销，但本村此前没有借记 "
        "541005 管理费用-维修费 金额不小于 800.00 元的原分录可冲"
    )
    larger = voucher("2023-03", 9, "2023-03-20", "注销3月6日付电费凭证",
                     [("541003", "管理费用-水电费", -1500, 0), (*BANK, 0, -1500)])
    assert hits(book + larger, "line.negative_amount") == {}


def test_a_closing_word_in_the_summary_does_not_excuse_a_payment():
    book = clean_book()
    payment = voucher("2023-03", 9, "2023-03-20", "结转工程尾款",
                      [(*OFFICE, 500, 0), (*BANK, 0, 500)], attachments=0,
                      counterparty="青石镇文具店")
    assert set(hits(book + payment, "voucher.attachments")) == entry_ids(payment, len(book))
    closing = voucher("2023-12", 5, "2023-12-31", "结转本年支出",
                      [("321", "本年收益", 100, 0), ("541", "管理费用", 0, 100)], attachments=0)
    assert hits(book + closing, "voucher.attachments") == {}
