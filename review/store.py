"""The findings store's queries: record a run's findings, read the cases known before a run.

Opening the store (engine, migrations, the run's transaction) is :mod:`review.db`. Writes are
bulk Core inserts: 50,000 findings are a few executemany calls, not ORM objects.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from review import tables
from review.audit_trail import append_action
from review.bulk import insert_frame, update_by_key
from review.db import Store, recording
from review.digest import RunDigest, check_scored_columns, digest_entries
from review.reconcile import CASE_CHANGES, CELL, case_changes, classify_changes

SYSTEM_ACTOR = "system"
# Cells per DELETE: three bound parameters each, well below SQLite's limit of 32,766.
_DELETE_BATCH = 2000
_COMPARED_ROWS = 100_000  # stored aggregate rows read back at once to compare
_NEEDS_ESCAPE = r'["\\\x00-\x1f]'  # what json.dumps escapes in a text (ensure_ascii off)


__all__ = ["KnownCases", "RunChanges", "lines_run", "read_known_cases", "record_run",
           "unchanged_findings"]


@dataclass(frozen=True)
class RunChanges:
    """What one run changed: flagged entries new, resolved, with changed content, unchanged;
    and the same of its cases (``cases``: new, resolved, changed, unchanged; runs recorded
    before cases have none)."""

    run_id: str
    new: int
    resolved: int
    changed: int
    unchanged: int
    cases: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _utc(moment: datetime | str) -> datetime:
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json_lists(values: pd.Series) -> list[str]:
    """A list column (Arrow list, Python lists or arrays) as JSON texts, as ``json.dumps`` of
    each list of texts writes them; joined by Arrow when no value needs escaping."""
    if isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_list(values.dtype.pyarrow_dtype):
        lists = pa.array(values)  # one array or chunks, as pandas holds them
        lists = lists.combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists
        if not pc.any(pc.match_substring_regex(lists.flatten(), _NEEDS_ESCAPE)).as_py():
            joined = pc.binary_join_element_wise("[\"", pc.binary_join(lists, '", "'), "\"]", "")
            empty = pc.fill_null(pc.equal(pc.list_value_length(lists), 0), True)
            return pc.if_else(empty, "[]", joined).to_pylist()
    return [json.dumps([str(item) for item in items] if items is not None and items is not pd.NA
                       else [], ensure_ascii=False) for items in values.tolist()]


def _finding_rows(run_id: str, flagged: pd.DataFrame) -> pd.DataFrame:
    rows = flagged[tables.ENTRY_FIELD_NAMES].copy()
    rows.insert(0, "run_id", run_id)
    rows["risk_score"] = flagged["risk_score"].astype(float)
    rows["rank"] = flagged["rank"].astype("int64")
    rows["rule_ids"] = _json_lists(flagged["rule_ids"])
    rows["signals"] = _json_lists(flagged["signals"])
    rows["reasons"] = flagged["reasons"]
    rows["case_id"] = flagged["case_id"].astype("str")
    return rows


def _case_rows(run_id: str, cases: pd.DataFrame) -> pd.DataFrame:
    """A run's cases (``models.cases.CASE_COLUMNS``) as ``run_cases`` rows."""
    rows = pd.DataFrame({
        "run_id": run_id,
        **{name: cases[name].astype("str") for name in (
            "case_id", "town", "village", "subject_kind", "subject_id", "raised_by")},
    }, index=cases.index)
    for name in ("periods", "rule_ids", "signals", "reasons"):
        rows[name] = _json_lists(cases[name])
    rows["risk_score"] = cases["risk_score"].astype(float)
    rows["amount_fen"] = cases["amount_fen"].astype("int64")
    rows["n_entries"] = [len(entry_ids) for entry_ids in cases["entry_ids"].tolist()]
    return rows.reset_index(drop=True)


