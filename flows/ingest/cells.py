"""Pure vectorised parsers for the cells of an export: dates, money, voucher numbers, periods.

Each parser takes a ``str`` Series of stripped cell text and returns the parsed values with a
description of what was wrong in each bad cell (an empty cell is missing, not bad). Parsing is
strict: nothing is guessed or coerced; a bad cell is reported and the caller quarantines its row.
Regular expressions run in Arrow (RE2), many times faster than pandas' ``str.extract``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Surrounding whitespace of any width, including the full-width space U+3000.
WHITESPACE = " \t\r\n\u3000\xa0"
MIN_YEAR, MAX_YEAR = 1900, 2099
# Excel's day 0 is 1899-12-30 for every serial after its phantom 1900-02-29 (serial 60).
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
FIRST_EXCEL_SERIAL = 61
MAX_YUAN_DIGITS = 15  # keeps fen inside int64 with room to add up a ledger

# Tried in order, each on the cells no earlier pattern matched; the common shape first.
_DATE_PATTERNS = (
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$",
    r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?: \d{1,2}:\d{2}(?::\d{2})?)?$",
    r"^(?P<y>\d{4})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})$",
    r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日$",
    r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$",
)
_EXCEL_SERIAL = (r"^(?P<n>\d{1,5})(?:\.\d+)?$",)
# A period with its year, or the month alone (``8``, ``8.0``, ``第8期``) whose year comes from
# elsewhere (会计年度, the title, the date).
_PERIOD_PATTERNS = (
    r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$",
    r"^(?P<y>\d{4})年(?P<m>\d{1,2})月$",
    r"^(?P<y>\d{4})(?P<m>\d{2})$",
    r"^(?P<y>\d{4})年?第?(?P<m>\d{1,2})期$",
    r"^(?P<y>)第?(?P<m>\d{1,2})(?:\.0+)?[期月]?$",
)
# 记-12 and 12 cheaply first; then a period-prefixed 202303-0015; then 记字第12号, 收 - 3,
# 现收-3 (the word is lazy, so 第12号 has no word).
_VOUCHER_PATTERNS = (
    r"^(?P<word>\p{Han}{1,2})-(?P<number>\d{1,9})$",
    r"^(?P<word>)(?P<number>\d{1,9})(?:\.0+)?$",
    r"^(?P<word>)\d{4}[-/.]?\d{2}[-_/#](?P<number>\d{1,9})$",
    r"^(?P<word>\p{Han}+?|[A-Za-z]+?)??字?第?\s*[-_]?\s*(?P<number>\d{1,9})号?$",
)
_PLAIN_AMOUNT = r"^(?P<sign>-?)(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?$"
# Thousands separators must group by three: 12,34.00 is a typo, not 1234.00. A currency sign,
# a minus before or after, or brackets around the amount: (1,200.00) is -1200.00; 元 after it.
_AMOUNT = (
    r"^(?P<open>\(?)(?:[¥￥$]\s*)?(?P<sign>[-+]?)\s*(?:[¥￥$]\s*)?"
    r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)"
    r"(?:\.(?P<fraction>\d*))?(?P<trailing>-?)(?P<close>\)?)\s*(?:元)?$"
)
_COUNT = r"^(?P<n>\d{1,9})(?:\.0+)?\s*[张份个页]?$"

DATE_EXPECTED = "应为 2023-01-05、2023年1月5日、2023/1/5、20230105 或 Excel 日期"


@dataclass(frozen=True)
class Parsed:
    """Parsed values (missing where the cell was empty or bad) and the problems.

    ``problems`` holds one Chinese description per bad cell, indexed by the bad rows only.
    """

    values: pd.Series
    problems: pd.Series


@dataclass(frozen=True)
class VoucherNumbers:
    word: pd.Series
    number: pd.Series
    problems: pd.Series


def parse_distinct(parse: Callable[[pd.Series], Parsed], text: pd.Series) -> Parsed:
    """``parse`` run once per distinct cell text, for columns that repeat (dates, periods, codes).

    A ledger has a few hundred dates among a million lines; parsing those and spreading the
    result is several times faster than parsing every cell.
    """
    codes, distinct = text.factorize()
    parsed = parse(pd.Series(distinct, dtype="str"))
    values = parsed.values.take(codes).set_axis(text.index)
    bad = np.isin(codes, parsed.problems.index.to_numpy())
    problems = pd.Series(
        parsed.problems.reindex(codes[bad]).to_numpy(), index=text.index[bad], dtype="str"
    )
    return Parsed(values, problems)


def texts_of_distinct(
    values: pd.Series, function: Callable[[str], tuple[str, ...]], count: int
) -> list[pd.Series]:
    """The ``count`` texts ``function`` makes of each cell, worked out once per distinct cell
    and spread in Arrow (a ledger's unit names, words and accounts repeat down a million
    lines; building a million-row text column in Python is the slow part)."""
    codes, distinct = values.factorize()
    made = [function(value) for value in distinct] + [function("")]
    taken: pa.Array | None = None
    parts = []
    for part in range(count):
        texts = [made_texts[part] for made_texts in made]
        if texts[:-1] == list(distinct) and texts[-1] == "":
            parts.append(values)  # the cells as they are: nothing to build
            continue
        if taken is None:
            taken = pa.array(np.where(codes < 0, len(distinct), codes))
        parts.append(_series(pa.array(texts, pa.string()).take(taken), values.index))
    return parts


def fold_width(text: pd.Series) -> pd.Series:
    """Full-width digits, commas, minus signs and colons to ASCII (NFKC), for parsing only."""
    values = arrow_of(text)
    if pc.all(pc.string_is_ascii(values)).as_py() is not False:
        return text
    return _series(pc.utf8_normalize(values, "NFKC"), text.index)


def parse_dates(text: pd.Series) -> Parsed:
    """Calendar dates (``datetime64[s]``, NaT when empty or bad); impossible dates are problems."""
    filled = (text != "").to_numpy()
    year, month, day, found = _first_match(text, _DATE_PATTERNS, ("y", "m", "d"), filled)
    dates = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[D]")
    ymd = found & _is_calendar_date(year, month, day)
    dates[ymd] = _month_start(year[ymd], month[ymd]) + (day[ymd] - 1).astype("timedelta64[D]")
    serial, serial_found = _first_match(text, _EXCEL_SERIAL, ("n",), filled & ~found)
    serial_ok = serial_found & (serial >= FIRST_EXCEL_SERIAL)
    dates[serial_ok] = EXCEL_EPOCH + serial[serial_ok].astype("timedelta64[D]")
    years = dates.astype("datetime64[Y]").astype("int64") + 1970
    out_of_range = ~np.isnat(dates) & ((years < MIN_YEAR) | (years > MAX_YEAR))
    dates[out_of_range] = np.datetime64("NaT")
    problems = _problems(
        text.index,
        (filled & ~found & ~serial_found, f"不是可识别的日期（{DATE_EXPECTED}）"),
        ((found & ~ymd) | (serial_found & ~serial_ok), "不是真实存在的日期"),
        (out_of_range, f"年份不在 {MIN_YEAR}–{MAX_YEAR} 之间"),
    )
    return Parsed(pd.Series(dates.astype("datetime64[s]"), index=text.index), problems)


@dataclass(frozen=True)
class Periods:
    """Year and month of each period cell (0 where absent); a year of 0 with a month is a
    month written alone (``8``, ``第8期``), whose year the caller finds elsewhere."""

    year: np.ndarray
    month: np.ndarray
    problems: pd.Series


def parse_periods(text: pd.Series) -> Periods:
    """Accounting periods: ``2023-08``, ``2023年8月``, ``202308``, ``2023年第8期``, ``8``,
    ``8.0``."""
    filled = (text != "").to_numpy()
    year, month, found = _first_match(text, _PERIOD_PATTERNS, ("y", "m"), filled)
    ok = found & (month >= 1) & (month <= 12) & (
        (year == 0) | ((year >= MIN_YEAR) & (year <= MAX_YEAR))
    )
    problems = _problems(
        text.index,
        (filled & ~ok, "不是可识别的会计期间（应为 2023-11、2023年11月、202311 或月份 11）"),
    )
    return Periods(np.where(ok, year, 0), np.where(ok, month, 0), problems)


def year_months(year: np.ndarray, month: np.ndarray, index: pd.Index) -> pd.Series:
    """``YYYY-MM`` from years and months ("" where either is 0)."""
    known = (year > 0) & (month > 0)
    return _year_months(np.where(known, year * 100 + month, 0), index)


def period_of(dates: pd.Series) -> pd.Series:
    """``YYYY-MM`` of each date ("" for NaT)."""
    months = dates.to_numpy(dtype="datetime64[M]")
    known = ~np.isnat(months)
    count = np.where(known, months.astype("int64"), 0)
    codes = np.where(known, (count // 12 + 1970) * 100 + count % 12 + 1, 0)
    return _year_months(codes, dates.index)


def parse_amounts(text: pd.Series) -> Parsed:
    """Money as exact integer fen (``Int64``, NA when empty or bad), parsed from the decimal text.

    Accepts thousands separators grouped by three, a currency sign, and red ink written as a
    leading or trailing minus or in brackets: ``-1,200.00``, ``1200.00-``, ``(1,200.00)``.
    More than two decimals is a problem unless the extra digits are zeros (``1200.000``).
    Plain amounts are parsed first; the other shapes only in the cells left over.
    """
    filled = (text != "").to_numpy()
    parts = [_amount_parts(text, _PLAIN_AMOUNT, filled)]
    left = filled & ~_mask(len(text), parts[0][0])
    if left.any():
        parts.append(_amount_parts(text, _AMOUNT, left))
    positions = np.concatenate([part[0] for part in parts])
    whole = pa.concat_arrays([part[1] for part in parts])
    fraction = pa.concat_arrays([part[2] for part in parts])
    minus = np.concatenate([part[3] for part in parts])
    malformed = np.concatenate([part[4] for part in parts])
    too_long = _numpy(pc.greater(pc.utf8_length(whole), MAX_YUAN_DIGITS))
    sub_fen = _numpy(pc.not_equal(pc.utf8_ltrim(pc.utf8_slice_codeunits(fraction, 2), "0"), ""))
    good = ~too_long & ~sub_fen & ~malformed
    cents = pc.utf8_rpad(pc.utf8_slice_codeunits(fraction, 0, 2), 2, "0")
    magnitude = _integers(whole.filter(good)) * 100 + _integers(cents.filter(good))
    negative = minus[good]
    fen = np.zeros(len(text), dtype=np.int64)
    fen[positions[good]] = np.where(negative, -magnitude, magnitude)
    ok = _mask(len(text), positions[good])
    unreadable = (filled & ~_mask(len(text), positions)) | _mask(len(text), positions[malformed])
    problems = _problems(
        text.index,
        (unreadable, "不是有效金额（应为数字，如 1,200.00、-1200.00 或 (1,200.00)）"),
        (_mask(len(text), positions[too_long]), "金额过大"),
        (_mask(len(text), positions[sub_fen]), "超过两位小数（金额须精确到分）"),
    )
    return Parsed(_nullable(fen, ok, text.index), problems)


def _amount_parts(
    text: pd.Series, pattern: str, rows: np.ndarray
) -> tuple[np.ndarray, pa.Array, pa.Array, np.ndarray, np.ndarray]:
    """Positions among ``rows`` matching an amount pattern; their whole yuan (no separators)
    and fraction digits; whether each is negative; whether its signs contradict each other."""
    positions, groups = _extract(text, pattern, rows)
    whole = pc.replace_substring(groups["whole"], ",", "")
    leading = _numpy(pc.equal(groups["sign"], "-"))
    if "open" not in groups:
        return positions, whole, groups["fraction"], leading, np.zeros(len(positions), bool)
    opened = _numpy(pc.equal(groups["open"], "("))
    closed = _numpy(pc.equal(groups["close"], ")"))
    trailing = _numpy(pc.equal(groups["trailing"], "-"))
    signs = leading.astype(np.int8) + trailing + (opened & closed)
    return positions, whole, groups["fraction"], signs == 1, (opened != closed) | (signs > 1)


def parse_voucher_numbers(text: pd.Series) -> VoucherNumbers:
    """Voucher word (字, "" when absent) and number (``Int64``) from 12 / 记-12 / 记字第12号."""
    filled = (text != "").to_numpy()
    number = np.zeros(len(text), dtype=np.int64)
    found = np.zeros(len(text), dtype=bool)
    words: list[pa.Array] = []
    word_positions: list[np.ndarray] = []
    for pattern in _VOUCHER_PATTERNS:
        remaining = filled & ~found
        if not remaining.any():
            break
        positions, groups = _extract(text, pattern, remaining)
        number[positions] = _integers(groups["number"])
        found[positions] = True
        words.append(groups["word"])
        word_positions.append(positions)
    problems = _problems(
        text.index, (filled & ~found, "不是可识别的凭证号（应为 12、记-12 或 记字第12号）")
    )
    word = _scatter(
        len(text),
        np.concatenate([np.zeros(0, dtype=np.int64), *word_positions]),
        pa.concat_arrays(words) if words else pa.array([], pa.string()),
        text.index,
    )
    return VoucherNumbers(word, _nullable(number, found, text.index), problems)


def parse_counts(text: pd.Series, *, minimum: int = 0) -> Parsed:
    """Whole numbers such as 分录号 and 附件张数 (``Int64``, NA when empty or bad): ``2``,
    ``2.0`` (a number saved by Excel), ``2张``; plain digits first, the other shapes only in
    the cells left over."""
    filled = (text != "").to_numpy()
    digits = _ascii_digits(text, max_length=9)
    values = np.zeros(len(text), dtype=np.int64)
    values[digits] = _integers(arrow_of(text).filter(pa.array(digits)))
    left = filled & ~digits
    if left.any():
        positions, groups = _extract(text, _COUNT, left)
        values[positions] = _integers(groups["n"])
        digits = digits | _mask(len(text), positions)
    ok = digits & (values >= minimum)
    expected = "不是非负整数" if minimum == 0 else f"须为不小于 {minimum} 的整数"
    problems = _problems(text.index, (filled & ~ok, expected))
    return Parsed(_nullable(values, ok, text.index), problems)


def parse_directions(
    text: pd.Series, debit: frozenset[str], credit: frozenset[str]
) -> Parsed:
    """方向 as 借 or 贷 ("" when empty or bad), from the words that mean each."""
    is_debit = text.isin(list(debit)).to_numpy()
    is_credit = text.isin(list(credit)).to_numpy() & ~is_debit
    direction = np.where(is_debit, "借", np.where(is_credit, "贷", ""))
    unknown = (text != "").to_numpy() & ~is_debit & ~is_credit
    problems = _problems(
        text.index, (unknown, "不是可识别的借贷方向（应为 借/贷、借方/贷方、1/-1、1/0 或 D/C）"))
    return Parsed(pd.Series(direction, index=text.index, dtype="str"), problems)


def arrow_of(text: pd.Series) -> pa.Array:
    """The Arrow array under a ``str`` Series, as one chunk."""
    values = pa.array(text)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _series(values: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    return values.to_pandas().set_axis(index)


def _ascii_digits(text: pd.Series, max_length: int | None = None) -> np.ndarray:
    """Which cells are non-empty runs of 0-9 (no longer than ``max_length``)."""
    values = arrow_of(text)
    digits = pc.ascii_is_decimal(values)
    if max_length is not None:
        digits = pc.and_(digits, pc.less_equal(pc.utf8_length(values), max_length))
    return _numpy(digits)


def _numpy(values: pa.Array) -> np.ndarray:
    return values.to_numpy(zero_copy_only=False)


def _integers(digits: pa.Array) -> np.ndarray:
    return _numpy(pc.cast(digits, pa.int64()))


def _mask(length: int, positions: np.ndarray) -> np.ndarray:
    mask = np.zeros(length, dtype=bool)
    mask[positions] = True
    return mask


def _nullable(values: np.ndarray, ok: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.IntegerArray(values, ~ok), index=index)


def _scatter(length: int, positions: np.ndarray, values: pa.Array, index: pd.Index) -> pd.Series:
    """A ``str`` Series with ``values`` at ``positions`` and "" elsewhere, built in Arrow."""
    take = np.full(length, -1, dtype=np.int64)
    take[positions] = np.arange(len(positions))
    picked = values.take(pa.array(take, mask=take < 0))
    return _series(pc.fill_null(picked, ""), index)


def _extract(
    text: pd.Series, pattern: str, rows: np.ndarray
) -> tuple[np.ndarray, dict[str, pa.Array]]:
    """Positions among ``rows`` whose text matches ``pattern``, and its named groups there."""
    positions = np.flatnonzero(rows)
    values = arrow_of(text)
    if len(positions) < len(text):
        values = values.take(pa.array(positions))
    struct = pc.extract_regex(values, pattern)
    hit = struct.is_valid()
    matched = struct.filter(hit)
    groups = {
        matched.type.field(index).name: pc.fill_null(matched.field(index), "")
        for index in range(matched.type.num_fields)
    }
    return positions[_numpy(hit)], groups


def _first_match(
    text: pd.Series, patterns: Sequence[str], names: Sequence[str], rows: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Integer groups ``names`` from the first of ``patterns`` each row matches, and a hit mask."""
    parts = [np.zeros(len(text), dtype=np.int64) for _ in names]
    found = np.zeros(len(text), dtype=bool)
    for pattern in patterns:
        remaining = rows & ~found
        if not remaining.any():
            break
        positions, groups = _extract(text, pattern, remaining)
        for part, name in zip(parts, names, strict=True):
            part[positions] = _integers(pc.if_else(pc.equal(groups[name], ""), "0", groups[name]))
        found[positions] = True
    return (*parts, found)


