"""Where a run's tasks execute: threads in this process, or workers of a Dask cluster.

The flow's code is the same either way; only the task runner differs. ``None`` (the default)
runs tasks in a pool of worker processes here. ``"local"`` starts a throw-away Dask cluster on
this machine (for trying Dask out, and for tests). Any other value is the address of a running Dask
scheduler (``tcp://host:8786``); its workers must import this project and reach the data
directory (``SANZI_DATA_DIR``) at the same path, since parts, models and Prefect's cached
results are files there.
"""

from __future__ import annotations

import os
from typing import Any

# Per-town work is pandas code that mostly holds the GIL: threads measured no faster than one,
# so one machine runs tasks in worker processes, one per core.
DEFAULT_PROCESSES = os.cpu_count() or 2


def task_runner(dask_address: str | None = None, *, processes: int = DEFAULT_PROCESSES) -> Any:
    """The task runner for ``dask_address`` (see the module docstring)."""
    if not dask_address:
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner(max_workers=processes, initializer=report_to,
                                     initargs=(prefect_api_url(),))
    from prefect_dask import DaskTaskRunner

    if dask_address == "local":
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    return DaskTaskRunner(address=dask_address)


def prefect_api_url() -> str:
    """The Prefect API this process reports to; in local mode its temporary server, started
    now so that worker processes can report to it too instead of each starting their own."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()  # the one Prefect's client uses in this process
        server.start()
        url = server.api_url
    return url


def report_to(api_url: str) -> None:
    """Run in each worker process before its first task: use this run's Prefect API."""
    os.environ["PREFECT_API_URL"] = api_url


def describe(dask_address: str | None) -> str:
    if not dask_address:
        return "本机多进程"
    return "本机临时 Dask 集群" if dask_address == "local" else f"Dask 集群 {dask_address}"
