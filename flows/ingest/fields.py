"""The canonical fields of the rows of one grid, parsed column by column, problems noted.

Each field is read from its columns (the first filled, where a file has several), parsed by
:mod:`flows.ingest.cells`, and completed where the export leaves it out: the village from the
title, the sheet, the file name or ``--unit``; a month written alone from 会计年度, the title or
the date; the voucher word from its own column; the account code from the name in the chart in
force; the counterparty from auxiliary columns; line numbers from the order within the voucher.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from checks.charts import Chart
from flows.ingest.accounts import resolve_account_names, split_account_cells
from flows.ingest.auxiliary import cell_counterparty, named_item, pair_counterparty
from flows.ingest.cells import (
    Parsed,
    fold_width,
    parse_amounts,
    parse_counts,
    parse_dates,
    parse_directions,
    parse_distinct,
    parse_periods,
    parse_voucher_numbers,
    period_of,
    texts_of_distinct,
    year_months,
)
from flows.ingest.conventions import conventions
from flows.ingest.headers import ColumnMap
from flows.ingest.problems import Problems
from flows.ingest.profiles import ImportProfile
from flows.ingest.titles import Title, split_place

DEFAULT_VOUCHER_WORD = "记"
TEXT_FIELDS = (
    "org_code", "summary", "account_name", "counterparty", "settlement",
    "decision_ref", "contract_ref", "preparer", "reviewer", "bookkeeper",
)
UNIT_OPTION = "--unit"
VOUCHER_KEY = ["village", "period", "voucher_word", "voucher_number"]
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Reading:
    """What a grid's rows are read with besides their cells."""

    place: Title  # town, village and year from titles, sheet, file name, --unit, default town
    profile: ImportProfile | None
    charts: Mapping[str, Chart]
    unit_charts: Mapping[str, str] = field(default_factory=dict)  # the parameters' unit_charts


class Cells:
    """The rows' cells by field: the first filled of the field's columns, and which it was."""

    def __init__(self, rows: pd.DataFrame, columns: ColumnMap, problems: Problems) -> None:
        self.rows = rows
        self.columns = columns
        self.problems = problems
        self._text: dict[str, tuple[pd.Series, pd.Series | str]] = {}

    def has(self, name: str) -> bool:
        return self.columns.has(name)

    def text(self, name: str) -> pd.Series:
        return self._coalesced(name)[0]

    def labels(self, name: str, default: str = "") -> pd.Series | str:
        """The label of the column each row's value came from (one label for one column)."""
        return self._coalesced(name)[1] if self.has(name) else default

    def label(self, name: str, default: str = "") -> str:
        return self.columns.label(name) if self.has(name) else default

    def _coalesced(self, name: str) -> tuple[pd.Series, pd.Series | str]:
        if name in self._text:
            return self._text[name]
        if not self.has(name):
            empty = pd.Series("", index=self.rows.index, dtype="str")
            return empty, ""
        positions = self.columns.fields[name]
        value = self.rows[positions[0]]
        labels: pd.Series | str = self.columns.labels[positions[0]]
        for position in positions[1:]:
            empty = value == ""
            if not empty.any():
                break
            value = value.where(~empty, self.rows[position])
            if isinstance(labels, str):
                labels = pd.Series(labels, index=self.rows.index, dtype="str")
            labels = labels.where(~empty, self.columns.labels[position])
        self._text[name] = (value, labels)
        return value, labels

    def parse(self, name: str, parse: Callable[[pd.Series], Parsed], *, required: bool = False,
              repeating: bool = True) -> Parsed:
        """Parse a field's cells (each distinct text once when values repeat), noting problems."""
        raw = self.text(name)
        folded = _folded(parse)
        parsed = parse_distinct(folded, raw) if repeating else folded(raw)
        if required:
            self.problems.missing(raw, self.labels(name))
        self.problems.bad_values(self.labels(name), raw, parsed.problems)
        return parsed


