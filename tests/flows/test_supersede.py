"""The same books delivered twice (docs/reading-exports.md 同一份账交了两次): a village-period
is loaded from one file."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from checks.params import load_params
from flows import pipeline
from flows.ingest import ReadOptions
from flows.parts import file_digest, read_part
from flows.supersede import Delivery, Holding, current_books, supersession

PARAMS = load_params()
HEADER = "乡镇,单位名称,凭证日期,凭证号,摘要,科目编码,借方金额,贷方金额"


def test_the_later_file_keeps_each_shared_period_and_the_other_periods_stay() -> None:
    old = Holding("old.csv", "2024-01-01T00:00:00", {
        ("青石镇", "下坝村", "2023-01"): 4, ("青石镇", "下坝村", "2023-02"): 6})
    new = Holding("new.csv", "2024-02-01T00:00:00", {("青石镇", "下坝村", "2023-02"): 8})
    other = Holding("other.csv", "2023-01-01T00:00:00", {("青石镇", "上坝村", "2023-02"): 2})
    decided = supersession([new, old, other])
    assert decided.dropped == {1: {("青石镇", "下坝村", "2023-02"): "new.csv"}}
    report = decided.report_of(1, old, {"loaded": 10, "skipped": 1,
                                        "skipped_reasons": {"subtotal": 1}})
    assert (report["loaded"], report["skipped"]) == (4, 7)
    assert report["skipped_reasons"] == {"subtotal": 1, "superseded": 6}
    assert report["superseded_by"] == [
        "青石镇下坝村 2023-02 共 6 行被较新的文件「new.csv」取代，未载入"]


def test_files_modified_at_the_same_moment_keep_the_later_in_input_order() -> None:
    cell = ("青石镇", "下坝村", "2023-01")
    first, second = Holding("a.csv", "t", {cell: 1}), Holding("b.csv", "t", {cell: 1})
    assert supersession([first, second]).dropped == {0: {cell: "b.csv"}}


def _export(path: Path, rows: list[str], modified: float) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    os.utime(path, (modified, modified))
    return path


def test_a_corrected_export_beside_the_old_one_is_loaded_once(tmp_path: Path) -> None:
    january = ["青石镇,下坝村,2023-01-05,1,付款,541,100,",
               "青石镇,下坝村,2023-01-05,1,付款,102,,100"]
    old = _export(tmp_path / "下坝村_旧.csv", [
        *january,
        "青石镇,下坝村,2023-02-03,2,付款,541,200,", "青石镇,下坝村,2023-02-03,2,付款,102,,200",
    ], modified=1_700_000_000)
    new = _export(tmp_path / "下坝村_更正.csv", [
        "青石镇,下坝村,2023-02-03,2,付款,541,250,", "青石镇,下坝村,2023-02-03,2,付款,102,,250",
    ], modified=1_700_100_000)
    parts_dir = tmp_path / "parts"
    files = []
    for path in (old, new):
        part = pipeline.ingest_file(
            path, key=pipeline.ingest_key(path, file_digest(path), ReadOptions()),
            options=ReadOptions(), parts_dir=parts_dir, run_id="r")
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()
        files.append(replace(part, report=part.report | {"modified": modified}))
    files = pipeline.supersede_files(files)
    assert files[0].superseded == (("青石镇", "下坝村", "2023-02"),)
    assert files[1].superseded == ()
    assert (files[0].report["loaded"], files[0].report["skipped_reasons"]) == (
        2, {"superseded": 2})
    assert "下坝村_更正.csv" in files[0].report["superseded_by"][0]
    town_files = pipeline.files_by_town(files)["青石镇"]
    key = pipeline.town_key("青石镇", town_files, PARAMS)
    assert key != pipeline.town_key("青石镇", [replace(part, superseded=()) for part in
                                              town_files], PARAMS)
    town = pipeline.prepare_town("青石镇", town_files, key=key, params=PARAMS,
                                 parts_dir=parts_dir, run_id="r")
    entries = read_part(town.part_dir, "entries")
    assert len(entries) == 4
    assert entries["entry_id"].is_unique
    february = entries[entries["period"] == "2023-02"]
    assert set(february["source_file"]) == {"下坝村_更正.csv"}
    assert february["debit_fen"].sum() == 25000



def _delivery(sha: str, file: str, arrived: str, cells: list[tuple[str, str, str]] | None,
              kind: str = "ledger", modified: str | None = None) -> Delivery:
    return Delivery(sha, file, arrived, modified or arrived, kind,
                    None if cells is None else tuple(cells), f"/archive/{sha}/{file}")


def test_the_current_books_keep_every_delivery_with_what_superseded_it() -> None:
    year = [("青石镇", "坳山村", f"2024-{month:02d}") for month in range(1, 13)]
    first = _delivery("a", "坳山村_2024.csv", "2024-03-01T02:00:00+08:00", year)
    other = _delivery("b", "王垭村_2024.csv", "2024-03-01T02:00:00+08:00",
                      [("青石镇", "王垭村", "2024-01")])
    register = _delivery("c", "坳山村_合同台账.csv", "2024-03-01T02:00:00+08:00",
                         [("青石镇", "坳山村", "contracts")], kind="contracts")
    corrected = _delivery("d", "坳山村_2024.csv", "2024-03-02T02:00:00+08:00", year[6:])
    register_again = _delivery("e", "坳山村_合同台账_更正.csv", "2024-03-02T02:00:00+08:00",
                               [("青石镇", "坳山村", "contracts")], kind="contracts")
    pending = _delivery("f", "旧交付.csv", "2024-02-01T02:00:00+08:00", None)
    books = current_books([pending, first, other, register, corrected, register_again])
    assert books.replaced == {"a": {cell: "d" for cell in year[6:]},
                              "c": {("青石镇", "坳山村", "contracts"): "e"}}
    # the first delivery still holds January–June; the register is wholly superseded
    assert [delivery.sha256 for delivery in books.current()] == ["f", "a", "b", "d", "e"]
    lines = books.lines()
    assert lines[0] == "青石镇 坳山村"
    assert lines[1] == ("  账套 2024-01～2024-06（6 个期间）：坳山村_2024.csv（2024-03-01 02:00 "
                        "到达），存于 /archive/a/坳山村_2024.csv")
    assert "  账套 2024-07～2024-12（6 个期间）：坳山村_2024.csv（2024-03-02 02:00 到达）" in (
        lines[2])
    assert lines[3].startswith("  合同台账：坳山村_合同台账_更正.csv（2024-03-02 02:00 到达）")
    assert ("  此前的交付：坳山村_2024.csv（2024-03-01 02:00 到达）的账套 2024-07～2024-12"
            "（6 个期间）已被坳山村_2024.csv（2024-03-02 02:00 到达）取代") in lines[4]
    assert "合同台账已被坳山村_合同台账_更正.csv（2024-03-02 02:00 到达）取代" in lines[5]
    assert lines[6:8] == ["青石镇 王垭村", lines[7]] and "王垭村_2024.csv" in lines[7]
    assert lines[-1].startswith("尚未登记所含村和期间的交付") and "旧交付.csv" in lines[-1]
    assert books.lines(["王垭村"])[0] == "青石镇 王垭村" and len(books.lines(["王垭村"])) == 2


def test_a_later_arrival_exported_earlier_does_not_supersede() -> None:
    """The rule one run applies (同一份账交了两次): the later export wins, whenever it came."""
    cell = ("青石镇", "坳山村", "2024-01")
    newer = _delivery("a", "新.csv", "2024-03-01T02:00:00+08:00", [cell],
                      modified="2024-02-28T00:00:00+00:00")
    resent = _delivery("b", "旧.csv", "2024-03-02T02:00:00+08:00", [cell],
                       modified="2024-01-05T00:00:00+00:00")
    assert current_books([newer, resent]).replaced == {"b": {cell: "a"}}
