"""The findings store on SQLite and PostgreSQL: migrations, runs, reruns, decisions, trail."""

from __future__ import annotations

import json
import struct
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from review import db, tables
from review import store as store_module
from review.audit_trail import verify_audit_trail
from review.changes import CHANGES, change_totals, run_changes
from review.db import open_store
from review.digest import digest_entries
from review.dispositions import DispositionError, disposition_history, record_decision
from review.entry import entry_detail
from review.runs import run_history
from review.store import (
    RunChanges,
    lines_run,
    read_known_cases,
    record_run,
)
from review.trail_anchor import TrailKeys
from review.users import User
from tests.review.ledgers import (
    VILLAGES,
    corrected_county,
    decide_entry,
    ledger_rows,
    quarantined_row,
    scored_frame,
)

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
ADMIN = User("admin", "admin", (), True, "")
BAISHA = User("baisha", "inspector", ("白沙镇",), True, "")


def _run(store, run_id: str, entries: pd.DataFrame, **extra) -> RunChanges:
    return record_run(
        store,
        run_id=run_id,
        started_at=START,
        finished_at="2026-11-24T08:01:00+00:00",
        inputs=["data/ledgers"],
        out_dir=f"/tmp/out/{run_id}",
        params={"county": "默认县"},
        entries=entries,
        **extra,
    )


def _current_verdict(store, entry_id: str) -> str | None:
    in_force = [d for d in disposition_history(store, entry_id=entry_id) if d["in_force"]]
    return in_force[0]["verdict"] if in_force else None


def _case(store, entry_id: str) -> sa.Row:
    with store.engine.connect() as conn:
        return conn.execute(
            sa.select(tables.cases).where(tables.cases.c.entry_id == entry_id)
        ).one()


def test_migrations_build_the_declared_schema_and_are_idempotent(store):
    again = open_store(store.engine.url.render_as_string(hide_password=False),
                       trail=store.trail)
    with again.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), tables.metadata)
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    again.dispose()
    assert differences == []
    assert version == "0012"


def test_sqlite_store_uses_wal_and_a_busy_timeout(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'nested' / 'review.sqlite3'}",
                       trail=TrailKeys(tmp_path))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    store.dispose()


def _log_frames(database) -> tuple[int, int]:
    """Frames in the SQLite database's write-ahead log, and how many of them a checkpoint has
    copied into the database (mxFrame and nBackfill of the wal-index, https://sqlite.org/
    walformat.html)."""
    index = Path(f"{database}-shm").read_bytes()
    return struct.unpack_from("=I", index, 16)[0], struct.unpack_from("=I", index, 96)[0]


def test_sqlite_checkpoints_a_recorded_run_after_its_commit_not_in_it(tmp_path, monkeypatch):
    monkeypatch.setattr(db, "SQLITE_AUTOCHECKPOINT_PAGES", 10)  # a run is more
    database = tmp_path / "review.sqlite3"
    store = open_store(f"sqlite:///{database}", trail=TrailKeys(tmp_path))
    at_commit = []
    started = db._checkpoint_soon

    def checkpoint_soon(engine):
        at_commit.append(_log_frames(database))
        with engine.connect() as conn:  # the connection the run was recorded on, back in the pool
            at_commit.append(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar())
        started(engine)

    monkeypatch.setattr(db, "_checkpoint_soon", checkpoint_soon)
    _run(store, "run-1", scored_frame(ledger_rows()))
    (logged, copied), autocheckpoint = at_commit
    assert logged > copied + 10  # the commit left the run's pages in the log …
    assert autocheckpoint == 10  # … and gave the connection back with the usual setting
    db.wait_for_checkpoint(store.engine)
    assert _log_frames(database) == (logged, logged)  # the thread copied them
    assert id(store.engine) not in db._checkpoints  # and let go of the engine
    assert _run(store, "run-2", scored_frame(ledger_rows())).unchanged > 0
    store.dispose()


