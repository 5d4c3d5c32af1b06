"""One ranking for inspectors: rule breaches, signals and the forest's score combined.

Each source is turned into a probability-like strength in [0, 1] and combined by noisy-OR, so
an entry is as suspicious as its strongest evidence and more so when evidence agrees; the
result is ``risk_score``. The review cut-off (``flagged``) is a separate step over that score,
bounded by the review budget overall and per village (DETECTION.md §2, STYLE.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from checks.params import ReviewBudget

# How much one source can contribute on its own.
RULE_WEIGHT = 0.9
SIGNAL_WEIGHT = 0.3
FOREST_WEIGHT = 0.6
EVIDENCE_WEIGHT = 0.9
# Only the forest's top tail counts: below this percentile an entry is ordinary.
FOREST_TAIL_START = 0.9
REASON_SEPARATOR = "；"


def _positions(entry_ids: pd.Series, keys: pd.Series) -> np.ndarray:
    positions = pd.Index(entry_ids).get_indexer(keys)
    if (positions < 0).any():
        raise ValueError("findings refer to entry_ids that are not among the entries")
    return positions


def _list_column(n_rows: int, positions: np.ndarray, values: pd.Series) -> pd.Series:
    """A list<string> column of ``n_rows`` rows holding ``values`` at their row ``positions``."""
    order = np.argsort(positions, kind="stable")
    counts = np.bincount(positions, minlength=n_rows)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    flat = pa.array(values.to_numpy(dtype=object)[order], type=pa.string())
    lists = pa.ListArray.from_arrays(pa.array(offsets), flat)
    return pd.Series(lists, dtype=pd.ArrowDtype(pa.list_(pa.string())))


def forest_percentile(anomaly: np.ndarray) -> np.ndarray:
    """Each entry's anomaly score as a percentile among all entries (1.0 = most anomalous)."""
    return pd.Series(anomaly).rank(pct=True, method="max").to_numpy()


def _joined_details(details: pd.DataFrame, key: str) -> pd.Series:
    return details.groupby("entry_id", sort=False)[key].agg(REASON_SEPARATOR.join)


def rank_entries(
    entries: pd.DataFrame,
    *,
    breaches: pd.DataFrame,
    signals: pd.DataFrame,
    anomaly: np.ndarray,
    rule_weights: dict[str, float],
    review: ReviewBudget,
    evidence: np.ndarray | None = None,
    adjust: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
    explain: Callable[[np.ndarray], list[str]] | None = None,
) -> pd.DataFrame:
    """Score, flag and explain entries; returns columns aligned with ``entries``' rows.

    ``breaches`` and ``signals`` are long frames (entry_id, rule_id | signal_id, detail);
    ``rule_weights`` maps a rule id to its strength in [0, 1] (from its severity);
    ``evidence`` (optional) is the strength in [0, 1] of the entry's rarest feature values;
    ``adjust`` (optional) maps the risk to (adjusted risk, note per entry) — inspectors'
    dispositions; ``explain`` (optional) gives the feature reasons of flagged row positions,
    replacing the bare forest percentile.
    """
    n_rows = len(entries)
    entry_ids = entries["entry_id"]
    rule_positions = _positions(entry_ids, breaches["entry_id"])
    signal_positions = _positions(entry_ids, signals["entry_id"])

    rule_strength = np.zeros(n_rows)
    np.maximum.at(
        rule_strength, rule_positions, breaches["rule_id"].map(rule_weights).fillna(1.0).to_numpy()
    )
    signal_count = np.bincount(signal_positions, minlength=n_rows)
    signal_strength = np.minimum(1.0, signal_count / 3)
    percentile = forest_percentile(anomaly)
    forest_strength = np.clip((percentile - FOREST_TAIL_START) / (1 - FOREST_TAIL_START), 0, 1)

    evidence_strength = np.zeros(n_rows) if evidence is None else evidence
    risk = 1 - (
        (1 - RULE_WEIGHT * rule_strength)
        * (1 - SIGNAL_WEIGHT * signal_strength)
        * (1 - FOREST_WEIGHT * forest_strength)
        * (1 - EVIDENCE_WEIGHT * evidence_strength)
    )
    notes = np.full(n_rows, "", dtype=object)
    if adjust is not None:
        risk, notes = adjust(risk)
    ranked = pd.DataFrame(
        {
            "anomaly_score": anomaly,
            "risk_score": np.round(risk, 6),
            "rule_ids": _list_column(n_rows, rule_positions, breaches["rule_id"]),
            "signals": _list_column(n_rows, signal_positions, signals["signal_id"]),
        },
        index=entries.index,
    )
    flagged_order = _flag_within_budget(entries, ranked["risk_score"], anomaly, review)
    rank = pd.Series(pd.NA, index=entries.index, dtype="Int64")
    rank.iloc[flagged_order] = np.arange(1, len(flagged_order) + 1)
    ranked["flagged"] = rank.notna()
    ranked["rank"] = rank
    ranked["reasons"] = _reasons(
        entries, ranked, breaches=breaches, signals=signals, percentile=percentile,
        explain=explain, notes=notes,
    )
    return ranked


