"""Tiny balanced vouchers for model tests: name only what a test is about."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tests.entries import make_entries


def payment(number: int, amount_fen: int, *, debit_code: str = "541001",
            credit_code: str = "102", **fields: Any) -> list[dict[str, Any]]:
    """A two-line payment voucher: debit ``debit_code``, credit ``credit_code`` (bank)."""
    common = {"voucher_number": number, **fields}
    return [
        {**common, "line_no": 1, "account_code": debit_code, "debit_fen": amount_fen},
        {**common, "line_no": 2, "account_code": credit_code, "credit_fen": amount_fen},
    ]


def payout(number: int, payees: list[tuple[str, int]], *, debit_code: str = "541006",
           **fields: Any) -> list[dict[str, Any]]:
    """One voucher paying several people on ``debit_code`` from the bank."""
    common = {"voucher_number": number, **fields}
    lines = [{**common, "line_no": k + 1, "account_code": debit_code, "debit_fen": amount,
              "counterparty": name} for k, (name, amount) in enumerate(payees)]
    total = sum(amount for _, amount in payees)
    return [*lines, {**common, "line_no": len(payees) + 1, "account_code": "102",
                     "credit_fen": total}]


def ledger(*vouchers: list[dict[str, Any]]) -> pd.DataFrame:
    return make_entries([line for voucher in vouchers for line in voucher])