def test_first_run_stores_findings_with_their_whole_vouchers(store):
    entries = scored_frame(ledger_rows())
    changes = _run(store, "run-1", entries, rule_titles={"cash.over_ceiling": "现金支付超限"})

    assert changes.to_dict() == {
        "run_id": "run-1",
        "new": 6,
        "resolved": 0,
        "changed": 0,
        "unchanged": 0,
        "cases": {"new": 6, "resolved": 0, "changed": 0, "unchanged": 0},
    }
    with store.engine.connect() as conn:
        finding = conn.execute(
            sa.select(tables.findings).where(
                tables.findings.c.entry_id == "青石镇/下坝村/2023-03/记-1/1"
            )
        ).one()
        lines = conn.execute(
            sa.select(tables.voucher_lines.c.entry_id, tables.voucher_lines.c.flagged)
            .where(tables.voucher_lines.c.village == "下坝村")
            .order_by(tables.voucher_lines.c.entry_id)
        ).all()
        run = conn.execute(sa.select(tables.runs)).one()
        title = conn.execute(sa.select(tables.rule_titles.c.title)).scalar_one()
    assert finding.debit_fen == 1_250_005
    assert json.loads(finding.rule_ids) == ["cash.over_ceiling", "approval.missing_decision"]
    assert finding.reasons.startswith("单笔现金支付超过限额")
    assert finding.rank >= 1
    # vouchers 1 and 3: both lines each, only the debit line flagged; vouchers 2 and 4 absent
    assert [(line.entry_id[-5:], line.flagged) for line in lines] == [
        ("记-1/1", True),
        ("记-1/2", False),
        ("记-3/1", True),
        ("记-3/2", False),
    ]
    assert (run.n_entries, run.n_findings, run.n_new) == (24, 6, 6)
    assert run.started_at == START
    assert title == "现金支付超限"


def test_rerun_after_correcting_one_village_counts_changes_and_keeps_decisions(store):
    _run(store, "run-1", scored_frame(ledger_rows()))
    decided = {
        "青石镇/下坝村/2023-03/记-1/1": "confirmed",
        "青石镇/下坝村/2023-03/记-3/1": "explained",
        "青石镇/上坝村/2023-03/记-1/1": "false_alarm",
        "白沙镇/河口村/2023-03/记-3/1": "confirmed",
    }
    for entry_id, verdict in decided.items():
        decide_entry(
            store, entry_id=entry_id, verdict=verdict, comment="已核对原始凭证", username="wang"
        )

    changes = _run(store, "run-2", corrected_county())

    assert changes.to_dict() == {
        "run_id": "run-2",
        "new": 1,
        "resolved": 1,
        "changed": 1,
        "unchanged": 4,
        "cases": {"new": 1, "resolved": 1, "changed": 1, "unchanged": 4},
    }
    # untouched villages keep every decision
    assert _current_verdict(store, "青石镇/上坝村/2023-03/记-1/1") == "false_alarm"
    assert _current_verdict(store, "白沙镇/河口村/2023-03/记-3/1") == "confirmed"
    # the corrected entry is open again, its old decision kept as history
    corrected = "青石镇/下坝村/2023-03/记-1/1"
    assert _current_verdict(store, corrected) is None
    history = disposition_history(store, entry_id=corrected)
    assert [(d["verdict"], d["on_current_content"]) for d in history] == [("confirmed", False)]
    assert _case(store, corrected).status == "open"
    with store.engine.connect() as conn:
        hashes = dict(conn.execute(sa.select(tables.findings.c.run_id,
                                             tables.findings.c.content_hash).where(
            tables.findings.c.entry_id == corrected)).all())
    assert hashes["run-1"] != hashes["run-2"] == _case(store, corrected).content_hash
    # every finding of run-2, changed or not, is last seen there
    for entry_id in (corrected, "青石镇/上坝村/2023-03/记-1/1", "白沙镇/河口村/2023-03/记-3/1"):
        assert (_case(store, entry_id).status, _case(store, entry_id).last_run_id) == (
            "open", "run-2")
    # the finding that disappeared is resolved by run-2, its decision untouched
    gone = _case(store, "青石镇/下坝村/2023-03/记-3/1")
    assert (gone.status, gone.resolved_run_id) == ("resolved", "run-2")
    assert _current_verdict(store, "青石镇/下坝村/2023-03/记-3/1") == "explained"
    with store.engine.connect() as conn:
        kinds = dict(
            conn.execute(
                sa.select(tables.finding_changes.c.change, sa.func.count())
                .where(tables.finding_changes.c.run_id == "run-2")
                .group_by(tables.finding_changes.c.change)
            ).all()
        )
        run = conn.execute(sa.select(tables.runs).where(tables.runs.c.run_id == "run-2")).one()
    _run_starts(store, {"run-1": START, "run-2": START.replace(hour=9)})
    # only what changed has a row; the four findings without one are unchanged
    assert kinds == {"new": 1, "resolved": 1, "changed": 1}
    assert (run.n_new, run.n_resolved, run.n_changed, run.n_unchanged) == (1, 1, 1, 4)
    assert _change_counts(store, "run-2") == {"new": 1, "resolved": 1, "changed": 1,
                                               "unchanged": 4}
    assert _change_counts(store, "run-2", villages=["下坝村"]) == {
        "new": 1, "resolved": 1, "changed": 1, "unchanged": 0}
    assert _history(store, "青石镇/上坝村/2023-03/记-1/1") == [("run-2", "未变"),
                                                              ("run-1", "新增")]
    assert _history(store, corrected) == [("run-2", "内容更正"), ("run-1", "新增")]
    assert _history(store, "青石镇/下坝村/2023-03/记-3/1") == [("run-2", "已消除"),
                                                              ("run-1", "新增")]
    history = {row["run_id"]: row for row in run_history(store, user=ADMIN)}
    assert [history["run-2"][f"n_{kind}"] for kind in CHANGES] == [1, 1, 1, 4]
    assert [history["run-1"][f"n_{kind}"] for kind in CHANGES] == [6, 0, 0, 0]
    baisha = {row["run_id"]: row for row in run_history(store, user=BAISHA)}
    assert [baisha["run-2"][f"n_{kind}"] for kind in CHANGES] == [0, 0, 0, 2]


