"""The canonical fields of a register's rows, parsed column by column, problems noted.

Cells are read as the journal's are (:class:`flows.ingest.fields.Cells`: a field's first filled
column, width folded, each distinct text parsed once) and completed where the register leaves a
field out: the town and village from the title, sheet or file name; a contract's start and end
from one cell holding its term; its category from its name; a payment plan's direction from
its headers (应付金额 is a payment). Enum cells are brought to the words of
:mod:`checks.registers.columns`; a value not recognised is kept as written and the schema
judges it (:mod:`checks.registers.schema`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from checks.registers.columns import COLUMNS, SOURCE
from flows.ingest.cells import (
    Parsed,
    fold_width,
    parse_amounts,
    parse_counts,
    parse_dates,
    parse_distinct,
)
from flows.ingest.fields import Cells
from flows.ingest.problems import Problems
from flows.ingest.registers.aliases import (
    CATEGORY_FROM_NAME,
    ENUM_VALUES,
    ENUM_WORDS,
    JOINED_FIELDS,
    header_parts,
)
from flows.ingest.registers.recognise import RegisterHeader
from flows.ingest.titles import Title, split_place

WAN = "万元"
# 亩 per unit; 1 亩 = 10000/15 平方米.
AREA_UNITS = {"亩": 1.0, "平方米": 0.0015, "公顷": 15.0}
_AREA_UNIT_WORDS = {"亩": "亩", "平方米": "平方米", "平米": "平方米", "m2": "平方米",
                    "公顷": "公顷", "hm2": "公顷", "ha": "公顷"}
_AREA = re.compile(
    r"^(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<unit>(?:[^\d\s].*)?)$")
# Rent-free periods in days: a month is 30 days, a year 365.
_DAYS_PER = {"天": 1, "日": 1, "个月": 30, "月": 30, "年": 365}
_RENT_FREE = re.compile(r"^(?P<n>\d{1,4})\s*(?P<unit>天|日|个月|月|年)?$")
_NO_RENT_FREE = {"无", "没有", "-", "/"}
_DATE = r"\d{4}(?:[./-]\d{1,2}[./-]\d{1,2}|年\d{1,2}月\d{1,2}日?|\d{4})"
_TERM = re.compile(rf"^(?P<start>{_DATE})\s*(?:-{{1,2}}|—{{1,2}}|–|~|至|到)\s*(?P<end>{_DATE})$")
_TERM_YEARS = re.compile(r"^(?P<years>\d{1,3})\s*年$")
TERM_EXPECTED = "应为 2023.1.1-2027.12.31、2023年1月1日至2027年12月31日，或起始日期加 5年"


def register_fields(
    rows: pd.DataFrame, header: RegisterHeader, place: Title, problems: Problems
) -> dict[str, pd.Series]:
    """Every canonical field of ``header.kind`` for every row (no source columns); the problems
    of bad cells are noted in ``problems``."""
    cells = Cells(rows, header.columns, problems)
    reader = _Fields(cells, header)
    fields: dict[str, pd.Series] = {}
    fields["town"], fields["village"] = _place(cells, place)
    for name, dtype in COLUMNS[header.kind].items():
        if name in fields or name in SOURCE:
            continue
        fields[name] = reader.field(name, dtype)
    if header.kind == "contracts":
        _complete_term(cells, fields)
        fields["category"] = _category(fields)
    if header.kind == "plans":
        fields["direction"] = _direction(cells, header, fields["direction"])
    return fields


class _Fields:
    """Parses one field at a time by its name and dtype."""

    def __init__(self, cells: Cells, header: RegisterHeader) -> None:
        self.cells = cells
        self.header = header
        self.area_unit = pd.Series("", index=cells.rows.index, dtype="str")
        # Dates and money are parsed all columns at once: a parse's fixed cost is most of its
        # time on a register's few rows.
        present = {name: dtype for name, dtype in COLUMNS[header.kind].items()
                   if name not in SOURCE and name not in _OWN_PARSERS and cells.has(name)}
        self.dates = _parse_together(
            {name: cells.text(name) for name, dtype in present.items()
             if dtype == "datetime64[ns]"}, parse_dates, cells.rows.index)
        self.money = _parse_together(
            {name: self._yuan(name) for name, dtype in present.items() if dtype == "Int64"},
            parse_amounts, cells.rows.index)

    def field(self, name: str, dtype: str) -> pd.Series:
        if name == "area_mu":
            return self._areas()
        if name == "area_unit":
            return self.area_unit  # the unit each area was written in, set by _areas
        if name in _OWN_PARSERS:
            return self._parsed(name, _OWN_PARSERS[name], dtype)
        if dtype == "datetime64[ns]":
            return self._noted(name, self.dates, dtype).astype(dtype)
        if dtype == "Int64":
            return self._noted(name, self.money, dtype)
        if name in JOINED_FIELDS:
            return self._joined(name)
        text = self.cells.text(name)
        return _enum(name, text) if name in ENUM_VALUES else text

    def _parsed(self, name: str, parse: Callable[[pd.Series], Parsed], dtype: str
                ) -> pd.Series:
        if not self.cells.has(name):
            return pd.Series(None, index=self.cells.rows.index, dtype=dtype)
        return self.cells.parse(name, parse).values

    def _noted(self, name: str, parsed: dict[str, Parsed], dtype: str) -> pd.Series:
        """A field parsed with others, its problems noted now (in field order)."""
        if name not in parsed:
            return pd.Series(None, index=self.cells.rows.index, dtype=dtype)
        self.cells.problems.bad_values(self.cells.labels(name), self.cells.text(name),
                                       parsed[name].problems)
        return parsed[name].values

    def _yuan(self, name: str) -> pd.Series:
        """Money text in 元: a column headed in 万元 is shifted to 元 first, exactly."""
        raw = self.cells.text(name)
        labels = self.cells.labels(name)
        text = raw
        for position in self.cells.columns.fields[name]:
            if self.header.units.get(position) != WAN:
                continue
            mine = labels == self.cells.columns.labels[position]
            text = text.where(~_mask(mine, raw.index), text.map(_wan_to_yuan))
        return text

    def _joined(self, name: str) -> pd.Series:
        """All of a field's columns as ``header：value；header：value`` (递增方式, 递增幅度)."""
        positions = self.cells.columns.fields.get(name, ())
        rows = self.cells.rows
        if len(positions) < 2:
            return self.cells.text(name)
        parts = [(self.cells.columns.labels[position] + "：" + rows[position]).where(
            rows[position] != "", "") for position in positions]
        joined = parts[0]
        for part in parts[1:]:
            joined = (joined + "；" + part).where((joined != "") & (part != ""), joined + part)
        return joined

    def _areas(self) -> pd.Series:
        """Areas in 亩, each row's unit from its cell (``300平方米``), the 面积单位 column, the
        header (``面积（公顷）``) or 亩; ``area_unit`` keeps the unit the row was written in."""
        cells = self.cells
        index = cells.rows.index
        if not cells.has("area_mu"):
            return pd.Series(np.nan, index=index, dtype="float64")
        raw = cells.text("area_mu")
        labels = cells.labels("area_mu")
        parts = fold_width(raw).str.replace(" ", "", regex=False).str.extract(_AREA)
        number = pd.to_numeric(parts["number"].str.replace(",", "", regex=False),
                               errors="coerce")
        written = parts["unit"].fillna("")
        header_unit = pd.Series("", index=index, dtype="str")
        for position in cells.columns.fields["area_mu"]:
            unit = self.header.units.get(position, "")
            mine = _mask(labels == cells.columns.labels[position], index)
            header_unit = header_unit.where(~mine, unit)
        column_unit = fold_width(cells.text("area_unit"))
        chosen = written.where(written != "", column_unit.where(column_unit != "", header_unit))
        unit = chosen.map(lambda word: _AREA_UNIT_WORDS.get(header_parts(word)[0], "?")
                          if word else "亩")
        filled = raw != ""
        unreadable = filled & number.isna()
        unknown = filled & ~unreadable & (unit == "?")
        cells.problems.bad_values(labels, raw, pd.Series(
            "不是可识别的面积（应为数字，可带单位 亩、平方米 或 公顷）",
            index=raw.index[unreadable.to_numpy()], dtype="str"))
        cells.problems.bad_values(labels, raw, pd.Series(
            "的单位不是亩、平方米或公顷",
            index=raw.index[unknown.to_numpy()], dtype="str"))
        good = filled & ~unreadable & ~unknown
        factor = unit.map(AREA_UNITS).astype("float64")
        self.area_unit = unit.where(good, "")
        return (number * factor).where(good).astype("float64")


