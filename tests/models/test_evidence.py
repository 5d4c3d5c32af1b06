"""Feature evidence: surprisal in the suspicious direction, strength from the rarest values."""

import numpy as np
import pandas as pd
import pytest

from models.evidence import evidence_strength, reference_sample, surprisal


def test_surprisal_counts_values_at_least_as_extreme_in_the_suspicious_direction():
    reference = pd.DataFrame({"repeat_other_year": [0.0] * 99 + [1.0],
                              "payee_lines": np.linspace(0.3, 2.0, 100)})
    sample = reference_sample(reference, seed=1)
    probe = pd.DataFrame({"repeat_other_year": [1.0, 0.0], "payee_lines": [0.3, 2.0]})
    values = surprisal(probe, sample)
    assert values[0, 0] == pytest.approx(2.0)   # 1 in 100 repeat a claim
    assert values[1, 0] == pytest.approx(0.0)   # everyone has at least 0
    assert values[0, 1] == pytest.approx(2.0)   # fewest lines: smaller is more suspicious
    assert values[1, 1] == pytest.approx(0.0)


def test_strength_from_the_rarest_evidence_values_only():
    names = ["repeat_other_year", "amount_vs_village_account", "rest_day"]
    surprisals = np.array([[3.5, 0.0, 0.0],    # rare repeat: full strength
                           [0.0, 4.0, 0.0],    # size alone is the forest's business
                           [1.0, 0.0, 1.0],    # two mildly rare values: 1 + 0.5 = 1.5
                           [1.5, 0.0, 1.5]])   # 1.5 + 0.75 = 2.25: 0.75 of 1.5..3.2
    strength = evidence_strength(surprisals, names)
    assert strength.tolist() == pytest.approx([1.0, 0.0, 0.0, 0.75 / 1.7])
