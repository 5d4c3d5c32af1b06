"""Test-wide setup: Prefect runs against a throwaway home, never the developer's."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from flows.settings import Settings, prefect_environment

# Before anything imports Prefect: its home, results and database live in a temporary folder,
# so cached results cannot leak between test runs.
_TEST_DATA_DIR = Path(tempfile.mkdtemp(prefix="sanzi-test-"))
os.environ.update(prefect_environment(Settings(data_dir=_TEST_DATA_DIR)))
os.environ["SANZI_DATA_DIR"] = str(_TEST_DATA_DIR)


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for every flow test of the session (~20 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