def _quarantine_rows(run_id: str, quarantine: pd.DataFrame | None) -> pd.DataFrame:
    columns = ["source_file", "source_sheet", "source_row", "column", "reason", "raw"]
    if quarantine is None or quarantine.empty:
        return pd.DataFrame(columns=["run_id", "position", *columns])
    rows = quarantine.reindex(columns=columns)
    for name in columns:
        if name != "source_row":
            rows[name] = rows[name].fillna("").astype("str")
    rows["source_row"] = pd.to_numeric(rows["source_row"], errors="coerce").astype("Int64")
    rows.insert(0, "position", range(1, len(rows) + 1))
    rows.insert(0, "run_id", run_id)
    return rows


def _in_county(county: str | None) -> sa.ColumnElement[bool]:
    """Whether a case was last seen by a run of ``county`` (every case when None): two
    counties may both have a 青石镇 with a 坳山村, and one county's run must never resolve the
    other's findings (review/reconcile.py).

    ``runs.params`` holds the parameters as :func:`json.dumps` wrote them, where ``county`` is a
    top-level key only (checks/params.py)."""
    if county is None:
        return sa.true()
    needle = '"county": ' + json.dumps(county, ensure_ascii=False)
    county_runs = sa.select(tables.runs.c.run_id).where(
        tables.runs.c.params.contains(needle, autoescape=True))
    return tables.cases.c.last_run_id.in_(county_runs)


# Public for the other readers of cases by county (review/scorecards_store.py).
in_county = _in_county


def _known_cases(conn: sa.Connection, towns: list[str], county: str | None) -> pd.DataFrame:
    columns = [tables.cases.c[name]
               for name in ("entry_id", *CELL, "content_hash", "status", "case_id")]
    query = sa.select(*columns, _in_county(county).label("in_county")).where(
        tables.cases.c.town.in_(towns))
    names = [column.name for column in columns]
    frame = _frame(conn.execute(query).all(), [*names, "in_county"])
    return frame[names].astype("str").assign(in_county=frame["in_county"].astype("bool"))


@dataclass(frozen=True)
class KnownCases:
    """The stored cases of ``towns`` as the runs recorded so far (``runs``) left them, read
    before a run is recorded (:func:`read_known_cases`), while the flow still works."""

    towns: frozenset[str]
    runs: tuple[int, str]
    frame: pd.DataFrame
    county: str | None = None


def _runs_so_far(conn: sa.Connection) -> tuple[int, str]:
    """Which runs are recorded: their number and the last one's time. Only a recorded run
    changes cases, and it adds a row here in the same transaction."""
    count, last = conn.execute(
        sa.select(sa.func.count(), sa.func.max(tables.runs.c.recorded_at))).one()
    return int(count), str(last)


def read_known_cases(
    store: Store, towns: Iterable[str], county: str | None = None
) -> KnownCases:
    """The stored cases of ``towns`` (in ``county``), for :func:`record_run` to take instead
    of reading them in its transaction (about half a second for a county's)."""
    towns = sorted(set(towns))
    with store.engine.connect() as conn:
        runs = _runs_so_far(conn)  # first: a run recorded meanwhile makes the cases stale
        return KnownCases(frozenset(towns), runs, _known_cases(conn, towns, county), county)


def _cases_of(
    conn: sa.Connection, towns: list[str], county: str | None, ahead: KnownCases | None
) -> pd.DataFrame:
    """The stored cases of ``towns`` in ``county``: those read ahead if they cover the towns
    and county and no run has been recorded since, else read now."""
    if (ahead is None or not ahead.towns >= set(towns) or ahead.county != county
            or ahead.runs != _runs_so_far(conn)):
        return _known_cases(conn, towns, county)
    if ahead.towns == set(towns):
        return ahead.frame
    return ahead.frame[ahead.frame["town"].isin(towns)].reset_index(drop=True)


