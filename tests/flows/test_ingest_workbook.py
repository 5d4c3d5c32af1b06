"""Reading 序时账 workbooks (序时账工作簿 in docs/reading-exports.md) built here with
xlsxwriter."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from checks.entry_schema import JournalEntry
from flows.ingest import LedgerFileError, read_ledger_file

HEADER_B = ["凭证日期", "凭证号", "摘要", "科目编码", "科目名称", "借方金额", "贷方金额", "制单人"]


def _sheet(workbook: xlsxwriter.Workbook, name: str, title: str | None, rows: list[list]) -> None:
    """A 序时账 sheet: title, period line, header on row 3, then ``rows`` from row 4."""
    sheet = workbook.add_worksheet(name)
    money = workbook.add_format({"num_format": "#,##0.00"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    if title:
        sheet.write(0, 0, title)
        sheet.write(1, 0, "会计期间：2023年01月至2023年12月 单位：元")
    sheet.write_row(2, 0, HEADER_B)
    for offset, row in enumerate(rows, start=3):
        for column, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(offset, column, dt.datetime.combine(value, dt.time()), day)
            elif isinstance(value, float):
                sheet.write_number(offset, column, value, money)
            elif value is not None:
                sheet.write(offset, column, value)


VILLAGE_ROWS = [
    [dt.date(2023, 1, 5), "记-12", "支付清淤费", "541", "管理费用", 8500.0, None, "张三"],
    [dt.date(2023, 1, 5), "记-12", "支付清淤费", "102", "银行存款", None, 8500.0, "张三"],
    [None, None, "本月合计", None, None, 8500.0, 8500.0, None],
    [44961, "记-1", "收到补助", "102", "银行存款", 0.1 + 0.2, None, "张三"],
    [dt.date(2023, 2, 4), "记-1", "收到补助", "522", "补助收入", None, 1234.567, "张三"],
    [None, None, "本年累计", None, None, 8500.3, 8500.0, None],
]


def _cell(path: Path, sheet: str, row: int, column: int) -> object:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(
        skip_empty_area=False
    )
    return rows[row - 1][column]


def test_layout_b_sheet_per_village(tmp_path: Path) -> None:
    path = tmp_path / "青石镇2023年序时账.xlsx"
    workbook = xlsxwriter.Workbook(path)
    _sheet(workbook, "下坝村", "青石镇下坝村 序时账", VILLAGE_ROWS)
    _sheet(workbook, "上坝村", "青石镇上坝村 序时账", VILLAGE_ROWS[:2])
    workbook.add_worksheet("Sheet3")
    notes = workbook.add_worksheet("说明")
    notes.write(0, 0, "本工作簿由系统导出")
    workbook.close()

    load = read_ledger_file(path)
    report = load.report
    assert report.layout == "B" and report.encoding == ""
    assert report.sheets == ["下坝村", "上坝村"]
    assert report.sheet_errors == {}
    assert report.skipped_sheets == {"说明": "不是凭证或序时账（未找到表头）"}
    assert (report.rows_read, report.loaded, report.quarantined, report.skipped) == (9, 5, 1, 3)
    assert report.skipped_reasons == {"subtotal": 2, "not_journal_sheet": 1}
    assert report.title["village"] == "下坝村" and report.title["period_to"] == "2023-12"
    entries = load.entries
    JournalEntry.validate(entries, lazy=True)
    assert entries["village"].tolist() == ["下坝村"] * 3 + ["上坝村"] * 2
    assert set(entries["town"]) == {"青石镇"}
    assert entries["voucher_no"].tolist() == ["记-12", "记-12", "记-1", "记-12", "记-12"]
    # Excel date cells and a plain serial number (44961 = 2023-02-04) both give dates.
    assert entries["voucher_date"].tolist() == [
        pd.Timestamp("2023-01-05"), pd.Timestamp("2023-01-05"), pd.Timestamp("2023-02-04"),
        pd.Timestamp("2023-01-05"), pd.Timestamp("2023-01-05"),
    ]
    # 0.1 + 0.2 is within 1e-6 of 0.30, so it is 30 fen.
    assert entries["debit_fen"].tolist() == [850000, 0, 30, 850000, 0]
    assert entries["source_sheet"].tolist() == ["下坝村"] * 3 + ["上坝村"] * 2
    assert entries["source_row"].tolist() == [4, 5, 7, 4, 5]
    for sheet, row, summary in entries[["source_sheet", "source_row", "summary"]].itertuples(
        index=False
    ):
        assert _cell(path, sheet, row, 2) == summary
    quarantined = load.quarantine.iloc[0]
    assert (quarantined.source_sheet, quarantined.source_row) == ("下坝村", 8)
    assert quarantined.column == "贷方金额"
    assert quarantined.reason == "贷方金额「1234.567」超过两位小数（金额须精确到分）"
    assert json.loads(quarantined.raw)["摘要"] == "收到补助"


def test_one_village_per_file_named_by_the_file(tmp_path: Path) -> None:
    path = tmp_path / "青石镇_下坝村_2023.xlsx"
    workbook = xlsxwriter.Workbook(path)
    _sheet(workbook, "Sheet1", None, VILLAGE_ROWS[:2])
    workbook.close()
    load = read_ledger_file(path, default_town="石门乡")
    assert set(load.entries["town"]) == {"青石镇"}
    assert set(load.entries["village"]) == {"下坝村"}
    assert load.report.title == dict.fromkeys(
        ["town", "village", "period_from", "period_to", "year"], "")


def test_aliases_in_any_order_with_full_width_spaces(tmp_path: Path) -> None:
    path = tmp_path / "aliases.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("明细")
    sheet.write(0, 0, "城关街道城关社区居委会 凭证明细")
    sheet.write_row(1, 0, ["贷方发生额", "　摘　要　", "科目代码", "凭证字号", "记账日期"])
    sheet.write_row(1, 5, ["借方发生额", "附单据数", "复核人", "核算单位"])
    sheet.write_row(2, 0, [None, "购办公用品", "541", "记字第3号", "2023/3/1"])
    sheet.write_row(2, 5, ["１，２００．００", 2, "李四", ""])
    sheet.write_row(3, 0, ["1,200.00", "购办公用品", "101", "记字第3号", "2023/3/1"])
    sheet.write_row(3, 5, [None, 2, "李四", "城关社区"])
    for row in range(4, 8):  # trailing rows that look empty: a space, a full-width space
        sheet.write_string(row, 1, " " if row % 2 else "\u3000")
    workbook.close()
    load = read_ledger_file(path)
    entries = load.entries
    assert (load.report.rows_read, load.report.blank_rows) == (2, 4)
    assert entries["debit_fen"].tolist() == [120000, 0]
    assert entries["credit_fen"].tolist() == [0, 120000]
    assert entries["summary"].tolist() == ["购办公用品", "购办公用品"]
    assert entries["attachments"].tolist() == [2, 2]
    assert entries["reviewer"].tolist() == ["李四", "李四"]
    assert entries["town"].tolist() == ["城关街道", "城关街道"]
    assert entries["village"].tolist() == ["城关社区", "城关社区"]
    assert entries["voucher_no"].tolist() == ["记-3", "记-3"]
    assert entries["line_no"].tolist() == [1, 2]


def test_workbook_without_any_header_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    workbook = xlsxwriter.Workbook(path)
    workbook.add_worksheet("说明").write(0, 0, "无数据")
    workbook.close()
    with pytest.raises(LedgerFileError, match=r"notes\.xlsx.*说明.*不是凭证或序时账"):
        read_ledger_file(path)


def test_damaged_workbook_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip archive")
    with pytest.raises(LedgerFileError, match=r"broken\.xlsx.*无法打开工作簿"):
        read_ledger_file(path)
