"""The findings workbook writer: what goes in comes back out, as text, numbers and blanks."""

import zipfile

import numpy as np
import pandas as pd
import pyarrow as pa
from python_calamine import CalamineWorkbook

from flows.xlsx import column_letter, column_widths, sheet_parts, utf8, widths_by, write_xlsx


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
    parts = list(sheet_parts(frame, rows_per_part=10))
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