def _replace_cells(
    conn: sa.Connection, table: sa.Table, scope: pd.DataFrame, rows: pd.DataFrame, run_id: str
) -> None:
    """Bring an aggregate table's rows for the run's (town, village, period) cells up to date.

    A town whose cells and rows are those the store last wrote for it (same digest, table
    ``aggregate_sources``) is left alone without reading its rows back, so a rerun after one
    village's correction touches one town, whatever the county's size. In the other towns,
    only cells whose figures differ from the stored ones are deleted and written again; an
    unchanged cell keeps its rows and the run that wrote them. Towns are compared a group at
    a time, so a city's stored rows are never all in memory at once."""
    digests = _town_digests(scope, rows.drop(columns="run_id"))
    sources = tables.aggregate_sources
    stored = dict(conn.execute(
        sa.select(sources.c.town, sources.c.rows_digest).where(
            sources.c.table_name == table.name, sources.c.town.in_(list(digests)))).all())
    changed = [town for town, digest in digests.items() if stored.get(town) != digest]
    if not changed:
        return
    scope = scope[scope["town"].isin(changed)]
    rows = rows[rows["town"].isin(changed)]
    for towns in _town_groups(scope, rows):
        _replace_town_cells(conn, table, scope[scope["town"].isin(towns)],
                            rows[rows["town"].isin(towns)])
    conn.execute(sa.delete(sources).where(sources.c.table_name == table.name,
                                          sources.c.town.in_(changed)))
    insert_frame(conn, sources, pd.DataFrame({
        "table_name": table.name, "town": changed,
        "rows_digest": [digests[town] for town in changed], "run_id": run_id}))


def _town_digests(scope: pd.DataFrame, rows: pd.DataFrame) -> dict[str, str]:
    """Per town of ``scope``, a SHA-256 of its cells and its rows, in any order."""
    return _digests_by_town(scope["town"].unique(), scope[CELL], rows)


def _digests_by_town(towns: Iterable[str], *frames: pd.DataFrame) -> dict[str, str]:
    """Per town of ``towns``, a SHA-256 of each frame's rows of that town, in any order."""
    hashed = [(pd.util.hash_pandas_object(frame, index=False).to_numpy(),
               frame.groupby("town", sort=False).indices) for frame in frames]
    digests = {}
    for town in towns:
        digest = hashlib.sha256()
        for hashes, positions in hashed:
            digest.update(np.sort(hashes[positions.get(town, [])]).tobytes())
            digest.update(b"\x1e")
        digests[town] = digest.hexdigest()
    return digests


def _town_groups(scope: pd.DataFrame, rows: pd.DataFrame) -> list[list[str]]:
    """The scope's towns in groups of about ``_COMPARED_ROWS`` aggregate rows."""
    per_town = rows["town"].value_counts()
    groups: list[list[str]] = [[]]
    filled = 0
    for town in sorted(scope["town"].unique()):
        if filled >= _COMPARED_ROWS:
            groups.append([])
            filled = 0
        groups[-1].append(town)
        filled += int(per_town.get(town, 0))
    return [group for group in groups if group]


def _replace_town_cells(
    conn: sa.Connection, table: sa.Table, scope: pd.DataFrame, rows: pd.DataFrame
) -> None:
    figures = [name for name in rows.columns if name != "run_id"]
    stored = _stored_figures(conn, table, sorted(scope["town"].unique()), figures)
    compared = _comparable(table, rows[figures]).merge(
        _comparable(table, stored).merge(scope[CELL], on=CELL), how="outer", on=figures,
        indicator=True)
    changed = compared.loc[compared["_merge"] != "both", CELL].drop_duplicates()
    cells = list(changed.itertuples(index=False, name=None))
    key = sa.tuple_(*(table.c[name] for name in CELL))
    for start in range(0, len(cells), _DELETE_BATCH):
        conn.execute(sa.delete(table).where(key.in_(cells[start : start + _DELETE_BATCH])))
    insert_frame(conn, table, rows.merge(changed, on=CELL))


def _stored_figures(
    conn: sa.Connection, table: sa.Table, towns: list[str], figures: list[str]
) -> pd.DataFrame:
    query = sa.select(*(table.c[name] for name in figures)).where(table.c.town.in_(towns))
    return _frame(conn.execute(query).all(), figures)