def parse_fields(rows: pd.DataFrame, columns: ColumnMap, reading: Reading, problems: Problems
                 ) -> dict[str, pd.Series]:
    """Every canonical field for every row; the problems are noted on the way."""
    cells = Cells(rows, columns, problems)
    fields: dict[str, pd.Series] = {name: cells.text(name) for name in TEXT_FIELDS}
    fields["town"], fields["village"], fields["org_code"] = _units(cells, reading)
    dates = _dates(cells, reading.place.year)
    fields["voucher_date"] = dates
    fields["voucher_word"], fields["voucher_number"] = _voucher_numbers(cells)
    fields["period"] = _periods(cells, dates, reading.place.year)
    fields["account_code"], fields["account_name"] = _accounts(cells, fields, reading)
    fields["debit_fen"], fields["credit_fen"] = _amounts(cells, reading.profile)
    if not cells.has("voucher_no"):
        fields["voucher_number"] = balanced_vouchers(fields)
    fields["counterparty"] = _counterparty(cells)
    fields["line_no"] = _line_numbers(cells, fields)
    if cells.has("attachments"):
        fields["attachments"] = cells.parse("attachments", parse_counts).values
    else:
        fields["attachments"] = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    return fields


def _units(cells: Cells, reading: Reading) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Town, village and unit code. A unit column holding codes only (``2.01.01``) gives the
    unit's code, not its name; where no column names the village, the title, sheet or file
    name does, or the user with ``--unit``."""
    village = cells.text("village")
    org_code = cells.text("org_code")
    unit_code, named_town, named_village = texts_of_distinct(village, _unit_parts, 3)
    coded = unit_code != ""
    if coded.any():
        org_code = org_code.where(~((org_code == "") & coded), unit_code)
    town = cells.text("town")
    if (named_town != "").any():  # 青石镇下坝村 in a unit column, as a title would say it
        town = town.where(town != "", named_town)
    village = named_village
    town = _or_else(town, reading.place.town)
    village = _or_else(village, reading.place.village)
    label = cells.label("village", "单位名称")
    cells.problems.where(
        (village == "").to_numpy(), label,
        f"{label}为空，标题行、工作表名和文件名中也没有村名（可用 {UNIT_OPTION} 指定单位）",
    )
    return town, village, org_code


def _dates(cells: Cells, title_year: str) -> pd.Series:
    """凭证日期, or a date made of 月 and 日 columns and the year of the books (会计年度, else
    the title's or the file name's)."""
    if cells.has("voucher_date") or not {"month", "day"} <= set(cells.columns.fields):
        return cells.parse("voucher_date", parse_dates, required=True).values
    month = fold_width(cells.text("month")).str.extract(r"^(\d{1,2})(?:\.0+)?月?$")[0]
    day = fold_width(cells.text("day")).str.extract(r"^(\d{1,2})(?:\.0+)?日?$")[0]
    year = _years(cells, pd.Series(pd.NaT, index=cells.rows.index, dtype="datetime64[s]"),
                  title_year)
    known = month.notna() & day.notna() & (year > 0)
    text = (pd.Series(year, index=cells.rows.index).astype("str") + "-" + month.fillna("")
            + "-" + day.fillna("")).where(known, "")
    label = f"{cells.label('month')}、{cells.label('day')}"
    written = (cells.text("month") != "") & (cells.text("day") != "")
    cells.problems.where((~written).to_numpy(), label, f"{label}为空")
    cells.problems.where((written & ~known & (year > 0)).to_numpy(), label,
                         f"{label}不是可识别的月和日")
    cells.problems.where((written & (year == 0)).to_numpy(), label,
                         f"{label}给出了月和日，但会计年度列、标题和文件名中都没有年份")
    parsed = parse_distinct(parse_dates, text)
    cells.problems.bad_values(label, text, parsed.problems)
    return parsed.values


def _unit_parts(unit: str) -> tuple[str, str, str]:
    """A unit cell as (code, town, village): a cell without Chinese (2.01.01) is a unit's code,
    not its name; 青石镇下坝村 is a town and a village; anything else a village as written."""
    if unit and not _HAN.search(unit):
        return unit, "", ""
    return ("", *split_place(unit))


def _voucher_numbers(cells: Cells) -> tuple[pd.Series, pd.Series]:
    """凭证字 (from the number, else the voucher-word column, else 记) and 凭证号 (missing
    where the export has no number column: :func:`balanced_vouchers` numbers them)."""
    raw = cells.text("voucher_no")
    if not cells.has("voucher_no"):
        word = cells.text("voucher_word")
        return _voucher_words(word), pd.Series(pd.NA, index=raw.index, dtype="Int64")
    numbers = parse_voucher_numbers(fold_width(raw))
    cells.problems.missing(raw, cells.labels("voucher_no"))
    cells.problems.bad_values(cells.labels("voucher_no"), raw, numbers.problems)
    word = numbers.word
    if cells.has("voucher_word"):
        word = word.where(word != "", cells.text("voucher_word"))
    return _voucher_words(word), numbers.number


def balanced_vouchers(fields: dict[str, pd.Series]) -> pd.Series:
    """Voucher numbers for an export without a number column: a voucher is a run of lines of
    one village, date and voucher word whose debits and credits balance; the runs are numbered
    1, 2, 3 … in file order within each village, period and word."""
    village = fields["village"].to_numpy(dtype=object)
    day = fields["voucher_date"].to_numpy()
    word = fields["voucher_word"].to_numpy(dtype=object)
    net = (fields["debit_fen"].fillna(0) - fields["credit_fen"].fillna(0)).to_numpy()
    starts = np.zeros(len(net), dtype=bool)
    balance, moved = 0, False
    for row in range(len(net)):
        if row == 0 or (village[row], day[row], word[row]) != (
                village[row - 1], day[row - 1], word[row - 1]) or (moved and balance == 0):
            starts[row] = True
            balance, moved = 0, False
        balance += int(net[row])
        moved = moved or net[row] != 0
    voucher = np.cumsum(starts)
    key = pd.DataFrame({"village": fields["village"], "period": fields["period"],
                        "voucher_word": fields["voucher_word"], "voucher": voucher})
    firsts = key[starts]
    numbers = firsts.groupby(["village", "period", "voucher_word"], sort=False).cumcount() + 1
    by_voucher = pd.Series(numbers.to_numpy(), index=firsts["voucher"].to_numpy())
    return pd.Series(by_voucher.reindex(voucher).to_numpy(), index=fields["village"].index,
                     dtype="Int64")


def _voucher_words(word: pd.Series) -> pd.Series:
    """记字 → 记, 记账凭证 → 记, 银行收款 → 银收; empty → 记."""
    return texts_of_distinct(word, _voucher_word, 1)[0]


def _voucher_word(value: str) -> tuple[str]:
    words = conventions().voucher_words
    squeezed = "".join(value.split())
    squeezed = words.get(squeezed, squeezed)
    squeezed = squeezed.removesuffix("字") or squeezed
    return (words.get(squeezed, squeezed) or DEFAULT_VOUCHER_WORD,)


def _periods(cells: Cells, dates: pd.Series, title_year: str) -> pd.Series:
    """会计期间 where given (a month alone takes its year from 会计年度, the title or the date),
    else the month of the voucher date."""
    if not cells.has("period"):
        return period_of(dates)
    raw = fold_width(cells.text("period"))
    codes, distinct = raw.factorize()
    parsed = parse_periods(pd.Series(distinct, dtype="str"))
    bad = np.isin(codes, parsed.problems.index.to_numpy())
    cells.problems.bad_values(
        cells.labels("period"), raw,
        pd.Series(parsed.problems.reindex(codes[bad]).to_numpy(), index=raw.index[bad],
                  dtype="str"))
    if not ((parsed.month > 0) & (parsed.year == 0)).any():  # every period with its year
        text = {cell: f"{year:04d}-{month:02d}" if month else ""
                for cell, year, month in zip(distinct, parsed.year, parsed.month, strict=True)}
        periods = texts_of_distinct(raw, lambda cell: (text.get(cell, ""),), 1)[0]
        given = periods != ""
        return periods if given.all() else periods.where(given, period_of(dates))
    taken = np.where(codes < 0, 0, codes)
    year = np.where(codes < 0, 0, parsed.year[taken])
    month = np.where(codes < 0, 0, parsed.month[taken])
    missing_year = (month > 0) & (year == 0)
    year = np.where(missing_year, _years(cells, dates, title_year), year)
    periods = year_months(year, month, raw.index)
    given = (raw != "").to_numpy() & (month > 0)
    return periods if given.all() else periods.where(given, period_of(dates))


def _years(cells: Cells, dates: pd.Series, title_year: str) -> np.ndarray:
    """The year of each row for a month written alone: 会计年度, else the title's, else the
    date's."""
    date_year = dates.to_numpy(dtype="datetime64[Y]")
    year = np.where(np.isnat(date_year), 0, date_year.astype("int64") + 1970)
    if title_year:
        year = np.full(len(dates), int(title_year), dtype=np.int64)
    if cells.has("year"):
        given = fold_width(cells.text("year")).str.extract(r"^(\d{4})(?:\.0+)?年?度?$")[0]
        known = given.notna().to_numpy()
        year = np.where(known, pd.to_numeric(given, errors="coerce").fillna(0).astype("int64"),
                        year)
    return year


