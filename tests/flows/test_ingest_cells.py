"""The vectorised cell parsers: each shape that must parse, and each that must be reported."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.ingest.cells import (
    fold_width,
    parse_amounts,
    parse_counts,
    parse_dates,
    parse_directions,
    parse_periods,
    parse_voucher_numbers,
    period_of,
)
from flows.ingest.conventions import conventions


def _text(*values: str) -> pd.Series:
    return fold_width(pd.Series(list(values), dtype="str"))


@pytest.mark.parametrize(
    "cell", ["2023-01-05", "2023年1月5日", "2023/1/5", "20230105", "44931", "2023-01-05 10:30:00",
             "２０２３－０１－０５", "2023.1.5"]
)
def test_date_shapes_parse_to_the_same_day(cell: str) -> None:
    parsed = parse_dates(_text(cell))
    assert parsed.values.iloc[0] == pd.Timestamp("2023-01-05")
    assert parsed.values.dtype == "datetime64[s]"
    assert parsed.problems.empty


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("2023-02-30", "不是真实存在的日期"),
        ("2023年9月31日", "不是真实存在的日期"),
        ("2019-02-29", "不是真实存在的日期"),
        ("2023-13-01", "不是真实存在的日期"),
        ("5/1/2023", "不是可识别的日期"),
        ("0023-01-05", "年份不在"),
    ],
)
def test_impossible_or_unreadable_dates_are_problems_not_guesses(cell: str, problem: str) -> None:
    parsed = parse_dates(_text("2024-02-29", cell))
    assert parsed.values.iloc[0] == pd.Timestamp("2024-02-29")
    assert pd.isna(parsed.values.iloc[1])
    assert list(parsed.problems.index) == [1]
    assert parsed.problems.iloc[0].startswith(problem)


def test_empty_date_is_missing_not_a_problem() -> None:
    parsed = parse_dates(_text(""))
    assert pd.isna(parsed.values.iloc[0]) and parsed.problems.empty


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        ("1200", 120000),
        ("1200.5", 120050),
        ("1,200.00", 120000),
        ("1，234，567.89", 123456789),
        ("１２００．０１", 120001),
        ("-1,200.00", -120000),
        ("0.07", 7),
        ("1200.000", 120000),
        ("(1,200.00)", -120000),
        ("（1,200.00）", -120000),
        ("1,200.00-", -120000),
        ("¥1,200.00", 120000),
        ("￥-5", -500),
        ("+5", 500),
        ("12.", 1200),
        ("1,200.50元", 120050),
    ],
)
def test_amounts_are_exact_fen(cell: str, fen: int) -> None:
    parsed = parse_amounts(_text(cell))
    assert parsed.values.iloc[0] == fen
    assert parsed.problems.empty


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("12,3a4.00", "不是有效金额"),
        ("12,34.00", "不是有效金额"),
        ("1.234", "超过两位小数"),
        ("0.30000000000000004", "超过两位小数"),
        ("1234567890123456", "金额过大"),
        ("(1,200.00", "不是有效金额"),
        ("-(5.00)", "不是有效金额"),
        ("-5-", "不是有效金额"),
        ("1-2", "不是有效金额"),
    ],
)
def test_unreadable_amounts_are_problems(cell: str, problem: str) -> None:
    parsed = parse_amounts(_text("5.00", cell))
    assert parsed.values.iloc[0] == 500
    assert pd.isna(parsed.values.iloc[1])
    assert parsed.problems.loc[1].startswith(problem)


@pytest.mark.parametrize(
    ("cell", "word", "number"),
    [
        ("12", "", 12),
        ("记-12", "记", 12),
        ("记字第12号", "记", 12),
        ("收-3", "收", 3),
        ("现付-7", "现付", 7),
        ("第0012号", "", 12),
        ("记－１２", "记", 12),
    ],
)
def test_voucher_numbers_split_into_word_and_number(cell: str, word: str, number: int) -> None:
    parsed = parse_voucher_numbers(_text(cell))
    assert parsed.word.iloc[0] == word
    assert parsed.number.iloc[0] == number
    assert parsed.problems.empty


def test_unreadable_voucher_number_is_a_problem() -> None:
    parsed = parse_voucher_numbers(_text("记-1", "记-一"))
    assert list(parsed.problems.index) == [1]
    assert pd.isna(parsed.number.iloc[1])


@pytest.mark.parametrize("cell", ["2023-11", "2023年11月", "202311", "2023/11"])
def test_period_shapes(cell: str) -> None:
    parsed = parse_periods(_text(cell))
    assert (parsed.year[0], parsed.month[0]) == (2023, 11)
    assert parsed.problems.empty


@pytest.mark.parametrize(
    ("cell", "year", "month"),
    [("8", 0, 8), ("8.0", 0, 8), ("3.00000", 0, 3), ("第8期", 0, 8), ("08", 0, 8),
     ("2023.08", 2023, 8), ("2023年第8期", 2023, 8), ("2023年8期", 2023, 8)],
)
def test_periods_written_as_a_month_or_a_numbered_period(cell: str, year: int, month: int
                                                        ) -> None:
    parsed = parse_periods(_text(cell))
    assert (parsed.year[0], parsed.month[0]) == (year, month)
    assert parsed.problems.empty


def test_bad_period_is_a_problem() -> None:
    parsed = parse_periods(_text("2023-11", "2023-13", "23-11"))
    assert list(parsed.problems.index) == [1, 2]


def test_period_of_dates() -> None:
    dates = parse_dates(_text("2023-01-31", "", "2024-12-01")).values
    assert period_of(dates).tolist() == ["2023-01", "", "2024-12"]


def test_counts_and_directions() -> None:
    counts = parse_counts(_text("1", "0", "a", "", "2.0", "3张"), minimum=1)
    assert counts.values.iloc[0] == 1 and list(counts.problems.index) == [1, 2]
    assert counts.values.iloc[4:].tolist() == [2, 3]
    rules = conventions()
    directions = parse_directions(_text("借", "贷方", "出", "1", "0", "-1", "D", "C"),
                                  rules.debit_words, rules.credit_words)
    assert directions.values.tolist() == ["借", "贷", "", "借", "贷", "贷", "借", "贷"]
    assert list(directions.problems.index) == [2]
