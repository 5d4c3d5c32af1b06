"""entry_id stays with a journal line; content_hash follows what the line says."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from checks.entry_schema import JournalEntry
from flows.ingest import assign_entry_ids, read_ledger_file

HEADER = "乡镇,单位名称,凭证日期,凭证号,摘要,科目编码,借方金额,贷方金额"
LINES = [
    "青石镇,下坝村,2023-01-05,记-1,支付清淤费,541,8500.00,",
    "青石镇,下坝村,2023-01-05,记-1,支付清淤费,102,,8500.00",
    "青石镇,上坝村,2023-01-06,记-1,收租金,102,300.00,",
    "青石镇,上坝村,2023-01-06,记-1,收租金,501,,300.00",
]


def _load(path: Path, lines: list[str]) -> pd.DataFrame:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return read_ledger_file(path).entries


def _by_line(entries: pd.DataFrame) -> pd.DataFrame:
    return entries.set_index(["village", "voucher_no", "line_no"]).sort_index()


def test_ids_survive_a_renamed_file_and_moved_rows(tmp_path: Path) -> None:
    original = _load(tmp_path / "export_a.csv", LINES)
    # Other villages' lines first: a village's lines keep their order, their rows move.
    moved = _load(tmp_path / "renamed.csv", [LINES[2], LINES[3], LINES[0], LINES[1]])
    before, after = _by_line(original), _by_line(moved)
    assert before["source_row"].tolist() != after["source_row"].tolist()
    assert before["entry_id"].tolist() == after["entry_id"].tolist()
    assert before["content_hash"].tolist() == after["content_hash"].tolist()
    assert original["entry_id"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert original["entry_id"].is_unique


def test_a_corrected_amount_changes_the_content_hash_only(tmp_path: Path) -> None:
    original = _load(tmp_path / "v1.csv", LINES)
    corrected = _load(
        tmp_path / "v2.csv", [LINES[0].replace("8500.00", "8000.00"), *LINES[1:]]
    )
    assert corrected["entry_id"].tolist() == original["entry_id"].tolist()
    changed = corrected["content_hash"] != original["content_hash"]
    assert changed.tolist() == [True, False, False, False]


def test_repeated_voucher_numbers_get_suffixes_in_source_order(tmp_path: Path) -> None:
    first = _load(tmp_path / "a.csv", LINES[:2])
    second = _load(tmp_path / "b.csv", LINES[:1])
    combined = pd.concat([second, first], ignore_index=True)
    entries = assign_entry_ids(combined)
    JournalEntry.validate(entries, lazy=True)
    base = first["entry_id"].iloc[0]
    by_source = entries.set_index(["source_file", "source_row"])["entry_id"]
    assert by_source[("a.csv", 2)] == base
    assert by_source[("b.csv", 2)] == base + "-2"
    assert by_source[("a.csv", 3)] == first["entry_id"].iloc[1]


def test_assign_entry_ids_returns_a_new_frame(tmp_path: Path) -> None:
    entries = _load(tmp_path / "a.csv", LINES)
    blanked = entries.assign(entry_id="", content_hash="")
    snapshot = blanked.copy()
    result = assign_entry_ids(blanked)
    pd.testing.assert_frame_equal(blanked, snapshot)
    assert result["entry_id"].tolist() == entries["entry_id"].tolist()


def test_ids_are_pinned(tmp_path: Path) -> None:
    """A changed hash algorithm or key would re-number every line ever loaded."""
    entries = _load(tmp_path / "a.csv", LINES[:1])
    assert entries["entry_id"].iloc[0] == PINNED_ENTRY_ID
    assert entries["content_hash"].iloc[0] == PINNED_CONTENT_HASH


PINNED_ENTRY_ID = "55fa2b75c17605c0"
PINNED_CONTENT_HASH = "834e360abe9790f6"
