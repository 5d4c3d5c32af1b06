"""Feature evidence: how rare each entry's value of each feature is, in its suspicious direction.

A value's surprisal is -log10 of the share of reference entries at least as extreme in the
direction that makes an entry suspicious (a payee seen *few* times, an amount *far above* the
village's usual). It is exact against the reference sample and says in numbers why an entry
stands out ("only 0.1 % of entries …"); the forest, which sees features together, may miss an
entry odd in one feature only, and this catches it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# +1: larger is more suspicious; -1: smaller is; 0: far from zero either way.
DIRECTIONS: dict[str, int] = {
    "amount_vs_village_account": 1, "amount_vs_town_peers": 1, "amount_vs_payee_history": 0,
    "round_zeros_vs_account": 1, "round_zeros_vs_summary": 1, "below_line_closeness": 1,
    "rent_vs_peers": -1, "payee_lines": -1, "payee_villages": -1,
    "days_since_payee_first_seen": -1, "payee_spend_share": 1, "payee_near_line_count": 1,
    "payee_window_total": 1, "same_payee_amount_nearby": 1, "repeat_other_year": 1,
    "receivable_outstanding": 1, "equal_amount_lines": 1, "voucher_people": 1,
    "regular_payees_off_account": 1, "account_pair_rarity": -1, "days_before_holiday": -1,
    "rest_day": 1, "days_to_month_end": -1, "summary_rarity": -1, "summary_risk_terms": 1,
}
REFERENCE_SIZE = 20_000


def oriented(features: pd.DataFrame) -> np.ndarray:
    """Features turned so that larger is always more suspicious."""
    values = features.to_numpy(dtype=np.float64).copy()
    for position, name in enumerate(features.columns):
        direction = DIRECTIONS.get(name, 1)
        values[:, position] = np.abs(values[:, position]) if direction == 0 else (
            direction * values[:, position])
    return values


def reference_sample(features: pd.DataFrame, seed: int) -> np.ndarray:
    """Sorted oriented values of up to ``REFERENCE_SIZE`` reference entries, one column each."""
    values = oriented(features)
    if len(values) > REFERENCE_SIZE:
        rows = np.random.default_rng(seed).choice(len(values), REFERENCE_SIZE, replace=False)
        values = values[rows]
    return np.sort(values, axis=0)


def surprisal(features: pd.DataFrame, reference: np.ndarray) -> np.ndarray:
    """-log10 of the share of reference entries at least as extreme, per entry and feature."""
    values = oriented(features)
    n = len(reference)
    result = np.empty_like(values)
    for position in range(values.shape[1]):
        at_least = n - np.searchsorted(reference[:, position], values[:, position], side="left")
        result[:, position] = -np.log10(np.maximum(at_least, 1) / max(n, 1))
    return result
