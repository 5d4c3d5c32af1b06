"""Write a county's registers as a township agency exports them, with their labels.

Each village has three files, ``{乡镇}_{村}_{合同台账|资产台账|资源台账}.{csv|xlsx}``, in one of
three styles that rotate over registers and villages, so every register comes in every style:

- ``CSV_UTF8``: UTF-8 with BOM; a title row, the header; ISO dates; plain amounts; term in
  起始日期 / 终止日期 columns; areas in 亩.
- ``CSV_GB``: GB18030; a title row and a units row above aliased headers; dates
  ``2023年1月1日``; amounts with thousands separators; the term in one cell ``2023.1.1-2027.12.31``;
  areas of some parcels in 平方米 (``8200平方米``, exact in 亩); a blank line at the end.
- ``XLSX``: a workbook; the title merged over the first row, a caption row, other aliases; Excel
  dates and numbers; the term in one cell ``2023年1月1日至2027年12月31日``.

Every file ends its data with a 合计 row. Rows are sorted by the register's number.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import pandas as pd

from data.generator.cases import Case
from data.generator.county import County, Village
from data.generator.labels import REGISTER_LABEL_COLUMNS, write_register_labels
from data.generator.layouts.workbook import new_workbook
from data.generator.register_misconduct import (
    Record,
    RegisterCase,
    inject_registers,
    ledger_cases,
)
from data.generator.registers import VillageRegisters, as_of, build_registers


class Style(IntEnum):
    CSV_UTF8 = 0
    CSV_GB = 1
    XLSX = 2


TITLES = {"contracts": "合同台账", "assets": "资产台账", "resources": "资源台账"}
STYLE_OFFSET = {"contracts": 0, "assets": 1, "resources": 2}
# The header of each field in each style (aliases docs/registers.md lists under 认得的列名); "row"
# is a 序号.
HEADERS: dict[str, tuple[dict[str, str], dict[str, str], dict[str, str]]] = {
    "contracts": (
        {"row": "序号", "contract_no": "合同编号", "village": "村", "contract_name": "合同名称",
         "category": "合同类别", "counterparty": "承包方", "subject_no": "标的编号",
         "subject_name": "标的名称", "location": "坐落", "area": "面积(亩)",
         "land_class": "地类", "signed_on": "签订日期", "start_on": "起始日期",
         "end_on": "终止日期", "amount_fen": "合同金额", "annual_rent_fen": "年租金",
         "unit_price_fen": "单价", "collection": "收款方式", "first_due_on": "首期应收日",
         "due_day": "每期交租日", "trade_mode": "交易方式", "decision_ref": "决议编号",
         "published_on": "公示日期", "filed_on": "备案日期", "status": "合同状态",
         "previous_no": "原合同编号"},
        {"row": "序号", "contract_no": "合同号", "village": "单位名称",
         "contract_name": "项目名称", "category": "合同类型", "counterparty": "乙方",
         "subject_no": "标的编号", "subject_name": "标的物", "area": "承包面积",
         "land_class": "资源类别", "signed_on": "签约日期", "term": "起止日期",
         "amount_fen": "总价款", "annual_rent_fen": "年承包费", "unit_price_fen": "每亩年租金",
         "collection": "租金收取方式", "first_due_on": "首付日期", "trade_mode": "交易方式",
         "decision_ref": "民主决策编号", "published_on": "公示日期",
         "filed_on": "乡镇审核日期", "status": "合同状态", "previous_no": "原合同编号"},
        {"contract_no": "合同编码", "village": "发包方", "contract_name": "合同名称",
         "category": "合同类别", "counterparty": "对方单位", "subject_no": "标的编号",
         "subject_name": "标的名称", "location": "位置", "area": "面积", "land_class": "地类",
         "signed_on": "签订日期", "term": "起止日期", "amount_fen": "成交金额",
         "annual_rent_fen": "年租金", "unit_price_fen": "单价", "collection": "收款方式",
         "first_due_on": "首期应收日", "trade_mode": "交易方式", "decision_ref": "决议编号",
         "filed_on": "备案日期", "status": "合同状态", "previous_no": "原合同编号"},
    ),
    "assets": (
        {"row": "序号", "asset_no": "资产编号", "village": "村", "asset_name": "资产名称",
         "class_name": "资产类别", "acquired_on": "取得日期", "original_value_fen": "原值",
         "depreciation": "累计折旧", "net_value": "净值", "quantity": "数量",
         "unit": "计量单位", "location": "坐落", "use_status": "使用状况",
         "contract_no": "合同编号", "voucher_no": "入账凭证号", "account_code": "对应科目",
         "custodian": "管护人"},
        {"row": "序号", "asset_no": "卡片编号", "village": "单位名称", "asset_name": "资产名称",
         "class_code": "分类代码", "acquired_on": "购建日期", "original_value_fen": "账面原值",
         "net_value": "账面净值", "quantity": "数量", "unit": "计量单位",
         "location": "存放地点", "use_status": "使用情况", "contract_no": "合同编号",
         "account_code": "对应科目"},
        {"asset_no": "资产编码", "village": "集体经济组织名称", "asset_name": "资产名称",
         "class_name": "资产类别", "acquired_on": "入账日期", "original_value_fen": "原值",
         "depreciation": "累计折旧", "net_value": "净值", "location": "坐落",
         "use_status": "现状", "contract_no": "合同编号", "voucher_no": "入账凭证号",
         "custodian": "保管人"},
    ),
    "resources": (
        {"row": "序号", "resource_no": "资源编号", "village": "村", "resource_name": "资源名称",
         "land_class": "地类", "area": "面积(亩)", "location": "坐落",
         "household_contracted": "承包到户情况", "use_mode": "经营方式", "tenant": "承包人",
         "contract_no": "合同编号", "annual_rent_fen": "年租金"},
        {"row": "序号", "resource_no": "地块编码", "village": "单位名称",
         "resource_name": "土名", "land_class": "资源类别", "area": "面积", "location": "四至",
         "household_contracted": "承包到户情况", "use_mode": "使用现状", "tenant": "承租人",
         "contract_no": "合同编号", "annual_rent_fen": "年收益"},
        {"resource_no": "地块编号", "village": "集体经济组织名称", "resource_name": "地块名称",
         "land_class": "地类", "area": "面积", "location": "坐落", "use_mode": "经营方式",
         "tenant": "承包人", "contract_no": "合同编号", "annual_rent_fen": "年租金"},
    ),
}
MONEY_FIELDS = ("amount_fen", "annual_rent_fen", "unit_price_fen", "original_value_fen",
                "net_value")
TOTALLED = ("amount_fen", "annual_rent_fen", "original_value_fen", "net_value")
DATE_FIELDS = ("signed_on", "start_on", "end_on", "first_due_on", "published_on", "filed_on",
               "acquired_on")
SORT_KEYS = {"contracts": "contract_no", "assets": "asset_no", "resources": "resource_no"}
SQUARE_METRES_PER_TENTH_MU = 200 / 3  # 1 亩 = 2000/3 平方米
EXCEL_DATE = "yyyy-mm-dd"
EXCEL_MONEY = "#,##0.00"


def style_of(village: Village, kind: str) -> Style:
    return Style((village.position + village.town.index + STYLE_OFFSET[kind]) % len(Style))


def file_name(village: Village, kind: str) -> str:
    suffix = "xlsx" if style_of(village, kind) is Style.XLSX else "csv"
    return f"{village.town.name}_{village.name}_{TITLES[kind]}.{suffix}"


def _money(fen: int | None, style: Style) -> object:
    if fen is None:
        return None if style is Style.XLSX else ""
    if style is Style.XLSX:
        return fen / 100
    text = f"{abs(fen) // 100:{',' if style is Style.CSV_GB else ''}}.{abs(fen) % 100:02d}"
    return ("-" if fen < 0 else "") + text


def _date(day: dt.date | None, style: Style) -> object:
    if day is None:
        return None if style is Style.XLSX else ""
    if style is Style.XLSX:
        return dt.datetime(day.year, day.month, day.day)
    if style is Style.CSV_GB:
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def _area(tenths: int | None, style: Style, *, in_square_metres: bool) -> object:
    if tenths is None:
        return None if style is Style.XLSX else ""
    if in_square_metres and tenths % 3 == 0:  # exact in 平方米 and back in 亩
        return f"{tenths * 200 // 3}平方米"
    return tenths / 10 if style is Style.XLSX else f"{tenths // 10}.{tenths % 10}"


def _term(record: Record, style: Style) -> str:
    start, end = record.start_on, record.end_on  # type: ignore[union-attr]
    if style is Style.CSV_GB:
        return f"{start.year}.{start.month}.{start.day}-{end.year}.{end.month}.{end.day}"
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


def _cell(record: Record, name: str, style: Style, kind: str, position: int,
          village: Village) -> object:
    if name == "row":
        return str(position + 1) if style is not Style.XLSX else position + 1
    if name == "village":
        return village.name
    if name == "term":
        return _term(record, style)
    if name == "area":
        return _area(record.area_tenths, style,  # type: ignore[union-attr]
                     in_square_metres=kind == "resources" and style is Style.CSV_GB)
    if name == "depreciation":
        return None if style is Style.XLSX else ""
    if name == "net_value":
        return _money(record.original_value_fen, style)  # type: ignore[union-attr]
    value = getattr(record, name)
    if name in MONEY_FIELDS:
        return _money(value, style)
    if name in DATE_FIELDS:
        return _date(value, style)
    return "" if value is None else str(value)


def _total_row(records: Sequence[Record], fields: list[str], style: Style) -> list[object]:
    row: list[object] = [None if style is Style.XLSX else ""] * len(fields)
    row[0] = "合计"
    for column, name in enumerate(fields):
        if name in TOTALLED:
            source = "original_value_fen" if name == "net_value" else name
            row[column] = _money(sum(getattr(r, source) or 0 for r in records), style)
    return row


@dataclass(frozen=True)
class Written:
    path: Path
    rows: dict[int, int]  # id(record) -> 1-based row a person sees


def write_register(books: VillageRegisters, kind: str, years: Sequence[int], out_dir: Path
                   ) -> Written:
    """Write one register of one village; returns where each record went."""
    village = books.village
    style = style_of(village, kind)
    records: list[Record] = sorted(getattr(books, kind),
                                   key=lambda record: getattr(record, SORT_KEYS[kind]))
    headers = HEADERS[kind][style]
    fields = list(headers)
    grid = [[_cell(record, name, style, kind, position, village) for name in fields]
            for position, record in enumerate(records)]
    title = f"{village.town.name}{village.name}{TITLES[kind]}（截至{as_of(years):%Y年%m月%d日}）"
    path = out_dir / file_name(village, kind)
    above = [[title], ["金额单位：元；面积单位：亩（注明者除外）"]] if style is not Style.CSV_UTF8 \
        else [[title]]
    first_row = len(above) + 2  # 1-based row of the first record
    if style is Style.XLSX:
        _write_xlsx(path, above, list(headers.values()), grid,
                    _total_row(records, fields, style), fields)
    else:
        encoding = "gb18030" if style is Style.CSV_GB else "utf-8-sig"
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n" if style is Style.CSV_GB
                                else "\n")
            writer.writerows([*above, list(headers.values()), *grid,
                              _total_row(records, fields, style)])
            if style is Style.CSV_GB:
                writer.writerow([])
    return Written(path, {id(record): first_row + position
                          for position, record in enumerate(records)})


def _write_xlsx(path: Path, above: list[list[str]], header: list[str], grid: list[list[object]],
                total: list[object], fields: list[str]) -> None:
    book = new_workbook(path)
    sheet = book.add_worksheet("台账")
    bold = book.add_format({"bold": True})
    formats = {name: book.add_format({"num_format": EXCEL_DATE}) for name in DATE_FIELDS}
    formats |= {name: book.add_format({"num_format": EXCEL_MONEY}) for name in MONEY_FIELDS}
    sheet.merge_range(0, 0, 0, len(header) - 1, above[0][0],
                      book.add_format({"bold": True, "align": "center"}))
    sheet.write_string(1, 0, above[1][0])
    sheet.write_row(2, 0, header, bold)
    for row, values in enumerate([*grid, total], start=3):
        for column, value in enumerate(values):
            if value is None:
                continue
            cell_format = formats.get(fields[column])
            if isinstance(value, dt.datetime):
                sheet.write_datetime(row, column, value, cell_format)
            elif isinstance(value, (int, float)):
                sheet.write_number(row, column, value, cell_format)
            else:
                sheet.write_string(row, column, value)
    book.close()


def _label_rows(cases: Sequence[RegisterCase], written: dict[tuple[int, str], Written],
                registers: Sequence[VillageRegisters]) -> pd.DataFrame:
    kinds = {}
    for books in registers:
        for kind in TITLES:
            for record in getattr(books, kind):
                kinds[id(record)] = (books.village.index, kind)
    asset_files = {books.village.name: written[books.village.index, "assets"]
                   for books in registers}
    rows = []
    for case in cases:
        for record, check_id, subject_kind, subject_id in case.rows:
            if record is None:  # an account of the ledger: no register row shows it
                path, row = asset_files[case.village].path, ""
            else:
                target = written[kinds[id(record)]]
                path, row = target.path, str(target.rows[id(record)])
            sheet = "台账" if path.suffix == ".xlsx" else ""
            rows.append((path.name, sheet, row, case.case_id, case.pattern, case.kind, check_id,
                         case.village, subject_kind, subject_id, case.description))
    labels = pd.DataFrame(rows, columns=REGISTER_LABEL_COLUMNS, dtype="str")
    row_number = pd.to_numeric(labels["source_row"]).fillna(0)
    order = labels.assign(row_number=row_number).sort_values(
        ["source_file", "row_number", "check_id"], kind="stable").index
    return labels.loc[order].reset_index(drop=True)


def write_county_registers(
    county: County, placed: pd.DataFrame, cases: Sequence[Case], years: Sequence[int],
    seed: int, out_dir: Path, *, inject: bool, rate: float,
) -> tuple[list[Path], Path]:
    """Build the county's registers from its written journal lines, inject register misconduct
    when asked, write the files and register_labels.csv; returns the files and the labels."""
    rng = random.Random(f"{seed}-registers")
    registers = build_registers(county, placed, cases, years, rng)
    found = ledger_cases(registers, placed, cases) if inject else []
    if inject:
        found += inject_registers(registers, years, rate, rng)
    written = {(books.village.index, kind): write_register(books, kind, years, out_dir)
               for books in registers for kind in TITLES}
    labels = _label_rows(found, written, registers)
    return [target.path for target in written.values()], write_register_labels(labels, out_dir)
