"""Each feature is declared once (models/features/entry.py) and the wiring, the evidence and the
wording agree with the declarations: nothing is produced, oriented or said undeclared."""

import inspect

import numpy as np
import pandas as pd
import pytest

from checks.params import AuditParams
from models import evidence, wording
from models.features.entry import DECLARED, FEATURES, declared, entry_features
from models.features.feature import Feature, Suspicious
from tests.models.vouchers import ledger, payment, payout


def test_the_feature_frame_holds_exactly_the_declared_features_in_order():
    entries = ledger(payment(1, 12_345, counterparty="文具店"),
                     payout(2, [("张三", 50_000), ("李四", 50_000), ("王五", 50_000)]))
    features = entry_features(entries, AuditParams())
    assert list(features.columns) == [feature.name for feature in DECLARED] == list(FEATURES)
    assert len(set(FEATURES)) == len(FEATURES)


@pytest.mark.parametrize("feature", DECLARED, ids=lambda feature: feature.name)
def test_each_declaration_names_its_wording_and_direction(feature):
    assert feature.says is not None, f"{feature.name} has no wording"
    assert feature.says is getattr(wording, feature.name)
    assert feature.compute.__module__.startswith("models.features.")
    assert isinstance(feature.suspicious, Suspicious)
    assert evidence.DIRECTIONS[feature.name] == int(feature.suspicious)


def test_every_wording_function_says_a_declared_feature():
    said = {name for name, function in inspect.getmembers(wording, inspect.isfunction)
            if function.__module__ == wording.__name__ and not name.startswith("_")}
    assert said == set(FEATURES)


def test_a_wording_of_another_name_is_refused():
    with pytest.raises(ValueError, match="同名"):
        Feature(declared("payee_villages").compute, Suspicious.SMALLER, True,
                wording.payee_lines)


def test_an_undeclared_feature_is_an_error_not_a_default():
    with pytest.raises(KeyError, match="未在"):
        declared("payee_mood")
    frame = pd.DataFrame({"payee_lines": [1.0, 2.0], "payee_mood": [0.0, 1.0]})
    with pytest.raises(KeyError, match="payee_mood"):
        evidence.reference_sample(frame, seed=0)
    with pytest.raises(KeyError, match="payee_mood"):
        evidence.evidence_strength(np.zeros((2, 2)), ["payee_lines", "payee_mood"])