def _accounts(cells: Cells, fields: dict[str, pd.Series], reading: Reading
              ) -> tuple[pd.Series, pd.Series]:
    """Account code (digits) and name: a code cell may carry the name, a name cell may be all
    there is, and then the chart in force for the period gives the first-level code."""
    source = "account_code" if cells.has("account_code") else "account_name"
    split = split_account_cells(fold_width(cells.text(source)))
    cells.problems.bad_values(cells.labels(source), cells.text(source), split.problems)
    name = cells.text("account_name") if source == "account_code" else split.name
    name = name.where(name != "", split.name)
    code = split.code
    bad_cells = (code.index.isin(split.problems.index) if len(split.problems)
                 else np.zeros(len(code), dtype=bool))
    by_name = ((code == "") & (name != "")).to_numpy() & ~bad_cells
    if by_name.any():
        named = None
        default = reading.profile.chart if reading.profile and reading.profile.chart else ""
        if reading.unit_charts or default:
            units = fields["town"][by_name] + "/" + fields["village"][by_name]
            named = units.map(lambda unit: reading.unit_charts.get(
                unit, reading.unit_charts.get(unit.split("/", 1)[1], default))).astype("str")
        resolved = resolve_account_names(name[by_name], fields["period"][by_name],
                                         reading.charts, named)
        code = code.copy()
        code[by_name] = resolved.to_numpy()
        unresolved = np.zeros(len(code), dtype=bool)
        unresolved[np.flatnonzero(by_name)[(resolved == "").to_numpy()]] = True
        cells.problems.where(
            unresolved, cells.label("account_name", cells.label("account_code")),
            "科目名称在本期适用的科目表中找不到对应的一级科目，请在导出中包含科目编码列",
        )
    missing = ((code == "") & (name == "")).to_numpy() & ~bad_cells
    cells.problems.where(missing, cells.label("account_code", cells.label("account_name")),
                         f"{cells.label('account_code', cells.label('account_name'))}为空")
    return code, name


