"""China's official calendar: public holidays and make-up working days (调休), 2020–2026.

The dates are data (``china_holidays.yaml``), each year with the State Council notice it was
read in. Years outside the file are not covered: there only Saturdays and Sundays are rest days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

_DATA_FILE = Path(__file__).with_name("china_holidays.yaml")
WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


@dataclass(frozen=True)
class HolidayYear:
    """One year's official arrangement: holiday dates (with names) and make-up working days."""

    year: int
    notice: str
    sources: tuple[str, ...]
    holidays: dict[dt.date, str]
    workdays: frozenset[dt.date]


@cache
def official_years() -> dict[int, HolidayYear]:
    raw = yaml.safe_load(_DATA_FILE.read_text(encoding="utf-8"))
    years = {}
    for year, entry in raw.items():
        holidays: dict[dt.date, str] = {}
        for period in entry["holidays"]:
            day = period["from"]
            while day <= period["to"]:
                holidays[day] = period["name"]
                day += dt.timedelta(days=1)
        years[int(year)] = HolidayYear(
            year=int(year),
            notice=entry["notice"],
            sources=tuple(entry["sources"]),
            holidays=holidays,
            workdays=frozenset(entry["workdays"]),
        )
    return years


def covered_years() -> tuple[int, ...]:
    return tuple(sorted(official_years()))


@cache
def _all_holidays() -> tuple[dict[dt.date, str], frozenset[dt.date]]:
    """Holiday names and make-up working days of every covered year (a range may start in the
    year before its notice's year, like 元旦 2022-12-31)."""
    holidays: dict[dt.date, str] = {}
    workdays: set[dt.date] = set()
    for arrangement in official_years().values():
        holidays |= arrangement.holidays
        workdays |= arrangement.workdays
    return holidays, frozenset(workdays)


def day_kind(day: dt.date) -> str:
    """Why ``day`` is a rest day ("国庆节假期", "星期六"), or "" for a working day."""
    holidays, workdays = _all_holidays()
    if day in holidays:
        return f"{holidays[day]}假期"
    if day in workdays:
        return ""
    return WEEKDAY_NAMES[day.weekday()] if day.weekday() >= 5 else ""


def rest_days(dates: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per date: why it is a rest day as "2023-10-02 为国庆节假期" ("" for a working day),
    noting years the data does not cover; and whether it is a rest day."""
    codes, days = pd.factorize(dates, use_na_sentinel=False)
    covered = set(covered_years())
    texts = []
    # the days as datetime.date in one conversion: a Timestamp per day cost most of the loop
    for day in pd.DatetimeIndex(days).date:
        kind = "" if pd.isna(day) else day_kind(day)
        if not kind:
            texts.append("")
            continue
        note = "" if day.year in covered else "（该年节假日安排未收录，仅按周末判断）"
        texts.append(f"{day:%Y-%m-%d} 为{kind}{note}")
    per_day = np.array(texts, dtype=object)
    return per_day[codes], (per_day != "")[codes]
