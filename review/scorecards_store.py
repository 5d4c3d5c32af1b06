"""Village scorecards in the store: the cases they count, keeping them, and reading them back
for the town overview and the village page (keyword-only data access).

A case's year is the year of its earliest line; its status is the one the queue shows
(review/queue.py): resolved when none of its lines is flagged any more, else the verdict in
force on every line, else reopened or open.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from checks.scorecard_params import ScorecardParams
from review import tables
from review.bulk import insert_frame
from review.dispositions import latest_dispositions

if TYPE_CHECKING:
    from review.db import Store
    from review.users import User

SCORECARD_COLUMNS = [column.name for column in tables.scorecards.columns
                     if column.name != "run_id"]
_CASE_STATE_COLUMNS = ["case_id", "town", "village", "period", "run_id", "n_entries", "n_open",
                       "n_decided", "low_verdict", "verdict", "n_decided_before"]


def read_scorecard_cases(store: Store, *, towns: list[str], county: str | None = None
                         ) -> pd.DataFrame:
    """The cases of ``towns`` last seen by a run of ``county``: ``town``, ``village``,
    ``year``, ``rule`` (raised by a stated rule) and ``status``."""
    from review.store import in_county

    cases, runs_cases = tables.cases, tables.run_cases
    decision = latest_dispositions()
    in_force = decision.c.case_id == cases.c.case_id
    decided_before = sa.exists(sa.select(tables.dispositions.c.disposition_id)
                               .where(tables.dispositions.c.entry_id == cases.c.entry_id))
    state = (
        sa.select(
            cases.c.case_id, sa.func.min(cases.c.town).label("town"),
            sa.func.min(cases.c.village).label("village"),
            sa.func.min(cases.c.period).label("period"),
            sa.func.min(cases.c.last_run_id).label("run_id"),
            sa.func.count().label("n_entries"),
            sa.func.sum(sa.case((cases.c.status == "open", 1), else_=0)).label("n_open"),
            sa.func.sum(sa.case((in_force, 1), else_=0)).label("n_decided"),
            sa.func.min(sa.case((in_force, decision.c.verdict))).label("low_verdict"),
            sa.func.max(sa.case((in_force, decision.c.verdict))).label("verdict"),
            sa.func.sum(sa.case((decided_before, 1), else_=0)).label("n_decided_before"),
        )
        .select_from(cases)
        .outerjoin(decision, sa.and_(decision.c.entry_id == cases.c.entry_id,
                                     decision.c.content_hash == cases.c.content_hash))
        .where(cases.c.town.in_(towns), in_county(county))
        .group_by(cases.c.case_id)
    ).subquery()
    query = (sa.select(*state.c, runs_cases.c.rule_ids)
             .select_from(state)
             .outerjoin(runs_cases, sa.and_(runs_cases.c.run_id == state.c.run_id,
                                            runs_cases.c.case_id == state.c.case_id)))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=[*_CASE_STATE_COLUMNS, "rule_ids"])
    return _case_status(frame)


def _case_status(frame: pd.DataFrame) -> pd.DataFrame:
    decided = (frame["verdict"].notna() & (frame["n_decided"] == frame["n_entries"])
               & (frame["low_verdict"] == frame["verdict"]))
    status = frame["verdict"].where(decided, "open").where(
        decided | (frame["n_decided_before"] == 0), "reopened").where(frame["n_open"] > 0,
                                                                      "resolved")
    rule = frame["rule_ids"].map(lambda text: bool(json.loads(text)) if text else False)
    return pd.DataFrame({
        "town": frame["town"], "village": frame["village"],
        "year": frame["period"].str[:4].astype("int64"), "rule": rule.astype(bool),
        "status": status.astype(str)})


def store_scorecards(store: Store, *, run_id: str, scorecards: pd.DataFrame) -> None:
    """Keep the run's scorecards: each village's rows replace the ones stored before."""
    if scorecards.empty:
        return
    villages = list(scorecards[["town", "village"]].drop_duplicates().itertuples(
        index=False, name=None))
    table = tables.scorecards
    rows = scorecards[SCORECARD_COLUMNS].astype(object).where(scorecards[SCORECARD_COLUMNS]
                                                              .notna(), None)
    with store.engine.begin() as conn:
        for start in range(0, len(villages), 1000):
            conn.execute(sa.delete(table).where(sa.tuple_(table.c.town, table.c.village).in_(
                villages[start:start + 1000])))
        insert_frame(conn, table, rows.assign(run_id=run_id))


def _visible(user: User) -> list[sa.ColumnElement[bool]]:
    return [] if user.sees_all_towns else [tables.scorecards.c.town.in_(user.towns)]


def scorecard_towns(store: Store, *, user: User) -> list[dict[str, object]]:
    """The towns with scorecards the user may see: their villages and latest year."""
    table = tables.scorecards
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(table.c.town, sa.func.count(sa.distinct(table.c.village)).label("villages"),
                      sa.func.max(table.c.year).label("year"))
            .where(*_visible(user)).group_by(table.c.town).order_by(table.c.town)).all()
    return [dict(row._mapping) for row in rows]


def read_scorecards(store: Store, *, user: User, town: str, village: str | None = None
                    ) -> pd.DataFrame:
    """The stored scorecards of a town (or of one of its villages) the user may see, by
    village and year, with the run that computed them; empty when the town is not the
    user's."""
    table = tables.scorecards
    columns = [*SCORECARD_COLUMNS, "run_id"]
    if not user.may_see_town(town):
        return pd.DataFrame(columns=columns)
    query = sa.select(*(table.c[name] for name in columns)).where(table.c.town == town)
    if village is not None:
        query = query.where(table.c.village == village)
    with store.engine.connect() as conn:
        rows = conn.execute(query.order_by(table.c.village, table.c.year)).all()
    return pd.DataFrame(rows, columns=columns)


def lines_in_force(store: Store, *, run_id: str, town: str) -> ScorecardParams:
    """The scorecard parameters the run ``run_id`` coloured the town's villages by (the
    defaults where that run recorded none)."""
    with store.engine.connect() as conn:
        text = conn.execute(sa.select(tables.runs.c.params)
                            .where(tables.runs.c.run_id == run_id)).scalar_one_or_none()
    recorded = json.loads(text).get("scorecards") if text else None
    return ScorecardParams.model_validate(recorded or {}).for_town(town)