def _change_counts(store, run_id: str, **only) -> dict[str, int]:
    return change_totals(run_changes(store, run_id=run_id, **only))


def _history(store, entry_id: str) -> list[tuple[str, str]]:
    """The entry page's record of what each run changed for the entry, newest first."""
    detail = entry_detail(store, user=ADMIN, entry_id=entry_id)
    return [(change["run_id"], change["label"]) for change in detail.changes]


def _run_starts(store, starts: dict[str, datetime]) -> None:
    with store.engine.begin() as conn:
        for run_id, started_at in starts.items():
            conn.execute(sa.update(tables.runs).where(tables.runs.c.run_id == run_id)
                         .values(started_at=started_at))


def _runs_read(store) -> list[dict]:
    """The run history, but for the case counts (made since 0007, lost by a downgrade)."""
    return [{key: value for key, value in row.items() if not key.endswith("_cases")}
            for row in run_history(store, user=ADMIN)]


def test_stores_recorded_with_unchanged_rows_read_the_same_after_migration_0006(store):
    _run(store, "run-1", scored_frame(ledger_rows()))
    _run(store, "run-2", corrected_county())
    _run_starts(store, {"run-1": START, "run-2": START.replace(hour=9)})
    read = (_change_counts(store, "run-2"), _history(store, "青石镇/上坝村/2023-03/记-1/1"),
            _runs_read(store))
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS_DIR))

    def migrate(step, revision) -> dict[str, int]:
        with store.engine.begin() as conn:
            config.attributes["connection"] = conn
            step(config, revision)
            return dict(conn.execute(
                sa.select(tables.finding_changes.c.change, sa.func.count())
                .where(tables.finding_changes.c.run_id == "run-2")
                .group_by(tables.finding_changes.c.change)).all())

    # before 0006 every finding had a row; the downgrade puts back those the record left out
    assert migrate(command.downgrade, "0005") == {"new": 1, "resolved": 1, "changed": 1,
                                                  "unchanged": 4}
    assert migrate(command.upgrade, "head") == {"new": 1, "resolved": 1, "changed": 1}
    assert (_change_counts(store, "run-2"), _history(store, "青石镇/上坝村/2023-03/记-1/1"),
            _runs_read(store)) == read


