"""The grouping keys and base columns every feature reads, computed once per run.

Features are functions of these columns (Hamilton style: a function per column, its parameters
named after the columns it reads). The frame is built from :func:`checks.prepared.prepare_entries`
so the village, voucher and account-role columns mean exactly what they mean to the rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.context import CheckContext
from checks.params import AuditParams
from checks.prepared import dense_key, prepare_entries
from models.features.raw import amount_fen

DAY_SECONDS = 86_400


def feature_frame(entries: pd.DataFrame, params: AuditParams) -> pd.DataFrame:
    """The prepared entries (positional index) plus the base columns features read.

    Added: ``amount_fen`` (size of the line), ``is_debit_line``, ``day`` (days since epoch),
    ``payee`` (the counterparty, "" when none), ``town_key``, ``account_key`` (village, account
    code, side), ``payee_key`` (village, counterparty), ``village_year_key``, and the entries'
    ``settlement`` and ``bookkeeper``.
    """
    context = CheckContext.of(params)
    frame = prepare_entries(entries, params, context.charts)
    amount = amount_fen(frame["debit_fen"], frame["credit_fen"]).to_numpy()
    is_debit = (frame["debit_fen"] != 0).to_numpy()
    day = frame["voucher_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    village = frame["village_key"].to_numpy()
    payee = frame["counterparty"].str.strip()
    return frame.assign(
        amount_fen=amount,
        is_debit_line=is_debit,
        day=day,
        payee=payee,
        town_key=dense_key(frame["town"]),
        account_key=dense_key(village, frame["account_code"], is_debit),
        payee_key=dense_key(village, payee),
        village_year_key=dense_key(village, frame["year"]),
        settlement=entries["settlement"].to_numpy(),
        bookkeeper=entries["bookkeeper"].to_numpy(),
    )


def group_median(values: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Per row, the median of ``values`` over its group."""
    return pd.Series(values).groupby(key).transform("median").to_numpy(dtype=np.float64)


def group_count(key: np.ndarray) -> np.ndarray:
    """Per row, the number of rows in its group."""
    return np.bincount(key)[key]


def group_nunique(values: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Per row, the number of distinct ``values`` in its group."""
    return pd.Series(values).groupby(key).transform("nunique").to_numpy(dtype=np.int64)


def window_bounds(key: np.ndarray, day: np.ndarray, days: int) -> tuple[np.ndarray, ...]:
    """Rows sorted by (key, day) and, per sorted row, the sorted positions [start, stop) of the
    rows of the same key within ``days`` days either side."""
    span = int(day.max() - day.min()) + 2 * days + 1 if len(day) else 1
    combined = key.astype(np.int64) * span + (day - (day.min() if len(day) else 0))
    order = np.argsort(combined, kind="stable")
    ordered = combined[order]
    start = np.searchsorted(ordered, ordered - days, side="left")
    stop = np.searchsorted(ordered, ordered + days, side="right")
    return order, start, stop
