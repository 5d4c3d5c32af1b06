"""Score, per town: anomaly score, its percentile and risk (part "scores/<key>").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flows.parts import part_key, read_part
from flows.stages.common import RULE_WEIGHTS, SCORE_COLUMNS, SCORES
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


def score_key(town: TownPart, model: ModelPart) -> str:
    return part_key("scores", town.key, model.version)


def score_town(
    town: TownPart, *, key: str, model: ModelPart, parts_dir: Path, run_id: str,
) -> ScorePart:
    """Each of the town's entries' anomaly score, its percentile among the model's training
    entries, and its risk before inspectors' decisions (in the town part's order).

    Nothing here depends on other towns: with the same model, an unchanged town scores the
    same in every run."""
    features = read_part(town.part_dir, "features")
    entries = read_part(town.part_dir, "entries", columns=["entry_id", "village"])
    forest = load_model(model.path)
    rule_strength, signal_strength = source_strengths(
        entries["entry_id"], breaches=read_part(town.part_dir, "breaches"),
        signals=read_part(town.part_dir, "signals"), rule_weights=RULE_WEIGHTS)
    evidence = evidence_strength(surprisal(features, forest.reference_), list(features.columns))
    anomaly = forest.anomaly_scores(features)
    percentile = forest.percentiles(anomaly)
    scores = entries.assign(
        anomaly=anomaly, percentile=percentile,
        risk=combined_risk(rule_strength, signal_strength, percentile, evidence),
        breach=rule_strength > 0,
    )
    part = ScorePart(town.town, key, str(SCORES.directory(parts_dir, key)), run_id)
    SCORES.write(parts_dir, key, {"scores": scores[SCORE_COLUMNS]}, part)
    return part
