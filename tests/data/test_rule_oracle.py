"""The oracle the generator is checked against: one breaching and one clean example per rule."""

from __future__ import annotations

import pytest

from tests.data.rule_oracle import RULES
from tests.entries import make_entries

BANK = {"account_code": "102", "account_name": "银行存款"}
CASH = {"account_code": "101", "account_name": "现金"}
WORKS = {"account_code": "154001", "account_name": "在建工程-村道", "counterparty": "青石建筑队"}


def _pair(amount: int, credit: dict | None = None, **debit: object) -> list[dict]:
    """A two-line voucher: 管理费用 debit (with ``debit`` overrides) against the bank."""
    return [
        {"debit_fen": amount, "line_no": 1, **debit},
        {"credit_fen": amount, "line_no": 2, **BANK, **(credit or {})},
    ]


EXAMPLES = {
    "voucher.balance": (
        [{"debit_fen": 100, "line_no": 1}, {"credit_fen": 90, "line_no": 2, **BANK}], _pair(100)
    ),
    "line.one_sided": ([{"debit_fen": 100, "credit_fen": 100}], _pair(100)),
    "line.negative_amount": (
        _pair(-100, summary="退回电费"),
        _pair(-100, summary="红字冲销电费", credit={"summary": "红字冲销电费"}),
    ),
    "account.code_valid": (_pair(100, account_code="513001"), _pair(100, account_code="541001")),
    "account.name_matches": (
        _pair(100, account_name="其他支出"), _pair(100, account_name="管理费用-办公费")
    ),
    "voucher.number_gap": (
        [*_pair(1), *[{**row, "voucher_number": 3} for row in _pair(2)]],
        [*_pair(1), *[{**row, "voucher_number": 2} for row in _pair(2)]],
    ),
    "voucher.number_duplicate": (
        [*_pair(1), *[{**row, "voucher_date": "2023-03-20"} for row in _pair(2)]],
        _pair(1),
    ),
    "voucher.date_in_period": (
        [{**row, "voucher_date": "2023-04-02"} for row in _pair(100)], _pair(100)
    ),
    "duties.segregation": (
        [{**row, "reviewer": "李会计"} for row in _pair(100)], _pair(100)
    ),
    "voucher.attachments": (
        [{**row, "attachments": 0} for row in _pair(100)],
        [{**row, "attachments": 0, "voucher_word": "转"} for row in _pair(100)],
    ),
    "cash.payment_ceiling": (
        _pair(150_000, credit={**CASH, "counterparty": "徐新勇五金店"}),
        _pair(150_000, credit={**CASH, "counterparty": "徐新勇"}),
    ),
    "cash.holding_limit": (
        [{"debit_fen": 600_000, "line_no": 1, **CASH},
         {"credit_fen": 600_000, "line_no": 2, **BANK}],
        [{"debit_fen": 300_000, "line_no": 1, **CASH},
         {"credit_fen": 300_000, "line_no": 2, **BANK}],
    ),
    "cash.negative_balance": (
        _pair(10_000, credit=CASH),
        [{"debit_fen": 30_000, **CASH, "line_no": 1},
         {"credit_fen": 30_000, **BANK, "line_no": 2},
         *[{**row, "voucher_number": 2} for row in _pair(10_000, credit=CASH)]],
    ),
    "approval.decision_ref": (
        _pair(1_200_000), [{**row, "decision_ref": "JY-2023-001"} for row in _pair(1_200_000)]
    ),
    "works.contract_ref": (
        _pair(15_000_000, **WORKS),
        [{**row, "contract_ref": "HT-2023-001"} for row in _pair(15_000_000, **WORKS)],
    ),
    "works.split_payment": (
        [*_pair(6_000_000, **WORKS),
         *[{**row, "voucher_number": 2, "voucher_date": "2023-03-25"}
           for row in _pair(5_000_000, **WORKS)]],
        [*_pair(6_000_000, **WORKS),
         *[{**row, "voucher_number": 2, "period": "2023-05", "voucher_date": "2023-05-02"}
           for row in _pair(5_000_000, **WORKS)]],
    ),
    "summary.banned_item": (_pair(100, summary="招待检查组"), _pair(100)),
    "special_fund.cash_payout": (
        _pair(50_000, credit=CASH, account_code="241001", account_name="专项应付款-项目"),
        _pair(50_000, account_code="241001", account_name="专项应付款-项目"),
    ),
}


def test_every_rule_has_an_example() -> None:
    assert set(EXAMPLES) == set(RULES)


@pytest.mark.parametrize("rule", sorted(EXAMPLES))
def test_rule_catches_the_breach_and_passes_the_clean_example(rule: str) -> None:
    breach, clean = EXAMPLES[rule]
    assert RULES[rule](make_entries(breach)).any()
    assert not RULES[rule](make_entries(clean)).any()
