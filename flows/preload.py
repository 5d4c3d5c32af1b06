"""What the worker processes start with (:mod:`flows.runners`): the fork server they are forked
from imports this once, so every worker has the pipeline and scikit-learn imported and the
county's current forest loaded (a rerun reuses it; a run that fits a new one loads that).

Importing this module loads the forest named current in the data directory's models folder,
if there is one that loads, and the packaged charts of accounts; nothing else imports it.
"""

from __future__ import annotations

import sklearn.ensemble  # noqa: F401  the forest's classes, imported once for every worker

import flows.pipeline  # noqa: F401  the tasks' code
from checks.charts import CHART_KEYS, packaged_chart
from flows.model_files import preload_current_forest
from flows.settings import load_settings

CURRENT_FOREST = preload_current_forest(load_settings().models_dir)
# the published charts every town's checks read (cached per process: 0.02 s each to parse)
CHARTS = [packaged_chart(key) for key in CHART_KEYS]
