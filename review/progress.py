"""How much of each town and village has been reviewed: cases raised, concluded, in hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from review.queue import cases_query
from review.queue_filter import QueueFilter

if TYPE_CHECKING:
    from review.db import Store
    from review.users import User


@dataclass(frozen=True)
class Progress:
    town: str
    village: str  # empty on a town's row
    cases: int  # cases still flagged, or concluded
    concluded: int
    investigating: int

    @property
    def share(self) -> float:
        return self.concluded / self.cases if self.cases else 1.0

    @property
    def percent(self) -> str:
        return f"{self.share:.0%}"


def review_progress(store: Store, *, user: User, town: str = "") -> list[Progress]:
    """Per town (or, with ``town``, per village of it): the share of its cases concluded.
    Cases that later runs resolved count only if they were concluded first."""
    query = cases_query(user, QueueFilter(town=town, status="all"), with_status=False).subquery()
    level = [query.c.town, query.c.village] if town else [query.c.town]
    concluded = sa.func.sum(sa.case((query.c.work_status == "concluded", 1), else_=0))
    investigating = sa.func.sum(sa.case((query.c.work_status == "investigating", 1), else_=0))
    counted = sa.func.sum(sa.case((query.c.work_status != "resolved", 1), else_=0))
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(*level, counted, concluded, investigating)
                            .group_by(*level).order_by(*level)).all()
    return [Progress(row[0], row[1] if town else "", int(row[-3] or 0), int(row[-2] or 0),
                     int(row[-1] or 0)) for row in rows]