def test_cases_read_ahead_are_taken_unless_a_run_was_recorded_since(store, monkeypatch):
    _run(store, "run-1", scored_frame(ledger_rows()))
    corrected = corrected_county()
    # more towns than the run has: fine
    ahead = read_known_cases(store, set(corrected["town"]) | {"别的镇"}, "默认县")
    read_in_record = []
    read = store_module._known_cases
    monkeypatch.setattr(store_module, "_known_cases", lambda conn, towns, county: (
        read_in_record.append(towns), read(conn, towns, county))[1])

    taken = _run(store, "run-2", corrected, known_cases=ahead)
    assert read_in_record == []
    assert (taken.new, taken.resolved, taken.changed, taken.unchanged) == (1, 1, 1, 4)
    # run-2 is recorded since they were read: they would count its changes again
    again = _run(store, "run-3", corrected, known_cases=ahead)
    assert read_in_record == [sorted(set(corrected["town"]))]
    assert (again.new, again.resolved, again.changed, again.unchanged) == (0, 0, 0, 6)


def test_identical_rerun_changes_nothing(store):
    entries = scored_frame(ledger_rows())
    _run(store, "run-1", entries)
    decide_entry(
        store,
        entry_id="白沙镇/河口村/2023-03/记-1/1",
        verdict="explained",
        comment="有合同",
        username="li",
    )
    changes = _run(store, "run-2", entries)
    assert (changes.new, changes.resolved, changes.changed, changes.unchanged) == (0, 0, 0, 6)
    assert _current_verdict(store, "白沙镇/河口村/2023-03/记-1/1") == "explained"


def _stored_rows(store, table: sa.Table, run_id: str) -> list[tuple]:
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            sa.select(table).where(table.c.run_id == run_id).order_by(table.c.entry_id)).all()]


def _shown_lines(store, run_id: str) -> list[tuple]:
    """The voucher lines ``run_id`` saw, wherever they are stored, without their run id."""
    lines = tables.voucher_lines
    with store.engine.connect() as conn:
        towns = conn.execute(sa.select(tables.town_rows.c.town)
                             .where(tables.town_rows.c.run_id == run_id)).scalars().all()
        return [tuple(row)[1:] for row in conn.execute(
            sa.select(lines).where(sa.or_(*(
                sa.and_(lines.c.town == town, lines.c.run_id == lines_run(run_id, town))
                for town in towns))).order_by(lines.c.entry_id)).all()]


def _lines_stored_by(store, run_id: str) -> set[str]:
    lines = tables.voucher_lines
    with store.engine.connect() as conn:
        return set(conn.execute(sa.select(lines.c.town).where(lines.c.run_id == run_id))
                   .scalars().all())


def test_a_rerun_copies_an_unchanged_towns_rows_with_its_own_ranks(store, twin_store):
    _run(store, "run-1", scored_frame(ledger_rows()))
    rerun = corrected_county()  # 下坝村 (青石镇) corrected; 白沙镇 as it was
    baisha = rerun["flagged"] & (rerun["town"] == "白沙镇")
    rerun.loc[baisha, "rank"] = rerun.loc[baisha, "rank"] + 10  # ranks shift with other towns
    _run(store, "run-2", rerun)

    with store.engine.connect() as conn:
        sources = dict(conn.execute(sa.select(tables.town_rows.c.town,
                                              tables.town_rows.c.copied_from)
                                    .where(tables.town_rows.c.run_id == "run-2")).all())
    assert sources == {"白沙镇": "run-1", "青石镇": None}
    # what the database copied is what sending the rows would have stored; the unchanged
    # town's voucher lines stay where run-1 stored them
    _run(twin_store, "run-2", rerun)
    assert _stored_rows(store, tables.findings, "run-2") == _stored_rows(
        twin_store, tables.findings, "run-2")
    assert _lines_stored_by(store, "run-2") == {"青石镇"}
    assert _shown_lines(store, "run-2") == _shown_lines(twin_store, "run-2")
    # and a third run finds them there too
    _run(store, "run-3", rerun)
    assert _lines_stored_by(store, "run-3") == set()
    assert _shown_lines(store, "run-3") == _shown_lines(twin_store, "run-2")
    findings = tables.findings
    with store.engine.connect() as conn:
        stored_ranks = dict(conn.execute(sa.select(findings.c.entry_id, findings.c.rank).where(
            findings.c.run_id == "run-2")).all())
    flagged = rerun[rerun["flagged"]]
    assert stored_ranks == dict(zip(flagged["entry_id"], flagged["rank"].astype(int), strict=True))


