"""The isolation forest, kept apart from the review cut-off.

Following scikit-learn's conventions: ``__init__`` stores parameters, ``fit`` returns ``self``,
learned state ends in ``_``. The forest gives raw anomaly scores only; turning them into a
ranking and a ``flagged`` decision is :mod:`models.ranking`'s job, changeable without refitting.
It takes every feature, but its trees split only on those declared ``in_forest``
(:mod:`models.features.entry`); the evidence reference it keeps covers them all.
Saving and loading it is the IO edge's (:mod:`flows.model_files`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import joblib
import numpy as np
import pandas as pd

from models.evidence import DIRECTIONS, reference_sample
from models.features.entry import declared

# Scored in threads from this many rows. Measured on two cores (2026-11-25): threads took
# 0.07 s longer at 2,000 rows, about as long at 15,000, 40 % less at 55,000 and 200,000.
THREADED_FROM_ROWS = 20_000


def _sklearn_version() -> str:
    # scikit-learn (with SciPy, over a second to import) is imported where a forest is fitted,
    # scored or loaded, not by every process that imports the pipeline.
    import sklearn

    return sklearn.__version__


def _frame_hash(features: pd.DataFrame) -> str:
    hashed = pd.util.hash_pandas_object(features, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()[:16]


class LedgerForest:
    """An isolation forest over entry features, with the metadata needed to reuse it knowingly."""

    def __init__(self, n_estimators: int = 200, max_samples: int = 256, seed: int = 0) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.seed = seed

    def fit(self, features: pd.DataFrame, *, training_period: tuple[str, str] | None = None):
        """Fit on a feature frame; returns ``self``."""
        from sklearn.ensemble import IsolationForest

        self.feature_names_ = list(features.columns)
        self.tree_features_ = [name for name in self.feature_names_ if declared(name).in_forest]
        values = features[self.tree_features_].to_numpy(dtype=np.float64)
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators,
            max_samples=min(self.max_samples, len(features)),
            random_state=self.seed,
        ).fit(values)
        self.medians_ = np.median(values, axis=0) if len(values) else np.zeros(values.shape[1])
        self.reference_ = reference_sample(features, self.seed)
        self.score_reference_ = np.sort(self._scores(values))
        self.training_rows_ = len(features)
        self.training_period_ = training_period
        self.data_hash_ = _frame_hash(features)
        self.fitted_at_ = datetime.now(UTC).isoformat(timespec="seconds")
        return self

    def anomaly_scores(self, features: pd.DataFrame) -> np.ndarray:
        """The paper's anomaly score s(x) in (0, 1]: higher is more anomalous."""
        if list(features.columns) != self.feature_names_:
            raise ValueError(
                f"features {list(features.columns)} differ from the fitted {self.feature_names_}"
            )
        return self._scores(features[self.tree_features_].to_numpy(dtype=np.float64))

    def percentiles(self, anomaly: np.ndarray) -> np.ndarray:
        """Each anomaly score's percentile among the training entries' (1.0 = as anomalous as
        the most anomalous). Fixed by the model, so an entry's percentile does not move when
        other towns' entries change; on the training entries it is their own percentile."""
        reference = self.score_reference_
        return np.searchsorted(reference, anomaly, side="right") / max(len(reference), 1)

    def _scores(self, values: np.ndarray) -> np.ndarray:
        # Scoring ignores n_jobs; the threading backend lets it use both cores. Threads sum
        # the trees' path lengths in varying order, so round away the last bits: the same
        # entries must score the same in every run. Below THREADED_FROM_ROWS rows the threads
        # cost more than they save (joblib polls for their results: 0.07 s a call here).
        jobs = -1 if len(values) >= THREADED_FROM_ROWS else 1
        with joblib.parallel_config(backend="threading", n_jobs=jobs):
            scores = -self.forest_.score_samples(values)
        return np.round(scores, 10)

    def contributions(self, features: pd.DataFrame) -> np.ndarray:
        """Per entry and feature (``features``' columns), how much the anomaly score drops
        when that feature alone is set to its training median (occlusion): positive = the
        feature makes the entry odd; 0 for a feature the trees do not split on.

        Exact for the fitted forest (every number is a real score of a real input), at the
        cost of one scoring pass per feature: use it on flagged entries only. A feature whose
        value already is the median changes nothing when set to it (about half of them): its
        contribution is 0 without scoring the entry again.
        """
        values = features[self.tree_features_].to_numpy(dtype=np.float64)
        base = self._scores(values)
        rows, columns = np.nonzero(values != self.medians_[np.newaxis, :])
        occluded = values[rows]
        occluded[np.arange(len(rows)), columns] = self.medians_[columns]
        contributions = np.zeros((len(features), len(features.columns)))
        if len(rows):
            placed = features.columns.get_indexer(self.tree_features_)
            contributions[rows, placed[columns]] = base[rows] - self._scores(occluded)
        return contributions

    @property
    def version(self) -> str:
        """A short id naming this fitted model: parameters, features and training data."""
        key = json.dumps(
            [self.n_estimators, self.max_samples, self.seed, self.feature_names_,
             self.tree_features_, self.data_hash_, _sklearn_version()],
        )
        return hashlib.sha256(key.encode()).hexdigest()[:12]

    def metadata(self) -> dict[str, Any]:
        return {
            "model_version": self.version,
            "kind": "IsolationForest",
            "n_estimators": self.n_estimators,
            "max_samples": self.max_samples,
            "seed": self.seed,
            "features": self.feature_names_,
            "tree_features": self.tree_features_,
            "feature_directions": {name: DIRECTIONS.get(name, 0) for name in self.feature_names_},
            "training_rows": self.training_rows_,
            "training_period": self.training_period_,
            "data_hash": self.data_hash_,
            "fitted_at": self.fitted_at_,
            "sklearn_version": _sklearn_version(),
            "numpy_version": np.__version__,
            "pandas_version": pd.__version__,
        }
