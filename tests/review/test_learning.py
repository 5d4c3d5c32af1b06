"""Decisions handed to the risk model: the one in force per entry version, with its fields."""

from review.dispositions import decisions_for_learning
from review.store import record_run
from tests.review.ledgers import decide_entry, ledger_rows, scored_frame


def _record(store, run_id, entries):
    record_run(store, run_id=run_id, started_at="2026-11-24T08:00:00+00:00",
               finished_at="2026-11-24T08:01:00+00:00", inputs=["x"], out_dir="/tmp/x",
               params={}, entries=entries)


def test_latest_decision_per_entry_version_with_the_fields_it_was_made_on(store):
    assert decisions_for_learning(store).empty
    entries = scored_frame(ledger_rows())
    _record(store, "run-1", entries)
    first = "青石镇/下坝村/2023-03/记-1/1"
    third = "青石镇/下坝村/2023-03/记-3/1"
    decide_entry(store, entry_id=first, verdict="confirmed", comment="属实", username="a")
    decide_entry(store, entry_id=first, verdict="false_alarm", comment="改判", username="b")
    decide_entry(store, entry_id=third, verdict="explained", comment="有说明", username="a")

    decisions = decisions_for_learning(store).set_index("entry_id")
    assert sorted(decisions.index) == [first, third]
    assert decisions.loc[first, "decision"] == "false_alarm"
    assert decisions.loc[third, "decision"] == "explained"
    row = entries.set_index("entry_id").loc[first]
    assert decisions.loc[first, "content_hash"] == row["content_hash"]
    assert decisions.loc[first, "counterparty"] == "张三建筑队"
    assert decisions.loc[first, "debit_fen"] == row["debit_fen"]
    _record(store, "run-2", entries)  # the same finding again: still one row per version
    assert len(decisions_for_learning(store)) == 2
