"""The same books delivered twice (FORMATS.md §2.3): a village-period is loaded from one file."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from checks.params import load_params
from flows import pipeline
from flows.ingest import ReadOptions
from flows.parts import file_digest, read_part
from flows.supersede import Holding, supersession

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

