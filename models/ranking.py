"""One ranking for inspectors: rule breaches, signals and the forest's score combined.

Each source is turned into a probability-like strength in [0, 1] and combined by noisy-OR, so
an entry is as suspicious as its strongest evidence and more so when evidence agrees; the
result is ``risk_score``. The review cut-off (``flagged``) is a separate step over that score,
bounded by the review budget overall and per village (``review:`` in the parameters,
docs/rules.md), as scikit-learn keeps ``score_samples`` apart from ``offset_``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


def _list_column(index: pd.Index, positions: np.ndarray, values: pd.Series) -> pd.Series:
    """A list<string> column over ``index`` holding ``values`` at their row ``positions``."""
    n_rows = len(index)
    order = np.argsort(positions, kind="stable")
    counts = np.bincount(positions, minlength=n_rows)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    flat = pa.array(values.to_numpy(dtype=object)[order], type=pa.string())
    lists = pa.ListArray.from_arrays(pa.array(offsets), flat)
    return pd.Series(lists, dtype=pd.ArrowDtype(pa.list_(pa.string())), index=index)


def forest_percentile(anomaly: np.ndarray) -> np.ndarray:
    """Each entry's anomaly score as a percentile among all entries (1.0 = most anomalous)."""
    return pd.Series(anomaly).rank(pct=True, method="max").to_numpy()


def _joined_details(details: pd.DataFrame, key: str) -> pd.Series:
    return details.groupby("entry_id", sort=False)[key].agg(REASON_SEPARATOR.join)


