"""Printed vouchers (记账凭证) saved as a sheet, as a journal table (docs/reading-exports.md).

Each voucher is a block: a title (``记 账 凭 证``), a line of header fields (``2023年 第3期
日期：2023-03-15 凭证字号：银付-00031 附单据数：2 1/2``), a spaced table header (``摘 要 | 科 目 |
辅 助 账 | 借 方 | 贷 方``), its lines, a total row (合计, 过次页) and a signature footer (``审核：
李四 记账：王五 制单：张三``). A voucher may run over pages (``1/2``, ``2/2``); a sheet may hold
one voucher or many. The blocks become one grid: the table's own columns, and the voucher's
fields as columns of every line, so the journal's one reading path (:mod:`flows.ingest.fields`)
parses them. Rows that are not lines are counted as skipped with their reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flows.ingest.conventions import conventions, header_key
from flows.ingest.grid import Grid
from flows.ingest.titles import Title, parse_unit

# Columns the voucher's own fields become (names the conventions read).
VOUCHER_COLUMNS = ("凭证日期", "会计期间", "凭证号", "附件数", "制单人", "审核人", "记账人",
                   "乡镇", "核算单位")
_TITLE = re.compile(
    r"^(?:\S{0,6})?(?:记账|收款|付款|转账|通用|现金收款|现金付款|银行收款|银行付款)?凭证"
    r"(?:[(（][^)）]*[)）])?$")
_VOUCHER_NO = re.compile(
    r"凭证(?:字号|号|编号|号码)\s*[:：]?\s*(?P<no>[^\s:：]+)"
    r"|(?P<word>[\u4e00-\u9fff]{1,2})\s*字\s*(?:第\s*)?(?P<number>\d{1,9})\s*号"
    r"|(?<![\u4e00-\u9fff])(?P<bare>现收|现付|银收|银付|记|收|付|转)\s*[-－—]\s*(?P<digits>\d{1,9})"
    r"(?!\d)")
_DATE = re.compile(
    r"(?P<date>\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?)(?![\d/])")
_PERIOD = re.compile(r"(?P<year>\d{4})\s*年\s*(?:度\s*)?第?\s*(?P<month>\d{1,2})\s*(?:期|会计期间)")
_ATTACHMENTS = re.compile(r"附(?:单据|件|单)(?:张数|数量|数)?\s*[:：]?\s*(?P<count>\d{1,4})")
_UNIT = re.compile(
    r"(?:核算单位|单位名称|编制单位|账套名称|账套|公司名称|公司|单位)\s*[:：]\s*(?P<unit>[^\s:：]+)")
_PAGE = re.compile(r"(?<![\d/.\-])(?P<page>\d{1,3})\s*/\s*(?P<pages>\d{1,3})(?![\d/.\-])")
_ROLES = {
    "制单": "制单人", "制单人": "制单人", "审核": "审核人", "审核人": "审核人", "复核": "审核人",
    "复核人": "审核人", "记账": "记账人", "记账人": "记账人", "过账": "记账人", "过账人": "记账人",
}
_OTHER_ROLES = {"出纳", "出纳人", "会计主管", "财务主管", "主管", "审批", "核准", "经办", "经办人",
                "领款人", "单位负责人", "负责人", "会计"}
_CURRENCY_UNITS = {"元", "万元", "人民币", "人民币元"}


@dataclass
class PrintedSheet:
    """The lines of a sheet of printed vouchers as a grid, the unit its headers name, and the
    rows skipped per reason."""

    grid: Grid
    title: Title
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass
class _Block:
    fields: dict[str, str] = field(default_factory=dict)
    lines: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    table: list[tuple[int, str]] = field(default_factory=list)  # (column, header key)


def read_voucher_sheet(rows: list[list[str]], *, file: str, sheet: str) -> PrintedSheet | None:
    """The sheet's vouchers as a grid, or None when the sheet is not printed vouchers (no
    voucher title followed by a table header with 摘要, 借方 and 贷方)."""
    skip = conventions().skip_rows
    blocks: list[_Block] = []
    block: _Block | None = None
    in_table = False
    skipped: dict[str, int] = {}

    def count(reason: str) -> None:
        skipped[reason] = skipped.get(reason, 0) + 1

    for number, row in enumerate(rows, start=1):
        cells = [str(cell).strip() for cell in row]
        if not any(cells):
            continue
        squeezed = [_squeeze(cell) for cell in cells]
        titled = [column for column, cell in enumerate(squeezed) if cell and _TITLE.match(cell)]
        if titled or _TITLE.match("".join(squeezed)):
            block = _Block()
            blocks.append(block)
            in_table = False
            rest = [cell for column, cell in enumerate(cells) if cell and column not in titled]
            if titled and rest:
                _header_fields(" ".join(rest), block.fields)
            count("voucher_layout")
            continue
        if block is None:
            count("voucher_layout")
            continue
        table = _table_header(cells)
        if table:
            block.table = table
            in_table = True
            count("voucher_layout")
            continue
        if not in_table:
            _header_fields(" ".join(cell for cell in cells if cell), block.fields)
            count("voucher_layout")
            continue
        reason = _closing_reason(squeezed, skip)
        if reason:
            if reason == "signature":
                block.fields.update(_signatures(cells))
            count(reason)
            if reason in ("signature",):
                in_table = False
            continue
        line = {key: cells[column] if column < len(cells) else "" for column, key in block.table}
        if not any(line[key] for key in _substantive(block.table)):
            count("voucher_layout")  # 票号、备注 … rows of the form: no account, no amount
            continue
        block.lines.append((number, line))
    lined = [block for block in blocks if block.table]
    if not lined:
        return None
    return PrintedSheet(grid=_grid(lined, file, sheet), title=_title(lined), skipped=skipped)


def _squeeze(cell: str) -> str:
    return "".join(unicodedata.normalize("NFKC", cell).split())


def _table_header(cells: list[str]) -> list[tuple[int, str]]:
    """The table header's (column, header key) pairs, when the row is one: 摘要, 借方, 贷方."""
    keys = [(column, header_key(cell)) for column, cell in enumerate(cells) if cell]
    names = {key for _, key in keys}
    has_debit = any(key.startswith("借方") for key in names)
    has_credit = any(key.startswith("贷方") for key in names)
    if "摘要" in names and has_debit and has_credit:
        return keys
    return []