def _amounts(cells: Cells, profile: ImportProfile | None) -> tuple[pd.Series, pd.Series]:
    """Debit and credit fen from a 借方/贷方 pair, from 方向 + 金额 where the pair is empty (or
    absent); a line with no amount at all is a zero line."""
    rules = conventions()
    empty_marks = list(rules.empty_amounts)
    index = cells.rows.index
    debit = pd.Series(0, index=index, dtype="Int64")
    credit = pd.Series(0, index=index, dtype="Int64")
    pair_empty = np.ones(len(index), dtype=bool)
    for side, target in (("debit", "debit"), ("credit", "credit")):
        if not cells.has(side):
            continue
        raw = _without_marks(cells.text(side), empty_marks)
        parsed = _folded(parse_amounts)(raw)
        cells.problems.bad_values(cells.labels(side), raw, parsed.problems)
        values = parsed.values.fillna(0)
        if target == "debit":
            debit = values
        else:
            credit = values
        pair_empty &= (raw == "").to_numpy()
    if cells.has("direction") and cells.has("amount") and pair_empty.any():
        words = profile.directions if profile and profile.directions else None
        direction_text = fold_width(cells.text("direction"))
        amount_text = _without_marks(cells.text("amount"), empty_marks)
        rows = pair_empty & (amount_text != "").to_numpy()
        direction = parse_directions(
            direction_text[rows],
            frozenset(words.debit) if words else rules.debit_words,
            frozenset(words.credit) if words else rules.credit_words,
        )
        fen = _folded(parse_amounts)(amount_text[rows])
        cells.problems.bad_values(cells.labels("direction"), direction_text[rows],
                                  direction.problems)
        cells.problems.bad_values(cells.labels("amount"), amount_text[rows], fen.problems)
        cells.problems.missing(direction_text[rows], cells.labels("direction"))
        amount = fen.values.fillna(0)
        debit = debit.copy()
        credit = credit.copy()
        debit[rows] = amount.where(direction.values == "借", 0).to_numpy()
        credit[rows] = amount.where(direction.values == "贷", 0).to_numpy()
    return debit.astype("Int64"), credit.astype("Int64")


