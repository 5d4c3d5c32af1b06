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
# The features that count as evidence on their own, like an audit tool's control points. The
# size features (amount against history and peers, payee share and window totals, closeness
# below a line) are left to the forest: their extremes are heavy tails that large, documented
# works payments reach every year, telling only in combination with other features.
EVIDENCE_FEATURES: tuple[str, ...] = (
    "round_zeros_vs_account", "round_zeros_vs_summary", "rent_vs_peers", "payee_lines",
    "payee_villages", "days_since_payee_first_seen", "payee_near_line_count",
    "same_payee_amount_nearby", "repeat_other_year", "receivable_outstanding",
    "equal_amount_lines", "voucher_people", "regular_payees_off_account", "account_pair_rarity",
    "days_before_holiday", "rest_day", "days_to_month_end", "summary_rarity",
    "summary_risk_terms",
)
# Evidence: the rarest evidence value plus half the second rarest (in -log10 units) counts
# from EVIDENCE_FROM (1 in ~30 entries) and fully from EVIDENCE_FULL (1 in ~1,600).
EVIDENCE_FROM = 1.5
EVIDENCE_FULL = 3.2
SECOND_VALUE_WEIGHT = 0.5
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


def evidence_strength(surprisals: np.ndarray, names: list[str]) -> np.ndarray:
    """Per entry, the strength in [0, 1] of its rarest evidence feature values."""
    columns = [position for position, name in enumerate(names) if name in EVIDENCE_FEATURES]
    if not columns or not len(surprisals):
        return np.zeros(len(surprisals))
    top = -np.sort(-surprisals[:, columns], axis=1)
    combined = top[:, 0] + (SECOND_VALUE_WEIGHT * top[:, 1] if top.shape[1] > 1 else 0.0)
    return np.clip((combined - EVIDENCE_FROM) / (EVIDENCE_FULL - EVIDENCE_FROM), 0, 1)
