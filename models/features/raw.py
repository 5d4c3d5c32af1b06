"""Raw per-entry columns, the features of a plain isolation forest.

These are the baseline of the model's evaluation (docs/evaluation.md): a forest on raw columns
finds few misconduct patterns, which is why the risk model adds relative features; they stay
here as the yardstick.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.features.feature import Feature, Suspicious


def amount_fen(debit_fen: pd.Series, credit_fen: pd.Series) -> pd.Series:
    """The line's amount in fen, whichever side it is on (red ink counts by its size)."""
    return (debit_fen.abs() + credit_fen.abs()).rename("amount_fen")


def log_amount(amount_fen: pd.Series) -> pd.Series:
    """log10 of the amount in yuan plus one."""
    return np.log10(amount_fen / 100 + 1).rename("log_amount")


def account_first_level(account_code: pd.Series) -> pd.Series:
    """The first-level account code (first three digits) as a number."""
    return pd.to_numeric(account_code.str.slice(0, 3), errors="coerce").fillna(0).rename(
        "account_first_level"
    )


def is_debit(debit_fen: pd.Series) -> pd.Series:
    """1 for a debit line, 0 for a credit line."""
    return (debit_fen != 0).astype("int8").rename("is_debit")


def weekday(voucher_date: pd.Series) -> pd.Series:
    """Day of the week, Monday = 0."""
    return voucher_date.dt.day_of_week.rename("weekday")


def day_of_month(voucher_date: pd.Series) -> pd.Series:
    return voucher_date.dt.day.rename("day_of_month")


def attachment_count(attachments: pd.Series) -> pd.Series:
    """Attachments, with unknown as -1 so the forest can tell it apart from zero."""
    return attachments.fillna(-1).astype("int64").rename("attachment_count")


def raw_features(entries: pd.DataFrame) -> pd.DataFrame:
    """The plain forest's inputs: log amount, account code, side, weekday, day, attachments."""
    amount = amount_fen(entries["debit_fen"], entries["credit_fen"])
    return pd.concat(
        [
            log_amount(amount),
            account_first_level(entries["account_code"]),
            is_debit(entries["debit_fen"]),
            weekday(entries["voucher_date"]),
            day_of_month(entries["voucher_date"]),
            attachment_count(entries["attachments"]),
        ],
        axis=1,
    )


# Declared like the model's features so that every column a forest is fitted on is declared: a
# yardstick, never evidence and never said; FAR_FROM_ZERO only orients the reference sample
# every fitted forest keeps (models.evidence).
RAW_DECLARED: tuple[Feature, ...] = tuple(
    Feature(function, Suspicious.FAR_FROM_ZERO, False, None)
    for function in (log_amount, account_first_level, is_debit, weekday, day_of_month,
                     attachment_count))
