"""The queue's workbook as the one writer makes it: a row per case, money and scores as
formatted numbers, the header frozen, formulas neutralised (no store needed)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

from python_calamine import CalamineWorkbook

from review.export import EXPORT_HEADERS, queue_workbook

ZONE = ZoneInfo("Asia/Shanghai")


def _row(**fields) -> dict:
    row = dict.fromkeys([*EXPORT_HEADERS, "amount_fen", "review_status", "rule_titles",
                         "signal_titles"])
    return row | {"periods": ["2023-03"], "reasons": [], "rule_titles": [], "signal_titles": [],
                  "n_entries": 2, "risk_score": 0.5, "amount_fen": 0,
                  "decided_at": dt.datetime(2026, 1, 2, tzinfo=dt.UTC)} | fields


def test_the_export_writes_numbers_formatted_and_text_neutralised():
    rows = [_row(risk_score=0.91234, amount_fen=1_250_005, village="下坝村",
                 reasons=["=HYPERLINK(\"x\")", "现金支付 12,500.05 元"],
                 decision_comment="-1 元", review_status="confirmed"),
            _row(amount_fen=-5, village="上坝村", review_status="pending")]
    book = queue_workbook(rows, {"confirmed": "属实"}, zone=ZONE, sheet_name="已结论案件")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(book)).get_sheet_by_name("已结论案件")
    header, first, second = sheet.to_python()
    assert header == list(EXPORT_HEADERS.values())
    values = dict(zip(header, first, strict=True))
    assert values["风险分"] == 0.91 and values["涉及金额（元）"] == 12500.05
    assert values["疑点说明"] == "'=HYPERLINK(\"x\")；现金支付 12,500.05 元"
    assert values["复核说明"] == "'-1 元" and values["复核结论"] == "属实"
    assert values["复核时间"] == "2026-01-02 08:00" and values["疑点分录数"] == 2
    assert dict(zip(header, second, strict=True))["涉及金额（元）"] == -0.05
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="A2" s="3"><v>0.91</v>' in xml  # the score's format, 0.00
    assert '<c r="I2" s="2"><v>12500.05</v>' in xml  # money, #,##0.00
    assert 'ySplit="1"' in xml and "<f>" not in xml