def _frame(rows: list[sa.Row], columns: list[str]) -> pd.DataFrame:
    """Rows as a frame, column by column (pandas looking into each Row costs twice as much)."""
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(dict(zip(columns, zip(*rows, strict=True), strict=True)))


def _comparable(table: sa.Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The table's figures in one set of types: its whole numbers as int64, the rest as text."""
    return frame.astype({name: "int64" if table.c[name].type.python_type is int else "str"
                         for name in frame.columns})


def _update_cases(
    conn: sa.Connection,
    run_id: str,
    changes: pd.DataFrame,
    flagged: pd.DataFrame,
    known: pd.DataFrame,
) -> None:
    """Open or refresh the run's findings as cases; close the resolved ones.

    Needs the run's findings stored. Every finding's case is reopened and marked as last seen
    in this run by one statement the database runs; only cases whose content this run loaded
    differently (a correction) are rewritten row by row. ``known`` holds the
    stored cases of the run's towns (:func:`_known_cases`)."""
    current = flagged[["entry_id", *CELL, "content_hash", "case_id"]]
    stored_hash = current["entry_id"].map(known.set_index("entry_id")["content_hash"])
    fresh = current.loc[stored_hash.isna()].assign(
        status="open", first_run_id=run_id, last_run_id=run_id, resolved_run_id=None
    )
    insert_frame(conn, tables.cases, fresh)
    findings = tables.findings
    in_run = sa.select(findings.c.entry_id).where(findings.c.run_id == run_id)
    conn.execute(
        sa.update(tables.cases)
        .where(tables.cases.c.entry_id.in_(in_run))
        .values(status="open", last_run_id=run_id, resolved_run_id=None)
    )
    # The cell is part of the entry id, so only the content or the case of a known entry can
    # differ; grouped differently, it moves to its new case.
    stored_case = current["entry_id"].map(known.set_index("entry_id")["case_id"])
    corrected = stored_hash.notna() & (
        (stored_hash != current["content_hash"]) | (stored_case != current["case_id"]))
    update_by_key(conn, tables.cases, current.loc[corrected], key="entry_id")
    resolved = changes.loc[changes["change"] == "resolved", ["entry_id"]]
    update_by_key(
        conn,
        tables.cases,
        resolved.assign(status="resolved", resolved_run_id=run_id),
        key="entry_id",
    )


def _store_town_rows(
    conn: sa.Connection, run_id: str, findings: pd.DataFrame, case_rows: pd.DataFrame,
    lines: pd.DataFrame, sources: Mapping[str, str],
) -> None:
    """Store the run's findings, their cases and their vouchers' lines (``findings`` as
    :func:`_finding_rows` makes them, ``case_rows`` as :func:`_case_rows`, ``lines`` with the
    run id), town by town.

    A town whose rows, all but run id and rank, are those an earlier run stored (same digest
    in ``town_rows``) has its findings copied by the database from that run, with this run's
    ranks, and its voucher lines left where they are stored (``town_rows.lines_from``, read
    through :func:`lines_run`): after one village's correction a rerun sends one town's rows,
    not the county's. A town's digest is the key of the part its rows come from (``sources``,
    from the flow), else a hash of the rows. Only rows stored whole by a run are ever copied
    (``findings`` and ``voucher_lines`` are never updated), so a copy is what inserting them
    would store."""
    towns = findings["town"].unique()
    hashed = [town for town in towns if town not in sources]
    digests = {town: f"part:{sources[town]}" for town in towns if town in sources}
    if hashed:
        digests |= _digests_by_town(
            hashed, findings.loc[findings["town"].isin(hashed)].drop(columns=["run_id", "rank"]),
            case_rows.loc[case_rows["town"].isin(hashed)].drop(columns="run_id"),
            lines.loc[lines["town"].isin(hashed)].drop(columns="run_id"))
    if not digests:
        return
    town_rows = tables.town_rows
    matches = conn.execute(
        sa.select(town_rows.c.town, town_rows.c.rows_digest, town_rows.c.run_id,
                  town_rows.c.lines_from)
        .join(tables.runs, tables.runs.c.run_id == town_rows.c.run_id)
        .where(town_rows.c.town.in_(list(digests)))
        .order_by(tables.runs.c.recorded_at)
    ).all()
    # the latest run that stored each town's rows as they are now, and where their lines are
    found = {town: (source, lines_from) for town, digest, source, lines_from in matches
             if digests[town] == digest}
    copied = findings["town"].isin(list(found))
    insert_frame(conn, tables.findings, findings.loc[~copied])
    insert_frame(conn, tables.run_cases, case_rows.loc[~case_rows["town"].isin(list(found))])
    insert_frame(conn, tables.voucher_lines, lines.loc[~lines["town"].isin(list(found))])
    if found:
        _copy_findings(conn, run_id, {town: source for town, (source, _) in found.items()},
                       findings.loc[copied, ["entry_id", "rank"]])
    insert_frame(conn, town_rows, pd.DataFrame({
        "run_id": run_id, "town": list(digests), "rows_digest": list(digests.values()),
        "copied_from": [found[town][0] if town in found else None for town in digests],
        "lines_from": [found[town][1] if town in found else run_id for town in digests]}))


def lines_run(run_id: Any, town: Any) -> sa.ColumnElement[str]:
    """The run whose ``voucher_lines`` rows are the lines ``run_id`` saw in ``town`` (values
    or columns): the run itself unless it found the town as an earlier run stored it (a run
    recorded before ``town_rows`` existed has no row there and holds its own lines)."""
    town_rows = tables.town_rows
    stored = (sa.select(town_rows.c.lines_from)
              .where(town_rows.c.run_id == run_id, town_rows.c.town == town)
              .scalar_subquery())
    return sa.func.coalesce(stored, run_id)


def unchanged_findings(*columns: sa.ColumnElement[Any]) -> sa.Select:
    """``columns`` (of ``findings``) of the findings that their run left unchanged: those with
    no row in ``finding_changes`` for the same run (the record keeps rows only for what
    changed). Narrow it with ``.where`` on ``findings`` columns."""
    changes = tables.finding_changes
    return sa.select(*columns).where(~sa.exists().where(
        changes.c.run_id == tables.findings.c.run_id,
        changes.c.entry_id == tables.findings.c.entry_id))


def _copy_findings(
    conn: sa.Connection, run_id: str, sources: dict[str, str], ranks: pd.DataFrame
) -> None:
    """Copy the findings of each town in ``sources`` (town → the run whose rows to copy) to
    ``run_id``, with their ``ranks`` in this run."""
    staged = sa.Table("staged_ranks", sa.MetaData(),
                      sa.Column("entry_id", sa.String(128), primary_key=True),
                      sa.Column("rank", sa.Integer, nullable=False), prefixes=["TEMPORARY"])
    staged.create(conn)
    insert_frame(conn, staged, ranks)
    findings = tables.findings
    by_source: dict[str, list[str]] = {}
    for town, source in sources.items():
        by_source.setdefault(source, []).append(town)
    run_cases = tables.run_cases
    for source, towns in by_source.items():
        conn.execute(sa.insert(run_cases).from_select(
            [column.name for column in run_cases.columns],
            sa.select(*(sa.literal(run_id, run_cases.c.run_id.type).label("run_id")
                        if column.name == "run_id" else column for column in run_cases.columns))
            .where(run_cases.c.run_id == source, run_cases.c.town.in_(towns))))
        conn.execute(sa.insert(findings).from_select(
            [column.name for column in findings.columns],
            sa.select(*(sa.literal(run_id, findings.c.run_id.type).label("run_id")
                        if column.name == "run_id" else
                        staged.c.rank if column.name == "rank" else column
                        for column in findings.columns))
            .join(staged, staged.c.entry_id == findings.c.entry_id)
            .where(findings.c.run_id == source, findings.c.town.in_(towns))))
    staged.drop(conn)


def _recorded_changes(store: Store, run_id: str) -> RunChanges | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(tables.runs).where(tables.runs.c.run_id == run_id)).first()
    if row is None:
        return None
    return RunChanges(
        run_id=run_id,
        new=row.n_new,
        resolved=row.n_resolved,
        changed=row.n_changed,
        unchanged=row.n_unchanged,
        cases=None if row.n_new_cases is None else {
            kind: getattr(row, f"n_{kind}_cases") for kind in CASE_CHANGES},
    )


