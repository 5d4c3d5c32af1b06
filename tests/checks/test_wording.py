"""Wording helpers: exact money, vouchers as printed, element-wise joins."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.wording import join, joined_per_group, money, money_texts, voucher_labels


def test_money_is_exact_yuan_with_separators():
    assert money(123456) == "1,234.56"
    assert money(-5) == "-0.05"
    assert money(10**15 + 1) == "10,000,000,000,000.01"
    assert money_texts([100, 100, -250]).tolist() == ["1.00", "1.00", "-2.50"]


def test_voucher_labels_fall_back_to_word_and_number():
    frame = pd.DataFrame(
        {"period": ["2023-03", "2023-04"], "voucher_no": ["记字第12号", ""],
         "voucher_word": ["记", "收"], "voucher_number": [12, 3]}
    )
    assert voucher_labels(frame).tolist() == ["2023-03 记字第12号", "2023-04 收-3"]


def test_join_and_per_group_lists():
    assert join("凭证 ", np.array(["a", "b"], dtype=object), " 号").tolist() == ["凭证 a 号",
                                                                             "凭证 b 号"]
    assert joined_per_group([2, 1, 2, 2], ["x", "y", "z", "x"]).to_dict() == {2: "x、z", 1: "y"}
