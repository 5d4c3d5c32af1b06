"""The charts of accounts as data: contents, choice by period, county overrides, names."""

from __future__ import annotations

import pytest

from checks.charts import (
    NameCheck,
    chart_key,
    charts_in_force,
    name_levels,
    normalise_account_name,
    packaged_chart,
)
from checks.params import ChartOverride, load_params


def test_2004_chart_has_33_accounts_and_two_local_extensions():
    chart = packaged_chart("2004")
    statuses = [account.status for account in chart.accounts.values()]
    assert statuses.count("confirmed") == 33
    assert sorted(c for c, a in chart.accounts.items() if a.status == "local") == ["161", "241"]
    assert chart.accounts["101"].name == "现金"
    assert chart.codes_with_role("expense") == {"502", "541", "551"}
    assert chart.codes_with_role("works") == {"154"}


def test_2023_chart_has_42_unconfirmed_accounts():
    chart = packaged_chart("2023")
    assert len(chart.accounts) == 42
    assert {account.status for account in chart.accounts.values()} == {"unconfirmed"}
    assert chart.codes_with_role("expense") == {"511", "512", "513", "514", "515"}
    assert chart.codes_with_role("non_production") == {"513", "514", "515"}
    assert chart.codes_with_role("works") == {"153"}
    assert chart.accounts["502"].name == "投资收益"


@pytest.mark.parametrize(
    ("period", "key"), [("2005-01", "2004"), ("2023-12", "2004"), ("2024-01", "2023")]
)
def test_chart_is_chosen_by_period(period, key):
    assert chart_key(period) == key


def test_county_overrides_add_and_remove_first_level_accounts():
    params = load_params().model_copy(
        update={"charts": {"2023": ChartOverride(add={"191": "待摊费用"}, remove=("521",))}}
    )
    chart = charts_in_force(params)["2023"]
    assert "521" not in chart.accounts
    assert chart.accounts["191"].name == "待摊费用"
    assert chart.accounts["191"].status == "county"
    assert "521" in packaged_chart("2023").accounts  # the packaged data is untouched


def test_removing_an_unknown_code_is_an_error_naming_it():
    params = load_params().model_copy(update={"charts": {"2004": ChartOverride(remove=("999",))}})
    with pytest.raises(ValueError, match="999"):
        charts_in_force(params)


@pytest.mark.parametrize("code", ["12", "1234", "abc"])
def test_added_codes_must_be_three_digits(code):
    with pytest.raises(ValueError):
        ChartOverride(add={code: "某科目"})


def test_names_are_width_folded_and_split_into_levels():
    assert normalise_account_name("生产（劳务）成本") == "生产(劳务)成本"
    assert normalise_account_name("管理\u3000费用 ") == "管理费用"
    assert name_levels("管理费用——办公费") == ["管理费用", "办公费"]
    assert name_levels("管理费用/办公费/文具") == ["管理费用", "办公费", "文具"]


def test_name_check_explains_which_account_a_name_means():
    check = NameCheck(chart=packaged_chart("2004"), other=packaged_chart("2023"))
    assert check.disagreement("541001", "管理费用-办公费") is None
    assert check.disagreement("541001", "办公费") is None
    assert check.disagreement("212", "应付工资") == (
        "科目 212 的名称“应付工资”与编码不符：2004 年制度中 212 为“应付福利费”，"
        "“应付工资”在本制度中是 211"
    )
