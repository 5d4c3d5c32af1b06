"""The worker processes a run on this machine hands its per-file and per-town work to."""

import os

from flows import runners


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
