"""Decisions follow cases (SQLite and PostgreSQL): a decision on a case covers its lines,
survives a rerun while they are unchanged, and becomes history when a correction changes a line
or how the lines are grouped; decisions stored per entry before cases migrate (0007)."""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from review import db, tables
from review.case_page import case_detail
from review.dispositions import case_history, decisions_for_learning, record_decision
from review.queue import QueueFilter, queue_page
from review.store import RunChanges, record_run
from review.users import User
from tests.review.ledgers import ledger_rows, scored_frame

ADMIN = User("admin", "admin", (), True, "")
VOUCHER_1 = "青石镇/下坝村/2023-03/记-1"
BOTH_SIDES = {f"{VOUCHER_1}/1", f"{VOUCHER_1}/2"}


def _run(store, run_id: str, flagged: set[str], rows=None) -> RunChanges:
    return record_run(store, run_id=run_id, started_at="2026-12-06T08:00:00+00:00",
               finished_at="2026-12-06T08:01:00+00:00", inputs=[], out_dir="/tmp/out",
               params={}, entries=scored_frame(rows or ledger_rows(), flagged))


def _case_of(store, entry_id: str) -> str:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(tables.cases.c.case_id)
                            .where(tables.cases.c.entry_id == entry_id)).scalar_one()


def _queue(store) -> dict[str, tuple[str, int]]:
    rows = queue_page(store, user=ADMIN, queue_filter=QueueFilter(status="all")).rows
    return {row["case_id"]: (row["review_status"], row["n_entries"]) for row in rows}


def test_a_decision_on_a_case_covers_its_lines_and_survives_an_unchanged_rerun(store):
    _run(store, "run-1", BOTH_SIDES | {"白沙镇/河口村/2023-03/记-3/1"})
    case_id = _case_of(store, f"{VOUCHER_1}/1")
    assert _case_of(store, f"{VOUCHER_1}/2") == case_id  # both sides of one voucher: one case
    assert _queue(store)[case_id] == ("open", 2)

    decided = record_decision(store, case_id=case_id, verdict="confirmed", comment="已核实",
                              username="wang")
    assert decided["n_entries"] == 2
    assert _queue(store)[case_id] == ("confirmed", 2)
    detail = case_detail(store, user=ADMIN, case_id=case_id)
    assert [entry["review_status"] for entry in detail.entries] == ["confirmed", "confirmed"]
    assert [(item["standing"], item["n_entries"]) for item in detail.dispositions] == [
        ("in_force", 2)]
    # the model learns from every line the decision covers
    assert set(decisions_for_learning(store)["entry_id"]) == BOTH_SIDES

    _run(store, "run-2", BOTH_SIDES | {"白沙镇/河口村/2023-03/记-3/1"})
    assert _queue(store)[case_id] == ("confirmed", 2)


def test_a_corrected_line_reopens_its_case_with_the_decision_as_history(store):
    _run(store, "run-1", BOTH_SIDES)
    case_id = _case_of(store, f"{VOUCHER_1}/1")
    record_decision(store, case_id=case_id, verdict="explained", comment="有合同",
                    username="wang")
    rows = ledger_rows()
    for row in rows:
        if row["village"] == "下坝村" and row["voucher_number"] == 1 and row["line_no"] == 2:
            row["summary"] = "支付第1笔工程款（更正）"
    _run(store, "run-2", BOTH_SIDES, rows)

    assert _case_of(store, f"{VOUCHER_1}/1") == case_id  # the same lines: the same case
    assert _queue(store)[case_id] == ("reopened", 2)
    assert [item["standing"] for item in case_history(store, case_id=case_id)] == ["earlier"]
    record_decision(store, case_id=case_id, verdict="confirmed", comment="更正后仍属实",
                    username="li")
    assert _queue(store)[case_id] == ("confirmed", 2)
    assert [item["standing"] for item in case_history(store, case_id=case_id)] == [
        "in_force", "earlier"]


def test_a_line_joining_a_case_opens_a_new_case_showing_the_earlier_decision(store):
    _run(store, "run-1", {f"{VOUCHER_1}/1"})
    alone = _case_of(store, f"{VOUCHER_1}/1")
    record_decision(store, case_id=alone, verdict="false_alarm", comment="正常支付",
                    username="wang")
    changes = _run(store, "run-2", BOTH_SIDES)
    assert changes.cases == {"new": 0, "resolved": 0, "changed": 1, "unchanged": 0}
    assert _run(store, "run-2", BOTH_SIDES) == changes  # a retried record returns the same

    grown = _case_of(store, f"{VOUCHER_1}/1")
    assert grown != alone
    queue = _queue(store)
    assert alone not in queue  # no line is in the old case any more
    assert queue[grown] == ("reopened", 2)
    history = case_history(store, case_id=grown)
    assert [(item["verdict"], item["standing"], item["n_entries"]) for item in history] == [
        ("false_alarm", "other_case", 1)]


def test_a_case_whose_lines_are_no_longer_flagged_is_resolved_and_keeps_its_decision(store):
    _run(store, "run-1", BOTH_SIDES)
    case_id = _case_of(store, f"{VOUCHER_1}/1")
    record_decision(store, case_id=case_id, verdict="confirmed", comment="属实", username="wang")
    _run(store, "run-2", set())
    assert _queue(store)[case_id] == ("resolved", 2)
    assert [item["standing"] for item in case_history(store, case_id=case_id)] == ["in_force"]


def test_decisions_stored_per_entry_migrate_to_cases_of_one_entry(store):
    """A store of runs and decisions made before cases (revision 0006): each decided entry
    becomes a case of its own, which a later run that finds it alone and unchanged keeps
    decided; grouped with another line, it opens for review with the decision as history."""
    _run(store, "run-1", {f"{VOUCHER_1}/1", "白沙镇/河口村/2023-03/记-3/1"})
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
        # as the review app of 0006 recorded decisions: per entry, on its content
        conn.execute(sa.text(
            "INSERT INTO dispositions (entry_id, content_hash, verdict, comment, username,"
            " decided_at) SELECT entry_id, content_hash, 'confirmed', '旧结论', 'wang',"
            " :at FROM cases"), {"at": "2026-11-30 08:00:00.000000"})
        command.upgrade(config, "head")
    queue = _queue(store)
    assert sorted(queue.values()) == [("confirmed", 1), ("confirmed", 1)]
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(tables.run_cases)).all()
    assert {row.subject_id for row in stored} == {"2023-03 记-1", "2023-03 记-3"}
    assert all(json.loads(row.reasons) for row in stored)

    _run(store, "run-2", {f"{VOUCHER_1}/1", "白沙镇/河口村/2023-03/记-3/1"})
    assert sorted(_queue(store).values()) == [("confirmed", 1), ("confirmed", 1)]
    _run(store, "run-3", BOTH_SIDES | {"白沙镇/河口村/2023-03/记-3/1"})
    queue = _queue(store)
    assert queue[_case_of(store, "白沙镇/河口村/2023-03/记-3/1")] == ("confirmed", 1)
    assert queue[_case_of(store, f"{VOUCHER_1}/1")] == ("reopened", 2)
