"""The worker processes a run on this machine hands its per-file and per-town work to."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from checks.params import load_params
from flows import runners
from flows.model_files import obtain_forest
from models.features.entry import FEATURES

PROJECT = Path(__file__).resolve().parents[2]


def test_work_runs_in_worker_processes_that_start_with_the_pipeline_imported():
    runners.use_worker_processes(2)
    try:
        pids = {runners.InWorkerProcess(os.getpid)() for _ in range(8)}
        assert os.getpid() not in pids and 1 <= len(pids) <= 2
        # forked from a server that imported it: no worker imports the pipeline itself
        assert runners.InWorkerProcess(runners._imported_pipeline)()
    finally:
        runners.stop_worker_processes()
    assert runners.InWorkerProcess(os.getpid)() == os.getpid()


def _forest_in_memory(path: str) -> tuple[int, int]:
    """In a worker: forests in memory at the start, and loads needed for the one at ``path``."""
    from flows.model_files import saved_forest

    before = saved_forest.cache_info()
    saved_forest(path)
    return before.currsize, saved_forest.cache_info().misses - before.misses


def test_workers_start_with_the_countys_current_forest_loaded(tmp_path):
    models = tmp_path / "data" / "models"
    rows = np.random.default_rng(5).random((400, len(FEATURES)))
    _forest, obtained = obtain_forest(lambda: pd.DataFrame(rows, columns=list(FEATURES)),
                                      ("2023-01", "2024-12"), load_params(), models, reuse=False)
    # a process of its own: its workers' fork server starts on this data directory
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from flows import runners; "
         "from tests.flows.test_runners import _forest_in_memory; "
         "runners.use_worker_processes(2); "
         "print(runners.InWorkerProcess(_forest_in_memory)(sys.argv[1]))", obtained["file"]],
        cwd=PROJECT, env=os.environ | {"SANZI_DATA_DIR": str(tmp_path / "data")},
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "(1, 0)"  # there, and not loaded again
