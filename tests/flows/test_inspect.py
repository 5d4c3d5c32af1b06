"""`sanzi-audit inspect FILE`: how a file is understood, shown before auditing it."""

from __future__ import annotations

import re
from pathlib import Path

import xlsxwriter

from flows.cli import EXIT_OK, EXIT_UNREADABLE_FILES, main

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def test_inspect_shows_the_sheet_header_columns_unit_rows_and_counts(capsys) -> None:
    code = main(["inspect", str(SAMPLE / "青石镇_坳山村_2023.csv"), "--rows", "2"])
    shown = capsys.readouterr().out
    assert code == EXIT_OK
    assert "文件「青石镇_坳山村_2023.csv」：CSV 文件（编码 gb18030）" in shown
    assert "表头在第 4 行" in shown and "按内置列名识别" in shown
    assert "日期 → 凭证日期" in shown and "往来单位 → 往来单位" in shown
    assert "单位：青石镇 坳山村" in shown
    assert "前 2 条分录的识别结果：" in shown
    assert "合计、小计或累计行" in shown  # the skipped subtotal rows, counted
    assert "隔离原因" in shown and "例：第 " in shown  # the sample's bad rows, with an example
    total = next(line for line in shown.splitlines() if line.startswith("合计：读取"))
    read, loaded, quarantined, skipped = (
        int(number.replace(",", "")) for number in re.findall(r"[\d,]+(?= [行条])", total)[:4])
    assert read == loaded + quarantined + skipped


def test_inspect_names_skipped_sheets_and_uses_the_unit_option(tmp_path: Path, capsys) -> None:
    path = tmp_path / "凭证导出.xlsx"
    workbook = xlsxwriter.Workbook(path)
    workbook.add_worksheet("说明").write(0, 0, "本表由系统导出")
    sheet = workbook.add_worksheet("凭证")
    sheet.write_row(0, 0, ["日期", "凭证字", "凭证号", "摘要", "科目", "借方", "贷方", "数量"])
    sheet.write_row(1, 0, ["2023-05-06", "付", "3", "买水泥", "154001 在建工程-道路", 900, "", 3])
    sheet.write_row(2, 0, ["2023-05-06", "付", "3", "买水泥", "102 银行存款", "", 900, ""])
    workbook.close()
    code = main(["inspect", str(path), "--unit", "青石镇 下坝村"])
    shown = capsys.readouterr().out
    assert code == EXIT_OK
    assert "工作表「说明」：不是凭证或序时账（未找到表头），跳过 1 行" in shown
    assert "工作表「凭证」：序时账表格，表头在第 1 行" in shown
    assert "凭证字 → 凭证字" in shown
    assert "数量 → 不是字段，原值保留在 extra" in shown
    assert "单位：青石镇 下坝村 2 条" in shown
    assert "付-3 | 1 | 154001 | 在建工程-道路" in shown
    assert "900.00" in shown


def test_inspect_of_a_file_without_a_unit_says_to_use_the_option(tmp_path: Path, capsys) -> None:
    path = tmp_path / "export.csv"
    path.write_text("日期,凭证号,摘要,科目编码,借方,贷方\n2023-01-05,1,a,101,1,\n",
                    encoding="utf-8")
    code = main(["inspect", str(path)])
    shown = capsys.readouterr().out
    assert code == EXIT_UNREADABLE_FILES
    assert "文件「export.csv」无法读取" in shown and "--unit" in shown
    assert "第 1 行：日期 | 凭证号 | 摘要 | 科目编码 | 借方 | 贷方" in shown  # for a profile


def test_inspect_of_a_missing_file_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["inspect", str(tmp_path / "没有.csv")]) == 2
    assert "文件不存在" in capsys.readouterr().err
