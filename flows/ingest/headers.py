"""Finding the header row and mapping columns to fields, by the conventions and a profile.

A header row names a date or a voucher number, an amount, and a summary or an account; it is
looked for in the first rows of a sheet. Each field may have several columns (记账日期 and
业务日期): a row takes the first of them that is filled. Auxiliary accounting columns (核算项目N /
名称N pairs, a one-cell 辅助核算) are found beside the fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from flows.ingest.conventions import Conventions, conventions, header_key
from flows.ingest.errors import where
from flows.ingest.profiles import ImportProfile

HEADER_SEARCH_ROWS = 20
AMOUNT_FIELDS = ("debit", "credit", "amount")
VOUCHER_NUMBER_ENDINGS = ("凭证号", "凭证编号", "凭证字号", "凭证号码", "凭证号数")
# Fields whose several columns are tried in the file's order (记账日期, then 业务日期, then
# 制单日期, as the export lays them out) rather than in the order of the aliases.
FILE_ORDER_FIELDS = frozenset({"voucher_date"})
UNIT_OF_MEASURE = "单位"


@dataclass(frozen=True)
class ColumnMap:
    """Which columns hold which field, preferred first; the rest are kept in ``extra``.

    ``labels`` are the headers as written (surrounding spaces removed), made unique (an empty
    header becomes 第N列, a repeated one gets its column number); reasons and JSON keys use them.
    ``pairs`` are auxiliary (type column, name column) pairs; ``cells`` one-cell auxiliary
    columns. ``extra`` are the columns not read as the first column of a field.
    """

    fields: dict[str, tuple[int, ...]]
    labels: list[str]
    pairs: list[tuple[int, int]] = field(default_factory=list)
    cells: list[int] = field(default_factory=list)
    profile: str = ""

    def has(self, name: str) -> bool:
        return name in self.fields

    def label(self, name: str) -> str:
        return self.labels[self.fields[name][0]]

    def extra(self) -> list[int]:
        first = {columns[0] for columns in self.fields.values()}
        return [position for position in range(len(self.labels)) if position not in first]

    def unknown_labels(self) -> list[str]:
        """The headers of the columns that are no field and no auxiliary column."""
        used = {position for columns in self.fields.values() for position in columns}
        used |= {position for pair in self.pairs for position in pair} | set(self.cells)
        return [label for position, label in enumerate(self.labels) if position not in used]

    def mapping(self) -> dict[str, str]:
        """Column label → field, for showing how a file is understood."""
        named = {self.labels[columns[0]]: name for name, columns in self.fields.items()}
        for name, columns in self.fields.items():
            for position in columns[1:]:
                named[self.labels[position]] = f"{name}（备用）"
        for kind, name in self.pairs:
            named[self.labels[kind]] = "counterparty（辅助核算类型）"
            named[self.labels[name]] = "counterparty（辅助核算名称）"
        for position in self.cells:
            named[self.labels[position]] = "counterparty（辅助核算）"
        return named

    def missing_required(self) -> list[str]:
        """Required fields without a column, each with the headers that would satisfy it."""
        aliases = conventions().fields
        missing = ["/".join(aliases["summary"])] if "summary" not in self.fields else []
        if "voucher_date" not in self.fields and not {"month", "day"} <= set(self.fields):
            missing.insert(0, f"日期列（{'/'.join(aliases['voucher_date'])}，或 月 + 日）")
        if "account_code" not in self.fields and "account_name" not in self.fields:
            missing.append(f"科目列（{'/'.join(aliases['account_code'])}，或科目名称）")
        has_pair = "debit" in self.fields or "credit" in self.fields
        has_direction = "direction" in self.fields and "amount" in self.fields
        if not has_pair and not has_direction:
            missing.append(
                f"金额列（{'/'.join(aliases['debit'])} 与 {'/'.join(aliases['credit'])}，"
                "或 方向 + 金额）"
            )
        return missing


def field_aliases(profile: ImportProfile | None) -> dict[str, tuple[str, ...]]:
    """Each field's header keys, the profile's first, then the conventions'."""
    base = conventions().fields
    if profile is None:
        return dict(base)
    names = dict.fromkeys([*profile.columns, *base])
    return {name: tuple(dict.fromkeys([*profile.columns.get(name, ()), *base.get(name, ())]))
            for name in names}


def header_fields(row: Sequence[str], owner: dict[str, str]) -> set[str]:
    """The fields a row's cells name, by ``owner`` (header key → field)."""
    return {owner[key] for key in map(header_key, row) if key in owner}


