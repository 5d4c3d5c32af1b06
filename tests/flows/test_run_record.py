"""The run's record: typed, made once, written with the keys run.json has always had; the words
people read are made from facts that readers use instead of parsing the words."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from flows.outputs import write_run_record
from flows.run_record import Partitions, RunRecord, TownPartition, run_totals
from flows.summary import summary_markdown

JOURNAL_TOTALS = {"files": 3, "files_unreadable": 0, "files_with_problems": 1, "rows_read": 90,
                  "loaded": 80, "quarantined": 4, "skipped": 6,
                  "entries_with_rule_breaches": 7, "flagged": 9, "cases": 5, "rule_cases": 3}
REGISTERS = {"rows": {"contracts": 2}, "cases": 2, "rule_cases": 1, "towns_without_books": []}


def _town(name: str, *, checked: bool, scored: bool, reported: bool) -> dict:
    return {"town": name, "villages": [f"{name}一村", f"{name}二村"], "entries": 40,
            "checked_now": checked, "scored_now": scored, "reported_now": reported}


def _record(**changes) -> RunRecord:
    values = {
        "run_id": "run-1", "started_at": "2026-12-01T02:00:00+08:00", "inputs": ["/in"],
        "out_dir": "/out", "files": [{"file": "a.csv", "rows_read": 90, "loaded": 80}],
        "rule_counts": {"cash.over_ceiling": 2}, "signal_counts": {}, "model": {
            "model_version": "v1"}, "thresholds": {}, "params": {
            "ingest": {"quarantine_alert_share": 0.5}},
        "partitions": {"files_read": ["a.csv"], "files_cached": [], "towns": [
            _town("青石镇", checked=True, scored=True, reported=True),
            _town("白沙乡", checked=False, scored=False, reported=True)]},
        "other_charts": [{"town": "青石镇", "village": "青石镇一村"}], "failed_towns": {},
        "registers": REGISTERS, "totals": run_totals(JOURNAL_TOTALS, REGISTERS, 0),
        "finished_at": "2026-12-01T02:01:00+08:00", "review": None,
        "outputs": {"run": "/out/run.json"},
        "villages": [{"town": "青石镇", "village": "青石镇一村", "entries": 40, "flagged": 9}],
        "scorecards": {}, "timings": {"ingest": 0.5}}
    return RunRecord(**values | changes)


def test_a_towns_words_are_made_from_the_facts():
    town = TownPartition(**_town("青石镇", checked=True, scored=False, reported=False))
    assert (town.checked, town.scored, town.reported) == ("本次计算", "沿用缓存", "沿用缓存")
    assert town.recomputed
    cached = TownPartition(**_town("白沙乡", checked=False, scored=False, reported=True))
    assert not cached.recomputed
    assert Partitions(files_read=[], files_cached=[], towns=[town, cached]).recomputed_towns == [
        "青石镇"]


def test_run_json_keeps_its_keys_and_adds_the_facts(tmp_path):
    record = _record()
    written = json.loads(write_run_record(record.model_dump(), tmp_path).read_text("utf-8"))
    assert list(written) == [
        "run_id", "started_at", "inputs", "out_dir", "files", "rule_counts", "signal_counts",
        "model", "thresholds", "params", "partitions", "other_charts", "failed_towns",
        "registers", "totals", "finished_at", "review", "outputs", "villages", "scorecards",
        "timings"]
    town = written["partitions"]["towns"][1]
    assert (town["checked"], town["scored"], town["reported"]) == ("沿用缓存", "沿用缓存",
                                                                   "本次计算")
    assert town["checked_now"] is False and town["reported_now"] is True
    assert written["totals"]["cases"] == 7 and written["totals"]["register_cases"] == 2
    assert RunRecord.model_validate(written) == record  # read back, the words passed over


def test_the_registers_cases_count_in_the_runs_totals():
    totals = run_totals(JOURNAL_TOTALS, REGISTERS, towns_failed=1)
    assert (totals.cases, totals.rule_cases, totals.register_cases, totals.towns_failed) == (
        7, 4, 2, 1)


def test_a_run_fails_on_a_file_read_badly_a_town_not_done_or_nothing_loaded():
    assert _record().failed  # one file with problems
    clean = run_totals(JOURNAL_TOTALS | {"files_with_problems": 0}, REGISTERS, 0)
    assert not _record(totals=clean).failed
    assert _record(totals=clean, failed_towns={"白沙乡": "处理失败：内存不足"}).failed
    assert _record(totals=clean.model_copy(update={"loaded": 0})).failed


def test_a_record_missing_a_key_or_with_a_wrong_type_is_refused():
    with pytest.raises(ValidationError, match="partitions"):
        RunRecord(**_record().model_dump(exclude={"partitions"}))
    with pytest.raises(ValidationError, match="entries"):
        TownPartition(**_town("青石镇", checked=True, scored=True, reported=True)
                      | {"entries": "很多"})


def test_the_summary_reads_the_typed_record():
    summary = summary_markdown(_record())
    assert "| 青石镇 | 2 | 40 | 本次计算 | 本次计算 | 本次计算 |" in summary
    assert "| 白沙乡 | 2 | 40 | 沿用缓存 | 沿用缓存 | 本次计算 |" in summary
    assert "| 3 | 1 | 90 | 80 | 4 | 6 | 7 | 7 | 4 | 9 |" in summary
