"""The nightly flow under Prefect: new content is audited once, then archived; the deployment
carries its cron schedule and time zone."""

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from flows.inbox import BEIJING, InboxFile, InboxScan, Manifest, SettlingFile, load_manifest
from flows.nightly import (
    DEFAULT_CRON,
    DEFAULT_TIMEZONE,
    NIGHTLY_ARTIFACT_KEY,
    nightly_audit,
    nightly_deployment,
    nightly_markdown,
    nightly_report,
    nightly_schedule,
    processed_files,
    run_directory,
)

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
SAMPLE_FILES = ["青石镇_坳山村_2023.csv", "青石镇_王垭村_2023.xlsx"]


def _audit_flow_runs() -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        return len(
            client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["sanzi-audit"])))
        )


def _nightly_artifact() -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[NIGHTLY_ARTIFACT_KEY])),
        )
    return max(artifacts, key=lambda artifact: artifact.created).data


@pytest.fixture(scope="module")
def nights(prefect_harness, tmp_path_factory):
    """Night 1 audits two sample files and a broken one; night 2 finds only a renamed copy."""
    root = tmp_path_factory.mktemp("nightly")
    inbox, out_root, archive = root / "inbox", root / "runs", root / "archive"
    inbox.mkdir()
    for name in SAMPLE_FILES:
        shutil.copy(SAMPLE / name, inbox / name)
    (inbox / "不是账.csv").write_text("随便写的\n没有表头\n", encoding="utf-8")
    arguments = {
        "inbox": str(inbox), "out_root": str(out_root), "archive": str(archive),
        "manifest": str(root / "manifest.json"), "settle_seconds": 0,
    }

    first = nightly_audit(**arguments)
    first_artifact = _nightly_artifact()
    audit_runs_after_first = _audit_flow_runs()
    shutil.copy(SAMPLE / SAMPLE_FILES[0], inbox / "重新导出_坳山村.csv")
    second = nightly_audit(**arguments)
    return {
        "root": root, "inbox": inbox, "out_root": out_root, "archive": archive,
        "first": first, "first_artifact": first_artifact, "second": second,
        "second_artifact": _nightly_artifact(),
        "audit_runs": (audit_runs_after_first, _audit_flow_runs()),
    }


@pytest.mark.prefect
def test_first_night_audits_the_new_files_into_a_timestamped_folder(nights):
    first = nights["first"]
    assert first["status"] == "audited"
    assert sorted(Path(path).name for path in first["new"]) == sorted([*SAMPLE_FILES, "不是账.csv"])
    out_dir = Path(first["out_dir"])
    assert out_dir.parent == nights["out_root"]
    record = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    assert record["run_id"] == first["run_id"]
    assert record["totals"]["loaded"] > 0
    assert "# 夜间审计：审计了 3 个新文件" in nights["first_artifact"]


@pytest.mark.prefect
def test_first_night_archives_read_files_and_keeps_the_unreadable_one(nights):
    inbox, archive = nights["inbox"], nights["archive"]
    archived = sorted(Path(path).name for path in nights["first"]["archived"])
    assert archived == sorted(SAMPLE_FILES)
    for path in nights["first"]["archived"]:
        assert Path(path).is_relative_to(archive) and Path(path).is_file()
    assert [Path(path).name for path in nights["first"]["unreadable"]] == ["不是账.csv"]
    assert (inbox / "不是账.csv").exists()
    manifest = load_manifest(nights["root"] / "manifest.json")
    assert sorted(entry["file"] for entry in manifest.audited.values()) == sorted(SAMPLE_FILES)
    assert [entry["file"] for entry in manifest.failed.values()] == ["不是账.csv"]
    assert {entry["run_id"] for entry in manifest.audited.values()} == {nights["first"]["run_id"]}


@pytest.mark.prefect
def test_second_night_with_nothing_new_does_no_audit_work(nights):
    second = nights["second"]
    assert second["status"] == "no-new-files"
    assert second["run_id"] is None and second["new"] == []
    before, after = nights["audit_runs"]
    assert after == before >= 1
    assert [path.name for path in nights["out_root"].iterdir()] == [
        Path(nights["first"]["out_dir"]).name
    ]
    assert "无新文件" in nights["second_artifact"]
    # the renamed copy of audited bytes is archived, the unreadable file is left alone
    assert [Path(path).name for path in second["known"]] == ["重新导出_坳山村.csv"]
    assert [Path(path).name for path in second["failed_before"]] == ["不是账.csv"]
    assert sorted(path.name for path in nights["inbox"].iterdir()) == ["不是账.csv"]


@pytest.mark.prefect
def test_deployment_carries_the_schedule_time_zone_and_paths(prefect_harness, tmp_path):
    from prefect.client.orchestration import get_client

    config = tmp_path / "county.yaml"
    config.write_text("county: 测试县\n", encoding="utf-8")
    deployment = nightly_deployment(
        inbox=tmp_path / "inbox", out_root=tmp_path / "runs", config=config,
        cron="30 1 * * *", timezone="Asia/Shanghai",
    )
    deployment.apply()

    with get_client(sync_client=True) as client:
        stored = client.read_deployment_by_name("sanzi-nightly/nightly")
    assert [schedule.schedule.cron for schedule in stored.schedules] == ["30 1 * * *"]
    assert [schedule.schedule.timezone for schedule in stored.schedules] == ["Asia/Shanghai"]
    assert stored.parameters == {
        "inbox": str((tmp_path / "inbox").resolve()),
        "out_root": str((tmp_path / "runs").resolve()),
        "config": str(config.resolve()),
    }
    assert stored.entrypoint == "flows.nightly.nightly_audit"
    assert stored.global_concurrency_limit.limit == 1


