"""The model, for the county: the isolation forest, fitted on a sample of all towns (or the saved
one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from checks.params import AuditParams
from flows.model_files import obtain_forest, saved_forest
from flows.parts import read_part
from flows.stages.prepare import TownPart
from models.evidence import EVIDENCE_FROM, EVIDENCE_FULL
from models.forest import LedgerForest


@dataclass(frozen=True)
class ModelPart:
    """The fitted (or reused) forest, saved where every worker can load it: ``path`` names
    the file and the SHA-256 its bytes must have (:mod:`flows.model_files`), and travels to the
    tasks that load it with this part, not through the models folder."""

    path: str
    version: str
    record: dict[str, Any]


def training_sample(towns: list[TownPart], params: AuditParams) -> pd.DataFrame:
    """Up to ``model.training_rows`` entries' features, each town in proportion to its size.

    The forest draws ``max_samples`` rows per tree, so a sample fits as well as the county
    while the county's features never have to be in memory together. Deterministic: the
    same towns and parameters give the same sample, hence the same model.
    """
    total = sum(town.n_entries for town in towns)
    share = min(1.0, params.model.training_rows / max(total, 1))
    frames = []
    for number, town in enumerate(towns):
        features = read_part(town.part_dir, "features")
        wanted = math.ceil(len(features) * share)
        if wanted < len(features):
            rng = np.random.default_rng([params.model.seed, number])
            features = features.iloc[np.sort(rng.choice(len(features), wanted, replace=False))]
        frames.append(features)
    return pd.concat(frames, ignore_index=True)


def obtain_model(
    towns: list[TownPart], params: AuditParams, *, model_dir: Path
) -> ModelPart | None:
    """Fit the forest on a sample of every town (or reuse the saved one, when asked); it is
    saved in ``model_dir``, where every worker loads it from."""
    if not towns:
        return None
    period = (min(town.periods[0] for town in towns), max(town.periods[1] for town in towns))
    forest, obtained = obtain_forest(
        lambda: training_sample(towns, params), period, params, model_dir,
        reuse=params.model.reuse)
    record = forest.metadata() | obtained | {
        "pooled_across_towns": True,
        "county_entries": sum(town.n_entries for town in towns),
        "evidence": {"from": EVIDENCE_FROM, "full": EVIDENCE_FULL},
    }
    return ModelPart(obtained["file"], forest.version, record)


def load_model(path: str) -> LedgerForest:
    """The forest at ``path``, checked and loaded once per process
    (:func:`flows.model_files.saved_forest`; the worker processes start with the county's
    current one loaded, see :mod:`flows.preload`)."""
    return saved_forest(path)
