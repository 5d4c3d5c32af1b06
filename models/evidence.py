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

from models.features.entry import DECLARED, declared
from models.features.feature import Suspicious

# Which way each feature is suspicious (+1 larger, -1 smaller, 0 far from zero), as declared
# (models/features/entry.py), for the model's record.
DIRECTIONS: dict[str, int] = {feature.name: int(feature.suspicious) for feature in DECLARED}
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
        direction = declared(name).suspicious
        values[:, position] = (np.abs(values[:, position])
                               if direction is Suspicious.FAR_FROM_ZERO
                               else int(direction) * values[:, position])
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
    """Per entry, the strength in [0, 1] of its rarest values of the features declared evidence
    on their own (size features are left to the forest: their extremes are heavy tails that
    large, documented works payments reach every year, telling only in combination)."""
    columns = [position for position, name in enumerate(names) if declared(name).evidence]
    if not columns or not len(surprisals):
        return np.zeros(len(surprisals))
    top = -np.sort(-surprisals[:, columns], axis=1)
    combined = top[:, 0] + (SECOND_VALUE_WEIGHT * top[:, 1] if top.shape[1] > 1 else 0.0)
    return np.clip((combined - EVIDENCE_FROM) / (EVIDENCE_FULL - EVIDENCE_FROM), 0, 1)
