"""What an inspector asked the queue for, read from the page's query string.

Every value is checked here and a value that means nothing (a page ``abc``, an amount ``1万``,
an unknown status) is dropped with a note the page shows, never an error: a shared link with a
stale filter still opens the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from review.findings import STATUS_LABELS

# Statuses the queue filters by: the review status of review/findings.py, and the stages of
# case work (核查中: someone is investigating it; 已结论: a decision is in force).
FILTER_STATUSES: dict[str, str] = {
    "todo": "待处理（待复核、核查中、重新打开）",
    "open": "待复核",
    "investigating": "核查中",
    "reopened": "更正后重新打开",
    "decided": "已结论",
    **{key: f"已结论：{label}" for key, label in STATUS_LABELS.items()
       if key in {"confirmed", "explained", "false_alarm"}},
    "resolved": "已消除",
    "all": "全部",
}
SORTS: dict[str, str] = {
    "risk": "风险从高到低",
    "amount": "金额从大到小",
    "period": "期间从近到远",
    "village": "按村",
}
# Journal cases (a voucher, a pattern of vouchers) and register cases (台账: their subject).
KINDS: dict[str, str] = {"voucher": "单张凭证", "pattern": "关联凭证（模式）",
                         "contract": "台账：合同", "asset": "台账：资产", "resource": "台账：资源",
                         "account": "台账：资产科目对账"}
RUN_CHANGES: dict[str, str] = {"new": "新增", "changed": "更正或重新归并", "resolved": "已消除"}
ASSIGNEE_ME, ASSIGNEE_NONE = "@me", "@none"
MAX_TEXT = 100


def _yuan_to_fen(text: str) -> int | None:
    cleaned = text.replace(",", "").replace("，", "").replace("元", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0:
        return None
    return int((value * 100).to_integral_value())


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filter, search and order; empty strings mean "any"."""

    town: str = ""
    village: str = ""
    period: str = ""
    rule: str = ""
    signal: str = ""
    kind: str = ""
    status: str = "todo"
    assignee: str = ""
    q: str = ""  # payee or summary text
    voucher: str = ""  # voucher or contract number
    min_amount: str = ""  # yuan, as typed
    max_amount: str = ""
    min_score: str = ""
    sort: str = "risk"
    run: str = ""  # with ``change``: the cases a run made new, changed or resolved
    change: str = ""
    notes: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_query(cls, query: dict[str, str]) -> QueueFilter:
        values: dict[str, Any] = {
            item.name: str(query.get(item.name, "")).strip()[:MAX_TEXT]
            for item in fields(cls) if item.name != "notes"
        }
        notes: list[str] = []
        checks = {"status": (FILTER_STATUSES, "todo"), "sort": (SORTS, "risk"),
                  "kind": (KINDS, ""), "change": (RUN_CHANGES, "")}
        for name, (allowed, default) in checks.items():
            if values[name] == "" and name in {"status", "sort"}:
                values[name] = default
            elif values[name] not in allowed and values[name] != "":
                notes.append(f"筛选条件“{values[name]}”无效，已忽略")
                values[name] = default
        if values["change"] and not values["run"]:
            values["change"] = ""
        if values["run"] and values["change"] and "status" not in query:
            values["status"] = "all"
        for name, label in (("min_amount", "最低金额"), ("max_amount", "最高金额")):
            if values[name] and _yuan_to_fen(values[name]) is None:
                notes.append(f"{label}“{values[name]}”不是有效金额，已忽略")
                values[name] = ""
        if values["min_score"]:
            try:
                score = float(values["min_score"])
            except ValueError:
                score = -1.0
            if not 0 <= score <= 1:
                notes.append(f"风险分“{values['min_score']}”须在 0 到 1 之间，已忽略")
                values["min_score"] = ""
        return cls(**values, notes=tuple(notes))

    @property
    def min_fen(self) -> int | None:
        return _yuan_to_fen(self.min_amount) if self.min_amount else None

    @property
    def max_fen(self) -> int | None:
        return _yuan_to_fen(self.max_amount) if self.max_amount else None

    @property
    def score_floor(self) -> float | None:
        return float(self.min_score) if self.min_score else None

    def query_params(self) -> dict[str, str]:
        """The filter as query parameters, defaults left out."""
        params = {item.name: getattr(self, item.name) for item in fields(self)
                  if item.name != "notes"}
        if params["sort"] == "risk":
            params.pop("sort")
        return {key: value for key, value in params.items() if value}

    def with_status(self, status: str) -> QueueFilter:
        return replace(self, status=status)


def page_number(text: str | None) -> int:
    """A page number from the query string; anything else is the first page."""
    try:
        return max(1, int(str(text or "1").strip()))
    except ValueError:
        return 1
