import numpy as np
import pandas as pd
import pytest

from models.evidence import surprisal
from models.features.entry import declared
from models.features.raw import raw_features
from models.forest import LedgerForest
from tests.entries import make_entries


def _features(seed: int = 0) -> pd.DataFrame:
    """Two declared columns (every column a forest is fitted on is declared) of noise."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"log_amount": rng.normal(size=500), "weekday": rng.normal(size=500)})


def test_outlier_scores_highest_and_fit_is_deterministic():
    features = _features()
    features.loc[17] = [12.0, -12.0]
    first = LedgerForest(n_estimators=50, seed=3).fit(features)
    scores = first.anomaly_scores(features)
    assert scores.argmax() == 17
    second = LedgerForest(n_estimators=50, seed=3).fit(features)
    np.testing.assert_array_equal(scores, second.anomaly_scores(features))
    assert first.version == second.version


def test_entries_score_the_same_alone_as_among_many(monkeypatch):
    """A few rows are scored in this thread, many in threads: an entry's score must not depend
    on which (a rerun scores only the entries whose features moved)."""
    monkeypatch.setattr("models.forest.THREADED_FROM_ROWS", 100)
    features = _features()
    model = LedgerForest(n_estimators=50, seed=3).fit(features)
    few = features.iloc[40:60]
    threads = []
    monkeypatch.setattr("joblib.parallel_config", _recording(threads))
    together = model.anomaly_scores(features)
    alone = model.anomaly_scores(few)
    assert threads == [-1, 1]
    np.testing.assert_array_equal(alone, together[40:60])


def _recording(jobs: list[int]):
    import joblib

    config = joblib.parallel_config

    def parallel_config(*args, **kwargs):
        jobs.append(kwargs["n_jobs"])
        return config(*args, **kwargs)

    return parallel_config


def test_scoring_other_features_is_refused():
    model = LedgerForest(n_estimators=10).fit(_features())
    with pytest.raises(ValueError, match="differ"):
        model.anomaly_scores(_features().rename(columns={"log_amount": "c"}))


def test_raw_features_do_not_mutate_and_read_right():
    entries = make_entries([
        {"debit_fen": 99_900, "account_code": "541001", "voucher_date": "2023-03-18",
         "attachments": None},
        {"credit_fen": 99_900, "account_code": "101", "line_no": 2, "voucher_date": "2023-03-18"},
    ])
    before = entries.copy()
    features = raw_features(entries)
    pd.testing.assert_frame_equal(entries, before)
    assert features["account_first_level"].tolist() == [541, 101]
    assert features["is_debit"].tolist() == [1, 0]
    assert features["weekday"].tolist() == [5, 5]  # 2023-03-18 is a Saturday
    assert features["attachment_count"].tolist() == [-1, 1]
    assert features["log_amount"].iloc[0] == pytest.approx(np.log10(1000))


def test_contributions_point_at_the_feature_that_makes_an_entry_odd():
    features = _features()
    features.loc[17] = [12.0, 0.0]
    model = LedgerForest(n_estimators=100, seed=3).fit(features)
    contributions = model.contributions(features.loc[[17, 3]])
    assert contributions[0].argmax() == 0 and contributions[0, 0] > 0.1
    # an ordinary entry: no feature moves its score much
    assert np.abs(contributions[1]).max() < contributions[0, 0] / 3


def test_contributions_are_full_occlusion_scoring_only_features_off_their_median(monkeypatch):
    features = _features().assign(
        is_debit=np.random.default_rng(1).integers(0, 3, 500).astype(float))
    model = LedgerForest(n_estimators=60, seed=3).fit(features)
    chosen = features.iloc[:40].copy()
    chosen.loc[chosen.index[:10], "log_amount"] = model.medians_[0]  # ten at its median
    values = chosen.to_numpy()
    expected = np.column_stack([  # every feature set to its median, every entry scored again
        model.anomaly_scores(chosen) - model.anomaly_scores(chosen.assign(**{name: median}))
        for name, median in zip(chosen.columns, model.medians_, strict=True)])
    scored = []
    scores = model._scores
    monkeypatch.setattr(model, "_scores", lambda rows: (scored.append(len(rows)), scores(rows))[1])
    contributions = model.contributions(chosen)
    np.testing.assert_allclose(contributions, expected, rtol=0, atol=1e-9)
    assert (contributions[values == model.medians_] == 0).all()
    assert scored == [40, int((values != model.medians_).sum())]  # the entries, then the others
    assert scored[1] <= 3 * 40 - 10


def test_the_trees_split_only_on_features_declared_in_forest_and_evidence_sees_them_all():
    # same_bill_other_village relates entries: declared in_forest=False (models/features/entry.py)
    assert not declared("same_bill_other_village").in_forest and declared("weekday").in_forest
    features = _features().assign(same_bill_other_village=0.0)
    features.loc[:4, "same_bill_other_village"] = 2.0  # a few entries pay another village's bill
    model = LedgerForest(n_estimators=50, seed=3).fit(features)
    assert model.feature_names_ == ["log_amount", "weekday", "same_bill_other_village"]
    assert model.tree_features_ == ["log_amount", "weekday"]
    assert model.metadata()["tree_features"] == model.tree_features_
    trees_only = LedgerForest(n_estimators=50, seed=3).fit(features[model.tree_features_])
    np.testing.assert_array_equal(model.anomaly_scores(features),
                                  trees_only.anomaly_scores(features[model.tree_features_]))
    contributions = model.contributions(features.iloc[:10])
    assert contributions.shape == (10, 3) and (contributions[:, 2] == 0).all()
    # the evidence reference still covers the column: its five entries are rare there
    rare = surprisal(features.iloc[:6], model.reference_)[:, 2]
    assert (rare[:5] > 1.5).all() and rare[5] == 0