def _flag_within_budget(
    entries: pd.DataFrame, risk: pd.Series, anomaly: np.ndarray, review: ReviewBudget
) -> np.ndarray:
    """Row positions of the flagged entries, most suspicious first: by risk, then (among equal
    risks) by the forest's anomaly score, then by entry id."""
    candidates = pd.DataFrame(
        {
            "position": np.arange(len(entries)),
            "risk": risk.to_numpy(),
            "anomaly": anomaly,
            "village": (entries["town"] + "/" + entries["village"]).to_numpy(),
            "entry_id": entries["entry_id"].to_numpy(),
        }
    )
    candidates = candidates[candidates["risk"] >= review.min_risk]
    candidates = candidates.sort_values(["risk", "anomaly", "entry_id"],
                                        ascending=[False, False, True])
    within_village = candidates.groupby("village", sort=False).cumcount() < review.per_village_max
    overall = math.ceil(review.share * len(entries))
    return candidates.loc[within_village, "position"].to_numpy()[:overall]


def _reasons(
    entries: pd.DataFrame,
    ranked: pd.DataFrame,
    *,
    breaches: pd.DataFrame,
    signals: pd.DataFrame,
    percentile: np.ndarray,
    explain: Callable[[np.ndarray], list[str]] | None,
    notes: np.ndarray,
) -> pd.Series:
    """Plain-Chinese reasons for flagged entries; other entries get an empty string."""
    reasons = pd.Series("", index=entries.index, dtype="str")
    flagged = ranked["flagged"].to_numpy()
    if not flagged.any():
        return reasons
    flagged_ids = entries.loc[flagged, "entry_id"]
    rule_text = _joined_details(breaches[breaches["entry_id"].isin(flagged_ids)], "detail")
    signal_text = _joined_details(signals[signals["entry_id"].isin(flagged_ids)], "detail")
    if explain is None:
        model_text = np.where(
            percentile[flagged] >= FOREST_TAIL_START,
            [f"模型异常程度高于 {value * 100:.1f}% 的分录" for value in percentile[flagged]],
            "",
        )
    else:
        model_text = np.array(explain(np.flatnonzero(flagged)), dtype=object)
    parts = pd.DataFrame(
        {
            "rules": flagged_ids.map(rule_text).astype("str").fillna(""),
            "model": pd.Series(model_text, index=flagged_ids.index, dtype="str"),
            "signals": flagged_ids.map(signal_text).astype("str").fillna(""),
            "review": pd.Series(notes[flagged], index=flagged_ids.index, dtype="str"),
        }
    )
    reasons.loc[flagged] = parts.apply(
        lambda row: REASON_SEPARATOR.join(part for part in row if part), axis=1
    )
    return reasons