def source_strengths(
    entry_ids: pd.Series, *, breaches: pd.DataFrame, signals: pd.DataFrame,
    rule_weights: dict[str, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Per entry, the strength in [0, 1] of its strongest rule breach and of its signals."""
    rule_strength = np.zeros(len(entry_ids))
    np.maximum.at(
        rule_strength, _positions(entry_ids, breaches["entry_id"]),
        breaches["rule_id"].map(rule_weights).fillna(1.0).to_numpy(),
    )
    signal_count = np.bincount(_positions(entry_ids, signals["entry_id"]),
                               minlength=len(entry_ids))
    return rule_strength, np.minimum(1.0, signal_count / 3)


def combined_risk(
    rule_strength: np.ndarray, signal_strength: np.ndarray, percentile: np.ndarray,
    evidence: np.ndarray | None = None,
) -> np.ndarray:
    """Noisy-OR of the sources; the forest counts only in its top tail (by ``percentile``)."""
    forest_strength = np.clip((percentile - FOREST_TAIL_START) / (1 - FOREST_TAIL_START), 0, 1)
    evidence_strength = np.zeros(len(percentile)) if evidence is None else evidence
    return 1 - (
        (1 - RULE_WEIGHT * rule_strength)
        * (1 - SIGNAL_WEIGHT * signal_strength)
        * (1 - FOREST_WEIGHT * forest_strength)
        * (1 - EVIDENCE_WEIGHT * evidence_strength)
    )


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

    A county run does the same in three steps: per town :func:`source_strengths` and
    :func:`combined_risk` (with the model's fixed percentiles), over the county
    :func:`flag_within_budget`, per town :func:`ranked_columns`.
    """
    rule_strength, signal_strength = source_strengths(
        entries["entry_id"], breaches=breaches, signals=signals, rule_weights=rule_weights)
    percentile = forest_percentile(anomaly)
    risk = combined_risk(rule_strength, signal_strength, percentile, evidence)
    notes = np.full(len(entries), "", dtype=object)
    if adjust is not None:
        risk, notes = adjust(risk)
    risk = np.round(risk, 6)
    order = flag_within_budget(_candidates(entries, risk, anomaly, rule_strength > 0),
                               len(entries), review)
    rank = np.zeros(len(entries), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    return ranked_columns(
        entries, breaches=breaches, signals=signals, anomaly=anomaly, risk=risk, rank=rank,
        notes=notes, percentile=percentile, explain=explain,
    )


def ranked_columns(
    entries: pd.DataFrame,
    *,
    breaches: pd.DataFrame,
    signals: pd.DataFrame,
    anomaly: np.ndarray,
    risk: np.ndarray,
    rank: np.ndarray,
    notes: np.ndarray,
    percentile: np.ndarray,
    explain: Callable[[np.ndarray], list[str]] | None = None,
) -> pd.DataFrame:
    """The ranking's columns for ``entries`` once risk and rank (0 = not flagged) are known."""
    index = entries.index
    ranked = pd.DataFrame(
        {
            "anomaly_score": anomaly,
            "risk_score": risk,
            "rule_ids": _list_column(
                index, _positions(entries["entry_id"], breaches["entry_id"]), breaches["rule_id"]),
            "signals": _list_column(
                index, _positions(entries["entry_id"], signals["entry_id"]), signals["signal_id"]),
        },
        index=index,
    )
    ranked["flagged"] = rank > 0
    ranked["rank"] = pd.Series(rank, index=entries.index, dtype="Int64").where(rank > 0)
    ranked["reasons"] = _reasons(
        entries, ranked, breaches=breaches, signals=signals, percentile=percentile,
        explain=explain, notes=notes,
    )
    return ranked


def _candidates(entries: pd.DataFrame, risk: np.ndarray, anomaly: np.ndarray,
                breach: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "risk": risk,
            "anomaly": anomaly,
            "village": (entries["town"] + "/" + entries["village"]).to_numpy(),
            "entry_id": entries["entry_id"].to_numpy(),
            "breach": breach,
        }
    )


def flag_within_budget(candidates: pd.DataFrame, n_entries: int, review: ReviewBudget
                       ) -> np.ndarray:
    """Row positions (in ``candidates``) of the flagged entries, most suspicious first: by
    risk, then (among equal risks) by the forest's anomaly score, then by entry id.

    ``candidates`` has one row per entry: risk, anomaly, village (town/village), entry_id and
    ``breach`` (the entry breaks a stated rule). Every breach is flagged, whatever its risk
    and the budget: the budget — ``min_risk``, the overall share of ``n_entries`` and the cap
    per village — bounds only the entries raised by the model and signals alone.
    """
    risk = candidates["risk"].to_numpy(dtype=np.float64)
    breach = (candidates["breach"].to_numpy(dtype=bool) if "breach" in candidates
              else np.zeros(len(risk), dtype=bool))
    chosen = np.flatnonzero((risk >= review.min_risk) | breach)
    # Arrow's sort, not pandas': pandas compared the county's entry ids as Python strings
    order = chosen[pc.sort_indices(pa.table({
        "risk": risk[chosen],
        "anomaly": candidates["anomaly"].to_numpy(dtype=np.float64)[chosen],
        "entry_id": pa.array(candidates["entry_id"]).take(chosen),
    }), sort_keys=[("risk", "descending"), ("anomaly", "descending"),
                   ("entry_id", "ascending")]).to_numpy()]
    suggested = order[~breach[order]]
    villages = pd.Series(pd.factorize(candidates["village"].iloc[suggested])[0])
    within_village = villages.groupby(villages, sort=False).cumcount().to_numpy()
    overall = math.ceil(review.share * n_entries)
    allowed = suggested[within_village < review.per_village_max][:overall]
    return order[breach[order] | np.isin(order, allowed)]


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
    parts = [
        flagged_ids.map(rule_text).astype("str").fillna("").tolist(),
        pd.Series(model_text, dtype="str").fillna("").tolist(),
        flagged_ids.map(signal_text).astype("str").fillna("").tolist(),
        pd.Series(notes[flagged], dtype="str").fillna("").tolist(),
    ]
    # a comprehension over the flagged rows: DataFrame.apply by row built a Series for each
    reasons.loc[flagged] = [REASON_SEPARATOR.join(part for part in row if part)
                            for row in zip(*parts, strict=True)]
    return reasons
