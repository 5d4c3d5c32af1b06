"""Benchmark: scoring a million entries — features, forest, evidence, ranking and reasons.

Generates labelled ledgers with the sample generator, copies them under other town names until
there are ``--entries`` entries (each copy its own villages and entry ids), runs the rules once
(not timed: they have their own benchmark, ``bench_rules.py``), then times each stage of
:func:`models.scoring.score_entries` and the whole call.

Run: ``.venv/bin/python -m bench.bench_scoring [--entries N]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from checks.params import load_params
from checks.rules import evaluate_rules
from data.generator import generate_ledgers
from flows.ingest import assign_entry_ids
from flows.pipeline import RULE_WEIGHTS
from models.evidence import evidence_strength, surprisal
from models.features.entry import entry_features
from models.forest import LedgerForest
from models.scoring import score_entries


def million_entries(n_entries: int, seed: int = 5150) -> pd.DataFrame:
    """Generated entries, copied under other town names up to ``n_entries`` rows."""
    with tempfile.TemporaryDirectory() as folder:
        base = generate_ledgers(Path(folder), villages=60, seed=seed,
                                lines_per_village_year=2_000).truth
    copies = []
    for copy in range(-(-n_entries // len(base))):
        part = base.copy()
        part["town"] = part["town"] + ("" if copy == 0 else f"{copy}区")
        copies.append(part)
    entries = pd.concat(copies, ignore_index=True).iloc[:n_entries]
    return assign_entry_ids(entries.reset_index(drop=True))


def _timed(label: str, timings: dict[str, float], function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    timings[label] = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    arguments = parser.parse_args()
    params = load_params()
    entries = million_entries(arguments.entries)
    evaluation = evaluate_rules(entries, params)
    rule_weights = RULE_WEIGHTS
    timings: dict[str, float] = {}
    features = _timed("features", timings, entry_features, entries, params)
    model = params.model
    forest = _timed("forest fit", timings, LedgerForest(
        n_estimators=model.n_estimators, max_samples=model.max_samples, seed=model.seed).fit,
        features)
    _timed("forest scores", timings, forest.anomaly_scores, features)
    surprisals = _timed("evidence", timings, surprisal, features, forest.reference_)
    evidence_strength(surprisals, list(features.columns))
    scoring = _timed("score_entries (all of it)", timings, score_entries, entries,
                     breaches=evaluation.breaches, signals=evaluation.signals,
                     rule_weights=rule_weights, params=params)
    flagged = int(scoring.ranked["flagged"].sum())
    print(f"{len(entries):,} entries, {entries['village'].nunique()} village names, "
          f"{flagged:,} flagged (with reasons)")
    for label, seconds in timings.items():
        print(f"  {label:28s} {seconds:7.2f} s")
    per_100k = timings["score_entries (all of it)"] / len(entries) * 100_000
    print(f"  {'per 100k entries':28s} {per_100k:7.2f} s")
    assert scoring.ranked.loc[scoring.ranked["flagged"], "reasons"].ne("").all()
    np.testing.assert_array_equal(scoring.ranked.index, entries.index)


if __name__ == "__main__":
    main()
