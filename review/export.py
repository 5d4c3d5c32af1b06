"""The filtered queue as an .xlsx workbook for inspectors, written by the one workbook writer
(:mod:`review.xlsx`), which gives text that a spreadsheet would run as a formula (starting with
= + - @ tab or CR) a leading apostrophe, as in the run's findings.xlsx.
"""

from __future__ import annotations

import io
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from review.formatting import format_time
from review.xlsx import Sheet, write_xlsx

EXPORT_HEADERS = {
    "risk_score": "风险分",
    "status_label": "复核状态",
    "town": "乡镇",
    "village": "村",
    "periods": "会计期间",
    "subject_id": "凭证",
    "n_entries": "疑点分录数",
    "direction": "方向",
    "amount": "涉及金额（元）",
    "raised_by_label": "来源",
    "rules": "违反规则",
    "signal_names": "疑点信号",
    "reasons": "疑点说明",
    "work_label": "办理阶段",
    "assignee": "承办人",
    "verdict_label": "复核结论",
    "decision_comment": "复核说明",
    "decided_by": "复核人",
    "decided_at": "复核时间",
    "case_id": "案件编号",
}
_NUMBERS = {"risk_score", "n_entries", "amount"}
NUMBER_FORMATS = {EXPORT_HEADERS["amount"]: "money", EXPORT_HEADERS["risk_score"]: "score"}


def queue_frame(rows: list[dict[str, Any]], verdict_labels: dict[str, str], zone: ZoneInfo
                ) -> pd.DataFrame:
    """The export's table, one row per case, with Chinese headers; the amount as yuan numbers,
    the score with two decimals, times in ``zone``."""
    frame = pd.DataFrame(rows, columns=[*EXPORT_HEADERS, "amount_fen", "review_status",
                                        "rule_titles", "signal_titles"])
    frame["risk_score"] = frame["risk_score"].astype("float64").round(2)
    frame["amount"] = frame["amount_fen"].astype("float64") / 100
    frame["periods"] = frame["periods"].map(lambda periods: "、".join(periods or []))
    frame["rules"] = frame["rule_titles"].map(lambda titles: "、".join(titles or []))
    frame["signal_names"] = frame["signal_titles"].map(lambda titles: "、".join(titles or []))
    frame["reasons"] = frame["reasons"].map(lambda reasons: "；".join(reasons or []))
    frame["verdict_label"] = frame["review_status"].map(verdict_labels).fillna("")
    frame["decided_at"] = frame["decided_at"].map(lambda moment: format_time(moment, zone))
    text_columns = [name for name in EXPORT_HEADERS if name not in _NUMBERS]
    frame[text_columns] = frame[text_columns].fillna("").astype("str")
    return frame[list(EXPORT_HEADERS)].rename(columns=EXPORT_HEADERS)


def queue_workbook(rows: list[dict[str, Any]], verdict_labels: dict[str, str], *,
                   zone: ZoneInfo, sheet_name: str = "疑点清单") -> bytes:
    """The .xlsx file's bytes: one sheet, header frozen, money formatted, times in ``zone``."""
    sheet = Sheet(queue_frame(rows, verdict_labels, zone), formats=NUMBER_FORMATS)
    buffer = io.BytesIO()
    write_xlsx(buffer, {sheet_name: sheet})
    return buffer.getvalue()
