"""The inbox without Prefect: content hashes decide what is new; archiving never overwrites."""

import hashlib
import json
import os
from datetime import date, datetime
from pathlib import Path

import pytest

from flows.inbox import (
    BEIJING,
    Contents,
    InboxBusy,
    InboxFile,
    Manifest,
    SettlingFile,
    archive_file,
    archive_path,
    failed_paths,
    find_in_archive,
    inbox_lock,
    load_manifest,
    record_run,
    rerun_inputs,
    save_manifest,
    scan_inbox,
    with_archived,
)
from flows.parts import DIGESTS_FILE, file_digest

LEDGER = "凭证日期,凭证号,摘要\n2024-01-05,记-1,购买办公用品\n".encode()
OTHER_LEDGER = "凭证日期,凭证号,摘要\n2024-01-06,记-2,支付电费\n".encode()
DAY = date(2024, 3, 1)
AT = datetime(2024, 3, 1, 2, 0, tzinfo=BEIJING)


def _drop(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _audited(*contents: bytes) -> Manifest:
    return Manifest(audited={hashlib.sha256(content).hexdigest(): {} for content in contents})


def test_file_hash_is_the_sha256_of_its_bytes(tmp_path):
    path = _drop(tmp_path, "a.csv", LEDGER)
    assert file_digest(path) == hashlib.sha256(LEDGER).hexdigest()


def test_new_content_is_new_and_audited_content_is_known_whatever_the_name(tmp_path):
    _drop(tmp_path, "白沙乡_2024.csv", LEDGER)
    _drop(tmp_path, "改了名字.csv", LEDGER)
    _drop(tmp_path, "sub/新的.csv", OTHER_LEDGER)
    _drop(tmp_path, "说明.txt", b"not a ledger")

    scan = scan_inbox(tmp_path, _audited(LEDGER))

    assert [item.path.name for item in scan.new] == ["新的.csv"]
    assert sorted(item.path.name for item in scan.known) == ["改了名字.csv", "白沙乡_2024.csv"]
    assert scan.new[0].sha256 == hashlib.sha256(OTHER_LEDGER).hexdigest()
    assert scan.new[0].size == len(OTHER_LEDGER)


def test_changed_bytes_under_an_audited_name_are_new(tmp_path):
    _drop(tmp_path, "白沙乡_2024.csv", OTHER_LEDGER)
    scan = scan_inbox(tmp_path, _audited(LEDGER))
    assert [item.path.name for item in scan.new] == ["白沙乡_2024.csv"]
    assert scan.known == []


def test_same_new_bytes_twice_are_audited_once(tmp_path):
    _drop(tmp_path, "a.csv", LEDGER)
    _drop(tmp_path, "b.csv", LEDGER)
    scan = scan_inbox(tmp_path, Manifest())
    assert [item.path.name for item in scan.new] == ["a.csv"]
    assert [item.path.name for item in scan.duplicates] == ["b.csv"]


def test_files_still_being_copied_wait_for_the_next_run(tmp_path):
    fresh = _drop(tmp_path, "fresh.csv", LEDGER)
    settled = _drop(tmp_path, "settled.csv", OTHER_LEDGER)
    now = fresh.stat().st_mtime + 10
    os.utime(settled, (now - 3600, now - 3600))
    scan = scan_inbox(tmp_path, Manifest(), settle_seconds=60, now=now)
    assert scan.settling == [SettlingFile(fresh, 50.0)]  # named with the time it has left
    assert [item.path.name for item in scan.new] == ["settled.csv"]
    taken_now = scan_inbox(tmp_path, Manifest(), settle_seconds=0, now=now)
    assert taken_now.settling == [] and len(taken_now.new) == 2


def test_archive_inside_the_inbox_is_not_scanned(tmp_path):
    _drop(tmp_path, "archive/2024-03-01/abcd1234_old.csv", LEDGER)
    scan = scan_inbox(tmp_path, Manifest(), exclude=tmp_path / "archive")
    assert scan.new == [] and scan.known == []


def test_content_that_failed_before_is_not_retried_unless_asked(tmp_path):
    _drop(tmp_path, "坏文件.csv", LEDGER)
    manifest = Manifest(failed={hashlib.sha256(LEDGER).hexdigest(): {"error": "无表头"}})
    assert [item.path.name for item in scan_inbox(tmp_path, manifest).failed_before] == [
        "坏文件.csv"
    ]
    assert [item.path.name for item in scan_inbox(tmp_path, manifest, retry_failed=True).new] == [
        "坏文件.csv"
    ]


def test_missing_inbox_is_an_error_in_chinese(tmp_path):
    with pytest.raises(FileNotFoundError, match="收件箱文件夹不存在"):
        scan_inbox(tmp_path / "nowhere", Manifest())


def test_record_run_marks_read_files_audited_and_unreadable_ones_failed(tmp_path):
    good = InboxFile(tmp_path / "good.csv", "a" * 64, 10)
    bad = InboxFile(tmp_path / "bad.csv", "b" * 64, 5)
    before = Manifest(failed={"a" * 64: {"error": "上次读取失败"}})
    reports = [
        {"file": "good.csv", "rows_read": 3},
        {"file": "bad.csv", "path": str(bad.path), "error": "找不到表头"},
    ]

    after = record_run(
        before, [good, bad], errors=failed_paths(reports), run_id="run-1", out_dir="/out/1", at=AT
    )

    assert after.audited["a" * 64] == {
        "file": "good.csv", "size": 10, "run_id": "run-1", "at": "2024-03-01T02:00:00+08:00",
        "out_dir": "/out/1", "inbox": str(good.path), "modified": "",
    }
    assert "a" * 64 not in after.failed
    assert after.failed["b" * 64]["error"] == "找不到表头"
    assert "b" * 64 not in after.audited
    assert before.failed == {"a" * 64: {"error": "上次读取失败"}}  # the input is not mutated


def test_manifest_round_trips_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "inbox" / "manifest.json"
    manifest = Manifest(audited={"c" * 64: {"file": "村账.csv"}}, failed={})
    save_manifest(manifest, path)
    save_manifest(manifest, path)
    assert load_manifest(path) == manifest
    assert [child.name for child in path.parent.iterdir()] == ["manifest.json"]
    assert "村账.csv" in path.read_text(encoding="utf-8")


def test_missing_manifest_is_empty_and_a_corrupt_one_is_refused(tmp_path):
    assert load_manifest(tmp_path / "none.json") == Manifest()
    corrupt = tmp_path / "manifest.json"
    corrupt.write_text('{"version": 1, "audited": {', encoding="utf-8")
    with pytest.raises(ValueError, match="已损坏"):
        load_manifest(corrupt)
    corrupt.write_text(json.dumps({"version": 99}), encoding="utf-8")
    with pytest.raises(ValueError, match="格式"):
        load_manifest(corrupt)


def test_archiving_moves_the_file_under_its_day_and_hash_keeping_its_name(tmp_path):
    path = _drop(tmp_path / "inbox", "白沙乡_2024.csv", LEDGER)
    item = InboxFile(path, file_digest(path), len(LEDGER))
    target = archive_file(item, tmp_path / "archive", DAY)
    assert target == tmp_path / "archive" / "2024-03-01" / item.sha256[:8] / "白沙乡_2024.csv"
    assert target.read_bytes() == LEDGER
    assert not path.exists()


def test_archiving_never_overwrites(tmp_path):
    archive = tmp_path / "archive"
    first = _drop(tmp_path / "inbox", "a.csv", LEDGER)
    item = InboxFile(first, file_digest(first), len(LEDGER))
    occupied = archive_path(archive, item, DAY)
    occupied.parent.mkdir(parents=True)
    occupied.write_bytes(b"already here")

    target = archive_file(item, archive, DAY)

    assert target == occupied.with_name(f"{occupied.stem}_2.csv")
    assert (target.parent.name, target.name) == (item.sha256[:8], "a_2.csv")
    assert occupied.read_bytes() == b"already here"
    assert target.read_bytes() == LEDGER


def test_a_file_changed_since_it_was_hashed_stays_in_the_inbox(tmp_path):
    path = _drop(tmp_path / "inbox", "a.csv", LEDGER)
    item = InboxFile(path, file_digest(path), len(LEDGER))
    path.write_bytes(OTHER_LEDGER)
    assert archive_file(item, tmp_path / "archive", DAY) is None
    assert path.read_bytes() == OTHER_LEDGER
    assert not (tmp_path / "archive").exists()


def test_a_second_holder_of_the_inbox_is_refused(tmp_path):
    manifest = tmp_path / "manifest.json"
    with inbox_lock(manifest), pytest.raises(InboxBusy, match="另一个夜间审计"), inbox_lock(
        manifest
    ):
        pass
    with inbox_lock(manifest):  # released after the first holder finished
        pass


def test_a_scan_with_the_parts_store_records_the_digests_the_audit_looks_up(tmp_path):
    path = _drop(tmp_path, "白沙乡_2024.csv", LEDGER)
    parts_dir = tmp_path / "parts"
    scan = scan_inbox(tmp_path, Manifest(), exclude=parts_dir, parts_dir=parts_dir)
    assert [item.sha256 for item in scan.new] == [hashlib.sha256(LEDGER).hexdigest()]
    record = json.loads((parts_dir / DIGESTS_FILE).read_text(encoding="utf-8"))
    assert record[str(path.resolve())]["digest"] == scan.new[0].sha256


def _delivery(manifest: Manifest, path: Path, cells: list[tuple[str, str, str]],
              at: datetime) -> Manifest:
    item = InboxFile(path, file_digest(path), path.stat().st_size, "2024-01-01T00:00:00")
    return record_run(manifest, [item], errors={}, run_id="r", out_dir="/out", at=at,
                      contents={item.sha256: Contents("ledger", tuple(cells), item.modified)})


def test_the_manifest_keeps_what_each_delivery_holds_and_where_it_is_archived(tmp_path):
    path = _drop(tmp_path / "inbox", "坳山村.csv", LEDGER)
    manifest = _delivery(Manifest(), path, [("青石镇", "坳山村", "2024-01")], AT)
    sha256 = file_digest(path)
    manifest = with_archived(manifest, {sha256: "/archive/2024-03-01/x/坳山村.csv"})
    save_manifest(manifest, tmp_path / "manifest.json")
    [delivery] = load_manifest(tmp_path / "manifest.json").deliveries()
    assert delivery.cells == (("青石镇", "坳山村", "2024-01"),) and delivery.kind == "ledger"
    assert delivery.archived == "/archive/2024-03-01/x/坳山村.csv"
    assert delivery.arrived == "2024-03-01T02:00:00+08:00"


def test_a_version_1_manifest_is_read_its_deliveries_contents_unknown(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"version": 1, "audited": {"c" * 64: {"file": "旧.csv"}},
                                "failed": {}}), encoding="utf-8")
    [delivery] = load_manifest(path).deliveries()
    assert delivery.file == "旧.csv" and delivery.cells is None


