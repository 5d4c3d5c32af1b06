"""The worker processes a run on this machine hands its per-file and per-town work to."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from checks.params import load_params
from flows import runners
from models.features.entry import FEATURES
from models.scoring import obtain_forest

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


def _fails() -> None:
    raise ValueError("坏数据")


def _fails_beside() -> None:
    with runners.on_spare_core(True, _fails) as failing:
        failing()


def _where(spare: bool) -> int:
    with runners.on_spare_core(spare, os.getpid) as pid:
        return pid()


def _beside_the_worker() -> tuple[int, int, int]:
    """In a worker: its pid, the pid work on a spare core ran in, and where it ran when no
    core was spare."""
    return os.getpid(), _where(True), _where(False)


def _left_beside() -> tuple[list[str], float]:
    """In a worker: the forks alive after a block left, by an error, without the result of
    half a minute's work beside it, and how long leaving took."""
    import multiprocessing
    import time

    started = time.perf_counter()
    with contextlib.suppress(ValueError), runners.on_spare_core(True, time.sleep, 30):
        raise ValueError("调用方自己的计算出错")
    return ([child.name for child in multiprocessing.active_children()],
            time.perf_counter() - started)


def test_work_on_a_spare_core_runs_in_a_fork_of_the_worker_and_brings_back_its_result():
    runners.use_worker_processes(2)
    try:
        worker, beside, not_spare = runners.InWorkerProcess(_beside_the_worker)()
        assert beside != worker and not_spare == worker != os.getpid()
        with pytest.raises(ValueError, match="坏数据"):  # the forked work's error, raised
            runners.InWorkerProcess(_fails_beside)()
        # a caller that fails before asking for the result ends the fork at once
        alive, seconds = runners.InWorkerProcess(_left_beside)()
        assert alive == [] and seconds < 15
    finally:
        runners.stop_worker_processes()
    # outside a worker process (here, the flow's own process) nothing is forked
    assert _where(True) == os.getpid()


def _forest_in_memory(path: str) -> tuple[int, int]:
    """In a worker: forests in memory at the start, and loads needed for the one at ``path``."""
    from models.scoring import saved_forest

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
