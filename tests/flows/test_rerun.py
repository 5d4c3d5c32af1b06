"""A correction rerun under Prefect: only the corrected file and its town are redone, the rest
comes from the cache, and the change is reported for the village the operator names."""

import contextlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from flows.cli import EXIT_OK, main
from flows.run_record import RunRecord
from flows.summary import summary_markdown

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
# the sample's ledgers and 三资 registers, without the answer keys
SAMPLE_FILES = sum(1 for path in SAMPLE.iterdir() if path.suffix in {".csv", ".xlsx"}
                   and not path.name.endswith("labels.csv"))
CORRECTED = "青石镇_坳山村_2024.csv"
pytestmark = pytest.mark.prefect


def _cli(*argv: str) -> tuple[int, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(list(argv))
    return code, printed.getvalue()


def _record(out: Path) -> dict:
    return json.loads((out / "run.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runs(prefect_harness, tmp_path_factory):
    """A first run, a rerun after the agency corrected one village's 2024 file, and a rerun
    after the parts store was deleted, each in its own folder; one data directory."""
    patch = pytest.MonkeyPatch()
    data_dir = tmp_path_factory.mktemp("data")
    patch.setenv("SANZI_DATA_DIR", str(data_dir))
    inputs = tmp_path_factory.mktemp("inputs")
    for path in SAMPLE.iterdir():  # not the answer keys: they make it a sample's audit
        if path.suffix in {".csv", ".xlsx"} and not path.name.endswith("labels.csv"):
            shutil.copy(path, inputs / path.name)
    outs = {name: tmp_path_factory.mktemp(name) for name in ("first", "rerun", "afresh")}
    first = _cli("run", "--input", str(inputs), "--out", str(outs["first"]))
    lines = (inputs / CORRECTED).read_bytes().split(b"\n")
    del lines[20]  # the agency deleted a line booked by mistake
    (inputs / CORRECTED).write_bytes(b"\n".join(lines))
    rerun = _cli("rerun", "--village", "坳山村", "--out", str(outs["rerun"]))
    shutil.rmtree(data_dir / "parts")
    afresh = _cli("rerun", "--out", str(outs["afresh"]))
    yield {"first": first, "rerun": rerun, "afresh": afresh, "outs": outs}
    patch.undo()


def test_only_the_corrected_file_and_its_town_are_redone(runs):
    assert runs["first"][0] == runs["rerun"][0] == EXIT_OK
    first, rerun = _record(runs["outs"]["first"]), _record(runs["outs"]["rerun"])
    assert len(first["partitions"]["files_read"]) == SAMPLE_FILES
    assert rerun["partitions"]["files_read"] == [CORRECTED]
    assert len(rerun["partitions"]["files_cached"]) == SAMPLE_FILES - 1
    work = {town["town"]: (town["checked"], town["scored"])
            for town in rerun["partitions"]["towns"]}
    assert work == {"白沙乡": ("沿用缓存", "沿用缓存"), "青石镇": ("本次计算", "本次计算")}
    town = next(town for town in rerun["partitions"]["towns"] if town["town"] == "青石镇")
    summary = summary_markdown(RunRecord.model_validate(rerun))  # the summary says so too
    assert f"| 青石镇 | 4 | {town['entries']} | 本次计算 | 本次计算 |" in summary
    assert "| 白沙乡 | 4 | " in summary and "| 沿用缓存 | 沿用缓存 |" in summary
    assert "| 沿用缓存 |" not in summary_markdown(RunRecord.model_validate(first))
    assert rerun["model"]["reused"] and rerun["model"]["model_version"] == (
        first["model"]["model_version"])
    assert rerun["totals"]["loaded"] == first["totals"]["loaded"] - 1
    assert set(rerun["timings"]) >= {"ingest", "check", "model", "score", "report", "write"}


def test_unchanged_towns_keep_their_scores_and_the_change_is_reported(runs):
    first = pd.read_parquet(runs["outs"]["first"] / "entries.parquet")
    rerun = pd.read_parquet(runs["outs"]["rerun"] / "entries.parquet")
    columns = ["entry_id", "content_hash", "anomaly_score", "rule_ids"]
    kept = [frame.loc[frame["town"] == "白沙乡", columns].reset_index(drop=True)
            for frame in (first, rerun)]
    pd.testing.assert_frame_equal(*kept)
    gone = set(first["entry_id"]) - set(rerun["entry_id"])
    assert len(gone) == 1 and first.set_index("entry_id").at[gone.pop(), "village"] == "坳山村"
    printed = runs["rerun"][1]
    assert "重新读取 1 个文件" in printed and "重新计算的乡镇：青石镇。" in printed
    assert "坳山村疑点分录变化：新增" in printed and "本次运行的疑点（件）：新增" in printed
    review = _record(runs["outs"]["rerun"])["review"]
    assert review["unchanged"] > 0 and review["new"] + review["resolved"] + review["changed"] > 0


def test_the_voucher_the_correction_unbalanced_is_reported_as_new(runs):
    """The deleted line leaves its voucher unbalanced: a stated rule's breach, which reaches
    the findings whatever the review budget, and the rerun reports it as new."""
    first = pd.read_parquet(runs["outs"]["first"] / "entries.parquet")
    rerun = pd.read_parquet(runs["outs"]["rerun"] / "entries.parquet")
    gone = first[~first["entry_id"].isin(rerun["entry_id"])].iloc[0]
    same_voucher = ((rerun["village"] == gone["village"]) & (rerun["period"] == gone["period"])
                    & (rerun["voucher_no"] == gone["voucher_no"]))
    left = rerun[same_voucher]
    assert len(left) > 0
    assert left["rule_ids"].map(lambda ids: "voucher.balance" in ids).all()
    assert left["flagged"].all()
    before = first[first["entry_id"].isin(left["entry_id"])]
    assert not before["rule_ids"].map(lambda ids: "voucher.balance" in ids).any()


def test_cases_of_the_unchanged_town_keep_their_ids(runs):
    first, rerun = (pd.read_parquet(runs["outs"][name] / "findings.parquet")
                    for name in ("first", "rerun"))
    kept = [frame.loc[frame["town"] == "白沙乡", ["case_id", "entry_ids"]]
            .sort_values("case_id").reset_index(drop=True) for frame in (first, rerun)]
    assert len(kept[0]) > 0
    pd.testing.assert_frame_equal(*kept)


def test_a_deleted_parts_store_is_rebuilt_with_the_same_results(runs):
    assert runs["afresh"][0] == EXIT_OK
    afresh = _record(runs["outs"]["afresh"])
    assert len(afresh["partitions"]["files_read"]) == SAMPLE_FILES
    assert "重新计算的乡镇：白沙乡、青石镇。" in runs["afresh"][1]
    expected = pd.read_parquet(runs["outs"]["rerun"] / "entries.parquet")
    pd.testing.assert_frame_equal(
        pd.read_parquet(runs["outs"]["afresh"] / "entries.parquet"), expected)


def test_the_rerun_runs_tasks_only_for_what_changed(runs):
    """Unchanged files' and towns' parts are taken from the store without a task run. A town's
    report is redone when the county's review budget now flags other entries of it."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    record = _record(runs["outs"]["rerun"])
    with get_client(sync_client=True) as client:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[record["run_id"]])))
    names = {task.name for task in tasks}
    assert {name for name in names if name.split()[0] in {"ingest", "check", "score"}} == {
        f"ingest {CORRECTED}", "check 青石镇", "score 青石镇"}
    reported = {f"report {town['town']}" for town in record["partitions"]["towns"]
                if town["reported"] == "本次计算"}
    assert "report 青石镇" in reported
    assert {name for name in names if name.startswith("report ")} == reported
