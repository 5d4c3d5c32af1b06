"""The vendor conventions of docs/reading-exports.md (各种写法怎么认, 跳过的行和工作表), one
small fixture each.

Each test writes a few lines of an export as a user would receive it and checks what the user
expects: every row read is loaded, quarantined or skipped with its reason; nothing is
quarantined in a well-formed file; each voucher balances; words, numbers, periods, codes,
amounts and counterparties come out as the export meant them. The names are made up.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
import xlwt

from checks.entry_schema import JournalEntry
from flows.ingest import (
    FileLoad,
    LedgerFileError,
    ProfileError,
    ReadOptions,
    load_profile,
    read_ledger_file,
)

VILLAGE_FILE = "青石镇_下坝村"
VOUCHER_KEY = ["village", "period", "voucher_word", "voucher_number"]


def _csv(tmp_path: Path, *lines: str, name: str = VILLAGE_FILE, encoding: str = "utf-8") -> Path:
    path = tmp_path / f"{name}.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _xlsx(tmp_path: Path, sheets: dict[str, list[list]], name: str = VILLAGE_FILE) -> Path:
    """A workbook of ``sheets``: dates as Excel dates, floats as money, None as an empty cell."""
    path = tmp_path / f"{name}.xlsx"
    workbook = xlsxwriter.Workbook(path)
    money = workbook.add_format({"num_format": "#,##0.00"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for sheet_name, rows in sheets.items():
        sheet = workbook.add_worksheet(sheet_name)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                if isinstance(value, dt.date):
                    sheet.write_datetime(row, column, dt.datetime.combine(value, dt.time()), day)
                elif isinstance(value, float):
                    sheet.write_number(row, column, value, money)
                elif value is not None:
                    sheet.write(row, column, value)
    workbook.close()
    return path


def _read(path: Path, **options: object) -> FileLoad:
    """The file read, with its counts adding up: read = loaded + quarantined + skipped."""
    load = read_ledger_file(path, options=ReadOptions(**options))
    report = load.report
    assert report.rows_read == report.loaded + report.quarantined + report.skipped
    assert sum(report.skipped_reasons.values()) == report.skipped
    assert report.loaded == len(load.entries) and report.quarantined == len(load.quarantine)
    return load


def _clean(path: Path, **options: object) -> pd.DataFrame:
    """The entries of a well-formed file: nothing quarantined, valid, every voucher balanced."""
    load = _read(path, **options)
    assert load.report.quarantined == 0, load.quarantine[["source_row", "reason"]].to_dict(
        "records")
    entries = load.entries
    JournalEntry.validate(entries, lazy=True)
    sums = entries.groupby(VOUCHER_KEY)[["debit_fen", "credit_fen"]].sum()
    assert (sums["debit_fen"] == sums["credit_fen"]).all(), sums
    return entries


# --- account codes -------------------------------------------------------------------------

ACCOUNT_HEADER = "凭证日期,凭证号,摘要,科目编码,借方金额,贷方金额"


@pytest.mark.parametrize(
    ("cell", "code", "name"),
    [
        ("541.001", "541001", ""),
        ("112.002.003", "112002003", ""),
        ("5410-01", "541001", ""),
        ("541 001", "541001", ""),
        ("112.002 - 应收款_张三", "112002", "应收款_张三"),
        ("541001 管理费用-办公费", "541001", "管理费用-办公费"),
        ("[541001]办公费", "541001", "办公费"),
    ],
)
def test_sub_account_codes_with_separators_or_names(
    tmp_path: Path, cell: str, code: str, name: str
) -> None:
    path = _csv(tmp_path, ACCOUNT_HEADER,
                f"2023-03-05,记-4,购办公用品,{cell},1234567.89,",
                "2023-03-05,记-4,购办公用品,102,,1234567.89")
    entries = _clean(path)
    assert entries["account_code"].tolist() == [code, "102"]
    assert entries["account_name"].iloc[0] == name
    assert entries["debit_fen"].tolist() == [123456789, 0]
    assert entries["credit_fen"].tolist() == [0, 123456789]


@pytest.mark.parametrize(
    ("header", "name", "date", "code"),
    [
        ("科目名称", "管理费用-办公费", "2023-03-05", "541"),
        ("科目名称", "管理费用/办公费", "2023-03-05", "541"),
        ("科目名称", "管理费用_办公费", "2023-03-05", "541"),
        ("科目名称", "库存现金", "2023-03-05", "101"),
        ("科目名称", "现金", "2023-03-05", "101"),
        ("科目全称", "管理费用-办公费", "2023-03-05", "541"),
        ("科目", "管理费用/办公费", "2023-03-05", "541"),
        # From 2024-01 the 2023 chart is in force: 管理费用 is 513 there.
        ("科目名称", "管理费用-办公费", "2024-03-05", "513"),
        ("科目名称", "库存现金", "2024-03-05", "101"),
        ("科目名称", "管理费用-办公费-打印纸", "2023-03-05", "541"),
    ],
)
def test_account_names_only_resolve_in_the_chart_in_force(
    tmp_path: Path, header: str, name: str, date: str, code: str
) -> None:
    path = _csv(tmp_path, f"凭证日期,凭证号,摘要,{header},借方金额,贷方金额",
                f"{date},记-4,购办公用品,{name},120.00,",
                f"{date},记-4,购办公用品,银行存款,,120.00")
    entries = _clean(path)
    assert entries["account_code"].tolist() == [code, "102"]
    assert entries["account_name"].tolist() == [name, "银行存款"]


def test_account_names_resolve_in_the_chart_of_the_period_not_of_the_date(tmp_path: Path) -> None:
    # A year-end entry of period 2023-12 dated in January 2024 still follows the 2004 chart.
    path = _csv(tmp_path, "会计年度,会计期间,凭证日期,凭证号,摘要,科目名称,借方金额,贷方金额",
                "2023,12,2024-01-05,记-2,计提电费,管理费用-电费,80.00,",
                "2023,12,2024-01-05,记-2,计提电费,应付款,,80.00",
                name="下坝村")
    entries = _clean(path)
    assert entries["period"].tolist() == ["2023-12", "2023-12"]
    assert entries["account_code"].tolist() == ["541", "202"]


# --- voucher words and numbers -------------------------------------------------------------

@pytest.mark.parametrize("header", ["凭证类型", "凭证类别", "凭证字"])
@pytest.mark.parametrize(("first", "second"), [("银收", "现收"), ("收", "付"), ("现付", "银付"),
                                               ("记", "转")])
def test_voucher_word_in_its_own_column(
    tmp_path: Path, header: str, first: str, second: str
) -> None:
    path = _csv(tmp_path, f"凭证日期,{header},凭证号,摘要,科目编码,借方金额,贷方金额",
                f"2023-03-05,{first},00012,收到租金,102,500.00,",
                f"2023-03-05,{first},00012,收到租金,501,,500.00",
                f"2023-03-06,{second},00012,收到罚款,101,30.00,",
                f"2023-03-06,{second},00012,收到罚款,531,,30.00")
    entries = _clean(path)
    assert entries["voucher_word"].tolist() == [first, first, second, second]
    assert entries["voucher_number"].tolist() == [12] * 4
    assert entries["voucher_no"].tolist() == [f"{first}-12"] * 2 + [f"{second}-12"] * 2
    assert entries["line_no"].tolist() == [1, 2, 1, 2]
    assert entries["entry_id"].is_unique


def test_vouchers_of_the_same_number_and_different_words_interleaved(tmp_path: Path) -> None:
    path = _csv(tmp_path, "凭证日期,凭证字,凭证号,分录号,摘要,科目编码,借方金额,贷方金额",
                "2023-03-05,银收,00012,1,收到租金,102,500.00,",
                "2023-03-05,现收,00012,1,收到罚款,101,30.00,",
                "2023-03-05,银收,00012,2,收到租金,501,,500.00",
                "2023-03-05,现收,00012,2,收到罚款,531,,30.00")
    entries = _clean(path)
    assert entries["voucher_no"].tolist() == ["银收-12", "现收-12", "银收-12", "现收-12"]
    assert entries["line_no"].tolist() == [1, 1, 2, 2]
    assert entries["counterparty"].tolist() == ["", "", "", ""]
    assert entries["entry_id"].is_unique


def test_voucher_word_column_as_excel_numbers(tmp_path: Path) -> None:
    header = ["凭证日期", "凭证字", "凭证号", "摘要", "科目编码", "借方金额", "贷方金额"]
    day = dt.date(2023, 3, 5)
    path = _xlsx(tmp_path, {"凭证": [
        header,
        [day, "银收", 12, "收到租金", 102, 500.0, None],
        [day, "银收", 12, "收到租金", 501, None, 500.0],
        [day, "现收", 12, "收到罚款", 101, 30.0, None],
        [day, "现收", 12, "收到罚款", 531, None, 30.0],
    ]})
    entries = _clean(path)
    assert entries["voucher_no"].tolist() == ["银收-12"] * 2 + ["现收-12"] * 2
    assert entries["account_code"].tolist() == ["102", "501", "101", "531"]


@pytest.mark.parametrize(
    ("cell", "word", "number"),
    [("202303-0015", "记", 15), ("00012", "记", 12), ("12", "记", 12), ("记-12", "记", 12),
     ("记字第12号", "记", 12), ("收-3", "收", 3), ("银付-00031", "银付", 31)],
)
def test_voucher_number_forms(tmp_path: Path, cell: str, word: str, number: int) -> None:
    path = _csv(tmp_path, ACCOUNT_HEADER,
                f"2023-03-05,{cell},付电费,541,80.00,",
                f"2023-03-05,{cell},付电费,102,,80.00")
    entries = _clean(path)
    assert entries["voucher_word"].tolist() == [word, word]
    assert entries["voucher_number"].tolist() == [number, number]
    assert entries["voucher_no"].tolist() == [f"{word}-{number}"] * 2
    assert entries["period"].tolist() == ["2023-03", "2023-03"]


# --- periods -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("year", "period", "date", "expected"),
    [
        ("2023", "8", "2023-08-05", "2023-08"),
        ("2023", "8.0", "2023-08-05", "2023-08"),
        ("", "2023.08", "2023-08-05", "2023-08"),
        ("", "2023年第8期", "2023-08-05", "2023-08"),
        ("2023", "第8期", "2023-08-05", "2023-08"),
        ("", "2023-11", "2023-11-05", "2023-11"),
        ("", "2023年11月", "2023-11-05", "2023-11"),
        ("", "202311", "2023-11-05", "2023-11"),
        # Year-end entries dated in January still belong to period 12 of 会计年度.
        ("2023", "12", "2024-01-05", "2023-12"),
        ("2023", "第12期", "2024-01-05", "2023-12"),
    ],
)
def test_periods_with_the_year_from_the_accounting_year(
    tmp_path: Path, year: str, period: str, date: str, expected: str
) -> None:
    path = _csv(tmp_path, f"会计年度,会计期间,{ACCOUNT_HEADER}",
                f"{year},{period},{date},记-9,付电费,541,80.00,",
                f"{year},{period},{date},记-9,付电费,102,,80.00",
                name="下坝村凭证")
    entries = _clean(path)
    assert entries["period"].tolist() == [expected, expected]


def test_month_alone_takes_the_year_from_the_title(tmp_path: Path) -> None:
    path = _csv(tmp_path, "青石镇下坝村 2023年度 记账凭证明细",
                f"会计期间,{ACCOUNT_HEADER}",
                "12,2024-01-05,记-9,付电费,541,80.00,",
                "12,2024-01-05,记-9,付电费,102,,80.00",
                name="export")
    entries = _clean(path)
    assert entries["period"].tolist() == ["2023-12", "2023-12"]
    assert entries["village"].tolist() == ["下坝村", "下坝村"]


def test_month_alone_takes_the_year_from_the_date(tmp_path: Path) -> None:
    path = _csv(tmp_path, f"会计期间,{ACCOUNT_HEADER}",
                "第8期,2023-08-05,记-9,付电费,541,80.00,",
                "第8期,2023-08-05,记-9,付电费,102,,80.00",
                name="下坝村凭证")
    assert _clean(path)["period"].tolist() == ["2023-08", "2023-08"]


def test_periods_as_excel_numbers(tmp_path: Path) -> None:
    header = ["会计年度", "会计期间", "凭证日期", "凭证号", "摘要", "科目编码", "借方金额",
              "贷方金额"]
    path = _xlsx(tmp_path, {"凭证": [
        header,
        [2023, 12, dt.date(2024, 1, 5), 9, "计提折旧", 541, 80.0, None],
        [2023, 12, dt.date(2024, 1, 5), 9, "计提折旧", 152, None, 80.0],
    ]}, name="下坝村凭证")
    entries = _clean(path)
    assert entries["period"].tolist() == ["2023-12", "2023-12"]
    assert entries["voucher_no"].tolist() == ["记-9", "记-9"]


# --- dates ---------------------------------------------------------------------------------

def test_several_date_columns_take_the_first_filled(tmp_path: Path) -> None:
    path = _csv(tmp_path, "记账日期,业务日期,制单日期,凭证号,摘要,科目编码,借方金额,贷方金额",
                ",2023-08-05,2023-08-05,记-2,付电费,541,80.00,",
                ",,2023-08-05,记-2,付电费,102,,80.00",
                "2023-08-09,,,记-3,付水费,541,20.00,",
                "2023-08-09,,,记-3,付水费,102,,20.00")
    entries = _clean(path)
    assert entries["voucher_date"].tolist() == [pd.Timestamp("2023-08-05")] * 2 + [
        pd.Timestamp("2023-08-09")] * 2


def test_several_date_columns_that_differ_take_the_first_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, "记账日期,业务日期,制单日期,凭证号,摘要,科目编码,借方金额,贷方金额",
                ",2023-08-05,2023-08-01,记-2,付电费,541,80.00,",
                ",2023-08-05,2023-08-01,记-2,付电费,102,,80.00",
                "2023-08-09,2023-08-07,2023-08-06,记-3,付水费,541,20.00,",
                "2023-08-09,2023-08-07,2023-08-06,记-3,付水费,102,,20.00")
    entries = _clean(path)
    assert entries["voucher_date"].tolist() == [pd.Timestamp("2023-08-05")] * 2 + [
        pd.Timestamp("2023-08-09")] * 2


@pytest.mark.parametrize("cell", ["45143", "2023.8.5", "2023/8/5", "2023年8月5日", "20230805",
                                  "2023-08-05"])
def test_date_forms(tmp_path: Path, cell: str) -> None:
    path = _csv(tmp_path, ACCOUNT_HEADER,
                f"{cell},记-2,付电费,541,80.00,",
                f"{cell},记-2,付电费,102,,80.00")
    entries = _clean(path)
    assert entries["voucher_date"].tolist() == [pd.Timestamp("2023-08-05")] * 2
    assert entries["period"].tolist() == ["2023-08", "2023-08"]


def test_excel_dates_and_serial_numbers_in_a_workbook(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, {"凭证": [
        ["凭证日期", "凭证号", "摘要", "科目编码", "借方金额", "贷方金额"],
        [dt.date(2023, 8, 5), "记-2", "付电费", "541", 80.0, None],
        [45143, "记-2", "付电费", "102", None, 80.0],
        ["2023.8.5", "记-3", "付水费", "541", 20.0, None],
        ["2023.8.5", "记-3", "付水费", "102", None, 20.0],
    ]})
    assert _clean(path)["voucher_date"].tolist() == [pd.Timestamp("2023-08-05")] * 4


# --- line numbers --------------------------------------------------------------------------

@pytest.mark.parametrize("numbers", [("1", "1", "1"), ("", "", ""), ("1", "", "2"),
                                     ("2", "2", "1"), ("1", "2", "2")])
def test_repeated_or_absent_line_numbers_give_the_order_within_the_voucher(
    tmp_path: Path, numbers: tuple[str, str, str]
) -> None:
    first, second, third = numbers
    path = _csv(tmp_path, "凭证日期,凭证号,分录号,摘要,科目编码,借方金额,贷方金额",
                f"2023-08-05,记-2,{first},付电费,541,80.00,",
                f"2023-08-05,记-2,{second},付水费,541,20.00,",
                f"2023-08-05,记-2,{third},付电费水费,102,,100.00")
    entries = _clean(path)
    assert entries["line_no"].tolist() == [1, 2, 3]
    assert entries["entry_id"].is_unique


def test_no_line_number_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, ACCOUNT_HEADER,
                "2023-08-05,记-2,付电费,541,80.00,",
                "2023-08-05,记-2,付水费,541,20.00,",
                "2023-08-05,记-2,付电费水费,102,,100.00",
                "2023-08-06,记-3,付电费,541,80.00,",
                "2023-08-06,记-3,付电费,102,,80.00")
    assert _clean(path)["line_no"].tolist() == [1, 2, 3, 1, 2]


# --- amounts -------------------------------------------------------------------------------

@pytest.mark.parametrize(("debit", "credit"), [("借", "贷"), ("1", "-1"), ("1", "0"), ("D", "C"),
                                               ("借方", "贷方")])
def test_one_amount_column_with_a_direction(tmp_path: Path, debit: str, credit: str) -> None:
    path = _csv(tmp_path, "凭证日期,凭证号,摘要,科目编码,方向,金额",
                f"2023-08-05,记-2,付修路款,541,{debit},\"1,234,567.89\"",
                f"2023-08-05,记-2,付修路款,102,{credit},\"1,234,567.89\"")
    entries = _clean(path)
    assert entries["debit_fen"].tolist() == [123456789, 0]
    assert entries["credit_fen"].tolist() == [0, 123456789]


@pytest.mark.parametrize("amount", ["(1,200.00)", "（1,200.00）", "-1,200.00", "(1200)"])
def test_bracketed_negative_amounts(tmp_path: Path, amount: str) -> None:
    path = _csv(tmp_path, ACCOUNT_HEADER,
                f"2023-08-05,记-2,冲销多付电费,541,\"{amount}\",",
                f"2023-08-05,记-2,冲销多付电费,102,,\"{amount}\"")
    entries = _clean(path)
    assert entries["debit_fen"].tolist() == [-120000, 0]
    assert entries["credit_fen"].tolist() == [0, -120000]


@pytest.mark.parametrize("empty", ["-", "0", "0.00", "", "—"])
def test_dash_or_zero_in_the_empty_side(tmp_path: Path, empty: str) -> None:
    path = _csv(tmp_path, ACCOUNT_HEADER,
                f"2023-08-05,记-2,付电费,541,80.00,{empty}",
                f"2023-08-05,记-2,付电费,102,{empty},80.00")
    entries = _clean(path)
    assert entries["debit_fen"].tolist() == [8000, 0]
    assert entries["credit_fen"].tolist() == [0, 8000]


@pytest.mark.parametrize(("debit", "credit"), [("0", "0"), ("", ""), ("0.00", "-"), ("-", "-")])
def test_zero_amount_lines_load_as_zero_lines(tmp_path: Path, debit: str, credit: str) -> None:
    path = _csv(tmp_path, ACCOUNT_HEADER,
                "2023-08-05,记-2,销售农产品,102,1000.00,",
                "2023-08-05,记-2,销售农产品,501,,1000.00",
                f"2023-08-05,记-2,应交税费（税率0）,202,{debit},{credit}")
    entries = _clean(path)
    assert len(entries) == 3
    assert (entries["debit_fen"].iloc[2], entries["credit_fen"].iloc[2]) == (0, 0)
    assert entries["line_no"].tolist() == [1, 2, 3]


def test_zero_amount_lines_with_a_direction(tmp_path: Path) -> None:
    path = _csv(tmp_path, "凭证日期,凭证号,摘要,科目编码,方向,金额",
                "2023-08-05,记-2,销售农产品,102,借,1000.00",
                "2023-08-05,记-2,销售农产品,501,贷,1000.00",
                "2023-08-05,记-2,应交税费（税率0）,202,贷,0.00")
    entries = _clean(path)
    assert entries["credit_fen"].tolist() == [0, 100000, 0]


# --- counterparties ------------------------------------------------------------------------

def test_counterparty_in_numbered_auxiliary_pairs(tmp_path: Path) -> None:
    path = _csv(tmp_path, f"{ACCOUNT_HEADER},核算项目1,名称1,核算项目2,名称2",
                "2023-08-05,记-2,付工程款,154,5000.00,,部门,村委会,供应商,某县建筑工程公司",
                "2023-08-05,记-2,付工程款,102,,5000.00,,,,",
                "2023-08-06,记-3,借支差旅费,113,300.00,,职员,赵某某,,",
                "2023-08-06,记-3,借支差旅费,101,,300.00,部门,村委会,,")
    entries = _clean(path)
    assert entries["counterparty"].tolist() == ["某县建筑工程公司", "", "赵某某", "村委会"]


@pytest.mark.parametrize("header", ["客户", "供应商", "职员", "个人", "往来单位", "收款人"])
def test_counterparty_in_a_named_column(tmp_path: Path, header: str) -> None:
    path = _csv(tmp_path, f"{ACCOUNT_HEADER},{header}",
                "2023-08-05,记-2,付工程款,154,5000.00,,某县建筑工程公司",
                "2023-08-05,记-2,付工程款,102,,5000.00,")
    assert _clean(path)["counterparty"].tolist() == ["某县建筑工程公司", ""]


@pytest.mark.parametrize("header", ["辅助核算", "辅助账", "辅助项"])
@pytest.mark.parametrize(
    ("cell", "name"),
    [("供应商:S0012_某县建筑工程公司；部门:村委会", "某县建筑工程公司"),
     ("部门:村委会；客户:C003_某某农资店", "某某农资店"),
     ("个人：钱某某", "钱某某"),
     ("部门:村委会", "村委会")],
)
def test_counterparty_in_one_auxiliary_cell(
    tmp_path: Path, header: str, cell: str, name: str
) -> None:
    path = _csv(tmp_path, f"{ACCOUNT_HEADER},{header}",
                f"2023-08-05,记-2,付款,202,5000.00,,{cell}",
                "2023-08-05,记-2,付款,102,,5000.00,")
    entries = _clean(path)
    assert entries["counterparty"].tolist() == [name, ""]


# --- the unit (village) --------------------------------------------------------------------

@pytest.mark.parametrize("header", ["公司", "账套", "账套名称", "核算单位", "组织", "单位名称",
                                    "单位"])
def test_unit_from_a_column(tmp_path: Path, header: str) -> None:
    path = _csv(tmp_path, f"{header},{ACCOUNT_HEADER}",
                "下坝村,2023-08-05,记-2,付电费,541,80.00,",
                "下坝村,2023-08-05,记-2,付电费,102,,80.00",
                "上坝村,2023-08-05,记-2,付水费,541,20.00,",
                "上坝村,2023-08-05,记-2,付水费,102,,20.00",
                name="export")
    entries = _clean(path)
    assert entries["village"].tolist() == ["下坝村"] * 2 + ["上坝村"] * 2
    assert entries["entry_id"].is_unique


def test_unit_column_naming_town_and_village_reads_as_a_title_does(tmp_path: Path) -> None:
    path = _csv(tmp_path, f"核算单位,{ACCOUNT_HEADER}",
                "青石镇下坝村,2023-08-05,记-2,付电费,541,80.00,",
                "青石镇下坝村,2023-08-05,记-2,付电费,102,,80.00",
                name="export")
    entries = _clean(path)
    assert set(zip(entries["town"], entries["village"], strict=True)) == {("青石镇", "下坝村")}


@pytest.mark.parametrize("title", ["核算单位：青石镇下坝村", "账套名称：青石镇下坝村",
                                   "青石镇下坝村 序时账"])
def test_unit_from_a_title_row(tmp_path: Path, title: str) -> None:
    path = _xlsx(tmp_path, {"Sheet1": [
        [title],
        ["会计期间：2023年01月至2023年12月", None, None, "单位：元"],
        ["凭证日期", "凭证号", "摘要", "科目编码", "借方金额", "贷方金额"],
        [dt.date(2023, 8, 5), "记-2", "付电费", "541", 80.0, None],
        [dt.date(2023, 8, 5), "记-2", "付电费", "102", None, 80.0],
    ]}, name="export")
    entries = _clean(path)
    assert set(zip(entries["town"], entries["village"], strict=True)) == {("青石镇", "下坝村")}


def test_unit_beside_quantity_is_a_unit_of_measure(tmp_path: Path) -> None:
    path = _csv(tmp_path, "凭证日期,凭证号,摘要,科目编码,数量,单位,单价,借方金额,贷方金额",
                "2023-08-05,记-2,购水泥,121,2,吨,400.00,800.00,",
                "2023-08-05,记-2,购水泥,102,,,,,800.00")
    entries = _clean(path)
    assert entries["village"].tolist() == ["下坝村", "下坝村"]
    assert json.loads(entries["extra"].iloc[0])["单位"] == "吨"


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize("unit", ["青石镇 下坝村", "青石镇下坝村"])
def test_a_file_naming_no_unit_asks_for_unit(tmp_path: Path, suffix: str, unit: str) -> None:
    rows = [["凭证日期", "凭证号", "摘要", "科目编码", "借方金额", "贷方金额"],
            ["2023-08-05", "记-2", "付电费", "541", "80.00", ""],
            ["2023-08-05", "记-2", "付电费", "102", "", "80.00"]]
    name = "凭证导出_2023"
    path = (_csv(tmp_path, *(",".join(row) for row in rows), name=name) if suffix == "csv"
            else _xlsx(tmp_path, {"Sheet1": rows}, name=name))
    with pytest.raises(LedgerFileError, match=rf"凭证导出_2023\.{suffix}.*--unit"):
        read_ledger_file(path)
    entries = _clean(path, unit=unit)
    assert set(zip(entries["town"], entries["village"], strict=True)) == {("青石镇", "下坝村")}


# --- attachments ---------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["附件数", "附件数量", "附单据数", "单据张数", "附件张数"])
def test_attachment_aliases(tmp_path: Path, header: str) -> None:
    path = _csv(tmp_path, f"{ACCOUNT_HEADER},{header}",
                "2023-08-05,记-2,付电费,541,80.00,,3",
                "2023-08-05,记-2,付电费,102,,80.00,3")
    assert _clean(path)["attachments"].tolist() == [3, 3]


# --- rows that are not lines ---------------------------------------------------------------

VOUCHER_LINES = ("2023-08-05,记-2,付电费,541,80.00,", "2023-08-05,记-2,付电费,102,,80.00")


@pytest.mark.parametrize(
    ("row", "reason", "first"),
    [
        (",示例：此行导入前删除,凭证号填写如 记-1,,,", "template", True),
        ("必填,必填,选填,必填,选填,选填", "template", True),
        ("2023-01-01,记-1,示例：此行导入前删除,541,100.00,", "template", True),
        ("2023-01-01,,期初余额,102,50000.00,", "opening_balance", True),
        ("2023-01-01,,上年结转,102,50000.00,", "opening_balance", True),
        (",,本页合计,,80.00,80.00", "subtotal", False),
        (",,本月合计,,80.00,80.00", "subtotal", False),
        (",,本年累计,,80.00,80.00", "subtotal", False),
        (",,合计,,80.00,80.00", "subtotal", False),
        (",,过次页,,80.00,80.00", "subtotal", False),
        (",,承前页,,80.00,80.00", "subtotal", False),
        (",,期末余额,102,,", "opening_balance", False),
        (ACCOUNT_HEADER, "header_repeat", False),
        (",,人民币（大写）：捌拾元整,,,", "capital_amount", False),
        ("审核：李四 记账：王五 制单：张三,,,,,", "signature", False),
        (",,审核：李四,记账：王五,制单：张三,", "signature", False),
        ("会计主管：赵六 记账：王五 出纳：孙七 制单：张三,,,,,", "signature", False),
        (",,合计：人民币（大写）捌拾元整,,,", "capital_amount", False),
    ],
)
def test_rows_that_are_not_lines_are_skipped_and_counted(
    tmp_path: Path, row: str, reason: str, first: bool
) -> None:
    lines = (row, *VOUCHER_LINES) if first else (*VOUCHER_LINES, row)
    path = _csv(tmp_path, ACCOUNT_HEADER, *lines)
    entries = _clean(path)
    report = _read(path).report
    assert (report.rows_read, report.loaded, report.skipped) == (3, 2, 1)
    assert report.skipped_reasons == {reason: 1}
    assert entries["summary"].tolist() == ["付电费", "付电费"]


def test_all_extra_rows_of_one_export(tmp_path: Path) -> None:
    path = _csv(tmp_path, "青石镇下坝村 序时账", ACCOUNT_HEADER,
                ",示例：此行导入前删除,,,,",
                "2023-01-01,,上年结转,102,50000.00,",
                *VOUCHER_LINES,
                ",,本页合计,,80.00,80.00",
                ",,人民币（大写）：捌拾元整,,,",
                "审核：李四 记账：王五 制单：张三,,,,,",
                name="export")
    _clean(path)
    report = _read(path).report
    assert (report.rows_read, report.loaded, report.skipped) == (7, 2, 5)
    assert report.skipped_reasons == {"template": 1, "opening_balance": 1, "subtotal": 1,
                                      "capital_amount": 1, "signature": 1}


# --- workbooks with other sheets -----------------------------------------------------------

def test_sheets_that_are_not_journals_are_skipped_and_named(tmp_path: Path) -> None:
    day = dt.date(2023, 8, 5)
    path = _xlsx(tmp_path, {
        "序时账": [
            ["凭证日期", "凭证号", "摘要", "科目编码", "借方金额", "贷方金额"],
            [day, "记-2", "付电费", "541", 80.0, None],
            [day, "记-2", "付电费", "102", None, 80.0],
        ],
        "现金流量": [
            ["项目", "行次", "本期金额"],
            ["支付的其他与经营活动有关的现金", 1, 80.0],
        ],
        "科目余额表": [
            ["科目编码", "科目名称", "期初余额", "借方", "贷方", "期末余额"],
            ["102", "银行存款", 1000.0, None, 80.0, 920.0],
            ["541", "管理费用", None, 80.0, None, 80.0],
        ],
        "说明": [["本工作簿由系统导出，请勿修改"]],
    })
    entries = _clean(path)
    report = _read(path).report
    assert len(entries) == 2 and report.sheets == ["序时账"]
    assert set(report.skipped_sheets) == {"现金流量", "科目余额表", "说明"}
    assert report.skipped_reasons == {"not_journal_sheet": 6}
    assert report.sheet_errors == {}


def test_cash_flow_sheet_listing_vouchers_is_skipped_and_counted(tmp_path: Path) -> None:
    day = dt.date(2023, 8, 5)
    path = _xlsx(tmp_path, {
        "序时账": [
            ["凭证日期", "凭证号", "摘要", "科目编码", "借方金额", "贷方金额"],
            [day, "记-2", "付电费", "541", 80.0, None],
            [day, "记-2", "付电费", "102", None, 80.0],
        ],
        "现金流量": [
            ["日期", "凭证字号", "摘要", "现金流量项目", "方向", "金额"],
            [day, "记-2", "付电费", "支付的其他与经营活动有关的现金", "流出", 80.0],
        ],
    })
    report = _read(path).report
    assert report.sheet_errors == {}
    assert set(report.skipped_sheets) == {"现金流量"}
    assert report.skipped_reasons == {"not_journal_sheet": 2}


# --- merged cells --------------------------------------------------------------------------

def test_date_and_number_only_on_a_vouchers_first_line(tmp_path: Path) -> None:
    path = tmp_path / f"{VILLAGE_FILE}.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("凭证")
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["凭证日期", "凭证号", "摘要", "科目编码", "借方金额", "贷方金额"])
    for first, last, date, number in ((1, 3, dt.datetime(2023, 8, 5), "记-2"),
                                      (4, 5, dt.datetime(2023, 8, 6), "记-3")):
        sheet.merge_range(first, 0, last, 0, date, day)
        sheet.merge_range(first, 1, last, 1, number)
    sheet.write_row(1, 2, ["付电费", "541", 80])
    sheet.write_row(2, 2, ["付水费", "541", 20])
    sheet.write_row(3, 2, ["付电费水费", "102", None, 100])
    sheet.write_row(4, 2, ["收租金", "102", 500])
    sheet.write_row(5, 2, ["收租金", "501", None, 500])
    workbook.close()
    entries = _clean(path)
    assert entries["voucher_no"].tolist() == ["记-2"] * 3 + ["记-3"] * 2
    assert entries["voucher_date"].tolist() == [pd.Timestamp("2023-08-05")] * 3 + [
        pd.Timestamp("2023-08-06")] * 2
    assert entries["line_no"].tolist() == [1, 2, 3, 1, 2]
    assert entries["source_row"].tolist() == [2, 3, 4, 5, 6]


def test_voucher_word_and_number_merged_over_a_vouchers_lines(tmp_path: Path) -> None:
    path = tmp_path / f"{VILLAGE_FILE}.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("凭证")
    sheet.write_row(0, 0, ["凭证日期", "凭证字", "凭证号", "摘要", "科目编码", "借方金额",
                           "贷方金额"])
    for first, last, word in ((1, 2, "银收"), (3, 4, "现收")):
        for column, value in enumerate(("2023-08-05", word, "00012")):
            sheet.merge_range(first, column, last, column, value)
    sheet.write_row(1, 3, ["收租金", "102", 500])
    sheet.write_row(2, 3, ["收租金", "501", None, 500])
    sheet.write_row(3, 3, ["收罚款", "101", 30])
    sheet.write_row(4, 3, ["收罚款", "531", None, 30])
    workbook.close()
    entries = _clean(path)
    assert entries["voucher_no"].tolist() == ["银收-12"] * 2 + ["现收-12"] * 2
    assert entries["line_no"].tolist() == [1, 2, 1, 2]


def test_date_and_number_only_on_the_first_line_of_a_csv(tmp_path: Path) -> None:
    path = _csv(tmp_path, ACCOUNT_HEADER,
                "2023-08-05,记-2,付电费,541,80.00,",
                ",,付电费,102,,80.00",
                "2023-08-06,记-3,收租金,102,500.00,",
                ",,收租金,501,,500.00")
    entries = _clean(path)
    assert entries["voucher_no"].tolist() == ["记-2", "记-2", "记-3", "记-3"]


# --- printed vouchers ----------------------------------------------------------------------

TABLE = ["摘 要", "科 目", "辅 助 账", "借 方", "贷 方"]
SIGNED = ["审核：李四", None, "记账：王五", None, "制单：张三"]


def _printed(number: str, date: str, page: str, lines: list[list], total: list) -> list[list]:
    """One page of a printed 记账凭证."""
    return [
        [None, None, "记 账 凭 证"],
        ["2023年 第3期", f"日期：{date}", None, f"凭证字号：{number}", page],
        TABLE,
        *lines,
        total,
        SIGNED,
        [],
    ]


def test_printed_vouchers_continued_over_pages(tmp_path: Path) -> None:
    rows = [
        *_printed("银付-00031", "2023-03-15", "1/2", [
            ["支付修路款", "541001 管理费用-修路费", "供应商:S0012_某县建筑工程公司", 3000.0, None],
            ["支付修路款", "113 内部往来", "个人:钱某某", 500.0, None],
        ], ["过次页", None, None, 3500.0, None]),
        *_printed("银付-00031", "2023-03-15", "2/2", [
            ["支付修路款", "102 银行存款", None, None, 3500.0],
        ], ["合 计", None, None, 3500.0, 3500.0]),
        *_printed("现收-00031", "2023-03-20", "1/1", [
            ["收回借款", "101 现金", None, 500.0, None],
            ["收回借款", "113 内部往来", "个人:钱某某", None, 500.0],
        ], ["合 计", None, None, 500.0, 500.0]),
    ]
    path = _xlsx(tmp_path, {"凭证": rows})
    entries = _clean(path)
    assert entries["voucher_no"].tolist() == ["银付-31"] * 3 + ["现收-31"] * 2
    assert entries["line_no"].tolist() == [1, 2, 3, 1, 2]
    assert entries["period"].tolist() == ["2023-03"] * 5
    assert entries["voucher_date"].tolist() == [pd.Timestamp("2023-03-15")] * 3 + [
        pd.Timestamp("2023-03-20")] * 2
    assert entries["account_code"].tolist() == ["541001", "113", "102", "101", "113"]
    assert entries["counterparty"].tolist() == ["某县建筑工程公司", "钱某某", "", "", "钱某某"]
    assert entries["debit_fen"].tolist() == [300000, 50000, 0, 50000, 0]
    assert set(zip(entries["reviewer"], entries["bookkeeper"], entries["preparer"],
                   strict=True)) == {("李四", "王五", "张三")}
    assert set(entries["village"]) == {"下坝村"}
    report = _read(path).report
    # 3 titles, 3 header lines and 3 table headers; 3 totals; 3 signature rows.
    assert report.skipped_reasons == {"voucher_layout": 9, "subtotal": 3, "signature": 3}
    assert entries["source_row"].tolist() == [4, 5, 12, 19, 20]


def test_printed_voucher_fields_in_one_cell_and_one_voucher_per_sheet(tmp_path: Path) -> None:
    def page(number: str, date: str, lines: list[list]) -> list[list]:
        return [
            ["记 账 凭 证"],
            [f"核算单位：青石镇下坝村 2023年 第3期 日期：{date} 凭证字号：{number} "
             "附单据数：2 1/1"],
            TABLE,
            *lines,
            ["人民币（大写）：伍佰元整", None, None, None, None],
            ["合 计", None, None, 500.0, 500.0],
            ["审核：李四 记账：王五 制单：张三"],
        ]
    path = _xlsx(tmp_path, {
        "银收-1": page("银收-00001", "2023-03-02", [
            ["收租金", "102", None, 500.0, None],
            ["收租金", "501", "客户:C003_某某农资店", None, 500.0]]),
        "现收-1": page("现收-00001", "2023-03-03", [
            ["收罚款", "101", None, 500.0, None],
            ["收罚款", "531", None, None, 500.0]]),
    }, name="export")
    entries = _clean(path)
    assert entries["voucher_no"].tolist() == ["银收-1"] * 2 + ["现收-1"] * 2
    assert set(zip(entries["town"], entries["village"], strict=True)) == {("青石镇", "下坝村")}
    assert entries["attachments"].tolist() == [2] * 4
    assert entries["counterparty"].tolist() == ["", "某某农资店", "", ""]
    assert entries["preparer"].tolist() == ["张三"] * 4
    assert entries["source_sheet"].tolist() == ["银收-1"] * 2 + ["现收-1"] * 2
    report = _read(path).report
    assert report.skipped_reasons == {"voucher_layout": 6, "capital_amount": 2, "subtotal": 2,
                                      "signature": 2}


def test_printed_voucher_with_unit_in_its_title_row_and_signatures_in_cells(
    tmp_path: Path
) -> None:
    path = _xlsx(tmp_path, {"凭证": [
        ["核算单位：青石镇下坝村", None, "收 款 凭 证", None, "1/1"],
        ["收字第5号", None, "2023年03月15日", None, "附单据 2 张"],
        ["摘要", "科目编码", "科目名称", "借方金额", "贷方金额"],
        ["收租金", "102", "银行存款", "3,000.00", None],
        [None, "501", "经营收入", None, "3,000.00"],
        ["合计：人民币（大写）叁仟元整", None, None, "3,000.00", "3,000.00"],
        ["审核：", "李四", "记账：", "王五", "出纳：", None, "制单：", "张三"],
    ]}, name="export")
    entries = _clean(path)
    assert set(zip(entries["town"], entries["village"], strict=True)) == {("青石镇", "下坝村")}
    assert entries["voucher_no"].tolist() == ["收-5", "收-5"]
    assert entries["voucher_date"].tolist() == [pd.Timestamp("2023-03-15")] * 2
    assert entries["account_name"].tolist() == ["银行存款", "经营收入"]
    assert entries["credit_fen"].tolist() == [0, 300000]
    assert entries["attachments"].tolist() == [2, 2]
    assert (entries["reviewer"].iloc[0], entries["bookkeeper"].iloc[0],
            entries["preparer"].iloc[0]) == ("李四", "王五", "张三")


# --- import profiles -----------------------------------------------------------------------

def test_profile_maps_an_unusual_header(tmp_path: Path) -> None:
    path = _csv(tmp_path, "流水号,凭证日期,摘要,科目编码,借方金额,贷方金额",
                "7,2023-08-05,付电费,541,80.00,",
                "7,2023-08-05,付电费,102,,80.00",
                name="export")
    # without the profile 流水号 is no field: the voucher is told apart by its balance
    unprofiled = _clean(path, unit="青石镇 下坝村")
    assert unprofiled["voucher_no"].tolist() == ["记-1", "记-1"]
    assert json.loads(unprofiled["extra"].iloc[0]) == {"流水号": "7"}
    profile_file = tmp_path / "某软件.yaml"
    profile_file.write_text("name: 某软件凭证导出\ncolumns:\n  voucher_no: [流水号]\n"
                            "unit: 青石镇 下坝村\n", encoding="utf-8")
    profile = load_profile(profile_file)
    entries = _clean(path, profile=profile)
    assert entries["voucher_no"].tolist() == ["记-7", "记-7"]
    assert entries["village"].tolist() == ["下坝村", "下坝村"]
    assert _read(path, profile=profile).report.profile == "某软件凭证导出"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("name: 某软件\ncolumns:\n  voucher_number: [流水号]\n", "voucher_number"),
        ("name: 某软件\ncolums:\n  voucher_no: [记账凭证号]\n", "colums"),
        ("columns:\n  voucher_no: [记账凭证号]\n", "name"),
        ("name: 某软件\nheader_row: 0\n", "header_row"),
        ("name: 某软件\nskip_rows: ['[示例']\n", "skip_rows"),
        ("name: 某软件\nchart: 2010\n", "chart"),
    ],
)
def test_profile_mistakes_name_the_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "我的配置.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=rf"我的配置\.yaml.*{key}"):
        load_profile(path)


# --- the §2 variants -----------------------------------------------------------------------

def test_legacy_csv_in_gb18030_with_titles_and_subtotals(tmp_path: Path) -> None:
    path = _csv(tmp_path, "青石镇下坝村 序时账",
                "会计期间：2023年01月至2023年12月 单位：元",
                "凭证日期,凭证号,摘要,科目编码,科目名称,借方金额,贷方金额",
                "2023年1月5日,记字第12号,支付清淤费,541,管理费用,\"2,000.00\",",
                "2023/1/5,记字第12号,支付清淤费,102,银行存款,,\"２，０００．００\"",
                ",,本月合计,,,\"2,000.00\",\"2,000.00\"",
                "",
                ",,本年累计,,,\"2,000.00\",\"2,000.00\"",
                name="export", encoding="gb18030")
    entries = _clean(path)
    report = _read(path).report
    assert report.encoding == "gb18030"
    assert report.skipped_reasons == {"subtotal": 2}
    assert entries["voucher_no"].tolist() == ["记-12", "记-12"]
    assert entries["debit_fen"].tolist() == [200000, 0]
    assert entries["credit_fen"].tolist() == [0, 200000]
    assert entries["source_row"].tolist() == [4, 5]


def test_aliases_in_any_order_with_full_width_spaces_and_blank_lines(tmp_path: Path) -> None:
    path = _csv(tmp_path, "贷方发生额,　摘　要　,科目代码,凭证字号,记账日期,借方发生额,对方单位",
                ",付电费,541,记-2,2023-08-05,80.00,某县供电所",
                "",
                "80.00,付电费,102,记-2,2023-08-05,,",
                ",,,,,,",
                "")
    entries = _clean(path)
    assert entries["summary"].tolist() == ["付电费", "付电费"]
    assert entries["counterparty"].tolist() == ["某县供电所", ""]
    assert entries["source_row"].tolist() == [2, 4]


# --- text files, two-row headers, 月 and 日 columns ------------------------------------------

@pytest.mark.parametrize(("separator", "encoding"), [("\t", "utf-16"), ("\t", "gb18030"),
                                                     (";", "utf-8")])
def test_tab_or_semicolon_separated_text_in_any_encoding(
    tmp_path: Path, separator: str, encoding: str
) -> None:
    lines = [ACCOUNT_HEADER, *VOUCHER_LINES]
    path = tmp_path / f"{VILLAGE_FILE}.txt"
    text = "\r\n".join(line.replace(",", separator) for line in lines) + "\r\n"
    path.write_bytes(text.encode(encoding))
    entries = _clean(path)
    assert entries["summary"].tolist() == ["付电费", "付电费"]
    assert entries["debit_fen"].tolist() == [8000, 0]


def test_a_header_over_two_rows(tmp_path: Path) -> None:
    rows = [
        ["日期", "凭证号", "摘要", "科目编码", "金额", None],
        [None, None, None, None, "借方", "贷方"],
        [dt.date(2023, 8, 5), "记-2", "付电费", "541", 80.0, None],
        [dt.date(2023, 8, 5), "记-2", "付电费", "102", None, 80.0],
    ]
    entries = _clean(_xlsx(tmp_path, {"序时账": rows}))
    assert entries["source_row"].tolist() == [3, 4]
    assert (entries["debit_fen"].tolist(), entries["credit_fen"].tolist()) == (
        [8000, 0], [0, 8000])
    csv_path = _csv(tmp_path, "日期,凭证号,摘要,科目编码,金额,", ",,,,借方,贷方",
                    *VOUCHER_LINES, name="两行表头")
    assert _clean(csv_path, unit="下坝村")["source_row"].tolist() == [3, 4]


def test_month_and_day_columns_with_the_year_in_the_title(tmp_path: Path) -> None:
    path = _csv(tmp_path, "青石镇下坝村 现金日记账 2023年",
                "月,日,凭证号数,摘要,科目编码,借方,贷方",
                "8,5,记-2,付电费,541,80.00,", ",,,付电费,102,,80.00",
                "8,31,记-3,付水费,541,20.00,", "8,31,记-3,付水费,102,,20.00", name="日记账")
    entries = _clean(path)
    assert entries["voucher_date"].tolist() == [pd.Timestamp("2023-08-05")] * 2 + [
        pd.Timestamp("2023-08-31")] * 2
    assert entries["period"].tolist() == ["2023-08"] * 4
    assert entries["voucher_no"].tolist() == ["记-2", "记-2", "记-3", "记-3"]


def test_month_and_day_without_any_year_are_quarantined_with_the_reason(tmp_path: Path) -> None:
    path = _csv(tmp_path, "月,日,凭证号,摘要,科目编码,借方,贷方", "8,5,记-2,付电费,541,80.00,",
                name="下坝村")
    load = _read(path)
    assert load.report.quarantined == 1
    assert "年份" in load.quarantine["reason"].iloc[0]


def test_printed_voucher_of_a_small_package_with_its_number_unlabelled(tmp_path: Path) -> None:
    """记 - 12 without 凭证字号：, 会计科目 with a dotted code, 合计 in words, 会计主管 … 制单."""
    rows = [
        [None, "记 账 凭 证"],
        ["单位：青石镇下坝村", None, "2023年08月31日", "记 - 12", "附件 2 张"],
        ["摘要", "会计科目", "借方金额", "贷方金额"],
        ["付电费", "541.001 管理费用 - 电费", 80.0, None],
        ["付电费", "102 银行存款", None, 80.0],
        ["合计：捌拾元整", None, 80.0, 80.0],
        ["会计主管：", "记账：", "复核：", "出纳：", "制单：张三", "经办："],
    ]
    entries = _clean(_xlsx(tmp_path, {"凭证": rows}, name="打印凭证"))
    assert entries["voucher_no"].tolist() == ["记-12", "记-12"]
    assert entries["voucher_date"].tolist() == [pd.Timestamp("2023-08-31")] * 2
    assert entries["account_code"].tolist() == ["541001", "102"]
    assert entries["account_name"].tolist() == ["管理费用 - 电费", "银行存款"]
    assert (entries["preparer"].tolist(), entries["bookkeeper"].tolist()) == (
        ["张三"] * 2, ["", ""])
    assert entries["attachments"].tolist() == [2, 2]
    assert set(zip(entries["town"], entries["village"], strict=True)) == {("青石镇", "下坝村")}


def test_a_flat_exports_voucher_total_row_keeps_its_number_and_is_skipped(tmp_path: Path) -> None:
    path = _csv(tmp_path, ACCOUNT_HEADER, *VOUCHER_LINES, "2023-08-05,记-2,合计,,80.00,80.00")
    load = _read(path)
    assert (load.report.loaded, load.report.skipped_reasons) == (2, {"subtotal": 1})


# --- voucher numbers -------------------------------------------------------------------------

def test_a_voucher_number_column_is_known_by_its_ending(tmp_path: Path) -> None:
    path = _csv(tmp_path, "记账凭证号,凭证日期,摘要,科目编码,借方金额,贷方金额",
                "7,2023-08-05,付电费,541,80.00,", "7,2023-08-05,付电费,102,,80.00")
    assert _clean(path)["voucher_no"].tolist() == ["记-7", "记-7"]


def test_without_a_number_column_vouchers_are_told_apart_by_date_word_and_balance(
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path, "日期,凭证字,摘要,科目,借方,贷方",
                "2023-08-05,记,付电费,541,80.00,", "2023-08-05,记,付电费,102,,80.00",
                "2023-08-05,记,付水费,541,20.00,", "2023-08-05,记,付水费,101,,20.00",
                "2023-08-05,收,收租金,102,300.00,", "2023-08-05,收,收租金,501,,300.00",
                "2023-08-09,记,付油费,541,50.00,", "2023-08-09,记,付油费,101,,30.00",
                "2023-08-09,记,付油费,102,,20.00")
    load = _read(path)
    entries = _clean(path)
    assert entries["voucher_no"].tolist() == [
        "记-1", "记-1", "记-2", "记-2", "收-1", "收-1", "记-3", "记-3", "记-3"]
    assert entries["line_no"].tolist() == [1, 2, 1, 2, 1, 2, 1, 2, 3]
    assert load.report.balanced_vouchers == 4


def test_names_resolve_in_the_chart_a_unit_keeps_to(tmp_path: Path) -> None:
    path = _csv(tmp_path, "凭证日期,凭证号,摘要,科目名称,借方金额,贷方金额",
                "2024-03-05,记-2,付电费,管理费用-电费,80.00,",
                "2024-03-05,记-2,付电费,银行存款,,80.00")
    assert _clean(path)["account_code"].tolist() == ["513", "102"]  # the 2023 chart's
    pinned = _clean(path, unit_charts={"青石镇/下坝村": "2004"})
    assert pinned["account_code"].tolist() == ["541", "102"]


# --- legacy .xls workbooks -------------------------------------------------------------------

def _xls(tmp_path: Path, sheets: dict[str, list[list]], name: str) -> Path:
    """An Excel 97–2003 workbook (.xls): dates as Excel dates, numbers as numbers."""
    path = tmp_path / f"{name}.xls"
    book = xlwt.Workbook(encoding="utf-8")
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for sheet_name, rows in sheets.items():
        sheet = book.add_sheet(sheet_name)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                if isinstance(value, dt.date):
                    sheet.write(row, column, value, day)
                elif value is not None:
                    sheet.write(row, column, value)
    book.save(str(path))
    return path


def test_a_legacy_xls_journal_and_printed_vouchers(tmp_path: Path) -> None:
    journal = _xls(tmp_path, {"序时账": [
        ["青石镇下坝村 序时账"],
        ["凭证日期", "凭证号", "摘要", "科目编码", "借方金额", "贷方金额"],
        [dt.date(2023, 8, 5), "记-2", "付电费", "541", 80.0, None],
        [dt.date(2023, 8, 5), "记-2", "付电费", "102", None, 80.0],
        [None, None, "本月合计", None, 80.0, 80.0],
    ]}, name="序时账")
    entries = _clean(journal)
    assert entries["voucher_date"].tolist() == [pd.Timestamp("2023-08-05")] * 2
    assert entries["source_row"].tolist() == [3, 4]
    printed = _xls(tmp_path, {"凭证": [
        ["记 账 凭 证"],
        ["核算单位：青石镇下坝村", "2023年 第8期", "日期：2023-08-05", "凭证字号：记-00002"],
        TABLE,
        ["付电费", "541 管理费用", "", 80.0, None],
        ["付电费", "102 银行存款", "", None, 80.0],
        ["合 计", "", "", 80.0, 80.0],
        ["审核：李四", "记账：王五", "制单：张三"],
    ]}, name="凭证打印")
    load = _read(printed)
    assert load.report.layout == "V"
    entries = _clean(printed)
    assert entries["voucher_no"].tolist() == ["记-2", "记-2"]
    assert entries["preparer"].tolist() == ["张三", "张三"]