def _parse_together(texts: dict[str, pd.Series], parse: Callable[[pd.Series], Parsed],
                    index: pd.Index) -> dict[str, Parsed]:
    """Each field's cells parsed as :meth:`Cells.parse` would (width folded, each distinct
    text once), all fields in one call of ``parse``."""
    if not texts:
        return {}
    folded = parse_distinct(lambda values: parse(fold_width(values)), pd.Series(
        np.concatenate([text.to_numpy(dtype=object) for text in texts.values()]), dtype="str"))
    count = len(index)
    positions = folded.problems.index.to_numpy()
    parsed = {}
    for number, name in enumerate(texts):
        start = number * count
        mine = (positions >= start) & (positions < start + count)
        parsed[name] = Parsed(
            folded.values.iloc[start:start + count].set_axis(index),
            pd.Series(folded.problems.to_numpy()[mine], index=index[positions[mine] - start],
                      dtype="str"))
    return parsed


def _place(cells: Cells, place: Title) -> tuple[pd.Series, pd.Series]:
    """Town and village from the row's columns (青石镇下坝村 in a village cell is both), else
    from the title, sheet or file name."""
    village_cells = cells.text("village")
    split = village_cells.map(split_place)
    named_town = split.map(lambda pair: pair[0]).astype("str")
    village = split.map(lambda pair: pair[1]).astype("str")
    town = cells.text("town")
    town = town.where(town != "", named_town)
    if place.town:
        town = town.where(town != "", place.town)
    if place.village:
        village = village.where(village != "", place.village)
    return town.astype("str"), village.astype("str")


