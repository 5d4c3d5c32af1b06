"""Run history and quarantine reports, limited to the towns a user may see.

Counts per run come from ``finding_changes`` and ``run_scope`` so that an inspector of one
town sees what a county-wide run changed in their town, not the county's totals; findings left
unchanged are those neither new nor changed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import sqlalchemy as sa

from review.queue import cases_query
from review.queue_filter import RUN_CHANGES, QueueFilter
from review.tables import finding_changes, quarantine, run_files, run_scope, runs

if TYPE_CHECKING:
    from review.db import Store
    from review.users import User

RUN_LIST_LIMIT = 200
QUARANTINE_PAGE_LIMIT = 500


def _visible_runs(user: User) -> sa.Select:
    query = sa.select(runs)
    if not user.sees_all_towns:
        in_towns = sa.select(run_scope.c.run_id).where(run_scope.c.town.in_(user.towns))
        query = query.where(runs.c.run_id.in_(in_towns))
    return query


def _quarantine_visible(user: User) -> list[sa.ColumnElement[bool]]:
    """Quarantined rows of files that loaded entries of the user's towns, and rows of files
    that loaded nothing at all (their town is unknown, and the agency must see them)."""
    if user.sees_all_towns:
        return []
    same_file = sa.and_(
        run_files.c.run_id == quarantine.c.run_id,
        run_files.c.source_file == quarantine.c.source_file,
    )
    own_town = sa.exists().where(same_file, run_files.c.town.in_(user.towns))
    return [sa.or_(own_town, ~sa.exists().where(same_file))]


def run_history(store: Store, *, user: User) -> list[dict[str, Any]]:
    """Runs newest first, with entries, findings and change counts in the user's towns."""
    town_limit = [] if user.sees_all_towns else [run_scope.c.town.in_(user.towns)]
    change_limit = [] if user.sees_all_towns else [finding_changes.c.town.in_(user.towns)]
    with store.engine.connect() as conn:
        listed = conn.execute(
            _visible_runs(user).order_by(runs.c.started_at.desc()).limit(RUN_LIST_LIMIT)
        ).all()
        run_ids = [row.run_id for row in listed]
        sizes = {
            row.run_id: row
            for row in conn.execute(
                sa.select(
                    run_scope.c.run_id,
                    sa.func.sum(run_scope.c.n_entries).label("n_entries"),
                    sa.func.sum(run_scope.c.n_findings).label("n_findings"),
                    sa.func.count(sa.distinct(run_scope.c.village)).label("n_villages"),
                )
                .where(run_scope.c.run_id.in_(run_ids), *town_limit)
                .group_by(run_scope.c.run_id)
            )
        }
        quarantined = dict(
            conn.execute(
                sa.select(quarantine.c.run_id, sa.func.count())
                .where(quarantine.c.run_id.in_(run_ids), *_quarantine_visible(user))
                .group_by(quarantine.c.run_id)
            ).all()
        )
        counts: dict[str, dict[str, int]] = {}
        for run_id, change, count in conn.execute(
            sa.select(finding_changes.c.run_id, finding_changes.c.change, sa.func.count())
            .where(finding_changes.c.run_id.in_(run_ids), *change_limit)
            .group_by(finding_changes.c.run_id, finding_changes.c.change)
        ):
            counts.setdefault(run_id, {})[change] = count
    history = []
    for row in listed:
        size = sizes.get(row.run_id)
        changed = counts.get(row.run_id, {})
        history.append(
            {
                **row._mapping,
                "inputs": json.loads(row.inputs),
                "n_entries": int(size.n_entries) if size else 0,
                "n_findings": int(size.n_findings) if size else 0,
                "n_villages": int(size.n_villages) if size else 0,
                "n_quarantined": quarantined.get(row.run_id, 0),
                **{f"n_{kind}": changed.get(kind, 0) for kind in ("new", "resolved", "changed")},
                # every finding of the run is new, changed or else unchanged
                "n_unchanged": (int(size.n_findings) if size else 0)
                - changed.get("new", 0) - changed.get("changed", 0),
            }
        )
    return history


def run_detail(store: Store, *, user: User, run_id: str) -> dict[str, Any] | None:
    """One run's villages (in the user's towns) and its quarantined rows."""
    with store.engine.connect() as conn:
        row = conn.execute(_visible_runs(user).where(runs.c.run_id == run_id)).first()
        if row is None:
            return None
        town_limit = [] if user.sees_all_towns else [run_scope.c.town.in_(user.towns)]
        villages = conn.execute(
            sa.select(
                run_scope.c.town,
                run_scope.c.village,
                sa.func.min(run_scope.c.period).label("first_period"),
                sa.func.max(run_scope.c.period).label("last_period"),
                sa.func.sum(run_scope.c.n_entries).label("n_entries"),
                sa.func.sum(run_scope.c.n_findings).label("n_findings"),
            )
            .where(run_scope.c.run_id == run_id, *town_limit)
            .group_by(run_scope.c.town, run_scope.c.village)
            .order_by(run_scope.c.town, run_scope.c.village)
        ).all()
        in_run = [quarantine.c.run_id == run_id, *_quarantine_visible(user)]
        quarantined = conn.execute(
            sa.select(quarantine)
            .where(*in_run)
            .order_by(quarantine.c.position)
            .limit(QUARANTINE_PAGE_LIMIT)
        ).all()
        n_quarantined = conn.execute(
            sa.select(sa.func.count()).select_from(quarantine).where(*in_run)
        ).scalar_one()
    return {
        "run": {**row._mapping, "inputs": json.loads(row.inputs)},
        "case_changes": run_case_changes(store, user=user, run_id=run_id)
        if user.sees_dispositions else [],
        "villages": [dict(village._mapping) for village in villages],
        "quarantine": [dict(item._mapping) for item in quarantined],
        "quarantine_shown": len(quarantined),
        "quarantine_total": n_quarantined,
    }


def run_case_changes(store: Store, *, user: User, run_id: str) -> list[dict[str, Any]]:
    """The cases the run made new, changed (a correction or regrouping) and resolved, in the
    user's towns: each a count and the queue filtered to them."""
    listed = []
    with store.engine.connect() as conn:
        for change, label in RUN_CHANGES.items():
            wanted = QueueFilter(run=run_id, change=change, status="all")
            count = conn.execute(sa.select(sa.func.count()).select_from(
                cases_query(user, wanted).subquery())).scalar_one()
            listed.append({"change": change, "label": label, "count": count,
                           "url": "/queue?" + urlencode(wanted.query_params())})
    return listed