def _owners(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {alias: name for name, keys in aliases.items() for alias in keys}


def looks_like_header(fields: set[str]) -> bool:
    """A date or a voucher number, an amount, and a summary or an account."""
    return (
        bool(fields & {"voucher_date", "voucher_no", "day"})
        and bool(fields & set(AMOUNT_FIELDS))
        and bool(fields & {"summary", "account_code", "account_name"})
    )


def find_header_row(
    rows: Sequence[Sequence[str]], profiles: Sequence[ImportProfile | None] = (None,)
) -> int | None:
    """Index of the first row that looks like a header by the conventions or one of
    ``profiles``, among the first rows; failing that, of the first naming both a date and a
    voucher number (a header lacking other columns, to be told what it lacks)."""
    owners = [_owners(field_aliases(profile)) for profile in profiles]
    head = rows[:HEADER_SEARCH_ROWS]
    found = [[header_fields(row, owner) for owner in owners] for row in head]
    for index, row_fields in enumerate(found):
        if any(looks_like_header(fields) for fields in row_fields):
            return index
    for index, row_fields in enumerate(found):
        if any({"voucher_date", "voucher_no"} <= fields for fields in row_fields):
            return index
    return None


def header_continuation(header: Sequence[str], below: Sequence[str]) -> list[str] | None:
    """A header over two rows (``金额`` above ``借方 | 贷方``) as one, or None when the row
    below is not the header's second row: every filled cell of it names a field, and it names
    借方 or 贷方."""
    owner = _owners(field_aliases(None))
    filled = [header_key(cell) for cell in below if str(cell).strip()]
    if not filled or not all(key in owner for key in filled):
        return None
    if not {owner[key] for key in filled} & {"debit", "credit"}:
        return None
    width = max(len(header), len(below))
    padded = [*header, *[""] * (width - len(header))]
    lower = [*below, *[""] * (width - len(below))]
    return [str(cell).strip() or str(parent) for parent, cell in zip(padded, lower, strict=True)]


def header_expectation() -> str:
    """What a header row must contain, for error messages."""
    aliases = conventions().fields
    return (
        f"需要有一行同时包含日期列（{'/'.join(aliases['voucher_date'])}）或凭证号列"
        f"（{'/'.join(aliases['voucher_no'])}）、金额列（借方/贷方/金额）和摘要或科目列"
    )


def map_columns(headers: Sequence[str], profile: ImportProfile | None = None) -> ColumnMap:
    """Assign each field its columns, by the rank of their header among the field's aliases."""
    rules = conventions()
    aliases = field_aliases(profile)
    keys = [header_key(header) for header in headers]
    ignored = set(profile.ignore) if profile else set()
    if rules.measure_headers & set(keys):
        ignored.add(UNIT_OF_MEASURE)  # 单位 beside 数量/单价 is a unit of measure
    rank = {alias: (name, order) for name, keys_ in reversed(list(aliases.items()))
            for order, alias in enumerate(keys_)}
    if profile:  # a profile's own headers win a header another field also claims
        rank |= {alias: (name, order) for name, keys_ in profile.columns.items()
                 for order, alias in enumerate(keys_)}
    found: dict[str, list[tuple[int, int]]] = {}
    for position, key in enumerate(keys):
        if key in ignored or key not in rank:
            continue
        name, order = rank[key]
        found.setdefault(name, []).append((order, position))
    named_by_profile = set(profile.columns) if profile else set()
    fields = {name: _in_order(columns, by_position=name in FILE_ORDER_FIELDS
                              and name not in named_by_profile)
              for name, columns in found.items()}
    if "voucher_no" not in fields:  # 记账凭证号, 原凭证编号: a voucher number by its ending
        ending = [position for position, key in enumerate(keys)
                  if key.endswith(VOUCHER_NUMBER_ENDINGS) and key not in ignored]
        if ending:
            fields["voucher_no"] = tuple(ending)
    used = {position for columns in fields.values() for position in columns}
    pairs, cells = _auxiliary_columns(keys, used, rules)
    return ColumnMap(fields=fields, labels=_labels(headers), pairs=pairs, cells=cells,
                     profile=profile.name if profile else "")


def _in_order(columns: list[tuple[int, int]], *, by_position: bool) -> tuple[int, ...]:
    """(alias rank, position) pairs' positions, by rank (then position) or by position."""
    ordered = sorted(columns, key=lambda item: item[1]) if by_position else sorted(columns)
    return tuple(position for _, position in ordered)


def _auxiliary_columns(
    keys: list[str], used: set[int], rules: Conventions
) -> tuple[list[tuple[int, int]], list[int]]:
    """(type, name) column pairs numbered alike (核算项目1 / 名称1) and one-cell columns."""
    aux = rules.auxiliary
    numbered = re.compile(r"^(?P<stem>\D+?)(?P<n>\d{1,2})$")
    types: dict[str, int] = {}
    names: dict[str, int] = {}
    cells: list[int] = []
    for position, key in enumerate(keys):
        if position in used:
            continue
        match = numbered.match(key)
        if match and match.group("stem") in aux.type_headers:
            types.setdefault(match.group("n"), position)
        elif match and match.group("stem") in aux.name_headers:
            names.setdefault(match.group("n"), position)
        elif key in aux.cell_headers or key in aux.type_headers:
            cells.append(position)
    pairs = [(types[number], names[number]) for number in types if number in names]
    return sorted(pairs), cells


def _labels(headers: Sequence[str]) -> list[str]:
    stripped = [str(header).strip() for header in headers]
    labels: list[str] = []
    for position, text in enumerate(stripped):
        if not text:
            labels.append(f"第{position + 1}列")
        elif text in stripped[:position]:
            labels.append(f"{text}（第{position + 1}列）")
        else:
            labels.append(text)
    return labels


def no_header_message(file: str, sheet: str = "") -> str:
    """What to say when no row of the first rows looks like a header."""
    return (
        f"{where(file, sheet)}：在前 {HEADER_SEARCH_ROWS} 行中未找到表头："
        f"{header_expectation()}。请确认导出的是凭证明细（序时账），或用 --profile 指定导入配置"
        "（可先用 sanzi-audit inspect 查看文件的识别结果）。"
    )