def test_an_archived_copy_is_found_by_its_content_in_either_layout(tmp_path):
    archive = tmp_path / "archive"
    old = _drop(archive, f"2024-02-01/{hashlib.sha256(LEDGER).hexdigest()[:8]}_旧名.csv", LEDGER)
    assert find_in_archive(archive, hashlib.sha256(LEDGER).hexdigest()) == old
    new = _drop(archive, f"2024-03-01/{hashlib.sha256(OTHER_LEDGER).hexdigest()[:8]}/新.csv",
                OTHER_LEDGER)
    assert find_in_archive(archive, hashlib.sha256(OTHER_LEDGER).hexdigest()) == new
    assert find_in_archive(archive, "0" * 64) is None


def _no_run() -> None:
    raise AssertionError("the last run's inputs are not asked for while there are books")


def test_a_rerun_reads_the_current_books_found_by_content_where_they_moved(tmp_path):
    archive = tmp_path / "archive"
    earlier = _drop(tmp_path / "inbox", "坳山村_2024.csv", LEDGER)
    manifest = _delivery(Manifest(), earlier, [("青石镇", "坳山村", "2024-01")], AT)
    later = _drop(tmp_path / "inbox", "坳山村_2024_更正.csv", OTHER_LEDGER)
    manifest = _delivery(manifest, later, [("青石镇", "坳山村", "2024-01")],
                         AT.replace(day=2))
    moved = _drop(archive, f"2024-03-02/{file_digest(later)[:8]}/坳山村_2024_更正.csv",
                  OTHER_LEDGER)
    manifest = with_archived(manifest, {file_digest(later): str(tmp_path / "gone.csv")})
    inputs, source = rerun_inputs(None, manifest=manifest, archive_dir=archive,
                                  parts_dir=None, last_inputs=_no_run)
    assert (inputs, source) == ([str(moved)], "books")  # the superseded delivery is not read
    moved.unlink()
    with pytest.raises(FileNotFoundError, match=r"现行账套的文件不见了.*gone\.csv"):
        rerun_inputs(None, manifest=manifest, archive_dir=archive, parts_dir=None,
                     last_inputs=_no_run)