def _is_calendar_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    valid_month = (month >= 1) & (month <= 12)
    start = _month_start(year, np.where(valid_month, month, 1))
    following = (start.astype("datetime64[M]") + 1).astype("datetime64[D]")
    return valid_month & (day >= 1) & (day <= (following - start).astype("int64"))


def _month_start(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    months = (year - 1970) * 12 + (month - 1)
    return months.astype("datetime64[M]").astype("datetime64[D]")


def _year_months(codes: np.ndarray, index: pd.Index) -> pd.Series:
    """``YYYY-MM`` from year*100+month codes (0 gives ""); each distinct code formatted once."""
    distinct, inverse = np.unique(codes, return_inverse=True)
    labels = pa.array(
        ["" if code == 0 else f"{code // 100:04d}-{code % 100:02d}" for code in distinct],
        pa.string(),
    )
    return _series(labels.take(pa.array(inverse)), index)


def _problems(index: pd.Index, *cases: tuple[np.ndarray, str]) -> pd.Series:
    """The first problem of each row that has one, indexed by those rows only."""
    if not any(mask.any() for mask, _ in cases):
        return pd.Series([], index=index[:0], dtype="str")
    problem = np.full(len(index), None, dtype=object)
    for mask, message in reversed(cases):
        problem[mask] = message
    bad = problem != None  # noqa: E711 - elementwise comparison
    return pd.Series(problem[bad], index=index[bad], dtype="str")
