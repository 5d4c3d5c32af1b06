"""Files that cannot be read at all raise LedgerFileError with a message an agency can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.ingest import LedgerFileError, read_ledger_file

HEADER = "凭证日期,凭证号,摘要,科目编码,借方金额,贷方金额"
ROW = "2023-01-05,1,a,101,1,"


def _error(path: Path) -> str:
    with pytest.raises(LedgerFileError) as raised:
        read_ledger_file(path)
    return str(raised.value)


def test_header_below_the_first_twenty_rows(tmp_path: Path) -> None:
    path = tmp_path / "下坝村.csv"
    path.write_text("\n".join(["说明"] * 20 + [HEADER, ROW]), encoding="utf-8")
    message = _error(path)
    assert message.startswith("文件「下坝村.csv」")
    assert "在前 20 行中未找到表头" in message
    assert "凭证日期/日期" in message and "凭证号" in message
    assert "请确认" in message


def test_header_on_the_twentieth_row_is_found(tmp_path: Path) -> None:
    path = tmp_path / "下坝村.csv"
    path.write_text("\n".join(["说明"] * 19 + [HEADER, ROW]), encoding="utf-8")
    load = read_ledger_file(path)
    assert load.entries["source_row"].tolist() == [21]


def test_undecodable_bytes_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(f"{HEADER}\n{ROW}\n".encode() + b"\xff\xff,1\n")
    message = _error(path)
    assert message.startswith("文件「bad.csv」第 3 行有无法解码的字节")
    assert "GB18030" in message and "另存为" in message


def test_bom_with_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + HEADER.encode() + b"\n" + "下坝村".encode("gb18030"))
    assert "BOM" in _error(path)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("凭证日期,凭证号,摘要,借方金额,贷方金额", "科目编码/科目代码/科目"),
        ("凭证日期,凭证号,摘要,科目编码", "金额列"),
        ("凭证日期,凭证号,摘要,科目编码,金额", "金额列"),
        ("凭证日期,凭证号,科目编码,借方金额", "摘要"),
    ],
)
def test_missing_required_columns(tmp_path: Path, header: str, expected: str) -> None:
    path = tmp_path / "cols.csv"
    path.write_text(f"标题\n{header}\n", encoding="utf-8")
    message = _error(path)
    assert message.startswith("文件「cols.csv」第 2 行的表头缺少必需的列")
    assert expected in message


def test_empty_and_unsupported_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\r\n")
    assert "文件为空" in _error(empty)
    other = tmp_path / "ledger.pdf"
    other.write_bytes(b"%PDF")
    assert "不支持的文件类型" in _error(other)