def _enum(name: str, text: pd.Series) -> pd.Series:
    """The canonical word for each enum cell; unknown words kept as written."""
    words = ENUM_WORDS.get(name, {})
    known = set(ENUM_VALUES[name])

    def canonical(value: str) -> str:
        key = "".join(unicodedata.normalize("NFKC", value).split())
        return key if key in known else words.get(key, value)

    codes, distinct = text.factorize()
    if not len(distinct):
        return text
    mapped = np.array([canonical(value) for value in distinct], dtype=object)
    return pd.Series(np.where(codes < 0, "", mapped[codes]), index=text.index, dtype="str")


def _complete_term(cells: Cells, fields: dict[str, pd.Series]) -> None:
    """Start and end dates from a one-cell term (``2023.1.1-2027.12.31``, ``5年`` after a start)
    where their own columns are blank."""
    if not cells.has("term"):
        return
    raw = cells.text("term")
    label = cells.labels("term")
    folded = fold_width(raw).str.replace(" ", "", regex=False)
    ends = folded.str.extract(_TERM)
    years = pd.to_numeric(folded.str.extract(_TERM_YEARS)["years"], errors="coerce")
    is_range = ends["start"].notna()
    is_years = years.notna()
    cells.problems.bad_values(label, raw, pd.Series(
        f"不是可识别的起止日期（{TERM_EXPECTED}）",
        index=raw.index[((raw != "") & ~is_range & ~is_years).to_numpy()], dtype="str"))
    for end in ("start", "end"):
        text = ends[end].fillna("").str.replace(r"^(\d{4}年\d{1,2}月\d{1,2})$", r"\1日",
                                                 regex=True)
        parsed: Parsed = parse_distinct(parse_dates, text.astype("str"))
        cells.problems.bad_values(label, raw, parsed.problems)
        column = f"{end}_on"
        values = parsed.values.astype("datetime64[ns]")
        fields[column] = fields[column].where(fields[column].notna(), values)
    start = fields["start_on"]
    for count in years[is_years & start.notna()].unique():
        rows = is_years & (years == count) & start.notna() & fields["end_on"].isna()
        end = start[rows] + pd.DateOffset(years=int(count)) - pd.Timedelta(days=1)
        fields["end_on"] = fields["end_on"].where(~rows, end)
    cells.problems.where((is_years & start.isna()).to_numpy(), label,
                         f"{cells.label('term')}只写了年限，但没有起始日期")


def _category(fields: dict[str, pd.Series]) -> pd.Series:
    """合同类别, or where blank the category the contract's name implies."""
    category = fields["category"]
    name = fields["contract_name"]
    inferred = pd.Series("", index=category.index, dtype="str")
    for word, value in reversed(CATEGORY_FROM_NAME):
        inferred = inferred.where(~name.str.contains(word, regex=False), value)
    return category.where(category != "", inferred)


def _direction(cells: Cells, header: RegisterHeader, direction: pd.Series) -> pd.Series:
    """收 or 付: the 方向 cell, else 付 where the plan's amount is headed 应付/计划付款."""
    default = "收"
    if cells.has("amount_due_fen"):
        heading = header.columns.label("amount_due_fen")
        if header_parts(heading)[0].startswith(("应付", "计划付款")):
            default = "付"
    return direction.where(direction != "", default)


def _parse_rent_free(text: pd.Series) -> Parsed:
    """免租期 in days: ``90天``, ``3个月`` (90), ``1年`` (365), ``无`` (0)."""
    compact = text.str.replace(" ", "", regex=False)
    parts = compact.str.extract(_RENT_FREE)
    unit = parts["unit"].fillna("天")
    days = pd.to_numeric(parts["n"], errors="coerce") * unit.map(_DAYS_PER)
    days = days.where(~compact.isin(_NO_RENT_FREE), 0).where(compact != "半年", 180)
    bad = (text != "") & days.isna()
    problems = pd.Series("不是可识别的免租期（应为 90天、3个月 或 1年）",
                         index=text.index[bad.to_numpy()], dtype="str")
    return Parsed(days.round().astype("Int64"), problems)


def _parse_instalments(text: pd.Series) -> Parsed:
    """期次 ``3``, ``第3期`` as a whole number from 1."""
    return parse_counts(text.str.replace(r"^第\s*(\d+)\s*期$", r"\1", regex=True), minimum=1)


# Fields with parsers of their own, not parsed with the other dates and amounts.
_OWN_PARSERS: dict[str, Callable[[pd.Series], Parsed]] = {
    "rent_free_days": _parse_rent_free, "instalment": _parse_instalments}


def _wan_to_yuan(text: str) -> str:
    """``12.3456`` (万元) → ``123456`` (元), exactly; text that is no number is left as it is."""
    try:
        value = Decimal(text.replace(",", "").replace("，", "")) * 10000
    except InvalidOperation:
        return text
    return format(value.normalize(), "f")


def _mask(values: pd.Series | bool | str, index: pd.Index) -> np.ndarray:
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=bool)
    return np.full(len(index), bool(values))
