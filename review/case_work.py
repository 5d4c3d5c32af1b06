"""Work on a case: who it is assigned to, and its stage 待复核 → 核查中 → 已结论.

已结论 is not a stage anyone sets: a case is concluded when a decision is in force on it
(review/dispositions.py), and a correction that reopens it takes it back to where its work
stood. Assigning is for admins and leads (``User.may_assign``); anyone who may decide the case
may say they are investigating it (which assigns it to them if nobody has it) or put it back.
Every change is an action in the audit trail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.audit_trail import append_action
from review.tables import case_work, cases, users
from review.trail_anchor import TrailAnchor

if TYPE_CHECKING:
    from review.db import Store
    from review.users import User

STAGES = {"todo": "待复核", "investigating": "核查中"}
DECIDING_ROLES = ("inspector", "lead", "admin")


class CaseWorkError(ValueError):
    """A change of a case's work that cannot be made; the message is for the user."""


@dataclass(frozen=True)
class Work:
    assignee: str | None
    stage: str
    updated_by: str | None
    updated_at: datetime | None

    @property
    def stage_label(self) -> str:
        return STAGES[self.stage]


def case_town(conn: sa.Connection, case_id: str) -> str | None:
    return conn.execute(sa.select(cases.c.town).where(cases.c.case_id == case_id).limit(1)
                        ).scalar_one_or_none()


def work_of(conn: sa.Connection, case_id: str) -> Work:
    row = conn.execute(sa.select(case_work).where(case_work.c.case_id == case_id)).first()
    if row is None:
        return Work(None, "todo", None, None)
    return Work(row.assignee, row.stage, row.updated_by, row.updated_at)


def assignable_users(store: Store, *, town: str) -> list[str]:
    """Active users who may decide cases of ``town``: the people a case can be assigned to."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(users.c.username, users.c.role, users.c.towns)
                            .where(users.c.active == sa.true(), users.c.role.in_(DECIDING_ROLES))
                            .order_by(users.c.username)).all()
    return [row.username for row in rows
            if row.role == "admin" or town in json.loads(row.towns)]


def _save(conn: sa.Connection, *, anchor: TrailAnchor, case_id: str, town: str, actor: str,
          action: str, before: Work, after: dict[str, Any]) -> None:
    values = {"assignee": after["assignee"], "stage": after["stage"], "updated_by": actor,
              "updated_at": datetime.now(UTC)}
    exists = conn.execute(sa.select(case_work.c.case_id)
                          .where(case_work.c.case_id == case_id)).first()
    if exists:
        conn.execute(sa.update(case_work).where(case_work.c.case_id == case_id).values(**values))
    else:
        conn.execute(sa.insert(case_work), [{"case_id": case_id, "town": town, **values}])
    append_action(conn, anchor=anchor, actor=actor, action=action, target=case_id,
                  before={"assignee": before.assignee, "stage": before.stage},
                  after={"assignee": after["assignee"], "stage": after["stage"]})


def assign_case(store: Store, *, case_id: str, assignee: str, actor: User) -> Work:
    """Assign the case to ``assignee`` (empty: nobody); admins and leads only."""
    if not actor.may_assign:
        raise CaseWorkError("只有管理员和纪检组长可以分派案件")
    assignee = assignee.strip()
    with store.engine.begin() as conn:
        town = case_town(conn, case_id)
        if town is None or not actor.may_see_town(town):
            raise CaseWorkError("没有这个疑点案件")
        if assignee and assignee not in assignable_users(store, town=town):
            raise CaseWorkError(f"用户 {assignee} 不能复核{town}的案件")
        before = work_of(conn, case_id)
        _save(conn, anchor=store.trail.anchor(), case_id=case_id, town=town,
              actor=actor.username, action="case.assign", before=before,
              after={"assignee": assignee or None, "stage": before.stage})
        return work_of(conn, case_id)


def set_stage(store: Store, *, case_id: str, stage: str, actor: User) -> Work:
    """Start (核查中) or stop (待复核) investigating the case; starting takes an unassigned
    case for the actor."""
    if stage not in STAGES:
        raise CaseWorkError(f"阶段须为：{'、'.join(STAGES.values())}")
    with store.engine.begin() as conn:
        town = case_town(conn, case_id)
        if town is None or not actor.may_see_town(town):
            raise CaseWorkError("没有这个疑点案件")
        before = work_of(conn, case_id)
        assignee = before.assignee or (actor.username if stage == "investigating" else None)
        _save(conn, anchor=store.trail.anchor(), case_id=case_id, town=town,
              actor=actor.username, action="case.stage", before=before,
              after={"assignee": assignee, "stage": stage})
        return work_of(conn, case_id)