def test_runs_stored_before_lines_were_kept_apart_show_their_own_lines(store):
    _run(store, "run-1", scored_frame(ledger_rows()))
    shown = _shown_lines(store, "run-1")
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    for step, revision in ((command.downgrade, "0004"), (command.upgrade, "head")):
        with store.engine.begin() as conn:
            config.attributes["connection"] = conn
            step(config, revision)
    with store.engine.connect() as conn:
        kept = conn.execute(sa.select(tables.town_rows.c.run_id, tables.town_rows.c.lines_from)
                            ).all()
    assert kept and all(lines_from == run_id for run_id, lines_from in kept)
    assert _shown_lines(store, "run-1") == shown


def test_a_towns_rows_from_the_same_part_are_copied_and_from_another_part_sent(store):
    digest = digest_entries(scored_frame(ledger_rows()))
    for run_id, keys in (("run-1", {"青石镇": "k1", "白沙镇": "k2"}),
                         ("run-2", {"青石镇": "k1", "白沙镇": "k3"})):
        record_run(store, run_id=run_id, started_at=START, finished_at=START, inputs=[],
                   out_dir="/tmp/out", params={}, digest=replace(digest, sources=keys))
    with store.engine.connect() as conn:
        sources = dict(conn.execute(sa.select(tables.town_rows.c.town,
                                              tables.town_rows.c.copied_from)
                                    .where(tables.town_rows.c.run_id == "run-2")).all())
    assert sources == {"青石镇": "run-1", "白沙镇": None}
    assert [row[1:] for row in _stored_rows(store, tables.findings, "run-2")] == [
        row[1:] for row in _stored_rows(store, tables.findings, "run-1")]
    assert _lines_stored_by(store, "run-2") == {"白沙镇"}
    assert _shown_lines(store, "run-2") == _shown_lines(store, "run-1")


def test_a_run_over_one_town_never_resolves_another_towns_findings(store):
    _run(store, "run-1", scored_frame(ledger_rows()))
    only_baisha = scored_frame(ledger_rows([("白沙镇", "河口村")]), flagged_ids=set())
    changes = _run(store, "run-2", only_baisha)

    assert (changes.new, changes.resolved, changes.changed, changes.unchanged) == (0, 2, 0, 0)
    assert _case(store, "白沙镇/河口村/2023-03/记-1/1").status == "resolved"
    assert _case(store, "青石镇/下坝村/2023-03/记-1/1").status == "open"


def test_a_resolved_finding_that_comes_back_is_new_and_open(store):
    entries = scored_frame(ledger_rows([("白沙镇", "河口村")]))
    _run(store, "run-1", entries)
    _run(store, "run-2", scored_frame(ledger_rows([("白沙镇", "河口村")]), flagged_ids=set()))
    changes = _run(store, "run-3", entries)
    assert (changes.new, changes.resolved) == (2, 0)
    assert _case(store, "白沙镇/河口村/2023-03/记-1/1").status == "open"


def test_village_aggregates_are_replaced_for_the_cells_a_run_loaded(store):
    _run(store, "run-1", scored_frame(ledger_rows()))
    _run(store, "run-2", scored_frame(ledger_rows([("白沙镇", "河口村")], vouchers=1)))
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                tables.village_accounts.c.village,
                tables.village_accounts.c.debit_fen,
                tables.village_accounts.c.run_id,
            ).where(tables.village_accounts.c.account_code == "541")
        ).all()
        payee = conn.execute(
            sa.select(tables.payee_periods.c.n_lines).where(
                tables.payee_periods.c.village == "河口村"
            )
        ).scalar_one()
    by_village = {row.village: (row.debit_fen, row.run_id) for row in rows}
    assert by_village["河口村"] == (1_250_005, "run-2")
    assert by_village["下坝村"] == (1_250_005 * (1 + 2 + 3 + 4) - 5 * 6, "run-1")
    assert payee == 2


