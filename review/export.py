"""The filtered queue as an .xlsx workbook for inspectors.

Text that a spreadsheet would run as a formula (starting with = + - @ tab or CR) gets a leading
apostrophe (the same rule as the run's findings.xlsx), and xlsxwriter is told not to turn
strings into formulas or links either.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from flows.outputs import neutralise_formulas
from review.formatting import format_time

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


def queue_frame(rows: list[dict[str, Any]], verdict_labels: dict[str, str]) -> pd.DataFrame:
    """The export's table, one row per case, with Chinese headers; the amount as yuan numbers,
    the score with two decimals."""
    frame = pd.DataFrame(rows, columns=[*EXPORT_HEADERS, "amount_fen", "review_status",
                                        "rule_titles", "signal_titles"])
    frame["risk_score"] = frame["risk_score"].astype("float64").round(2)
    frame["amount"] = frame["amount_fen"].astype("float64") / 100
    frame["periods"] = frame["periods"].map(lambda periods: "、".join(periods or []))
    frame["rules"] = frame["rule_titles"].map(lambda titles: "、".join(titles or []))
    frame["signal_names"] = frame["signal_titles"].map(lambda titles: "、".join(titles or []))
    frame["reasons"] = frame["reasons"].map(lambda reasons: "；".join(reasons or []))
    frame["verdict_label"] = frame["review_status"].map(verdict_labels).fillna("")
    frame["decided_at"] = frame["decided_at"].map(format_time)
    text_columns = [name for name in EXPORT_HEADERS if name not in _NUMBERS]
    frame[text_columns] = frame[text_columns].fillna("").astype("str")
    return frame[list(EXPORT_HEADERS)].rename(columns=EXPORT_HEADERS)


def queue_workbook(rows: list[dict[str, Any]], verdict_labels: dict[str, str], *,
                   sheet_name: str = "疑点清单") -> bytes:
    """The .xlsx file's bytes: one sheet, header frozen, money formatted."""
    frame = neutralise_formulas(queue_frame(rows, verdict_labels))
    buffer = io.BytesIO()
    with pd.ExcelWriter(
        buffer,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        frame.to_excel(writer, sheet_name=sheet_name, index=False)
        sheet = writer.sheets[sheet_name]
        formats = {"涉及金额（元）": ("#,##0.00", 16), "风险分": ("0.00", 8)}
        for name, (number_format, width) in formats.items():
            column = frame.columns.get_loc(name)
            sheet.set_column(column, column, width, writer.book.add_format(
                {"num_format": number_format}))
        sheet.freeze_panes(1, 0)
    return buffer.getvalue()
