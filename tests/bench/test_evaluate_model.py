"""Leave-one-pattern-out of bench/evaluate_model.py on tiny literal cases."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bench.evaluate_model import (
    ModelInputs,
    alone_figures,
    as_json,
    leave_one_pattern_out,
    risk_fitted_on,
)
from checks.params import load_params

# Size features: the forest reads them, the evidence does not, so the risk is the forest's.
COLUMNS = ["amount_vs_village_account", "amount_vs_town_peers"]


def _truth(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(kind, pattern, case_id) per entry; ("", "", "") is a clean line."""
    return pd.DataFrame(rows, columns=["kind", "pattern", "case_id"], dtype="str")


def _entries(n: int) -> pd.DataFrame:
    return pd.DataFrame({"entry_id": [f"e{i:04d}" for i in range(n)]})


def test_a_pattern_is_ranked_alone_among_the_clean_lines() -> None:
    clean = 60
    risk = np.concatenate([
        np.linspace(0.6, 0.1, clean),  # clean lines
        [0.95, 0.05],                  # pattern a: case a1 on top, case a2 at the bottom
        np.full(10, 0.99),             # pattern b: would take the top places
        [1.0],                         # a breach: flagged anyway, not in the scope either
    ])
    truth = _truth([("", "", "")] * clean + [("misconduct", "a", "a1"), ("misconduct", "a", "a2")]
                   + [("misconduct", "b", "b1")] * 10 + [("breach", "breach", "r1")])
    figures = alone_figures(risk, np.zeros(len(risk)), _entries(len(risk)), truth, "a")
    # 62 lines in scope: 5 % is 3.1 places and 2 % is 1.24; a1 ranks first, a2 last.
    assert figures["recall@5%"] == 0.5
    assert figures["recall@2%"] == 0.5
    assert figures["AP"] == pytest.approx(0.5 * 1 + 0.5 * 2 / 62)


def _masked_cluster() -> tuple[ModelInputs, pd.DataFrame]:
    """300 ordinary entries, 60 identical ones far away (pattern a) and 3 scattered outliers
    (pattern b): a's lines, many and alike, are learnt as normal when the forest sees them."""
    rng = np.random.default_rng(0)
    values = np.vstack([rng.normal(size=(300, 2)), np.full((60, 2), 6.0),
                        [[-5.0, 4.0], [5.0, -4.5], [-4.0, -5.5]]])
    features = pd.DataFrame(values, columns=COLUMNS)
    truth = _truth([("", "", "")] * 300 + [("misconduct", "a", f"a{i // 6}") for i in range(60)]
                   + [("misconduct", "b", f"b{i}") for i in range(3)])
    n = len(features)
    return ModelInputs(features, np.zeros(n), np.zeros(n)), truth


def test_the_forest_fitted_without_a_pattern_no_longer_learns_it_as_normal() -> None:
    inputs, truth = _masked_cluster()
    params = load_params()
    cluster = (truth["pattern"] == "a").to_numpy()
    inside, _ = risk_fitted_on(inputs, np.ones(len(truth), dtype=bool), params)
    outside, _ = risk_fitted_on(inputs, ~cluster, params)
    assert inside[cluster].max() < 0.3
    assert outside[cluster].min() > 0.5  # beyond every entry the forest was fitted on


def test_inputs_are_not_changed_by_fitting() -> None:
    inputs, truth = _masked_cluster()
    before = inputs.features.copy()
    risk_fitted_on(inputs, (truth["pattern"] != "a").to_numpy(), load_params())
    pd.testing.assert_frame_equal(inputs.features, before)


def test_leave_one_pattern_out_reports_each_pattern_in_sample_held_out_and_the_gap() -> None:
    inputs, truth = _masked_cluster()
    table = leave_one_pattern_out(inputs, _entries(len(truth)), truth, load_params())
    assert list(table.index) == ["a", "b", "(mean over patterns)"]
    assert table.loc["a", "cases"] == 10 and table.loc["b", "cases"] == 3
    for name in ("recall@5%", "recall@2%", "AP"):
        gap = table[f"{name} in"] - table[f"{name} out"]
        assert np.allclose(gap, table[f"{name} gap"])
    # masked in sample, found when held out: a negative gap
    assert table.loc["a", "AP gap"] < -0.15
    assert table.loc["a", "recall@5% out"] > table.loc["a", "recall@5% in"]
    assert table.loc["b", "recall@5% out"] == 1.0
    assert table.loc["(mean over patterns)", "AP in"] == pytest.approx(
        table.loc[["a", "b"], "AP in"].mean())


def test_json_keeps_every_table_with_missing_figures_as_null() -> None:
    table = pd.DataFrame({"cases": [2.0, np.nan], "AP": [0.5, 0.25]},
                         index=pd.Index(["a", "(all misconduct)"], name="pattern"))
    loaded = json.loads(as_json({"ranking": table}, seed=4242, villages=3))
    assert loaded["seed"] == 4242 and loaded["villages"] == 3
    assert loaded["tables"]["ranking"] == {"a": {"cases": 2.0, "AP": 0.5},
                                           "(all misconduct)": {"cases": None, "AP": 0.25}}
