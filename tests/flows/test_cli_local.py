"""`sanzi-audit run` as a user starts it: its own process, Prefect's temporary server (started
early, beside the worker processes) on the project's Prefect home."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
SAMPLE = PROJECT / "data" / "sample"


@pytest.mark.prefect
def test_a_run_in_its_own_process_starts_and_stops_its_temporary_server(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    shutil.copy(SAMPLE / "青石镇_王垭村_2023.xlsx", inputs)
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("PREFECT_")} | {"SANZI_DATA_DIR": str(tmp_path / "data")}
    environment.pop("SANZI_DB_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--input", str(inputs),
         "--out", str(tmp_path / "out")],
        cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "审计完成：1 个文件" in done.stdout
    record = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert record["totals"]["loaded"] > 0 and record["review"]["new"] == record["totals"]["flagged"]
    with sqlite3.connect(tmp_path / "data" / "prefect" / "prefect.db") as database:
        states = database.execute(
            "SELECT flow_run.state_type FROM flow_run JOIN flow ON flow.id = flow_run.flow_id"
            " WHERE flow.name = 'sanzi-audit'").fetchall()
        events = dict(database.execute("SELECT event, count(*) FROM events GROUP BY event"))
    assert states == [("COMPLETED",)]  # orchestrated by a server on the project's Prefect home
    assert events.get("prefect.flow-run.Completed") == 1  # the run's events were kept …
    assert "prefect.flow-run.heartbeat" not in events  # … and it sent no heartbeat
