"""``sanzi-audit inspect FILE``: how a file is understood, before auditing it
(docs/reading-exports.md).

Reads the file exactly as a run does (the same reading path, the same profile and unit) and
shows, per sheet: what it is, the header row, the profile, each column and the field it became,
the unit, the first lines as parsed, and what would be loaded, skipped and quarantined, with the
most common reasons. No Prefect, no store: it takes as long as reading the file.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from checks.registers.columns import REGISTER_TITLES
from flows.ingest import FileLoad, LedgerFileError, ReadOptions, SheetReport, read_ledger_file
from flows.ingest.grid import read_csv_rows
from flows.ingest.load import CSV_SUFFIXES
from flows.ingest.registers import RegisterLoad, read_register_file, register_kind
from flows.ingest.registers.aliases import field_words
from flows.ingest.registers.load import SKIP_WORDS
from flows.ingest.workbook import read_workbook_sheets
from flows.reading import skipped_words

FIELD_WORDS = {
    "town": "乡镇", "village": "单位（村）", "org_code": "单位编码", "year": "会计年度",
    "period": "会计期间", "voucher_date": "凭证日期", "month": "月（凭证日期）",
    "day": "日（凭证日期）", "voucher_no": "凭证号",
    "voucher_word": "凭证字", "line_no": "分录号", "summary": "摘要", "account_code": "科目编码",
    "account_name": "科目名称", "debit": "借方金额", "credit": "贷方金额", "direction": "借贷方向",
    "amount": "金额（配合方向）", "counterparty": "往来单位", "settlement": "结算方式",
    "attachments": "附件张数", "decision_ref": "决议编号", "contract_ref": "合同编号",
    "preparer": "制单人", "reviewer": "审核人", "bookkeeper": "记账人",
}
KIND_WORDS = {"journal": "序时账表格", "vouchers": "打印格式的记账凭证", "skipped": "已跳过"}
SHOWN_COLUMNS = {
    "source_row": "行", "voucher_date": "日期", "voucher_no": "凭证号", "line_no": "分录",
    "account_code": "科目", "account_name": "科目名称", "summary": "摘要", "debit_fen": "借方",
    "credit_fen": "贷方", "counterparty": "往来单位", "village": "单位",
}


def inspect_file(path: Path, options: ReadOptions, *, rows: int = 5) -> tuple[str, bool]:
    """The report on one file, and whether it could be read."""
    try:
        if register_kind(path):
            return "\n".join(_register_lines(read_register_file(path, options), rows)), True
        load = read_ledger_file(path, options=options)
    except LedgerFileError as error:
        lines = [f"文件「{Path(path).name}」无法读取：", f"  {error}", *_raw_head(Path(path))]
        return "\n".join(lines), False
    return "\n".join(_file_lines(load, rows)), True


def _raw_head(path: Path, rows: int = 8) -> list[str]:
    """The first filled rows of each sheet as written, to see which headers a profile must
    name (nothing when even that cannot be read)."""
    try:
        if path.suffix.lower() in CSV_SUFFIXES:
            sheets = [("", read_csv_rows(path)[0])]
        else:
            sheets = read_workbook_sheets(path)
    except (LedgerFileError, OSError):
        return []
    lines = ["文件开头的内容（写导入配置时对照列名）："]
    for sheet, cells in sheets:
        filled = [(number, row) for number, row in enumerate(cells, start=1)
                  if any(str(cell).strip() for cell in row)][:rows]
        if sheet and filled:
            lines.append(f"  工作表「{sheet}」")
        lines += [f"    第 {number} 行：" + " | ".join(str(cell).strip() for cell in row)
                  for number, row in filled]
    return lines


def _file_lines(load: FileLoad, rows: int) -> list[str]:
    report = load.report
    kind = "CSV 文件（编码 " + report.encoding + "）" if report.encoding else "工作簿"
    lines = [f"文件「{report.file}」：{kind}"]
    for sheet in load.sheets:
        lines += _sheet_lines(sheet, load, rows)
    lines += [
        "",
        f"合计：读取 {report.rows_read:,} 行 = 载入 {report.loaded:,} 条 + 隔离 "
        f"{report.quarantined:,} 行 + 跳过 {report.skipped:,} 行"
        + (f"（{skipped_words(report.skipped_reasons)}）" if report.skipped else "")
        + (f"；空行 {report.blank_rows:,} 行不计" if report.blank_rows else ""),
    ]
    for sheet, error in report.sheet_errors.items():
        lines.append(f"工作表「{sheet}」无法读取：{error}")
    return lines


def _sheet_lines(sheet: SheetReport, load: FileLoad, rows: int) -> list[str]:
    name = f"工作表「{sheet.sheet}」" if sheet.sheet else "表格"
    if sheet.kind == "skipped":
        return ["", f"{name}：{sheet.reason}，跳过 {sheet.rows_read:,} 行"]
    where = f"，表头在第 {sheet.header_row} 行" if sheet.header_row else ""
    profile = (f"，导入配置：{sheet.profile}" if sheet.profile
               else "，按内置列名识别（未用导入配置）")
    lines = ["", f"{name}：{KIND_WORDS[sheet.kind]}{where}{profile}"]
    place = "、".join(f"{word} {sheet.place[key]}" for key, word in
                      (("town", "乡镇"), ("village", "单位"), ("year", "年度"))
                      if sheet.place.get(key))
    if place:
        lines.append(f"  标题、表名、文件名或 --unit 给出的：{place}（表中没有写明时使用）")
    lines.append("  列 → 字段：")
    for label, field in sheet.columns.items():
        base, _, note = field.partition("（")
        words = FIELD_WORDS.get(base, base) + (f"（{note}" if note else "")
        lines.append(f"    {label} → {words}")
    if sheet.unknown:
        lines.append(f"    {'、'.join(sheet.unknown)} → 不是字段，原值保留在 extra")
    entries = load.entries[load.entries["source_sheet"] == sheet.sheet]
    if len(entries):
        units = entries.groupby(["town", "village"], sort=False).size()
        lines.append("  单位：" + "；".join(
            f"{town or '（未知乡镇）'} {village} {count:,} 条" for (town, village), count
            in units.items()))
        lines.append(f"  前 {min(rows, len(entries))} 条分录的识别结果：")
        lines += ["    " + line for line in _table(entries.head(rows))]
    lines.append(
        f"  读取 {sheet.rows_read:,} 行：载入 {sheet.loaded:,} 条，隔离 {sheet.quarantined:,} 行，"
        f"跳过 {sum(sheet.skipped.values()):,} 行"
        + (f"（{skipped_words(sheet.skipped)}）" if sheet.skipped else "")
        + (f"；{sheet.filled_down:,} 行沿用上一行的凭证号和日期（合并单元格）"
           if sheet.filled_down else "")
        + (f"；没有凭证号列，按日期、凭证字和借贷平衡划分出 {sheet.balanced_vouchers:,} 张凭证"
           "（凭证号按出现顺序编为 1、2、3……）" if sheet.balanced_vouchers else ""))
    quarantined = load.quarantine[load.quarantine["source_sheet"] == sheet.sheet]
    if len(quarantined):
        lines.append("  隔离原因（最多的几种，各举一例）：")
        for reason, count in sheet.reasons.items():
            lines.append(f"    {reason}：{count:,} 行")
        for row in quarantined.head(3).itertuples(index=False):
            lines.append(f"    例：第 {row.source_row} 行 {row.reason}")
    return lines


def _table(entries: pd.DataFrame) -> list[str]:
    shown = entries[list(SHOWN_COLUMNS)].copy()
    shown["voucher_date"] = shown["voucher_date"].dt.strftime("%Y-%m-%d")
    for column in ("debit_fen", "credit_fen"):
        shown[column] = shown[column].map(lambda fen: f"{Decimal(int(fen)) / 100:,.2f}"
                                          if fen else "")
    header = " | ".join(SHOWN_COLUMNS.values())
    body = [" | ".join(str(value) for value in row)
            for row in shown.itertuples(index=False, name=None)]
    return [header, *body]


def _register_lines(load: RegisterLoad, rows: int) -> list[str]:
    """How a register file is read: per sheet its header row, columns → fields, the first
    rows as parsed and the counts; then the file's total and the first quarantine reasons."""
    report = load.report
    kind = "CSV 文件（编码 " + report.encoding + "）" if report.encoding else "工作簿"
    lines = [f"文件「{report.file}」：{kind}，识别为{REGISTER_TITLES[load.kind]}（按表头识别）"]
    words = field_words(load.kind)
    for sheet in load.sheets:
        name = f"工作表「{sheet.sheet}」" if sheet.sheet else "表格"
        if sheet.kind == "skipped":
            lines += ["", f"{name}：{sheet.reason}，跳过 {sheet.rows_read:,} 行"]
            continue
        lines += ["", f"{name}：{REGISTER_TITLES[sheet.kind]}，表头在第 {sheet.header_row} 行",
                  "  列 → 字段："]
        for label, field in sheet.columns.items():
            base, _, note = field.partition("（")
            lines.append(f"    {label} → {words.get(base, base)}" + (f"（{note}" if note else ""))
        if sheet.unknown:
            lines.append(f"    {'、'.join(sheet.unknown)} → 不是字段，原值保留在 extra")
        lines.append(f"  读取 {sheet.rows_read:,} 行：载入 {sheet.loaded:,} 行，"
                     f"隔离 {sheet.quarantined:,} 行，跳过 {sum(sheet.skipped.values()):,} 行"
                     + (f"（{_register_skips(sheet.skipped)}）" if sheet.skipped else ""))
    if len(load.frame):
        shown = load.frame.head(rows)
        lines += ["", f"前 {len(shown)} 行的识别结果："]
        for record in shown.to_dict("records"):
            filled = [f"{words.get(key, '行')}={_shown(value, key)}"
                      for key, value in record.items()
                      if key not in {"extra", "content_hash", "source_file", "source_sheet"}
                      and _shown(value, key)]
            lines.append("  " + "，".join(filled))
    lines += ["", f"合计：读取 {report.rows_read:,} 行 = 载入 {report.loaded:,} 行 + 隔离 "
              f"{report.quarantined:,} 行 + 跳过 {report.skipped:,} 行"
              + (f"（{_register_skips(report.skipped_reasons)}）" if report.skipped else "")
              + (f"；空行 {report.blank_rows:,} 行不计" if report.blank_rows else "")]
    if len(load.quarantine):
        lines.append("隔离原因（前几行）：")
        lines += [f"  第 {row.source_row} 行：{row.reason}"
                  for row in load.quarantine.head(3).itertuples(index=False)]
    return lines


def _register_skips(reasons: dict[str, int]) -> str:
    return "，".join(f"{SKIP_WORDS.get(reason, reason)} {count:,}"
                    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]))


def _shown(value: object, field: str) -> str:
    """A canonical value as a person reads it ("" when blank): dates as days, fen as 元."""
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if field.endswith("_fen"):
        return f"{Decimal(int(value)) / 100:,.2f}元"
    return str(value)
