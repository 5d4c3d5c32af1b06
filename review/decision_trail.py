"""Inspectors' decisions against the audit trail: every stored decision must be one the trail
records, and each decision in force the trail's latest for its lines.

A decision is written twice in one transaction (review/dispositions.py): one ``dispositions``
row per line of the case, and one ``case.decide`` action whose ``after`` names the lines as
``[entry_id, content_hash]`` pairs (``disposition.record`` before cases: one line, its
``target``). Someone who edits ``dispositions`` directly (属实 → 误报, a row added or removed)
leaves the trail as it was, so for each line version the two must hold the same decisions, and
the newest row (the one in force) must be the trail's newest. Both are written under the
trail's lock, taken before the decision's rows (review.dispositions.record_decision), so two
decisions made at once reach the two tables in the same order.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from review.tables import dispositions

DECISION_ACTIONS = ("case.decide", "disposition.record")
MAX_REPORTED = 20
_VERDICT_LABELS = {"confirmed": "属实", "explained": "已说明", "false_alarm": "误报"}

# (verdict, comment, username, case id or None for decisions made before cases)
Decision = tuple[str, str, str, str | None]
LineVersion = tuple[str, str]  # (entry_id, content_hash)


class TrailDecisions:
    """The decisions the trail records, per line version, in the trail's order."""

    def __init__(self) -> None:
        self.by_line: dict[LineVersion, list[tuple[Decision, datetime]]] = defaultdict(list)

    def add(self, action: str, target: str, at: str, after: str) -> None:
        """Take one verified trail row's decision, if it is one."""
        if action not in DECISION_ACTIONS:
            return
        state: dict[str, Any] = json.loads(after)
        moment = datetime.fromisoformat(at)
        if action == "case.decide":
            decision = (state["verdict"], state["comment"], state["username"], target)
            lines = [(entry_id, content_hash) for entry_id, content_hash in state["entries"]]
        else:
            decision = (state["verdict"], state["comment"], state["username"], None)
            lines = [(target, state["content_hash"])]
        for line in lines:
            self.by_line[line].append((decision, moment))


def _stored(conn: sa.Connection) -> dict[LineVersion, list[Decision]]:
    """The stored decisions per line version, oldest first."""
    stored: dict[LineVersion, list[Decision]] = defaultdict(list)
    rows = conn.execute(
        sa.select(
            dispositions.c.entry_id,
            dispositions.c.content_hash,
            dispositions.c.verdict,
            dispositions.c.comment,
            dispositions.c.username,
            dispositions.c.case_id,
        ).order_by(dispositions.c.disposition_id)
    )
    for row in rows:
        stored[(row.entry_id, row.content_hash)].append(
            (row.verdict, row.comment, row.username, row.case_id)
        )
    return stored


def _as_recorded(decision: Decision, legacy: set[Decision]) -> Decision:
    """A stored decision as the trail holds it: one made before cases got its case id from
    migration 0007, and the trail's ``disposition.record`` names none."""
    without_case = (*decision[:3], None)
    return without_case if without_case in legacy else decision


def _label(decision: Decision) -> str:
    return f"「{_VERDICT_LABELS.get(decision[0], decision[0])}」（{decision[2]}）"


def _line_problem(
    line: LineVersion, stored: list[Decision], recorded: list[tuple[Decision, datetime]]
) -> str | None:
    """What is wrong with one line version's stored decisions, or None."""
    legacy = {decision for decision, _at in recorded if decision[3] is None}
    rows = [_as_recorded(decision, legacy) for decision in stored]
    trail = [decision for decision, _at in recorded]
    case_id = stored[-1][3] if stored else trail[-1][3]
    where = f"案件 {case_id or '（未知）'} 的分录 {line[0]}"
    added, missing = Counter(rows) - Counter(trail), Counter(trail) - Counter(rows)
    if added and missing:
        changed = next(iter(added))
        return (
            f"{where}：复核结论表中的{_label(changed)}与审计日志记录的"
            f"{_label(next(iter(missing)))}不符（结论被直接修改）"
        )
    if added:
        return f"{where}：复核结论表中有 {added.total()} 条结论没有审计日志记录（被直接写入）"
    if missing:
        return f"{where}：审计日志记录的 {missing.total()} 条结论不在复核结论表中（被删除）"
    newest_row, newest = rows[-1], recorded[-1]
    if newest_row != newest[0]:
        return (
            f"{where}：在用结论{_label(newest_row)}不是审计日志中最新的"
            f"{_label(newest[0])}（结论顺序被改动）"
        )
    return None


def decision_problems(conn: sa.Connection, recorded: TrailDecisions) -> list[str]:
    """Each line version whose stored decisions differ from the trail's, as a sentence for an
    administrator (at most :data:`MAX_REPORTED`, then how many more)."""
    stored = _stored(conn)
    problems = []
    for line in sorted(set(stored) | set(recorded.by_line)):
        problem = _line_problem(line, stored.get(line, []), recorded.by_line.get(line, []))
        if problem:
            problems.append(problem)
    if len(problems) > MAX_REPORTED:
        problems = [*problems[:MAX_REPORTED], f"另有 {len(problems) - MAX_REPORTED} 处不符未列出"]
    return problems
