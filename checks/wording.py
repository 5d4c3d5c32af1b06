"""How findings are worded for inspectors: money in yuan, vouchers as the books print them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd


def money(fen: int) -> str:
    """Fen as yuan with thousands separators: 123456 → "1,234.56", -5 → "-0.05"."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def voucher_label(row: Mapping[str, Any]) -> str:
    """"2023-03 记-12": the period and the voucher as the books print it."""
    number = row["voucher_no"] or f"{row['voucher_word']}-{row['voucher_number']}"
    return f"{row['period']} {number}"


# The columns explanations quote; converting only these keeps wording cheap on wide frames.
QUOTED_COLUMNS = [
    "town", "village", "period", "voucher_date", "voucher_word", "voucher_number", "voucher_no",
    "account_code", "first_level", "new_chart", "summary", "preparer", "voucher_key",
    "village_key", "year", "closed_through_ym", "close_date", "cash_payment_ceiling_fen",
    "approval_tier_fen", "tender_line_fen",
]


def quoted_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts of the columns explanations quote."""
    return frame[QUOTED_COLUMNS].to_dict("records")