def _aggregates(store) -> dict[str, set[tuple]]:
    with store.engine.connect() as conn:
        return {table.name: set(conn.execute(sa.select(table)).all())
                for table in (tables.village_accounts, tables.payee_periods)}


@pytest.mark.parametrize("compared_rows", [100_000, 1])  # all towns at once, one by one
def test_a_rerun_rewrites_only_the_aggregate_cells_whose_figures_changed(
    store, twin_store, compared_rows, monkeypatch
):
    monkeypatch.setattr("review.store._COMPARED_ROWS", compared_rows)
    _run(store, "run-1", scored_frame(ledger_rows()))
    _run(store, "run-2", corrected_county())
    _run(twin_store, "run-2", corrected_county())  # what the corrected county alone gives
    kept, fresh = _aggregates(store), _aggregates(twin_store)
    for name, rows in kept.items():
        assert {row[:-1] for row in rows} == {row[:-1] for row in fresh[name]}, name
        writers = {(row.village, row.run_id) for row in rows}
        assert ("下坝村", "run-2") in writers and ("下坝村", "run-1") not in writers
        assert {run for village, run in writers if village != "下坝村"} == {"run-1"}


def test_a_town_whose_aggregate_rows_are_unchanged_is_not_read_back(store, monkeypatch):
    _run(store, "run-1", scored_frame(ledger_rows()))
    compared = []
    original = store_module._replace_town_cells
    monkeypatch.setattr(store_module, "_replace_town_cells", lambda conn, table, scope, rows: (
        compared.append((table.name, sorted(scope["town"].unique()))),
        original(conn, table, scope, rows)))
    _run(store, "run-2", corrected_county())  # 下坝村 of 青石镇 corrected
    assert compared == [("village_accounts", ["青石镇"]), ("payee_periods", ["青石镇"])]
    with store.engine.connect() as conn:
        sources = set(conn.execute(sa.select(
            tables.aggregate_sources.c.table_name, tables.aggregate_sources.c.town,
            tables.aggregate_sources.c.run_id)).all())
    assert sources == {(table, town, "run-2" if town == "青石镇" else "run-1")
                       for table in ("village_accounts", "payee_periods")
                       for town in ("青石镇", "白沙镇")}
    compared.clear()
    _run(store, "run-3", scored_frame(ledger_rows([("青石镇", "上坝村")])))  # fewer cells
    assert compared == [("village_accounts", ["青石镇"]), ("payee_periods", ["青石镇"])]


def test_quarantine_rows_are_kept_with_the_run(store):
    quarantine = quarantined_row()
    _run(store, "run-1", scored_frame(ledger_rows()), quarantine=quarantine)
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(tables.quarantine)).one()
        count = conn.execute(sa.select(tables.runs.c.n_quarantined)).scalar_one()
    assert (row.source_row, row.reason, count) == (7, "日期不存在：2023-02-30", 1)


def test_a_decision_needs_a_known_finding_a_verdict_and_a_comment(store):
    _run(store, "run-1", scored_frame(ledger_rows()))
    entry_id = "青石镇/下坝村/2023-03/记-1/1"
    with pytest.raises(DispositionError, match="必填"):
        decide_entry(
            store, entry_id=entry_id, verdict="confirmed", comment="  ", username="a"
        )
    with pytest.raises(DispositionError, match="结论"):
        decide_entry(store, entry_id=entry_id, verdict="maybe", comment="x", username="a")
    with pytest.raises(DispositionError, match="没有编号为 nope 的疑点案件"):
        record_decision(store, case_id="nope", verdict="confirmed", comment="x", username="a")
    decide_entry(store, entry_id=entry_id, verdict="confirmed", comment="x", username="a")
    decide_entry(store, entry_id=entry_id, verdict="false_alarm", comment="y", username="b")
    history = disposition_history(store, entry_id=entry_id)
    assert [(d["verdict"], d["in_force"]) for d in history] == [
        ("false_alarm", True),
        ("confirmed", False),
    ]