def _substantive(table: list[tuple[int, str]]) -> list[str]:
    """The table's account and amount columns: a line fills at least one of them."""
    aliases = conventions().fields
    accounts = {*aliases["account_code"], *aliases["account_name"]}
    return [key for _, key in table
            if key in accounts or key.startswith(("借方", "贷方", "金额")) or "科目" in key]


def _header_fields(text: str, fields: dict[str, str]) -> None:
    """Voucher number, date, period, attachments and unit from a header line."""
    text = unicodedata.normalize("NFKC", text)
    voucher = _VOUCHER_NO.search(text)
    if voucher and "凭证号" not in fields:
        word = voucher.group("word") or voucher.group("bare")
        numbered = f"{word}-{voucher.group('number') or voucher.group('digits')}"
        fields["凭证号"] = voucher.group("no") or numbered
    period = _PERIOD.search(text)
    if period and "会计期间" not in fields:
        fields["会计期间"] = f"{period.group('year')}年第{int(period.group('month'))}期"
    date = _DATE.search(_PERIOD.sub(" ", text))
    if date and "凭证日期" not in fields:
        fields["凭证日期"] = "".join(date.group("date").split())
    attachments = _ATTACHMENTS.search(text)
    if attachments and "附件数" not in fields:
        fields["附件数"] = attachments.group("count")
    for unit in _UNIT.finditer(text):
        if unit.group("unit") not in _CURRENCY_UNITS and "核算单位" not in fields:
            place = parse_unit(unit.group("unit"))
            fields["核算单位"], fields["乡镇"] = place.village, place.town
    page = _PAGE.search(_DATE.sub(" ", text))
    if page:
        fields["页"] = page.group("page")


def _closing_reason(squeezed: list[str], skip: dict[str, str]) -> str:
    """Why a row inside the table is not a line: a total, an amount in words, a signature."""
    first = next((cell for cell in squeezed if cell), "")
    if re.match(skip["subtotal"], first) or any(
            cell.startswith(("合计", "总计")) for cell in squeezed):
        return "subtotal"
    for reason in ("capital_amount", "signature"):
        if any(re.match(skip[reason], cell) for cell in squeezed if cell):
            return reason
    if any(cell in _ROLES or cell in _OTHER_ROLES for cell in squeezed):
        return "signature"
    return ""


def _signatures(cells: list[str]) -> dict[str, str]:
    """制单人, 审核人 and 记账人 from a footer such as
    ``审核：李四 记账：王五 出纳： 制单：张三``."""
    tokens = [token for cell in cells
              for token in re.split(r"[\s:：]+", unicodedata.normalize("NFKC", cell)) if token]
    names: dict[str, str] = {}
    for position, token in enumerate(tokens):
        role = _ROLES.get(token)
        if role is None or position + 1 >= len(tokens):
            continue
        following = tokens[position + 1]
        if following not in _ROLES and following not in _OTHER_ROLES:
            names.setdefault(role, following)
    return names


def _title(blocks: list[_Block]) -> Title:
    """The unit every voucher's header names, when they agree."""
    units = {(block.fields.get("乡镇", ""), block.fields.get("核算单位", "")) for block in blocks}
    if len(units) == 1:
        town, village = units.pop()
        return Title(town=town, village=village)
    return Title()


def _grid(blocks: list[_Block], file: str, sheet: str) -> Grid:
    keys: list[str] = list(dict.fromkeys(key for block in blocks for _, key in block.table))
    headers = [*keys, *VOUCHER_COLUMNS]
    records: list[list[str]] = []
    numbers: list[int] = []
    for block in blocks:
        for number, cells in block.lines:
            records.append([cells.get(key, "") for key in keys]
                           + [block.fields.get(name, "") for name in VOUCHER_COLUMNS])
            numbers.append(number)
    width = len(headers)
    frame = (pd.DataFrame(records, columns=range(width), dtype="str") if records else
             pd.DataFrame({position: pd.Series(dtype="str") for position in range(width)}))
    return Grid(file=file, sheet=sheet, header_row=0, headers=headers, cells=frame,
                row_numbers=np.array(numbers, dtype=np.int64), title_lines=[])
