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
    "rank": "排名",
    "risk_score": "风险分",
    "status_label": "复核状态",
    "town": "乡镇",
    "village": "村",
    "period": "会计期间",
    "voucher_date": "凭证日期",
    "voucher_no": "凭证号",
    "line_no": "分录号",
    "summary": "摘要",
    "account_code": "科目编码",
    "account_name": "科目名称",
    "debit": "借方金额（元）",
    "credit": "贷方金额（元）",
    "counterparty": "往来单位",
    "rules": "违反规则",
    "reasons": "疑点说明",
    "verdict_label": "复核结论",
    "decision_comment": "复核说明",
    "decided_by": "复核人",
    "decided_at": "复核时间",
    "source_file": "来源文件",
    "source_sheet": "来源工作表",
    "source_row": "来源行号",
    "entry_id": "分录编号",
}


def queue_frame(rows: list[dict[str, Any]], verdict_labels: dict[str, str]) -> pd.DataFrame:
    """The export's table with Chinese headers; money as yuan numbers with two decimals."""
    frame = pd.DataFrame(
        rows, columns=[*EXPORT_HEADERS, "debit_fen", "credit_fen", "verdict", "rule_titles"]
    )
    frame["debit"] = frame["debit_fen"].astype("float64") / 100
    frame["credit"] = frame["credit_fen"].astype("float64") / 100
    frame["rules"] = frame["rule_titles"].map(lambda titles: "、".join(titles or []))
    frame["verdict_label"] = frame["verdict"].map(verdict_labels).fillna("")
    frame["decided_at"] = frame["decided_at"].map(format_time)
    frame["voucher_date"] = frame["voucher_date"].astype("str")
    text_columns = [
        name
        for name in EXPORT_HEADERS
        if name not in {"rank", "risk_score", "debit", "credit", "line_no", "source_row"}
    ]
    frame[text_columns] = frame[text_columns].fillna("").astype("str")
    return frame[list(EXPORT_HEADERS)].rename(columns=EXPORT_HEADERS)


def queue_workbook(rows: list[dict[str, Any]], verdict_labels: dict[str, str]) -> bytes:
    """The .xlsx file's bytes: one sheet 疑点清单, header frozen, money formatted."""
    frame = neutralise_formulas(queue_frame(rows, verdict_labels))
    buffer = io.BytesIO()
    with pd.ExcelWriter(
        buffer,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        frame.to_excel(writer, sheet_name="疑点清单", index=False)
        sheet = writer.sheets["疑点清单"]
        money = writer.book.add_format({"num_format": "#,##0.00"})
        for name in ("借方金额（元）", "贷方金额（元）"):
            column = frame.columns.get_loc(name)
            sheet.set_column(column, column, 14, money)
        sheet.freeze_panes(1, 0)
    return buffer.getvalue()
