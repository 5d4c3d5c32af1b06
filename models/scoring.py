"""Scoring a run: features, the isolation forest, feature evidence, one explained ranking.

:func:`score_entries` scores one frame of entries in one call, with a forest fitted on them
(the model evaluation and the scoring benchmark use it); the flow runs the same pieces town by
town (:mod:`flows.pipeline`): one forest per county, pooled across towns (the features are
already relative to each village and town), saved and reused by :mod:`flows.model_files`, and
:func:`explainer` for each town's flagged entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from checks.params import AuditParams
from models.evidence import EVIDENCE_FROM, EVIDENCE_FULL, evidence_strength, surprisal
from models.features.entry import declared, features_and_relations, related_fields
from models.features.raw import amount_fen
from models.feedback import apply_dispositions
from models.forest import LedgerForest
from models.ranking import REASON_SEPARATOR, rank_entries

# A feature is worth telling the inspector when its value is rarer than 1 in 10^REASON_FROM,
# or when it moved the forest's score by at least REASON_CONTRIBUTION.
REASON_FROM = 1.5
REASON_CONTRIBUTION = 0.01
LEANING_FROM = 0.5
# A feature not said when the one it maps to is said: both would tell the same story.
SAME_STORY = {"round_zeros_vs_account": "round_zeros_vs_summary"}
MAX_FEATURE_REASONS = 3


@dataclass
class Scoring:
    """The ranking (aligned with the entries' index) and the model's record for run.json."""

    ranked: pd.DataFrame
    model: dict[str, Any]


def explainer(entries: pd.DataFrame, features: pd.DataFrame, surprisals: np.ndarray,
               forest: LedgerForest, params: AuditParams,
               relations: pd.DataFrame | None = None):
    """Feature reasons for flagged row positions: the features that moved the forest's score
    (occlusion) or whose value is rare, most telling first, each with the entry's numbers and
    each declared wording (:func:`models.features.entry.declared`). A relating feature names
    the other entry it rests on, found in ``relations``
    (:func:`models.features.entry.features_and_relations`), joined to the flagged rows only."""

    def explain(rows: np.ndarray) -> list[str]:
        if not len(rows):
            return []
        chosen = features.iloc[rows]
        contributions = forest.contributions(chosen)
        rare = surprisals[rows]
        # A feature is said only when its value leans the suspicious way (never "fewer zeros
        # than usual"): rare outright, or moving the forest and in the entry's top third.
        moved = (contributions >= REASON_CONTRIBUTION) & (rare >= LEANING_FROM)
        weight = np.where(rare >= REASON_FROM, rare, 0.0) + np.where(
            moved, contributions * 100, 0.0)
        context = entries.iloc[rows].copy()
        if relations is not None:
            context = pd.concat([context, related_fields(relations, context["entry_id"])],
                                axis=1)
        context["amount_fen"] = amount_fen(context["debit_fen"], context["credit_fen"])
        towns = {town: params.thresholds_for(town) for town in context["town"].unique()}
        for name in ("approval_tier", "tender_line", "cash_payment_ceiling"):
            context[f"{name}_fen"] = context["town"].map(lambda t, n=name: towns[t].fen(n))
        context["split_window_days"] = context["town"].map(
            lambda t: towns[t].split_window_days)
        context["duplicate_window_days"] = params.signals.duplicate_window_days
        records = context.to_dict("records")
        names = list(features.columns)
        texts = []
        for position, record in enumerate(records):
            order = [k for k in np.argsort(-weight[position], kind="stable")
                     if weight[position, k] > 0]
            picked = {names[k] for k in order}
            order = [k for k in order if SAME_STORY.get(names[k]) not in picked]
            said = [declared(names[k]).says(float(chosen.iat[position, k]), record)
                    for k in order[:MAX_FEATURE_REASONS]]
            texts.append(REASON_SEPARATOR.join(text for text in said if text))
        return texts

    return explain


def score_entries(
    entries: pd.DataFrame,
    *,
    breaches: pd.DataFrame,
    signals: pd.DataFrame,
    rule_weights: dict[str, float],
    params: AuditParams,
    dispositions: pd.DataFrame | None = None,
) -> Scoring:
    """Rank ``entries`` (canonical frame, unique ``entry_id``) for review.

    Returns ``Scoring.ranked`` with columns anomaly_score, risk_score, rule_ids, signals,
    flagged, rank, reasons (aligned with ``entries``' index), and ``Scoring.model``, the
    metadata of the forest fitted on ``entries``.
    """
    if entries.empty:
        ranked = rank_entries(entries, breaches=breaches, signals=signals,
                              anomaly=np.zeros(0), rule_weights=rule_weights,
                              review=params.review)
        return Scoring(ranked, {"model_version": None, "note": "没有可评分的分录"})
    features, relations = features_and_relations(entries, params)
    settings = params.model
    forest = LedgerForest(
        n_estimators=settings.n_estimators, max_samples=settings.max_samples, seed=settings.seed
    ).fit(features, training_period=(entries["period"].min(), entries["period"].max()))
    anomaly = forest.anomaly_scores(features)
    surprisals = surprisal(features, forest.reference_)
    applied = np.zeros(len(entries), dtype=bool)

    def adjust(risk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        adjusted, notes = apply_dispositions(entries, risk, dispositions)
        applied[:] = notes != ""
        return adjusted, notes

    ranked = rank_entries(
        entries, breaches=breaches, signals=signals, anomaly=anomaly,
        rule_weights=rule_weights, review=params.review,
        evidence=evidence_strength(surprisals, list(features.columns)), adjust=adjust,
        explain=explainer(entries, features, surprisals, forest, params, relations),
    )
    model = forest.metadata() | {
        "reused": False,
        "how": "本次训练",
        "pooled_across_towns": True,
        "dispositions_given": 0 if dispositions is None else len(dispositions),
        "dispositions_applied": int(applied.sum()),
        "evidence": {"from": EVIDENCE_FROM, "full": EVIDENCE_FULL},
    }
    return Scoring(ranked, model)
