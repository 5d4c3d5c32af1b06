"""The model's reasons in an inspector's words: how round an amount is, never a fraction of a
digit."""

from __future__ import annotations

import pytest

from models.wording import round_zeros_vs_account, round_zeros_vs_summary


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
