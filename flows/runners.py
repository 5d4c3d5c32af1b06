"""Where a run's tasks execute: threads in this process, or workers of a Dask cluster.

The flow's code is the same either way; only the task runner differs. ``None`` (the default)
runs tasks in a thread pool here. ``"local"`` starts a throw-away Dask cluster on this machine
(for trying Dask out, and for tests). Any other value is the address of a running Dask
scheduler (``tcp://host:8786``); its workers must import this project and reach the data
directory (``SANZI_DATA_DIR``) at the same path, since parts, models and Prefect's cached
results are files there.
"""

from __future__ import annotations

from typing import Any

# Per-town tasks are mostly pandas and numpy, which release the GIL in their heavy parts;
# two threads keep a 2-core machine busy without doubling peak memory by more towns at once.
DEFAULT_THREADS = 2


def task_runner(dask_address: str | None = None, *, threads: int = DEFAULT_THREADS) -> Any:
    """The task runner for ``dask_address`` (see the module docstring)."""
    if not dask_address:
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=threads)
    from prefect_dask import DaskTaskRunner

    if dask_address == "local":
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    return DaskTaskRunner(address=dask_address)


def describe(dask_address: str | None) -> str:
    if not dask_address:
        return "本机线程"
    return "本机临时 Dask 集群" if dask_address == "local" else f"Dask 集群 {dask_address}"