def record_run(
    store: Store,
    *,
    run_id: str,
    started_at: datetime | str,
    finished_at: datetime | str,
    inputs: list[str],
    out_dir: str,
    params: Mapping[str, Any],
    entries: pd.DataFrame | None = None,
    digest: RunDigest | None = None,
    quarantine: pd.DataFrame | None = None,
    rule_titles: Mapping[str, str] | None = None,
    known_cases: KnownCases | None = None,
) -> RunChanges:
    """Store one run's findings and what they change, in one transaction.

    ``entries`` is the scored frame (canonical columns plus risk_score, rule_ids, signals,
    flagged, reasons, rank); a finding is a flagged entry. A flow that cannot hold all its
    entries at once passes ``digest`` instead, combined from its towns' digests
    (review/digest.py); pass exactly one of the two. Dispositions are not touched: a decision
    stays attached to its entries' ids and content hashes and the case it was made on, so an
    unchanged case keeps it, and a corrected or regrouped one shows it as history.
    ``rule_titles`` (rule or signal id → Chinese title) makes pages readable; ``quarantine``
    (quarantine.csv's columns, README.md 你会得到什么) feeds the agency's report.
    ``known_cases`` (:func:`read_known_cases`) are taken unless a run was recorded since.

    Recording a run id that is already stored changes nothing and returns what was recorded
    then, so a retried flow task is harmless.
    """
    if (entries is None) == (digest is None):
        raise TypeError("record_run takes either entries or digest, exactly one of them")
    check_scored_columns(entries if digest is None else digest.flagged)
    recorded = _recorded_changes(store, run_id)
    if recorded is not None:
        return recorded
    if digest is None:
        digest = digest_entries(entries)
    flagged = digest.flagged
    scope = digest.scope
    quarantine_rows = _quarantine_rows(run_id, quarantine)
    with recording(store) as conn:
        known = _cases_of(conn, sorted(scope["town"].unique()), params.get("county"),
                          known_cases)
        changes = classify_changes(known_cases=known, findings=flagged, scope=scope)
        counts = changes["change"].value_counts()
        summary = RunChanges(
            run_id=run_id,
            **{
                kind: int(counts.get(kind, 0))
                for kind in ("new", "resolved", "changed", "unchanged")
            },
            cases=case_changes(known_cases=known, findings=flagged, changes=changes),
        )
        run_row = {
            "run_id": run_id,
            "started_at": _utc(started_at),
            "finished_at": _utc(finished_at),
            "recorded_at": datetime.now(UTC),
            "inputs": json.dumps([str(item) for item in inputs], ensure_ascii=False),
            "out_dir": str(out_dir),
            "params": json.dumps(params, ensure_ascii=False, default=str),
            "n_entries": digest.n_entries,
            "n_findings": len(flagged),
            "n_new": summary.new,
            "n_resolved": summary.resolved,
            "n_changed": summary.changed,
            "n_unchanged": summary.unchanged,
            **{f"n_{kind}_cases": count for kind, count in summary.cases.items()},
            "n_quarantined": len(quarantine_rows),
        }
        conn.execute(sa.insert(tables.runs), [run_row])
        insert_frame(conn, tables.run_scope, scope.assign(run_id=run_id))
        insert_frame(conn, tables.run_files, digest.run_files.assign(run_id=run_id))
        _store_town_rows(conn, run_id, _finding_rows(run_id, flagged),
                         _case_rows(run_id, digest.cases),
                         digest.voucher_lines.assign(run_id=run_id), digest.sources)
        # a finding of this run with no row there is unchanged (tables.finding_changes)
        insert_frame(conn, tables.finding_changes,
                     changes.loc[changes["change"] != "unchanged"].assign(run_id=run_id))
        insert_frame(conn, tables.quarantine, quarantine_rows)
        _update_cases(conn, run_id, changes, flagged, known)
        _replace_cells(
            conn, tables.village_accounts, scope, digest.village_accounts.assign(run_id=run_id),
            run_id,
        )
        _replace_cells(
            conn, tables.payee_periods, scope, digest.payee_periods.assign(run_id=run_id), run_id
        )
        _store_registers(conn, run_id, digest.registers)
        if rule_titles:
            _upsert_rule_titles(conn, rule_titles)
        append_action(
            conn,
            anchor=store.trail.anchor(),
            actor=SYSTEM_ACTOR,
            action="run.record",
            target=run_id,
            after={
                **summary.to_dict(),
                "n_entries": digest.n_entries,
                "n_findings": len(flagged),
            },
        )
    return summary


