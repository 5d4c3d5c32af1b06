"""Corrections through the inbox (issue 29): a nightly run, a corrected export dropped in the
inbox, the next nightly run as a rerun of its town reporting only that village's changes, the
superseded delivery kept in the archive and listed by `books`, then `rerun --village` and the
served rerun deployment on the current books — after the archive was reorganised, too."""

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.cli import EXIT_OK, EXIT_USAGE, main
from flows.inbox import load_manifest

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
# two towns' books and one 三资 register: enough for "the other town comes from the cache"
DELIVERED = ["青石镇_坳山村_2023.csv", "青石镇_坳山村_2024.csv", "青石镇_王垭村_2024.xlsx",
             "白沙乡_田沟村_2024.csv", "青石镇_坳山村_合同台账.xlsx"]
CORRECTED = "青石镇_坳山村_2024.csv"
pytestmark = pytest.mark.prefect


def _cli(*argv: str) -> tuple[int, str, str]:
    printed, warned = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(warned):
        code = main(list(argv))
    return code, printed.getvalue(), warned.getvalue()


def _record(out_dir: str | Path) -> dict:
    return json.loads((Path(out_dir) / "run.json").read_text(encoding="utf-8"))


def _serve_and_rerun(data_dir: Path, root: Path, parameters: dict) -> object:
    """The served deployments (`sanzi-audit serve`'s), the rerun triggered with ``parameters``."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    def served_archive(client: object) -> str | None:
        try:
            return client.read_deployment_by_name("sanzi-rerun/rerun").parameters.get("archive")
        except ObjectNotFound:
            return None

    serve = ("import sys; from flows.nightly import serve_nightly; "
             "serve_nightly(inbox=sys.argv[1], out_root=sys.argv[2], archive=sys.argv[3])")
    environment = os.environ | {"PREFECT_API_URL": PREFECT_API_URL.value(),
                                "SANZI_DATA_DIR": str(data_dir)}
    with (root / "runner.log").open("wb") as log:
        runner = subprocess.Popen(
            [sys.executable, "-c", serve, str(root / "inbox"), str(root / "runs"),
             str(root / "archive")],
            env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        with get_client(sync_client=True) as client:
            while served_archive(client) != str((root / "archive").resolve()):
                assert runner.poll() is None and time.monotonic() < deadline, (
                    root / "runner.log").read_text(encoding="utf-8", errors="replace")
                time.sleep(0.5)
        return run_deployment("sanzi-rerun/rerun", parameters=parameters, timeout=240)
    finally:
        runner.terminate()
        try:
            runner.wait(timeout=20)
        except subprocess.TimeoutExpired:
            runner.kill()
            runner.wait()


@pytest.fixture(scope="module")
def county(prefect_harness, tmp_path_factory):
    patch = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("county")
    data_dir = root / "data"
    patch.setenv("SANZI_DATA_DIR", str(data_dir))
    inbox, archive = root / "inbox", root / "archive"
    inbox.mkdir()
    for name in DELIVERED:
        shutil.copy(SAMPLE / name, inbox / name)
    nightly = ["nightly", "--inbox", str(inbox), "--out", str(root / "runs"),
               "--archive", str(archive)]
    first = _cli(*nightly, "--now")
    lines = (SAMPLE / CORRECTED).read_bytes().split(b"\n")
    del lines[20]  # the agency deleted a line booked by mistake
    (inbox / CORRECTED).write_bytes(b"\n".join(lines))
    held_back = _cli(*nightly)  # just written: held back, named with the time left
    second = _cli(*nightly, "--now")
    books = _cli("books")
    manifest = load_manifest(data_dir / "inbox" / "manifest.json")
    # someone tidies the archive: every day's folder moves one level down
    tidied = archive / "2024年以前整理"
    tidied.mkdir()
    for day in [path for path in archive.iterdir() if path != tidied]:
        day.rename(tidied / day.name)
    rerun = _cli("rerun", "--village", "坳山村", "--archive", str(archive),
                 "--out", str(root / "rerun"))
    deployed = _serve_and_rerun(data_dir, root, {"villages": ["坳山村"],
                                                 "out_dir": str(root / "deployed")})
    yield {"root": root, "first": first, "held_back": held_back, "second": second,
           "books": books, "manifest": manifest, "rerun": rerun, "deployed": deployed,
           "archive": archive}
    patch.undo()


def test_the_first_night_audits_the_deliveries_and_records_what_each_holds(county):
    code, printed, _ = county["first"]
    assert code == EXIT_OK and f"审计了 {len(DELIVERED)} 个新文件" in printed
    deliveries = county["manifest"].deliveries()
    register = next(delivery for delivery in deliveries if delivery.file.endswith("合同台账.xlsx"))
    assert register.kind == "contracts" and register.cells == (("青石镇", "坳山村", "contracts"),)
    assert all(delivery.cells for delivery in deliveries)


def test_a_file_still_being_copied_is_named_with_its_time_left(county):
    code, printed, _ = county["held_back"]
    assert code == EXIT_OK and "本次未审计" in printed
    assert ("修改不到 60 秒、可能仍在复制的文件，留到下次（已复制完的可用 nightly --now "
            f"或部署参数 now=true 立即审计）：{CORRECTED}：还需等 ") in printed


def test_the_correction_is_a_rerun_of_its_town_reporting_only_that_village(county):
    code, printed, _ = county["second"]
    assert code == EXIT_OK, printed
    assert "审计了 1 个新文件（连同现行账套的 5 个文件" in printed
    assert "更正：青石镇坳山村 账套 2024-01～2024-12（12 个期间）" in printed
    assert "坳山村疑点分录变化：新增" in printed
    [night_two] = [path for path in (county["root"] / "runs").iterdir()
                   if _record(path)["partitions"]["files_read"] == [CORRECTED]]
    record = _record(night_two)
    towns = {town["town"]: (town["checked"], town["scored"])
             for town in record["partitions"]["towns"]}
    assert towns == {"白沙乡": ("沿用缓存", "沿用缓存"), "青石镇": ("本次计算", "本次计算")}
    assert record["model"]["reused"]
    # the earlier export, read from the cache, gives up its periods to the correction
    assert sorted(report["file"] for report in record["files"]) == sorted([*DELIVERED,
                                                                           CORRECTED])
    assert [report["skipped_reasons"].get("superseded", 0) > 0 for report in record["files"]
            if report["file"] == CORRECTED].count(True) == 1


def test_the_nights_report_says_what_changed_for_the_corrected_village_only(county):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["sanzi-nightly"])))
    reports = [artifact.data for artifact in artifacts if "更正（" in artifact.data]
    assert reports, "no night reported a correction"
    report = reports[-1]
    assert "## 送来的村（坳山村）疑点分录变化" in report
    table = [line for line in report.splitlines() if line.startswith("| 青石镇 |")
             or line.startswith("| 白沙乡 |")]
    assert table and all(line.startswith("| 青石镇 | 坳山村 |") for line in table)


def test_the_superseded_delivery_is_kept_and_listed_in_the_books(county):
    copies = list(county["archive"].rglob(CORRECTED))
    assert len(copies) == 2 and copies[0].read_bytes() != copies[1].read_bytes()
    code, printed, _ = county["books"]
    assert code == EXIT_OK
    assert "个村，6 次交付，其中 1 次的部分或全部内容已被后来的交付取代" in printed
    village = printed.split("青石镇 坳山村\n")[1].split("青石镇 王垭村")[0]
    assert "账套 2023-01～2023-12（12 个期间）：青石镇_坳山村_2023.csv" in village
    assert "合同台账：青石镇_坳山村_合同台账.xlsx" in village
    assert (f"此前的交付：{CORRECTED}（" in village
            and f"的账套 2024-01～2024-12（12 个期间）已被{CORRECTED}（" in village)


def test_rerun_audits_the_current_books_found_where_they_moved(county):
    code, printed, warned = county["rerun"]
    assert code == EXIT_OK, warned
    assert "审计现行账套（5 项）" in printed and "重新读取 0 个文件" in printed
    assert "坳山村疑点分录变化：" in printed
    inputs = _record(county["root"] / "rerun")["inputs"]
    assert all("2024年以前整理" in path for path in inputs)


def test_the_rerun_deployment_audits_the_current_books(county):
    deployed = county["deployed"]
    assert deployed.state.is_completed(), deployed.state
    record = _record(county["root"] / "deployed")
    assert len(record["inputs"]) == 5 and record["model"]["reused"]


def test_a_file_of_the_books_truly_gone_is_one_line_naming_it(county):
    [corrected] = [path for path in county["archive"].rglob(CORRECTED)
                   if (SAMPLE / CORRECTED).read_bytes() != path.read_bytes()]
    corrected.unlink()
    code, printed, warned = _cli("rerun", "--village", "坳山村", "--archive",
                                 str(county["archive"]))
    assert code == EXIT_USAGE and printed == ""
    assert len(warned.splitlines()) == 1
    assert warned.startswith("错误：现行账套的文件不见了") and CORRECTED in warned