@pytest.mark.prefect
def test_a_triggered_run_of_the_served_deployment_audits_the_inbox(prefect_harness, tmp_path):
    """The real path: a runner serves the deployment; run_deployment triggers it (~30 s)."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL

    inbox, out_root, archive = tmp_path / "inbox", tmp_path / "runs", tmp_path / "archive"
    inbox.mkdir()
    shutil.copy(SAMPLE / SAMPLE_FILES[0], inbox / SAMPLE_FILES[0])
    serve = (
        "import sys; from flows.nightly import serve_nightly; "
        "serve_nightly(inbox=sys.argv[1], out_root=sys.argv[2], archive=sys.argv[3])"
    )
    environment = os.environ | {
        "PREFECT_API_URL": PREFECT_API_URL.value(), "SANZI_DATA_DIR": str(tmp_path / "data"),
    }
    with (tmp_path / "runner.log").open("wb") as log:
        runner = subprocess.Popen(
            [sys.executable, "-c", serve, str(inbox), str(out_root), str(archive)],
            env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        with get_client(sync_client=True) as client:
            while client.read_deployment_by_name("sanzi-nightly/nightly").parameters.get(
                "inbox"
            ) != str(inbox.resolve()):
                assert runner.poll() is None and time.monotonic() < deadline, (
                    tmp_path / "runner.log"
                ).read_text(encoding="utf-8", errors="replace")
                time.sleep(0.5)
        flow_run = run_deployment(
            "sanzi-nightly/nightly", parameters={"settle_seconds": 0}, timeout=180
        )
        # the on-demand rerun is served beside it, run with parameters
        rerun = run_deployment(
            "sanzi-rerun/rerun", timeout=180, parameters={
                "villages": ["坳山村"], "inputs": [str(archive)],
                "out_dir": str(tmp_path / "rerun")},
        )
    finally:
        runner.terminate()
        try:
            runner.wait(timeout=20)
        except subprocess.TimeoutExpired:
            runner.kill()
            runner.wait()

    assert flow_run.state.is_completed(), flow_run.state
    [out_dir] = list(out_root.iterdir())
    assert json.loads((out_dir / "run.json").read_text(encoding="utf-8"))["totals"]["loaded"] > 0
    assert list(inbox.iterdir()) == []
    assert [path.name for path in archive.rglob("*.csv")] == [SAMPLE_FILES[0]]
    assert rerun.state.is_completed(), rerun.state
    reran = json.loads((tmp_path / "rerun" / "run.json").read_text(encoding="utf-8"))
    assert reran["model"]["reused"] and reran["partitions"]["towns"][0]["villages"] == ["坳山村"]


def test_default_schedule_is_two_in_the_morning_beijing_time(tmp_path):
    deployment = nightly_deployment(inbox=tmp_path, out_root=tmp_path)
    assert DEFAULT_CRON == "0 2 * * *" and DEFAULT_TIMEZONE == "Asia/Shanghai"
    assert [(item.schedule.cron, item.schedule.timezone) for item in deployment.schedules] == [
        ("0 2 * * *", "Asia/Shanghai")
    ]


def test_a_wrong_cron_or_time_zone_is_refused_in_chinese():
    assert nightly_schedule("15 3 * * 1", "Asia/Urumqi").cron == "15 3 * * 1"
    with pytest.raises(ValueError, match="cron 表达式"):
        nightly_schedule("0 2 * *")
    with pytest.raises(ValueError, match="时区"):
        nightly_schedule("0 2 * * *", "Beijing")


def test_a_missing_parameters_file_is_refused_before_deploying(tmp_path):
    with pytest.raises(ValueError, match="参数文件不存在"):
        nightly_deployment(inbox=tmp_path, out_root=tmp_path, config=tmp_path / "none.yaml")


def test_run_directories_are_named_by_beijing_time_and_never_reused(tmp_path):
    started = datetime(2024, 3, 1, 2, 0, 5, tzinfo=BEIJING)
    assert run_directory(tmp_path, started).name == "2024-03-01_020005"
    assert run_directory(tmp_path, started).name == "2024-03-01_020005_2"


def test_only_files_whose_content_is_audited_are_archived(tmp_path):
    read = InboxFile(tmp_path / "a.csv", "a" * 64, 1)
    copy_of_read = InboxFile(tmp_path / "a2.csv", "a" * 64, 1)
    unreadable = InboxFile(tmp_path / "b.csv", "b" * 64, 1)
    scan = InboxScan(new=[read, unreadable], duplicates=[copy_of_read])
    manifest = Manifest(audited={"a" * 64: {}}, failed={"b" * 64: {}})
    assert processed_files(scan, manifest) == [read, copy_of_read]


def test_report_of_an_empty_night_names_the_files_held_back_with_their_time_left(tmp_path):
    report = nightly_report(InboxScan(settling=[SettlingFile(tmp_path / "正在复制.csv", 41.6)]),
                            None, {}, {})
    markdown = nightly_markdown(report)
    assert markdown.startswith("# 夜间审计：无新文件")
    assert report["status"] == "no-new-files"
    assert ("## 修改不到 60 秒、可能仍在复制的文件，留到下次（已复制完的可用 nightly --now "
            "或部署参数 now=true 立即审计）\n\n- 正在复制.csv：还需等 42 秒") in markdown
