"""scorecards.xlsx read back: a sheet per year with villages ranked, colours as fills, numbers
as numbers, text never a formula (an apostrophe before it, as in every workbook), and the
definitions sheet."""

import zipfile

import pandas as pd
from python_calamine import CalamineWorkbook

from checks.scorecard_params import ScorecardParams
from flows.scorecard_sheets import write_scorecard_workbook
from review.xlsx import FILLS
from tests.review.test_scorecards_review import scorecards


def test_workbook_reads_back_ranked_with_fills(tmp_path):
    frame = scorecards(pd.DataFrame(columns=["town", "village", "year", "rule", "status"]))
    frame.loc[frame["village"] == "上坝村", "village"] = "=HYPERLINK(\"x\")"
    path = write_scorecard_workbook(tmp_path / "scorecards.xlsx", frame, ScorecardParams())
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["2023 年", "2024 年", "指标口径"]
    rows = book.get_sheet_by_name("2024 年").to_python()
    assert rows[0][:5] == ["名次", "乡镇", "村", "预警颜色", "预警原因"]
    assert [row[2] for row in rows[1:]] == ["坳山村", "'=HYPERLINK(\"x\")", "下坝村", "河口村"]
    assert [row[3] for row in rows[1:]] == ["黄色", "黄色", "绿色", "绿色"]
    assert rows[1][5] == 310_000.0 and rows[1][0] == 1  # yuan, a number
    assert rows[2][6] == -0.25  # 上坝村's operating income fell a quarter
    assert rows[3][15] == 10_000.0 and rows[4][15] == ""  # 河口村: no register, empty
    definitions = book.get_sheet_by_name("指标口径").to_python()
    assert ["达线标准", "经营性收入 150,000 元（乡镇年度总结“15 万元以上的村”口径）"] in definitions
    with zipfile.ZipFile(path) as archive:
        styles = archive.read("xl/styles.xml").decode()
        sheets = "".join(archive.read(name).decode() for name in archive.namelist()
                         if name.startswith("xl/worksheets/"))
    assert all(FILLS[status] in styles for status in ("yellow", "green"))
    assert "<f>" not in sheets