# What the store keeps of a register evidence line: the voucher line's columns a page shows.
_REGISTER_LINE_COLUMNS = [column.name for column in tables.register_lines.columns
                          if column.name != "run_id"]


def _store_registers(conn: sa.Connection, run_id: str,
                     registers: Mapping[str, pd.DataFrame]) -> None:
    """Keep the pages' view of the run's checked registers (``RunDigest.registers``): each
    register case's subject (the latest, by case), each village's contracts per year (a
    village's rows replaced whole) and the journal lines the findings rest on (``context``,
    the latest content per town and entry)."""
    subjects = registers.get("subjects")
    if subjects is not None and len(subjects):
        rows = subjects.drop_duplicates("case_id", keep="last")
        _delete_keys(conn, tables.register_subjects, rows, ["case_id"])
        insert_frame(conn, tables.register_subjects,
                     rows[[column.name for column in tables.register_subjects.columns
                           if column.name != "run_id"]].assign(run_id=run_id))
    contracts = registers.get("village_contracts")
    if contracts is not None and len(contracts):
        _delete_keys(conn, tables.village_contracts, contracts, ["town", "village"])
        insert_frame(conn, tables.village_contracts, contracts[[
            column.name for column in tables.village_contracts.columns
            if column.name != "run_id"]].assign(run_id=run_id))
    lines = registers.get("context")
    if lines is not None and len(lines):
        rows = lines.drop_duplicates(["town", "entry_id"])[_REGISTER_LINE_COLUMNS]
        _delete_keys(conn, tables.register_lines, rows, ["town", "entry_id"])
        insert_frame(conn, tables.register_lines, rows.assign(run_id=run_id))


def _delete_keys(conn: sa.Connection, table: sa.Table, rows: pd.DataFrame,
                 key: list[str]) -> None:
    """Delete the table's rows whose ``key`` columns hold a key of ``rows``."""
    keys = list(rows[key].drop_duplicates().itertuples(index=False, name=None))
    column = (table.c[key[0]] if len(key) == 1
              else sa.tuple_(*(table.c[name] for name in key)))
    for start in range(0, len(keys), _DELETE_BATCH):
        batch = keys[start : start + _DELETE_BATCH]
        conn.execute(sa.delete(table).where(column.in_(
            [item[0] for item in batch] if len(key) == 1 else batch)))


def _upsert_rule_titles(conn: sa.Connection, rule_titles: Mapping[str, str]) -> None:
    conn.execute(
        sa.delete(tables.rule_titles).where(tables.rule_titles.c.rule_id.in_(list(rule_titles)))
    )
    conn.execute(
        sa.insert(tables.rule_titles),
        [{"rule_id": rule_id, "title": title} for rule_id, title in rule_titles.items()],
    )
