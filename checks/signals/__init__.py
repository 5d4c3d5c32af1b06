"""Signals: journal-entry tests that make an entry suspicious without breaching a stated rule.

Their ids start with ``signal.`` and never appear among rule breaches. Like a rule, a signal
looks at one village's books at a time (see :mod:`checks.rules.rule`).
"""

from __future__ import annotations

import pandas as pd

from checks.context import CheckContext
from checks.signals.amounts import NEAR_THRESHOLD, ROUND_AMOUNT
from checks.signals.benford import BENFORD
from checks.signals.duplicates import DUPLICATE_PAYMENT
from checks.signals.hospitality import HOSPITALITY_PAYEE
from checks.signals.rarity import RARE_ACCOUNT, RARE_PAIR
from checks.signals.signal import Signal
from checks.signals.timing import REST_DAY

SIGNALS: tuple[Signal, ...] = (
    REST_DAY, ROUND_AMOUNT, NEAR_THRESHOLD, DUPLICATE_PAYMENT, RARE_ACCOUNT, RARE_PAIR, BENFORD,
    HOSPITALITY_PAYEE,
)
SIGNAL_COLUMNS = ["entry_id", "signal_id", "detail"]


def evaluate_signals(frame: pd.DataFrame, context: CheckContext) -> pd.DataFrame:
    """Every signal's marks on the prepared frame: entry_id, signal_id, detail; one row per
    (entry, signal), details of one entry and signal joined."""
    found = []
    for signal in SIGNALS:
        marks = signal.find(frame, context)
        if marks.empty:
            continue
        found.append(
            marks.assign(
                entry_id=frame["entry_id"].iloc[marks["row"].to_numpy()].to_numpy(),
                signal_id=signal.id,
            )
        )
    if not found:
        return pd.DataFrame({name: pd.Series(dtype="str") for name in SIGNAL_COLUMNS})
    signals = pd.concat(found, ignore_index=True)[SIGNAL_COLUMNS]
    repeated = signals.duplicated(["entry_id", "signal_id"], keep=False).to_numpy()
    if repeated.any():
        joined = (
            signals[repeated]
            .groupby(["entry_id", "signal_id"], sort=False, as_index=False)["detail"]
            .agg("；".join)
        )
        signals = pd.concat([signals[~repeated], joined], ignore_index=True)
    return signals.astype("str")