def test_audit_trail_chains_every_action_and_detects_tampering(store):
    _run(store, "run-1", scored_frame(ledger_rows()))
    entry_id = "青石镇/下坝村/2023-03/记-1/1"
    decide_entry(store, entry_id=entry_id, verdict="confirmed", comment="属实", username="a")
    decide_entry(store, entry_id=entry_id, verdict="explained", comment="补", username="b")

    verification = verify_audit_trail(store)
    assert (verification.ok, verification.checked) == (True, 3)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(tables.audit_trail).order_by("seq")).all()
    assert [row.action for row in rows] == ["run.record", "case.decide", "case.decide"]
    assert rows[1].target == _case(store, entry_id).case_id
    assert json.loads(rows[1].after)["entries"] == [[entry_id, _case(store, entry_id).content_hash]]
    assert json.loads(rows[2].before)["verdict"] == "confirmed"
    assert json.loads(rows[2].after)["verdict"] == "explained"
    assert rows[2].prev_hash == rows[1].hash

    # the database refuses edits...
    with pytest.raises(sa.exc.DBAPIError), store.engine.begin() as conn:
        conn.execute(
            sa.update(tables.audit_trail).values(actor="x").where(tables.audit_trail.c.seq == 2)
        )
    # ...and someone who gets around that is caught by the chain
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_trail DISABLE TRIGGER audit_trail_append_only"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_trail_no_update"))
        conn.execute(
            sa.update(tables.audit_trail)
            .values(after=rows[1].after.replace("属实", "误报"))
            .where(tables.audit_trail.c.seq == 2)
        )
        if store.dialect == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_trail ENABLE TRIGGER audit_trail_append_only"))
    broken = verify_audit_trail(store)
    assert (broken.ok, broken.first_bad_seq) == (False, 2)
    assert "篡改" in broken.message()


def test_recording_the_same_run_twice_changes_nothing(store):
    entries = scored_frame(ledger_rows())
    before = entries.copy()
    first = _run(store, "run-1", entries)
    again = _run(store, "run-1", entries)
    assert again == first
    pd.testing.assert_frame_equal(entries, before)  # the caller's frame is not mutated
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.findings)).scalar() == 6


def test_a_run_without_entries_is_recorded_and_resolves_nothing(store):
    _run(store, "run-1", scored_frame(ledger_rows()))
    empty = scored_frame(ledger_rows()).iloc[0:0]
    changes = _run(store, "run-2", empty)
    assert (changes.new, changes.resolved, changes.changed, changes.unchanged) == (0, 0, 0, 0)


def test_a_frame_without_scores_is_refused_with_the_missing_columns(store):
    entries = scored_frame(ledger_rows()).drop(columns=["risk_score", "flagged"])
    with pytest.raises(ValueError, match="flagged"):
        _run(store, "run-1", entries)


def test_concurrent_decisions_keep_one_unbroken_chain(store):
    _run(store, "run-1", scored_frame(ledger_rows()))
    entry_ids = [f"{town}/{village}/2023-03/记-{n}/1" for town, village in VILLAGES for n in (1, 3)]
    errors: list[Exception] = []

    def decide(worker: int) -> None:
        try:
            for round_no in range(5):
                decide_entry(
                    store,
                    entry_id=entry_ids[(worker + round_no) % len(entry_ids)],
                    verdict="explained",
                    comment=f"第{round_no}轮",
                    username=f"user{worker}",
                )
        except Exception as error:  # surfaced below
            errors.append(error)

    workers = [threading.Thread(target=decide, args=(number,)) for number in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    verification = verify_audit_trail(store)
    assert (verification.ok, verification.checked) == (True, 1 + 4 * 5)


def test_list_columns_are_stored_as_json_texts_whatever_they_hold():
    lists = [["R01", "S02"], [], None, ["带中文", "a b"], ['引"号'], ["反\\斜线"], ["tab\t"]]
    expected = [json.dumps(items or [], ensure_ascii=False) for items in lists]
    arrow = pd.Series(pd.arrays.ArrowExtensionArray(pa.array(lists, type=pa.list_(pa.string()))))
    assert store_module._json_lists(arrow) == expected  # escaping needed: Python's json
    assert store_module._json_lists(arrow.iloc[:4]) == expected[:4]  # joined by Arrow
    assert store_module._json_lists(pd.Series(lists, dtype=object)) == expected
