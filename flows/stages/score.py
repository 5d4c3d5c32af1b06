"""Score, per town: anomaly score, its percentile and risk (part "scores/<key>").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from flows.parts import part_exists, part_key, read_part
from flows.reuse import anomaly_scores
from flows.runners import on_spare_core
from flows.stages.common import RULE_WEIGHTS, SCORE_COLUMNS, SCORES, TOWNS
from flows.stages.model import ModelPart, load_model
from flows.stages.prepare import TownPart
from models.evidence import evidence_strength, surprisal
from models.ranking import combined_risk, source_strengths


@dataclass(frozen=True)
class ScorePart:
    town: str
    key: str
    part_dir: str
    computed_in: str
    n_scored: int  # entries the forest scored (the others kept their earlier scores)


def score_key(town: TownPart, model: ModelPart) -> str:
    return part_key("scores", town.key, model.version)


def score_town(
    town: TownPart, *, key: str, model: ModelPart, parts_dir: Path, run_id: str,
    alone: bool = False,
) -> ScorePart:
    """Each of the town's entries' anomaly score, its percentile among the model's training
    entries, and its risk before inspectors' decisions (in the town part's order).
    ``alone``: the only town being scored, so a core is spare and the forest scores beside
    the rest (:func:`flows.runners.on_spare_core`).

    Nothing here depends on other towns: with the same model, an unchanged town scores the
    same in every run."""
    features = read_part(town.part_dir, "features")
    entries = read_part(town.part_dir, "entries",
                        columns=["entry_id", "village", "content_hash"])
    forest = load_model(model.path)
    with on_spare_core(alone, anomaly_scores, forest, features, entries,
                       _earlier_scores(town, model, parts_dir)) as scoring:
        rule_strength, signal_strength = source_strengths(
            entries["entry_id"], breaches=read_part(town.part_dir, "breaches"),
            signals=read_part(town.part_dir, "signals"), rule_weights=RULE_WEIGHTS)
        evidence = evidence_strength(surprisal(features, forest.reference_),
                                     list(features.columns))
        anomaly, n_scored = scoring()
    percentile = forest.percentiles(anomaly)
    scores = entries.assign(
        anomaly=anomaly, percentile=percentile,
        risk=combined_risk(rule_strength, signal_strength, percentile, evidence),
        breach=rule_strength > 0,
    )
    part = ScorePart(town.town, key, str(SCORES.directory(parts_dir, key)), run_id, n_scored)
    SCORES.write(parts_dir, key, {"scores": scores[SCORE_COLUMNS]}, part)
    return part


def _earlier_scores(town: TownPart, model: ModelPart, parts_dir: Path
                    ) -> tuple[Path, Path] | None:
    """The town's earlier part and its scores under this model, if both are in the store."""
    if town.earlier is None:
        return None
    town_dir = TOWNS.directory(parts_dir, town.earlier)
    scores_dir = SCORES.directory(parts_dir, score_key(replace(town, key=town.earlier), model))
    if not (part_exists(town_dir, TOWNS.frames) and part_exists(scores_dir, SCORES.frames)):
        return None
    return town_dir, scores_dir