def _without_marks(text: pd.Series, marks: list[str]) -> pd.Series:
    """Cells that mark an empty amount (``-``, ``—``) as empty."""
    if not marks:
        return text
    marked = text.isin(marks)
    return text.where(~marked, "") if marked.any() else text


def _counterparty(cells: Cells) -> pd.Series:
    """往来单位 and its aliases, else auxiliary pairs, else a one-cell auxiliary column."""
    value = cells.text("counterparty")
    if (value != "").any():  # C003_某某农资店 in a 客户 column: the code is not the name
        value = texts_of_distinct(value, lambda name: (named_item(name),), 1)[0]
    auxiliary = conventions().auxiliary
    columns = cells.columns
    if columns.pairs and (value == "").any():
        types = [cells.rows[kind] for kind, _ in columns.pairs]
        names = [cells.rows[name] for _, name in columns.pairs]
        value = value.where(value != "", pair_counterparty(types, names, auxiliary))
    for position in columns.cells:
        empty = value == ""
        if not empty.any():
            break
        value = value.where(~empty, cell_counterparty(cells.rows[position], auxiliary))
    return value


def _line_numbers(cells: Cells, fields: dict[str, pd.Series]) -> pd.Series:
    """分录号 where every line of the voucher has its own, else the order within the voucher
    (a voucher whose numbers repeat or are missing is numbered 1, 2, 3 … in file order).

    A repeat is looked for between neighbouring lines of a voucher (how exports write all
    lines 1, or a line number per page); a voucher split across a file keeps its numbers, and
    a repeat there is told apart by its entry id (:mod:`flows.ingest.identity`)."""
    if not cells.has("line_no"):
        return _order_within_voucher(fields, np.ones(len(cells.rows), dtype=bool))
    given = _folded(parse_counts)(cells.text("line_no")).values
    usable = (given.notna() & (given >= 1)).to_numpy()
    line = given.fillna(0).to_numpy()
    number = fields["voucher_number"].fillna(-1).to_numpy()
    repeated = np.zeros(len(line), dtype=bool)
    repeated[1:] = (line[1:] == line[:-1]) & (number[1:] == number[:-1])
    if repeated.any():  # confirmed on the whole key: village, period, word and number
        repeated &= _same_voucher_as_previous(fields)
    broken = ~usable | repeated
    if not broken.any():
        return given
    same_voucher = _same_voucher_as_previous(fields)
    voucher = np.cumsum(~same_voucher)  # neighbouring lines of one voucher share a number
    renumbered = np.isin(voucher, voucher[broken])
    order = _order_within_voucher(fields, renumbered)
    return given.where(~renumbered, order)


def _same_voucher_as_previous(fields: dict[str, pd.Series]) -> np.ndarray:
    """Whether each line is of the same voucher as the line before it (False for the first)."""
    same = np.zeros(len(fields["voucher_number"]), dtype=bool)
    if len(same) > 1:
        same[1:] = True
        for name in VOUCHER_KEY:
            same[1:] &= _same_as_previous(fields[name])
    return same


def _same_as_previous(values: pd.Series) -> np.ndarray:
    """Whether each value but the first equals the one before it (compared in Arrow)."""
    array = pa.array(values, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    equal = pc.equal(array.slice(1), array.slice(0, len(array) - 1))
    return pc.fill_null(equal, False).to_numpy(zero_copy_only=False)


def _order_within_voucher(fields: dict[str, pd.Series], rows: np.ndarray) -> pd.Series:
    """1, 2, 3 … down each voucher (village, period, word, number) among ``rows``, for rows
    whose key parsed."""
    key = pd.DataFrame({name: fields[name] for name in VOUCHER_KEY})
    known = rows & (
        (key["village"] != "") & (key["period"] != "") & key["voucher_number"].notna()
    ).to_numpy()
    order = pd.Series(pd.NA, index=key.index, dtype="Int64")
    if known.any():
        order[known] = key[known].groupby(VOUCHER_KEY, sort=False).cumcount() + 1
    return order


def _folded(parse: Callable[[pd.Series], Parsed]) -> Callable[[pd.Series], Parsed]:
    """``parse`` applied to the text with full-width digits and signs folded to ASCII."""
    return lambda text: parse(fold_width(text))


def _or_else(values: pd.Series, default: str) -> pd.Series:
    return values.where(values != "", default) if default else values
