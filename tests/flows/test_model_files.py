"""The forest's files: saved under the SHA-256 of their bytes, loaded by skops with a list of
trusted types, refused when altered or foreign; reused across runs when asked."""

import hashlib
import json
import os
import pickle

import numpy as np
import pandas as pd
import pytest

from checks.params import load_params
from flows.model_files import (
    CURRENT_MODEL_FILE,
    ModelFileRefused,
    load_forest,
    obtain_forest,
    save_forest,
)
from models.features.entry import FEATURES
from models.forest import LedgerForest

PARAMS = load_params()
SMALL = PARAMS.model_copy(update={"model": PARAMS.model.model_copy(update={"n_estimators": 20})})


def _features(seed: int = 5) -> pd.DataFrame:
    rows = np.random.default_rng(seed).random((400, len(FEATURES)))
    return pd.DataFrame(rows, columns=list(FEATURES))


@pytest.fixture(scope="module")
def forest() -> LedgerForest:
    return LedgerForest(n_estimators=20, seed=1).fit(
        _features(), training_period=("2023-01", "2024-12"))


def test_a_saved_forest_loads_and_scores_identically(forest, tmp_path):
    path = save_forest(forest, tmp_path)
    assert path.name == f"{forest.version}-{hashlib.sha256(path.read_bytes()).hexdigest()}.skops"
    assert json.loads(path.with_suffix(".json").read_text("utf-8"))["model_version"] == (
        forest.version)
    loaded = load_forest(path)
    features = _features(seed=6)
    np.testing.assert_array_equal(loaded.anomaly_scores(features), forest.anomaly_scores(features))
    np.testing.assert_array_equal(loaded.contributions(features.head(20)),
                                  forest.contributions(features.head(20)))
    np.testing.assert_array_equal(loaded.percentiles(np.linspace(0, 1, 11)),
                                  forest.percentiles(np.linspace(0, 1, 11)))
    np.testing.assert_array_equal(loaded.reference_, forest.reference_)
    assert loaded.metadata() == forest.metadata() and loaded.version == forest.version


def test_a_file_altered_after_saving_is_refused(forest, tmp_path):
    path = save_forest(forest, tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte inside the trees' arrays
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileRefused, match="保存后被改动过") as refused:
        load_forest(path)
    assert str(path) in str(refused.value)


class _RunsCode:
    """What a pickled model file may hold: an object whose loading runs a command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_foreign_file_is_refused_and_runs_nothing(forest, tmp_path):
    marker = tmp_path / "ran"
    pickled = pickle.dumps(_RunsCode(marker))
    # named as this program names its files, the digest right: only the format stands between
    foreign = tmp_path / f"{forest.version}-{hashlib.sha256(pickled).hexdigest()}.skops"
    foreign.write_bytes(pickled)
    with pytest.raises(ModelFileRefused, match="不是可读的模型文件"):
        load_forest(foreign)
    assert not marker.exists()
    # a skops file naming a function to call is refused for its types
    import skops.io

    calling = skops.io.dumps({"forest": os.system})
    named = tmp_path / f"{forest.version}-{hashlib.sha256(calling).hexdigest()}.skops"
    named.write_bytes(calling)
    with pytest.raises(ModelFileRefused, match=r"不应有的类型.*system"):
        load_forest(named)
    # a model file of before (pickled by joblib, named by its version) is never opened
    earlier = tmp_path / f"{forest.version}.joblib"
    earlier.write_bytes(pickled)
    with pytest.raises(ModelFileRefused, match="不是本程序保存的模型"):
        load_forest(earlier)
    assert not marker.exists()


def test_a_saved_forest_is_reused_when_asked_and_refitted_when_refused(tmp_path):
    first, made = obtain_forest(_features, ("2023-01", "2024-12"), SMALL, tmp_path, reuse=True)
    assert not made["reused"] and made["how"] == "模型目录中没有模型，本次训练"
    assert json.loads((tmp_path / CURRENT_MODEL_FILE).read_text("utf-8"))["file"] == (
        os.path.basename(made["file"]))
    again, reused = obtain_forest(lambda: pytest.fail("not fitted again"), ("2023-01", "2024-12"),
                                  SMALL, tmp_path, reuse=True)
    assert reused == {"reused": True, "how": "沿用已保存的模型", "file": made["file"]}
    features = _features(seed=7)
    np.testing.assert_array_equal(again.anomaly_scores(features), first.anomaly_scores(features))

    other = SMALL.model_copy(update={"model": SMALL.model.model_copy(update={"n_estimators": 30})})
    refit, how = obtain_forest(_features, ("2023-01", "2024-12"), other, tmp_path, reuse=True)
    assert not how["reused"] and refit.n_estimators == 30 and "已变化" in how["how"]

    # the current file altered: refused, said, and fitted again; the altered file replaced
    current = tmp_path / os.path.basename(how["file"])
    current.write_bytes(current.read_bytes()[:-10] + b"0123456789")
    _, retrained = obtain_forest(_features, ("2023-01", "2024-12"), other, tmp_path, reuse=True)
    assert not retrained["reused"]
    assert "不可用" in retrained["how"] and current.name in retrained["how"]
    assert not current.exists()  # an earlier fit of the same version is removed
    versions = sorted(path.name.split("-")[0] for path in tmp_path.glob("*.skops"))
    assert versions == sorted([first.version, refit.version])
