"""China's official calendar: public holidays and make-up working days (调休).

The days come from the maintained ``chinese-calendar`` package, which has every year from 2004
to the latest the General Office of the State Council (国务院办公厅) has published and gets a
new release each November; they are named as the notices name them (清明节, 国庆节、中秋节).
Where the package departs from a notice, the notice is followed (:data:`NOTICE_READINGS`).
Years the installed package lacks come from ``china_holidays.yaml``, the notices this project
read itself, each with its page on www.gov.cn (a county may add next year's there before the
package has it); for every year both have, a test holds the two to the same days and names.
Years neither has are not covered: there only Saturdays and Sundays are rest days, and the
signals say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import chinese_calendar
import numpy as np
import pandas as pd
import yaml

_DATA_FILE = Path(__file__).with_name("china_holidays.yaml")
WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
# The package compiles the notices: its years cite them on the State Council's policy library
# (searched there by title), where each committed year cites its own notice's page.
PACKAGE_NOTICE = ("国务院办公厅每年发布的《国务院办公厅关于××××年部分节假日安排的通知》，"
                  "日期据 chinese-calendar 包收录")
PACKAGE_SOURCE = "https://www.gov.cn/zhengce/"
# The notices' words where the package's Chinese names are shorter.
_NOTICE_WORDS = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}
# Where the package departs from the notice, the notice's reading of the day: the name of its
# holiday, or None for a day that is no holiday.
NOTICE_READINGS: dict[dt.date, str | None] = {
    # 国办发明电〔2023〕7号：“元旦：1月1日放假，与周末连休” — the weekend before is no holiday
    dt.date(2023, 12, 30): None,
    dt.date(2023, 12, 31): None,
    # 国办发明电〔2019〕16号：“国庆节、中秋节：10月1日至8日放假调休” (中秋 fell on 10月1日)
    **{dt.date(2020, 10, day): "国庆节、中秋节" for day in range(1, 9)},
}


@dataclass(frozen=True)
class HolidayYear:
    """One year's official arrangement: holiday dates (with names) and make-up working days."""

    year: int
    notice: str
    sources: tuple[str, ...]
    holidays: dict[dt.date, str]
    workdays: frozenset[dt.date]


@cache
def committed_years() -> dict[int, HolidayYear]:
    """The years of ``china_holidays.yaml``, as the notices this project read give them."""
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


def package_days(readings: dict[dt.date, str | None]) -> tuple[dict[dt.date, str], set[dt.date]]:
    """The package's holidays, named as the notices name them (a break of several holidays by
    all of theirs, in the order they come), then read as ``readings`` say; and its make-up
    working days."""
    names = {day: chinese_calendar.Holiday(value).chinese
             for day, value in chinese_calendar.holidays.items()}
    named: dict[dt.date, str] = {}
    for days in _breaks(sorted(names)):
        words = dict.fromkeys(_NOTICE_WORDS.get(names[day], names[day]) for day in days)
        named |= dict.fromkeys(days, "、".join(words))
    for day, name in readings.items():
        if name is None:
            named.pop(day, None)
        else:
            named[day] = name
    return named, set(chinese_calendar.workdays)


def _breaks(days: list[dt.date]) -> list[list[dt.date]]:
    """Sorted ``days`` in runs of consecutive days."""
    runs: list[list[dt.date]] = []
    for day in days:
        if runs and day - runs[-1][-1] == dt.timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


@cache
def package_years() -> dict[int, HolidayYear]:
    """The package's years, as the notices read them: a break belongs to the year it ends in
    (元旦 may start on 31 December), a make-up working day for 元旦 in December to the next."""
    holidays, workdays = package_days(NOTICE_READINGS)
    years = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
    named: dict[int, dict[dt.date, str]] = {year: {} for year in years}
    for days in _breaks(sorted(holidays)):
        named.setdefault(days[-1].year, {}).update((day, holidays[day]) for day in days)
    new_year = chinese_calendar.Holiday.new_years_day.value
    worked: dict[int, set[dt.date]] = {year: set() for year in years}
    for day in workdays:
        toward = day.year + (day.month == 12 and chinese_calendar.workdays[day] == new_year)
        worked.setdefault(toward, set()).add(day)
    return {year: HolidayYear(year, PACKAGE_NOTICE, (PACKAGE_SOURCE,), named[year],
                              frozenset(worked[year])) for year in years}


def combined_years(package: dict[int, HolidayYear], committed: dict[int, HolidayYear]
                   ) -> dict[int, HolidayYear]:
    """The package's years, and the committed years it lacks. A year both have takes its days
    from the package and cites the committed notice (the same days:
    tests/checks/test_calendar.py)."""
    years = {year: replace(arrangement, notice=committed[year].notice,
                           sources=committed[year].sources) if year in committed else arrangement
             for year, arrangement in package.items()}
    years |= {year: arrangement for year, arrangement in committed.items() if year not in package}
    return dict(sorted(years.items()))


@cache
def official_years() -> dict[int, HolidayYear]:
    """Every covered year's arrangement (:func:`combined_years`)."""
    return combined_years(package_years(), committed_years())


def readings_text() -> str:
    """:data:`NOTICE_READINGS` for a reader: "2020-10-01 至 2020-10-08 为国庆节、中秋节假期；…"."""
    said = []
    for days in _breaks(sorted(NOTICE_READINGS)):
        for name in dict.fromkeys(NOTICE_READINGS[day] for day in days):
            same = [day for day in days if NOTICE_READINGS[day] == name]
            span = f"{same[0]}" + (f" 至 {same[-1]}" if len(same) > 1 else "")
            said.append(f"{span} {'不是节假日' if name is None else f'为{name}假期'}")
    return "；".join(said)


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
