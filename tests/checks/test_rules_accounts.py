"""Account rules across the 2024 chart switch: codes in the chart in force, names agreeing."""

from __future__ import annotations

import pytest

from checks.context import CheckContext
from checks.params import ChartOverride, load_params
from checks.prepared import villages_on_other_charts
from tests.checks.books import hits, voucher
from tests.entries import make_entries

BANK = ("102", "银行存款")


def _line(period: str, code: str, name: str) -> list[dict]:
    day = f"{period}-15"
    return voucher(period, 1, day, "付款", [(code, name, 100, 0), (*BANK, 0, 100)])


@pytest.mark.parametrize(
    ("period", "code", "valid"),
    [
        ("2023-12", "541001", True),  # 管理费用 in 2004
        ("2024-01", "541001", False),  # 541 does not exist in 2023
        ("2024-01", "513001", True),  # 管理费用 in 2023
        ("2023-12", "513001", False),  # 513 does not exist in 2004
        ("2023-12", "161", True),  # local extension of 2004 (无形资产)
        ("2023-12", "241001", True),  # local extension of 2004 (专项应付款)
        ("2024-01", "171", True),  # 长期待摊费用, new in 2023
        ("2023-12", "171", False),
        ("2023-12", "99", False),  # shorter than a first-level code
        ("2023-12", "1010203", True),  # sub-accounts extend the first level by any length
    ],
)
def test_code_must_be_in_the_chart_of_its_period(period, code, valid):
    found = hits(_line(period, code, ""), "account.code_valid")
    assert (found == {}) is valid


def test_invalid_code_names_the_chart_and_the_other_meaning():
    found = hits(_line("2024-01", "541001", "管理费用-办公费"), "account.code_valid")
    assert found == {
        "e0000": "科目编码 541001 的一级科目 541 不在 2023 年《农村集体经济组织会计制度》"
        "（财会〔2023〕14号）科目表中（该制度适用于2024年1月起的会计期间）；"
        "541 是 2004 年制度的“管理费用”"
    }


def test_county_can_remove_an_unconfirmed_code_and_add_its_own():
    params = load_params().model_copy(
        update={"charts": {"2004": ChartOverride(remove=("241",), add={"171": "待摊费用"})}}
    )
    assert hits(_line("2023-12", "241001", ""), "account.code_valid", params) != {}
    assert hits(_line("2023-12", "171", "待摊费用"), "account.code_valid", params) == {}
    assert hits(_line("2023-12", "171", "待摊费用"), "account.name_matches", params) == {}


@pytest.mark.parametrize(
    ("period", "code", "name"),
    [
        ("2023-12", "101", "现金"),
        ("2023-12", "101", "库存现金"),  # alias
        ("2024-01", "101", "现金"),  # alias the other way
        ("2023-12", "401", "生产（劳务）成本"),  # full-width brackets
        ("2023-12", "401", "生产(劳务)成本"),
        ("2023-12", "541001", "管理费用-办公费"),
        ("2023-12", "541001", "管理费用——办公费"),
        ("2023-12", "541001", "管理费用／办公费"),
        ("2023-12", "541001", "办公费"),  # bare sub-account name
        ("2023-12", "551001", "公益支出"),  # a 2004 sub-account named like a 2023 account
        ("2023-12", "541001", ""),  # no name given
        ("2024-01", "212", "应付工资"),
        ("2023-12", "211", "应付工资"),
        ("2023-12", "113", " 内部往来 "),
    ],
)
def test_names_that_agree_with_their_code(period, code, name):
    assert hits(_line(period, code, name), "account.name_matches") == {}


@pytest.mark.parametrize(
    ("period", "code", "name", "meant"),
    [
        ("2023-12", "212", "应付工资", "“应付工资”在本制度中是 211"),  # 212 is 应付福利费 in 2004
        ("2024-01", "211", "应付工资", "“应付工资”在本制度中是 212"),  # 211 is 应付款 in 2023
        ("2024-01", "502", "经营支出", "“经营支出”在本制度中是 511"),  # 502 flips to 投资收益
        ("2024-01", "212", "应付福利费", "“应付福利费”是 2004 年制度的科目 212"),
        ("2023-12", "541001", "其他支出-办公费", "“其他支出”在本制度中是 551"),
        ("2024-01", "513001", "公益支出", "“公益支出”在本制度中是 514"),
    ],
)
def test_names_of_another_account_disagree(period, code, name, meant):
    found = hits(_line(period, code, name), "account.name_matches")
    assert set(found) == {"e0000"}
    assert found["e0000"].startswith(f"科目 {code} 的名称“{name}”与编码不符")
    assert found["e0000"].endswith(meant)


def test_unknown_code_is_not_also_a_name_breach():
    assert hits(_line("2024-01", "541", "管理费用"), "account.name_matches") == {}


def _company_books() -> list[dict]:
    """A village's company on 小企业会计准则: four-digit codes no village chart holds."""
    return [
        *voucher("2023-05", 1, "2023-05-06", "付办公费",
                 [("5602001", "管理费用-办公费", 2000, 0), ("1001", "库存现金", 0, 2000)],
                 village="下坝村实业有限公司", counterparty="青石镇文具店"),
        *voucher("2023-05", 2, "2023-05-07", "收货款",
                 [("1002", "银行存款", 5000, 0), ("5001", "主营业务收入", 0, 5000)],
                 village="下坝村实业有限公司"),
    ]


def test_books_on_another_chart_are_passed_over_by_the_charts_rules_and_named():
    company = _company_books()
    village = _line("2024-01", "541001", "管理费用-办公费")  # the village's own bad code
    rows = [*company, *village]
    assert set(hits(rows, "account.code_valid")) == {"e0004"}  # the village's line only
    assert hits(rows, "account.name_matches") == {}
    entries = make_entries(rows)
    params = load_params()
    assert villages_on_other_charts(entries, params, CheckContext.of(params).charts) == [
        (entries["town"].iloc[0], "下坝村实业有限公司")]


def test_a_unit_whose_chart_is_named_follows_it_whatever_the_period():
    late = _line("2024-03", "541001", "管理费用-办公费")  # 2004 codes still in use in 2024
    assert set(hits(late, "account.code_valid")) == {"e0000"}
    params = load_params()
    town = make_entries(late)["town"].iloc[0]
    pinned = params.model_copy(update={"unit_charts": {f"{town}/下坝村": "2004"}})
    assert hits([{**row, "village": "下坝村"} for row in late], "account.code_valid",
                pinned) == {}
    other = params.model_copy(update={"unit_charts": {"下坝村": "other"}})
    rows = [{**row, "village": "下坝村"} for row in late]
    assert hits(rows, "account.code_valid", other) == {}
    assert villages_on_other_charts(make_entries(rows), other,
                                    CheckContext.of(other).charts) == [(town, "下坝村")]
