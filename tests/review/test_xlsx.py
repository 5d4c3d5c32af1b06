"""The one workbook writer: what goes in comes back out, as text, numbers and blanks; text is
never a formula; numbers show in their formats, cells in their fills."""

import io
import zipfile

import numpy as np
import pandas as pd
import pyarrow as pa
from python_calamine import CalamineWorkbook

from review.xlsx import (
    FILLS,
    FORMULA_START,
    Sheet,
    column_letter,
    column_widths,
    neutralise_formulas,
    sheet_parts,
    unreferenced_cells,
    utf8,
    widths_by,
    write_xlsx,
)


def test_cells_read_back_as_written(tmp_path):
    frame = pd.DataFrame({
        "排名": pd.array([1, 2, None], dtype="Int64"),
        "风险分": [0.912345, np.nan, 1.0],
        "摘要": ["付<水泥>款 & 运费", "'=HYPERLINK(\"x\")", ""],
        "疑点": [True, False, True],
        "坏字符": ["a\x01b", "换行\n保留", None],
    })
    path = write_xlsx(tmp_path / "f.xlsx", {"疑点清单": frame, "空表": frame.iloc[:0]})
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["疑点清单", "空表"]
    rows = book.get_sheet_by_name("疑点清单").to_python()
    assert rows[0] == ["排名", "风险分", "摘要", "疑点", "坏字符"]
    assert rows[1] == [1, 0.912345, "付<水泥>款 & 运费", True, "ab"]
    assert rows[2] == [2, "", "'=HYPERLINK(\"x\")", False, "换行\n保留"]
    assert rows[3][:4] == ["", 1, "", True]
    assert book.get_sheet_by_name("空表").to_python() == [list(frame.columns)]
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert 'state="frozen"' in sheet and "<f>" not in sheet  # header frozen, never a formula


def test_a_long_sheet_is_written_in_parts(tmp_path):
    frame = pd.DataFrame({"行": range(25), "文字": [f"第{n}行" for n in range(25)]})
    parts = list(sheet_parts(Sheet(frame), rows_per_part=10))
    assert len(parts) == 5  # head, three parts of rows, tail
    path = write_xlsx(tmp_path / "长.xlsx", {"表": frame})
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("表").to_python()
    assert [row[0] for row in rows[1:]] == list(range(25)) and rows[-1][1] == "第24行"


def test_column_letters():
    assert [column_letter(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]


def test_rows_are_written_as_the_utf8_of_their_strings_one_after_another():
    rows = pa.array(["<row>甲</row>", "", "<row>乙</row>", "<row>丙</row>"])
    assert utf8(rows) == "<row>甲</row><row>乙</row><row>丙</row>".encode()
    assert utf8(rows.slice(2, 1)) == "<row>乙</row>".encode()
    assert utf8(rows.cast(pa.large_string()).slice(1, 2)) == "<row>乙</row>".encode()
    assert utf8(rows.slice(0, 0)) == b""
    assert utf8(pa.chunked_array([rows.slice(0, 1), rows.slice(2)])) == utf8(rows)


def test_widths_by_group_follow_the_longest_value_or_header_and_stop_at_the_cap():
    frame = pd.DataFrame({"摘要": ["短", "长长长长长", "x" * 100], "分": [1.5, None, 12.25]})
    widths = widths_by(frame, np.array(["甲", "甲", "乙"]))
    assert widths == {"甲": [2 * 5 + 2, 2 * 3 + 2], "乙": [60, 2 * 5 + 2]}
    assert widths_by(frame.iloc[:1], np.array(["甲"])) == {"甲": column_widths(frame.iloc[:1])}


# Each starts a formula in Excel, LibreOffice or WPS once the cell is edited or the sheet saved
# as CSV and opened again (OWASP CSV injection); then text that merely contains them.
RISKY = ["=1+1", "+86 139", "-2+3", "@SUM(A1)", "\tx=1", "\r=1", "\x01=cmd|' /C calc'!A0"]
PLAIN = ["正常", "a=1", "1-2", "'=已加撇号", " =前有空格", ""]


def _xml(path_or_bytes, name: str) -> str:
    with zipfile.ZipFile(path_or_bytes) as archive:
        return archive.read(name).decode()


def test_text_a_spreadsheet_would_run_as_a_formula_gets_an_apostrophe(tmp_path):
    frame = pd.DataFrame({"文字": RISKY + PLAIN})
    path = write_xlsx(tmp_path / "f.xlsx", {"表": frame})
    cells = [row[0] for row in CalamineWorkbook.from_path(str(path))
             .get_sheet_by_name("表").to_python()[1:]]
    # XML reads a CR as a line feed, and cannot hold \x01 at all
    read = [text.replace("\r", "\n").replace("\x01", "") for text in RISKY]
    assert cells == ["'" + text for text in read] + PLAIN[:-1]  # the last row: empty
    # the rows made ahead of their numbers follow the same rule
    made = unreferenced_cells(frame).to_pylist()
    assert all("<t xml:space=\"preserve\">'" in cell for cell in made[:len(RISKY)])
    assert not any("preserve\">'" in cell for cell in made[len(RISKY):len(RISKY) + 2])
    # the CSV files' rule is the same rule
    safe = neutralise_formulas(pd.DataFrame({"t": RISKY[:-1] + PLAIN, "n": range(12)}))
    assert safe["t"].tolist() == ["'" + text for text in RISKY[:-1]] + PLAIN
    assert safe["n"].tolist() == list(range(12))
    assert FORMULA_START == r"[=+\-@\t\r]"


def test_formats_fills_and_frozen_columns_are_written_and_read_back(tmp_path):
    frame = pd.DataFrame({"村": ["上坝村", "下坝村"], "颜色": ["红色", "绿色"],
                          "金额": [1234.5, None], "占比": [0.25, -0.125], "件数": [3, 0]})
    sheet = Sheet(frame, formats={"金额": "money", "占比": "share", "件数": "count"},
                  fills={"颜色": ["red", ""]}, widths=[10, 8, 14, 12, 8], frozen_columns=1)
    buffer = io.BytesIO()
    write_xlsx(buffer, {"表": sheet})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())).get_sheet_by_name(
        "表").to_python()
    assert rows == [list(frame.columns), ["上坝村", "红色", 1234.5, 0.25, 3],
                    ["下坝村", "绿色", "", -0.125, 0]]
    styles = _xml(buffer, "xl/styles.xml")
    sheet_xml = _xml(buffer, "xl/worksheets/sheet1.xml")
    assert FILLS["red"] in styles and 'formatCode="0.0%"' in styles
    assert '<c r="B2" s="6" t="inlineStr">' in sheet_xml  # plain, header, 4 formats, red
    assert '<c r="B3" t="inlineStr">' in sheet_xml  # no fill
    assert '<c r="C2" s="2"><v>1234.5</v>' in sheet_xml and 'r="C3"' not in sheet_xml
    assert '<c r="D2" s="4"><v>0.25</v>' in sheet_xml and '<c r="E2" s="5"><v>3</v>' in sheet_xml
    assert 'xSplit="1" ySplit="1" topLeftCell="B2"' in sheet_xml
    assert '<col min="3" max="3" width="14" customWidth="1"/>' in sheet_xml
