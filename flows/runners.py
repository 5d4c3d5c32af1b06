"""Where a run's work executes: worker processes of this machine, or a Dask cluster.

The flow's code is the same either way; only the task runner differs.

- ``None`` (the default): Prefect runs the tasks in threads of this process, and each task
  hands its pandas work to a pool of worker processes (one per core) that lives as long as
  this process. Per-town work holds the GIL, so threads alone use one core; Prefect's own
  process-pool runner measured about 0.3 s of orchestration per task (against 15 ms in a
  thread) and a new pool per run, which cost a county run more than the second core gained.
- ``"local"``: a throw-away Dask cluster on this machine (for trying Dask out, and for tests).
- any other value: the address of a running Dask scheduler (``tcp://host:8786``). Its workers
  run the tasks themselves; they must import this project and reach the data directory
  (``SANZI_DATA_DIR``) at the same path, since parts and models are files there.
"""

from __future__ import annotations

import inspect
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

DEFAULT_PROCESSES = os.cpu_count() or 2

PRELOAD = ["flows.preload"]  # the pipeline, scikit-learn and the current forest

_workers: dict[str, Any] = {"processes": 0, "pool": None}
_starting = threading.Lock()


def task_runner(dask_address: str | None = None, *, processes: int = DEFAULT_PROCESSES) -> Any:
    """The task runner for ``dask_address`` (see the module docstring)."""
    if not dask_address:
        from prefect.task_runners import ThreadPoolTaskRunner

        use_worker_processes(processes)
        return ThreadPoolTaskRunner(max_workers=processes)
    from prefect_dask import DaskTaskRunner

    if dask_address == "local":
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    return DaskTaskRunner(address=dask_address)


def use_worker_processes(processes: int) -> None:
    """Hand the work of :class:`InWorkerProcess` functions to ``processes`` worker processes
    of this machine (0 or 1: run it in the calling thread).

    The workers are forked from one server process that imports the pipeline once (about 2 s,
    in the background, beside this process's own imports and Prefect's start) and loads the
    county's current forest (:mod:`flows.preload`), so that they are ready by the time the
    first file is read. Spawned workers each imported it themselves, and on two cores those
    imports slowed this process's start by seconds."""
    _workers["processes"] = processes
    if processes > 1 and _workers["pool"] is None:
        threading.Thread(target=_start_workers, args=(processes,), name="worker-processes",
                         daemon=True).start()


def stop_worker_processes() -> None:
    """Shut the worker processes down (they would end with this process anyway); work runs in
    the calling thread again until :func:`use_worker_processes`."""
    with _starting:
        pool, _workers["pool"], _workers["processes"] = _workers["pool"], None, 0
    if pool is not None:
        pool.shutdown(wait=True)


def _start_workers(processes: int) -> None:
    # Each submit starts a worker, waiting for the server to have imported the pipeline.
    pool = _pool()
    for _ in range(processes):
        pool.submit(_imported_pipeline)


def _imported_pipeline() -> bool:
    return all(name in sys.modules for name in PRELOAD)


class InWorkerProcess:
    """``function`` run in a worker process of this machine when they are in use (see
    :func:`use_worker_processes`), else where it is called (a thread, a Dask worker).

    A class, not a closure, so that it pickles by reference to ``function`` when Dask sends
    it to a worker; it keeps the function's name and signature for Prefect."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.__name__ = function.__name__
        self.__qualname__ = function.__qualname__
        self.__module__ = function.__module__
        self.__doc__ = function.__doc__
        self.__signature__ = inspect.signature(function)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _workers["processes"] <= 1:
            return self.function(*args, **kwargs)
        try:
            return _pool().submit(self.function, *args, **kwargs).result()
        except BrokenProcessPool:  # a worker died (memory?): the next try gets a new pool
            _workers["pool"] = None
            raise


def start_prefect_api() -> Callable[[], None]:
    """Start a temporary Prefect server in the background, unless one is configured
    (``PREFECT_API_URL``, set by the user or to the project's resident server) or Prefect has
    been imported already (its settings are read: it starts its own when the flow first calls
    it); returns a function that waits until the server answers.

    The server is the one Prefect's local mode would start (:class:`flows.server.
    TemporaryServer`). Started first, its seconds of start-up overlap this process's imports
    and the workers' start instead of following them. Must run after
    :func:`flows.settings.configure_prefect` and before Prefect is imported.
    """
    if os.environ.get("PREFECT_API_URL") or "prefect" in sys.modules:
        return lambda: None
    from flows.server import TemporaryServer

    server = TemporaryServer()
    os.environ["PREFECT_API_URL"] = server.url
    timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", 120))
    return lambda: server.wait(timeout)


def _pool() -> ProcessPoolExecutor:
    with _starting:
        if _workers["pool"] is None:
            # forkserver: a fresh process with no threads (safe to fork) that imports
            # PRELOAD once; every worker is a fork of it, so starts with the pipeline imported
            # and shares its pages. Preload applies when the server starts (once a process).
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _workers["pool"] = ProcessPoolExecutor(max_workers=_workers["processes"],
                                                   mp_context=context)
        return _workers["pool"]