def test_a_moved_input_is_found_in_the_archive_and_a_gone_one_is_named(tmp_path):
    """The issue's failure: the last run read inbox/林溪村_2024.csv, which the nightly run
    has since moved to the archive."""
    archive, parts_dir = tmp_path / "archive", tmp_path / "parts"
    path = _drop(tmp_path / "inbox", "林溪村_2024.csv", LEDGER)
    scan_inbox(tmp_path / "inbox", Manifest(), parts_dir=parts_dir)  # records its digest
    copy = archive / "2024-03-01" / file_digest(path)[:8] / path.name
    copy.parent.mkdir(parents=True)
    path.rename(copy)
    located = rerun_inputs(None, manifest=Manifest(), archive_dir=archive,
                           parts_dir=parts_dir, last_inputs=lambda: [str(path)])
    assert located == ([str(copy)], "last run")
    with pytest.raises(FileNotFoundError, match=r"找不到同样内容的文件：.*不存在\.csv"):
        rerun_inputs([str(tmp_path / "不存在.csv")], manifest=Manifest(), archive_dir=archive,
                     parts_dir=parts_dir, last_inputs=_no_run)
    with pytest.raises(ValueError, match="还没有审计记录"):
        rerun_inputs(None, manifest=Manifest(), archive_dir=archive, parts_dir=None,
                     last_inputs=lambda: None)
