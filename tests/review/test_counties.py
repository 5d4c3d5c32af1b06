"""Two counties in one store: a run resolves findings only within its own county (issue 26:
a sample audited after the demo once resolved the demo's findings, their towns and villages
being named alike)."""

from __future__ import annotations

import sqlalchemy as sa

from review import tables
from review.store import read_known_cases, record_run
from tests.review.ledgers import ledger_rows, scored_frame

START = "2026-11-24T08:00:00+00:00"


def _run(store, run_id: str, county: str, *, flagged: set[str] | None = None, **extra):
    return record_run(store, run_id=run_id, started_at=START, finished_at=START, inputs=[],
                      out_dir=f"/tmp/{run_id}", params={"county": county},
                      entries=scored_frame(ledger_rows(), flagged), **extra)


def _statuses(store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return dict(conn.execute(sa.select(tables.cases.c.status, sa.func.count())
                                 .group_by(tables.cases.c.status)).all())


def test_a_county_never_resolves_another_countys_findings(store):
    first = _run(store, "east-1", "东县")
    assert first.new > 0
    # the other county's books name the same towns and villages and flag nothing
    west = _run(store, "west-1", "西县", flagged=set())
    assert west.resolved == 0 and west.cases["resolved"] == 0
    assert _statuses(store) == {"open": first.new}
    # read ahead, as the flow does, the same holds
    ahead = read_known_cases(store, ["青石镇", "白沙镇"], "西县")
    assert _run(store, "west-2", "西县", flagged=set(), known_cases=ahead).resolved == 0
    # the county's own run still resolves them
    again = _run(store, "east-2", "东县", flagged=set())
    assert again.resolved == first.new and _statuses(store) == {"resolved": first.new}


def test_a_county_name_with_like_wildcards_is_matched_exactly(store):
    first = _run(store, "a-1", "甲_县%")
    assert _run(store, "b-1", "甲A县x", flagged=set()).resolved == 0
    assert _run(store, "a-2", "甲_县%", flagged=set()).resolved == first.new
