"""Reading CSV exports (平台导出 CSV and 旧软件 CSV in docs/reading-exports.md) end to end,
from literal files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from checks.entry_schema import ENTRY_COLUMNS, JournalEntry
from flows.ingest import LedgerFileError, ReadOptions, read_ledger_file

HEADER_A = (
    "乡镇,单位名称,单位编码,会计期间,凭证日期,凭证号,分录号,摘要,科目编码,科目名称,"
    "借方金额,贷方金额,往来单位,结算方式,附件张数,决议编号,合同编号,制单人,审核人,记账人"
)
ROWS_A = [
    "青石镇,下坝村,33042401001,2023-01,2023-01-05,记-1,1,支付道路维修费,541,管理费用,"
    "1200.00,,青石建筑队,转账,2,JY-01,,张三,李四,王五",
    "青石镇,下坝村,33042401001,2023-01,2023-01-05,记-1,2,支付道路维修费,102,银行存款,"
    ",1200.00,,转账,2,JY-01,,张三,李四,王五",
    "青石镇,上坝村,33042401002,2023-11,2023-11-30,收-3,1,收回借款,102,银行存款,"
    "-50.5,,,现金,0,,,张三,李四,王五",
]


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def _lines(path: Path, encoding: str) -> list[str]:
    return path.read_bytes().decode(encoding).split("\r\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_layout_a_loads_every_field(tmp_path: Path, encoding: str) -> None:
    path = _write(tmp_path / "platform_export.csv", [HEADER_A, *ROWS_A], encoding)
    load = read_ledger_file(path)
    entries = load.entries
    JournalEntry.validate(entries, lazy=True)
    assert list(entries.columns) == ENTRY_COLUMNS
    assert load.report.encoding == encoding
    assert load.report.layout == "A"
    assert (load.report.rows_read, load.report.loaded, load.report.quarantined) == (3, 3, 0)
    first = entries.iloc[0]
    assert (first.town, first.village, first.org_code, first.period) == (
        "青石镇", "下坝村", "33042401001", "2023-01"
    )
    assert first.voucher_date == pd.Timestamp("2023-01-05")
    assert (first.voucher_word, first.voucher_number, first.voucher_no) == ("记", 1, "记-1")
    assert (first.debit_fen, first.credit_fen, first.attachments) == (120000, 0, 2)
    assert (first.counterparty, first.decision_ref, first.preparer) == (
        "青石建筑队", "JY-01", "张三"
    )
    assert entries["credit_fen"].tolist() == [0, 120000, 0]
    assert entries["debit_fen"].iloc[2] == -5050  # red ink stays negative
    assert entries["voucher_no"].iloc[2] == "收-3"
    assert entries["source_row"].tolist() == [2, 3, 4]
    assert set(entries["source_file"]) == {"platform_export.csv"}
    assert set(entries["source_sheet"]) == {""}
    assert set(entries["extra"]) == {""}


def test_layout_a_with_and_without_bom_gives_the_same_entries(tmp_path: Path) -> None:
    plain = read_ledger_file(_write(tmp_path / "a.csv", [HEADER_A, *ROWS_A], "utf-8"))
    bom = read_ledger_file(_write(tmp_path / "b.csv", [HEADER_A, *ROWS_A], "utf-8-sig"))
    columns = [name for name in ENTRY_COLUMNS if name != "source_file"]
    pd.testing.assert_frame_equal(plain.entries[columns], bom.entries[columns])


LEGACY = [
    "青石镇下坝村 序时账,,,,,,,",
    "会计期间：2023年01月至2023年12月 单位：元,,,,,,,",
    "日　期 ,凭证字号,摘　要,科目代码,科目名称,借方,贷方,往来单位",
    '2023年1月5日,记字第1号,付䶮某劳务费,541,管理费用,"2,000.00",,䶮某',
    '2023/1/5,记字第1号,付䶮某劳务费,101,现金,,"2，000.00",䶮某',
    ',,本月合计,,,"2,000.00","2,000.00",',
    "",
    '2023年2月30日,记字第2号,误工补贴,541,管理费用,"600.00",,',
    '2023年2月3日,记字第3号,"收租金',
    '（续）",102,银行存款,"1,000.00",,',
    "2023年2月3日,记字第3号,收租金,501,经营收入,,1000,",
    ",,本年累计,,,\"3,600.00\",\"3,000.00\",",
    ",,,,,,,",
    ",,,,,,,",
]


def test_layout_c_gb18030_with_titles_subtotals_and_blank_lines(tmp_path: Path) -> None:
    path = _write(tmp_path / "legacy.csv", LEGACY, "gb18030")
    with pytest.raises(UnicodeEncodeError):
        "䶮".encode("gbk")  # the file is only readable as GB18030
    load = read_ledger_file(path)
    report = load.report
    assert (report.encoding, report.layout) == ("gb18030", "C")
    assert report.title == {
        "town": "青石镇", "village": "下坝村", "period_from": "2023-01", "period_to": "2023-12",
        "year": "2023",
    }
    assert (report.rows_read, report.loaded, report.quarantined, report.skipped) == (7, 4, 1, 2)
    assert report.skipped_reasons == {"subtotal": 2}
    assert report.rows_read == report.loaded + report.quarantined + report.skipped
    assert report.blank_rows == 3
    entries = load.entries
    JournalEntry.validate(entries, lazy=True)
    assert set(entries["town"]) == {"青石镇"} and set(entries["village"]) == {"下坝村"}
    assert entries["summary"].iloc[0] == "付䶮某劳务费"
    assert entries["counterparty"].iloc[0] == "䶮某"
    assert entries["debit_fen"].tolist() == [200000, 0, 100000, 0]
    assert entries["credit_fen"].tolist() == [0, 200000, 0, 100000]
    assert entries["voucher_no"].tolist() == ["记-1", "记-1", "记-3", "记-3"]
    assert entries["line_no"].tolist() == [1, 2, 1, 2]  # order within the voucher
    assert entries["period"].tolist() == ["2023-01", "2023-01", "2023-02", "2023-02"]
    assert entries["summary"].iloc[2] == "收租金\r\n（续）"
    # source_row is the line a person sees; the quoted value spans lines 9 and 10.
    assert entries["source_row"].tolist() == [4, 5, 9, 11]
    lines = _lines(path, "gb18030")
    starts = [
        "2023年1月5日",
        "2023/1/5",
        '2023年2月3日,记字第3号,"收租金',
        "2023年2月3日,记字第3号,收租金,501",
    ]
    for row, start in zip(entries["source_row"], starts, strict=True):
        assert lines[row - 1].startswith(start)
    quarantined = load.quarantine.iloc[0]
    assert quarantined.source_row == 8
    assert "2023年2月30日" in lines[quarantined.source_row - 1]
    assert quarantined.column == "日　期"  # the header as written, full-width space and all
    assert quarantined.reason == "日　期「2023年2月30日」不是真实存在的日期"
    assert json.loads(quarantined.raw)["摘　要"] == "误工补贴"


def test_direction_and_amount_variant(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "青石镇_河口村_2023.csv",
        [
            "凭证号,日期,科目编码,摘要,方向,金额",
            "5,2023-03-01,101,提现,借,500",
            "5,2023-03-01,102,提现,贷,500",
            "6,2023-03-02,101,提现,出,500",
        ],
    )
    load = read_ledger_file(path)
    entries = load.entries
    assert entries["debit_fen"].tolist() == [50000, 0]
    assert entries["credit_fen"].tolist() == [0, 50000]
    assert entries["voucher_no"].tolist() == ["记-5", "记-5"]
    assert set(entries["village"]) == {"河口村"} and set(entries["town"]) == {"青石镇"}
    assert load.quarantine["reason"].tolist() == [
        "方向「出」不是可识别的借贷方向（应为 借/贷、借方/贷方、1/-1、1/0 或 D/C）"
    ]


def test_unknown_columns_are_kept_as_json_in_extra(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "extra.csv",
        [
            "单位名称,凭证日期,凭证号,摘要,科目编码,借方金额,贷方金额,币种,备注,备注",
            '下坝村,2023-01-05,1,a,101,1,,人民币,"说""明",',
            "下坝村,2023-01-05,1,b,102,,1,,,",
            '下坝村,2023-01-05,2,c,101,1,,,"第一行\n第二行\\",制\x01表',
        ],
    )
    extra = read_ledger_file(path).entries["extra"]
    assert json.loads(extra.iloc[0]) == {"币种": "人民币", "备注": '说"明'}
    assert extra.iloc[1] == ""
    assert json.loads(extra.iloc[2]) == {"备注": "第一行\n第二行\\", "备注（第10列）": "制\x01表"}


def test_ragged_and_whitespace_lines_keep_their_line_numbers(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ragged.csv",
        [
            "单位名称,凭证日期,凭证号,摘要,科目编码,借方金额,贷方金额",
            "下坝村,2023-01-05,1,a,101,1,",
            "   ",
            "下坝村,2023-01-05,1,b,102,,1",
            ",,,本月合计",
            "下坝村,2023-01-06,2,c,101,2",
        ],
    )
    load = read_ledger_file(path)
    assert load.entries["source_row"].tolist() == [2, 4, 6]
    assert load.entries["debit_fen"].tolist() == [100, 0, 200]
    assert (load.report.blank_rows, load.report.skipped_reasons) == (1, {"subtotal": 1})


def test_village_from_default_chain_or_the_unit_option(tmp_path: Path) -> None:
    lines = ["凭证日期,凭证号,摘要,科目编码,借方金额,贷方金额", "2023-01-05,1,a,101,1,"]
    with pytest.raises(LedgerFileError) as refused:
        read_ledger_file(_write(tmp_path / "export.csv", lines), default_town="石门乡")
    assert "文件「export.csv」" in str(refused.value) and "--unit" in str(refused.value)
    named = read_ledger_file(_write(tmp_path / "下坝村.csv", lines), default_town="石门乡")
    assert (named.entries["town"].iloc[0], named.entries["village"].iloc[0]) == ("石门乡", "下坝村")
    told = read_ledger_file(tmp_path / "export.csv",
                            options=ReadOptions(default_town="石门乡", unit="上坝村"))
    assert (told.entries["town"].iloc[0], told.entries["village"].iloc[0]) == ("石门乡", "上坝村")
    told = read_ledger_file(tmp_path / "export.csv", options=ReadOptions(unit="青石镇 上坝村"))
    assert (told.entries["town"].iloc[0], told.entries["village"].iloc[0]) == ("青石镇", "上坝村")


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("下坝村,2023-02-30,1,a,101,1,", "凭证日期", "凭证日期「2023-02-30」不是真实存在的日期"),
        ("下坝村,,1,a,101,1,", "凭证日期", "凭证日期为空"),
        ("下坝村,2023-01-05,,a,101,1,", "凭证号", "凭证号为空"),  # a date: not a continuation
        ("下坝村,2023-01-05,记-x,a,101,1,", "凭证号", "凭证号「记-x」不是可识别的凭证号"),
        ("下坝村,2023-01-05,1,a,,1,", "科目编码", "科目编码为空"),
        ("下坝村,2023-01-05,1,a,10l,1,", "科目编码", "科目编码「10l」不是可识别的科目编码"),
        ('下坝村,2023-01-05,1,a,101,"12,3a4.00",', "借方金额", "借方金额「12,3a4.00」不是有效金额"),
        ("下坝村,2023-01-05,1,a,101,1.005,", "借方金额", "借方金额「1.005」超过两位小数"),
        (",2023-01-05,1,a,101,1,", "单位名称", "单位名称为空"),
    ],
)
def test_each_quarantine_reason_names_the_column_and_value(
    tmp_path: Path, row: str, column: str, reason: str
) -> None:
    header = "单位名称,凭证日期,凭证号,摘要,科目编码,借方金额,贷方金额"
    good = "下坝村,2023-01-05,9,ok,101,1,"
    load = read_ledger_file(_write(tmp_path / "export.csv", [header, good, row]))
    assert load.entries["summary"].tolist() == ["ok"]
    assert len(load.quarantine) == 1
    quarantined = load.quarantine.iloc[0]
    assert quarantined.column == column
    assert quarantined.reason.startswith(reason)
    assert (quarantined.source_file, quarantined.source_sheet, quarantined.source_row) == (
        "export.csv", "", 3
    )
    assert load.report.rows_read == 2 == load.report.loaded + load.report.quarantined


def test_a_row_with_two_problems_is_quarantined_once_with_both_reasons(tmp_path: Path) -> None:
    lines = [
        "单位名称,凭证日期,凭证号,摘要,科目编码,借方金额,贷方金额",
        "下坝村,2023年9月31日,1,a,abc,1,",
    ]
    load = read_ledger_file(_write(tmp_path / "two.csv", lines))
    assert len(load.quarantine) == 1
    assert load.quarantine["column"].iloc[0] == "凭证日期、科目编码"
    assert load.quarantine["reason"].iloc[0] == (
        "凭证日期「2023年9月31日」不是真实存在的日期；科目编码「abc」不是可识别的科目编码"
        "（应为 541、541001、541.001 或 541001 管理费用）"
    )


def test_separate_voucher_word_column_and_a_row_wider_than_the_header(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "下坝村.csv",
        [
            "凭证日期,凭证字,凭证号,摘要,科目编码,借方金额,贷方金额",
            "2023-01-05,收,3,收租金,102,300,",
            "2023-01-05,收,3,收租金,501,,300,见合同",
            "2023-01-06,,4,付款,541,10,",
        ],
    )
    load = read_ledger_file(path)
    entries = load.entries
    assert entries["voucher_no"].tolist() == ["收-3", "收-3", "记-4"]
    assert entries["source_row"].tolist() == [2, 3, 4]
    assert json.loads(entries["extra"].iloc[1]) == {"第8列": "见合同"}
    assert entries["extra"].iloc[0] == ""
