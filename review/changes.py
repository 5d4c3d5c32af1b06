"""What a run changed, by village and period, for the operator who reran a corrected ledger."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import sqlalchemy as sa

from review import tables
from review.db import Store
from review.store import unchanged_findings

CHANGES = ("new", "resolved", "changed", "unchanged")


def run_changes(
    store: Store, *, run_id: str, villages: list[str] | None = None,
    periods: list[str] | None = None,
) -> pd.DataFrame:
    """Findings the run made new, resolved, changed or left unchanged, counted per town,
    village and period (``YYYY-MM``), optionally only for some villages and periods."""
    changes, cases, findings = tables.finding_changes, tables.cases, tables.findings
    changed = (
        sa.select(changes.c.town, changes.c.village, cases.c.period, changes.c.change,
                  sa.func.count().label("n"))
        .join(cases, cases.c.entry_id == changes.c.entry_id)
        .where(changes.c.run_id == run_id)
        .group_by(changes.c.town, changes.c.village, cases.c.period, changes.c.change)
    )
    unchanged = (
        unchanged_findings(findings.c.town, findings.c.village, findings.c.period,
                           sa.literal("unchanged").label("change"), sa.func.count().label("n"))
        .where(findings.c.run_id == run_id)
        .group_by(findings.c.town, findings.c.village, findings.c.period)
    )
    if villages:
        changed = changed.where(changes.c.village.in_(villages))
        unchanged = unchanged.where(findings.c.village.in_(villages))
    if periods:
        changed = changed.where(cases.c.period.in_(periods))
        unchanged = unchanged.where(findings.c.period.in_(periods))
    with store.engine.connect() as conn:
        rows = [*conn.execute(changed).all(), *conn.execute(unchanged).all()]
    counted = pd.DataFrame(rows, columns=["town", "village", "period", "change", "n"])
    return counted.sort_values(["town", "village", "period"], kind="stable", ignore_index=True)


def change_totals(changes: pd.DataFrame) -> dict[str, int]:
    counts = changes.groupby("change")["n"].sum()
    return {kind: int(counts.get(kind, 0)) for kind in CHANGES}


def latest_run(store: Store) -> dict[str, Any] | None:
    """The most recently recorded run's id, inputs and output folder (None on a new store)."""
    runs = tables.runs
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(runs.c.run_id, runs.c.inputs, runs.c.out_dir)
            .order_by(runs.c.recorded_at.desc()).limit(1)
        ).first()
    if row is None:
        return None
    return {"run_id": row.run_id, "inputs": json.loads(row.inputs), "out_dir": row.out_dir}


def audited_villages(store: Store) -> set[str]:
    """Every village some recorded run loaded entries of: what a rerun may name."""
    with store.engine.connect() as conn:
        return set(conn.execute(sa.select(tables.run_scope.c.village).distinct()).scalars())
