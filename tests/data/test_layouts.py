"""The files look as docs/reading-exports.md (能直接读的格式) describes, and every line sits
at the row it claims."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from data.generator import GenerationResult
from data.generator.names import GB18030_ONLY_CHARACTERS
from tests.data.export_rows import date_of, fen, read_line, sheet_rows, voucher_no

PLATFORM_HEADER = (
    "乡镇,单位名称,单位编码,会计期间,凭证日期,凭证号,分录号,摘要,科目编码,科目名称,借方金额,"
    "贷方金额,往来单位,结算方式,附件张数,决议编号,合同编号,制单人,审核人,记账人"
)


def _files(ledgers: GenerationResult, pattern: str) -> list[Path]:
    found = [path for path in ledgers.files if re.fullmatch(pattern, path.name)]
    assert found, pattern
    return found


def _legacy(ledgers: GenerationResult, direction: bool) -> list[Path]:
    files = _files(ledgers, r".+_.+村_\d{4}\.csv")
    return [path for path in files
            if ("方向" in path.read_bytes().decode("gb18030")) == direction]


def test_file_names_and_layouts(ledgers: GenerationResult) -> None:
    names = {path.name for path in ledgers.files}
    assert {"青石镇_2023-2024.csv", "白沙乡_2023.csv", "白沙乡_2024.csv"} <= names
    assert len(_files(ledgers, r".+镇_.+村_\d{4}\.xlsx")) == 2
    assert len(_files(ledgers, r".+乡_.+村_2023-2024\.xlsx")) == 1
    assert len(_files(ledgers, r".+_.+村_\d{4}\.csv")) == 4
    assert all(path.exists() for path in ledgers.files)
    assert set(ledgers.truth["source_file"]) == names


def test_every_truth_line_is_at_its_row(ledgers: GenerationResult) -> None:
    folder = ledgers.labels_path.parent
    for line in ledgers.truth.itertuples():
        cells = read_line(folder / line.source_file, line.source_sheet, line.source_row)
        where = (line.source_file, line.source_sheet, line.source_row)
        assert date_of(cells["voucher_date"]) == line.voucher_date.date(), where
        assert voucher_no(cells["voucher_no"]) == line.voucher_no, where
        assert str(cells["summary"]).strip() == line.summary, where
        assert str(cells["account_code"]).strip() == line.account_code, where
        assert fen(cells["debit"]) == line.debit_fen, where
        assert fen(cells["credit"]) == line.credit_fen, where


def test_every_label_points_at_its_line(ledgers: GenerationResult, labels: pd.DataFrame) -> None:
    folder = ledgers.labels_path.parent
    for label in labels.itertuples():
        cells = read_line(folder / label.source_file, label.source_sheet, label.source_row)
        assert voucher_no(cells["voucher_no"]) == label.voucher_no
        if label.pattern == "impossible_date":
            assert re.search(r"(2月30|9月31|4月31|6月31|11月31|-02-30|-0[469]-31|-11-31|"
                             r"/2/30|/[469]/31|/11/31)", str(cells["voucher_date"]))
        elif label.pattern == "unreadable_amount":
            amounts = (str(cells["debit"]), str(cells["credit"]))
            assert any(re.fullmatch(r"[\d,]*[a-z][\d,]*\.\d\d", text) for text in amounts)
        else:
            date = date_of(cells["voucher_date"])
            assert label.period == f"{date:%Y-%m}" or label.rule_id == "voucher.date_in_period"


def test_platform_csv_has_one_header_line_and_bom_only_in_one_variant(
    ledgers: GenerationResult,
) -> None:
    with_bom = (_files(ledgers, r"青石镇_2023-2024\.csv")[0]).read_bytes()
    without = (_files(ledgers, r"白沙乡_2023\.csv")[0]).read_bytes()
    assert with_bom.startswith(b"\xef\xbb\xbf" + PLATFORM_HEADER.encode())
    assert without.startswith(PLATFORM_HEADER.encode())
    rows = sheet_rows(_files(ledgers, r"青石镇_2023-2024\.csv")[0], "")
    assert len({row[1] for row in rows[1:]}) >= 2  # several villages in one file
    assert rows[1][3] == "2023-01" and sheet_rows(
        _files(ledgers, r"白沙乡_2023\.csv")[0], "")[1][3] == "2023年01月"


def test_workbook_title_period_header_dates_and_subtotals(ledgers: GenerationResult) -> None:
    path = _files(ledgers, r"青石镇_.+村_2023\.xlsx")[0]
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("序时账").to_python()
    village = path.name.split("_")[1]
    assert rows[0][0] == f"青石镇{village} 序时账"
    assert rows[1][0] == "会计期间：2023年01月至2023年12月 单位：元"
    assert rows[2][:3] == ["凭证日期", "凭证号", "分录号"]
    assert "乡镇" not in rows[2]
    first = rows[3]
    assert type(first[0]).__name__ == "date" and re.fullmatch(r"记-\d+", first[1])
    assert isinstance(first[6] or first[7], float)
    labels = [row[3] for row in rows]
    assert labels.count("本月合计") == 12 and labels.count("本年累计") == 12


def test_workbook_amounts_are_formatted_with_thousands(ledgers: GenerationResult) -> None:
    path = _files(ledgers, r"青石镇_.+村_2023\.xlsx")[0]
    with zipfile.ZipFile(path) as archive:
        styles = archive.read("xl/styles.xml").decode()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    money_id = re.search(r'numFmtId="(\d+)" formatCode="#,##0.00"', styles)[1]
    formats = re.findall(r'<xf numFmtId="(\d+)"', styles.split("<cellXfs")[1])
    money_style = str(formats.index(money_id))
    assert re.search(rf'<c r="G4" s="{money_style}"|<c r="H4" s="{money_style}"', sheet)


def test_workbook_variant_has_a_sheet_per_year_and_aliased_headers(
    ledgers: GenerationResult,
) -> None:
    path = _files(ledgers, r".+_.+村_2023-2024\.xlsx")[0]
    workbook = CalamineWorkbook.from_path(str(path))
    assert workbook.sheet_names == ["2023年", "2024年"]
    header = workbook.get_sheet_by_name("2024年").to_python()[2]
    assert header[:7] == ["日期", "凭证字号", "科目代码", "科目名称", "摘要", "借方", "贷方"]
    assert "分录号" not in header


@pytest.mark.parametrize("direction", [False, True])
def test_legacy_csv_quirks(ledgers: GenerationResult, direction: bool) -> None:
    path = _legacy(ledgers, direction)[0]
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    lines = text.split("\r\n")
    assert lines[0].startswith(path.name.split("_")[0] + path.name.split("_")[1] + " 序时账")
    assert lines[1].startswith("会计期间：")
    assert set(lines[2]) <= {","}
    assert "" in lines[4:-1]  # a truly blank line between quarters
    assert all(set(line) <= {","} for line in lines[-4:])  # trailing empty rows
    assert "字第" in text and "　　本月合计" in text and "本年累计" in text
    assert re.search(r'"\d{1,3}(,\d{3})+\.\d\d"', text)  # quoted thousands separators
    assert re.search(r"\d{1,3}(，\d{3})+\.\d\d", text)  # full-width separator
    rare = [char for char in GB18030_ONLY_CHARACTERS if char in text]
    assert rare
    with pytest.raises(UnicodeEncodeError):
        rare[0].encode("gbk")
    if direction:
        assert ",方向,金额," in lines[3] and re.search(r"\d{4}/\d{1,2}/\d{1,2},", text)
    else:
        assert ",借方金额,贷方金额," in lines[3] and re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text)
