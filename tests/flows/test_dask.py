"""The same flow on a local Dask cluster gives exactly what the default runner gives."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from checks.params import load_params
from flows.runners import task_runner

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
pytestmark = pytest.mark.prefect


def _audit(runner: str | None, inputs: Path, root: Path, monkeypatch) -> Path:
    """One run with its own data directory, so nothing is taken from the other's cache."""
    from flows.audit import audit_ledgers

    monkeypatch.setenv("SANZI_DATA_DIR", str(root / "data"))
    out = root / "out"
    audit_ledgers.with_options(task_runner=task_runner(runner))(
        inputs=[str(inputs)], out_dir=str(out), params=load_params())
    return out


def test_dask_cluster_results_equal_the_default_runner(prefect_harness, tmp_path, monkeypatch):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for name in ("青石镇_2023-2024.csv", "青石镇_王垭村_2024.xlsx", "白沙乡_2024.csv"):
        shutil.copy(SAMPLE / name, inputs / name)
    threads = _audit(None, inputs, tmp_path / "threads", monkeypatch)
    dask = _audit("local", inputs, tmp_path / "dask", monkeypatch)
    records = [json.loads((out / "run.json").read_text(encoding="utf-8"))
               for out in (threads, dask)]
    assert all(len(record["partitions"]["files_read"]) == 3 for record in records)
    for key in ("totals", "rule_counts", "signal_counts", "review"):
        if key == "review":
            records[0][key].pop("run_id"), records[1][key].pop("run_id")
        assert records[0][key] == records[1][key], key
    assert records[0]["totals"]["flagged"] > 0
    assert records[0]["model"]["model_version"] == records[1]["model"]["model_version"]
    pd.testing.assert_frame_equal(pd.read_parquet(threads / "entries.parquet"),
                                  pd.read_parquet(dask / "entries.parquet"))
    for name in ("findings.csv", "quarantine.csv"):
        assert (threads / name).read_bytes() == (dask / name).read_bytes(), name
