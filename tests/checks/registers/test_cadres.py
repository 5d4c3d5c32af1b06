"""Who the books pay as a cadre: a person paid out of 应付工资, or under words naming both pay
and cadres — never on a pay word alone."""

from __future__ import annotations

import pandas as pd
import pytest

from checks.params import load_params
from checks.registers.cadres import cadre_pay_lines
from checks.registers.ledger import ledger_lines
from tests.checks.books import voucher
from tests.checks.registers.frames import contract
from tests.checks.registers.test_checks import found
from tests.entries import make_entries


def _pays(summary: str, account: tuple[str, str], payee: str = "张三",
          period: str = "2023-05") -> list[dict]:
    """One payment to ``payee``: ``account`` debited, the bank credited."""
    return voucher(period, 3, f"{period}-25", summary,
                   [(*account, 3000, 0), ("102", "银行存款", 0, 3000)], counterparty=payee)


def _pays_a_cadre(rows: list[dict]) -> list[bool]:
    lines = ledger_lines(make_entries(rows), load_params())
    before = lines.copy()
    paid = cadre_pay_lines(lines, load_params())
    pd.testing.assert_frame_equal(lines, before)  # the lines are not changed
    return paid.tolist()


@pytest.mark.parametrize(
    ("summary", "account", "period"),
    [
        ("发放5月工资", ("211", "应付工资"), "2023-05"),  # 2004 chart: 211 应付工资
        ("发放5月工资", ("212", "应付工资"), "2024-05"),  # 2023 chart: 212 应付工资
        ("发放5月份", ("211001", "应付工资-村干部"), "2023-05"),  # the account alone
        ("书记误工补贴", ("541", "管理费用"), "2023-05"),  # a pay word and a cadre word
        ("付款", ("541009", "管理费用-干部报酬"), "2023-05"),  # both in the account's name
    ],
)
def test_a_person_paid_out_of_wages_payable_or_as_a_cadre_by_name_is_a_cadre(
        summary, account, period):
    assert _pays_a_cadre(_pays(summary, account, period=period)) == [True, False]


@pytest.mark.parametrize(
    ("summary", "account", "payee", "period"),
    [
        ("发放第2季度村民小组长误工补贴", ("541006", "管理费用-误工补贴"), "张三", "2023-05"),
        ("支付临时用工工资", ("541", "管理费用"), "张三", "2023-05"),
        ("支付保洁员岗位补贴", ("513", "管理费用"), "张三", "2024-05"),
        ("发放干部工资", ("211", "应付工资"), "青石劳务有限公司", "2023-05"),  # not a person
        ("发放福利", ("212", "应付福利费"), "张三", "2023-05"),  # 2004's 212 is no pay account
        ("付货款", ("211", "应付款"), "张三", "2024-05"),  # 2023's 211 is 应付款
    ],
)
def test_a_pay_word_alone_or_a_payee_that_is_no_person_is_no_cadre(
        summary, account, payee, period):
    assert _pays_a_cadre(_pays(summary, account, payee, period)) == [False, False]


def test_related_party_names_the_line_that_shows_the_cadre_paid():
    wages = _pays("发放5月工资", ("211", "应付工资"))
    (reason,) = found("contract.related_party", wages, contracts=[contract()])["reason"]
    assert reason == ("合同 HT-1 的对方 张三 账上领取干部报酬（2023-05 记-3“发放5月工资”，"
                      "借记“应付工资”），属关联交易")
    group_leader = _pays("发放第2季度村民小组长误工补贴", ("541006", "管理费用-误工补贴"))
    assert found("contract.related_party", group_leader, contracts=[contract()]).empty


def test_a_county_names_its_own_cadre_words():
    params = load_params()
    params = params.model_copy(update={"registers": params.registers.model_copy(
        update={"cadre_titles": (*params.registers.cadre_titles, "小组长")})})
    group_leader = _pays("发放第2季度村民小组长误工补贴", ("541006", "管理费用-误工补贴"))
    assert found("contract.related_party", group_leader, params=params,
                 contracts=[contract()])["subject_id"].tolist() == ["HT-1"]
