"""The model's reasons in an inspector's words: how round an amount is, never a fraction of a
digit."""

from __future__ import annotations

import pytest

from models.wording import (
    insider_on_roster,
    rebooked_after_reversal,
    round_zeros_vs_account,
    round_zeros_vs_summary,
    same_bill_other_village,
)


@pytest.mark.parametrize(
    ("excess", "amount_fen", "text"),
    [
        (4.0, 230_000, "金额 2,300.00 元为整百元，本村该科目的金额一般精确到分"),
        (2.0, 230_000, "金额 2,300.00 元为整百元，本村该科目的金额一般为整元"),
        (3.5, 230_000, "金额 2,300.00 元为整百元，本村该科目的金额一般不到整角"),
        (0.5, 5_000_000, "金额 50,000.00 元为整万元，本村该科目的金额一般不到整万元"),
    ],
)
def test_roundness_is_said_in_yuan_without_fractions(excess, amount_fen, text):
    said = round_zeros_vs_account(excess, {"amount_fen": amount_fen})
    assert said == text
    assert "位" not in said and ".5" not in said


def test_roundness_against_the_same_summary():
    said = round_zeros_vs_summary(2.0, {"amount_fen": 5_000_000, "summary": "购办公用品"})
    assert said == "金额 50,000.00 元为整万元，本镇摘要为“购办公用品”的金额一般为整百元"


def test_a_fact_between_entries_names_the_other_entry_for_its_link():
    row = {"counterparty": "文具店", "amount_fen": 123_456, "village": "甲村",
           "same_bill_other_village_entry": "e0002",
           "same_bill_other_village_at": "乙村 2023-03 记-1"}
    assert same_bill_other_village(1.0, row) == (
        "同一收款方「文具店」同一金额 1,234.56 元另在本镇 1 个村支付，"
        "如凭证 乙村 2023-03 记-1〔分录 e0002〕")


@pytest.mark.parametrize(
    ("role", "shown"),
    [("paid", "在凭证 本村 2023-01 记-101〔分录 e0001〕领取报酬"),
     ("reviewer", "为凭证 本村 2023-01 记-101〔分录 e0001〕的审核人")],
)
def test_an_insider_is_said_with_the_role_the_other_entry_shows(role, shown):
    row = {"counterparty": "张建国", "village": "下坝村", "insider_on_roster_entry": "e0001",
           "insider_on_roster_at": "下坝村 2023-01 记-101", "insider_on_roster_role": role}
    assert insider_on_roster(2.0, row) == f"发放名单上的「张建国」{shown}（本名单共 2 名此类人员）"


def test_without_the_other_entry_the_fact_is_still_said():
    row = {"counterparty": "张三", "amount_fen": 456_700, "village": "下坝村"}
    assert rebooked_after_reversal(1.0, row) == (
        "本村一笔分录以红字冲销同额 4,567.00 元后，此笔改付「张三」重新入账")
    assert "〔" not in insider_on_roster(1.0, row)
