"""Dates of the lunar festivals before which cadres' subsidies cluster (the
pattern cadre_subsidy, docs/evaluation.md).

The festival days themselves are lunar dates, which the chinese-calendar package the checks
take the days off from (checks/signals/calendar.py) does not hold, so they are listed here;
for every year the package has, tests/data/test_festivals.py checks each against its days off.
"""

from __future__ import annotations

import datetime as dt

# 春节, 端午, 中秋 in the Gregorian calendar.
FESTIVALS: dict[int, tuple[str, str, str]] = {
    2015: ("2015-02-19", "2015-06-20", "2015-09-27"),
    2016: ("2016-02-08", "2016-06-09", "2016-09-15"),
    2017: ("2017-01-28", "2017-05-30", "2017-10-04"),
    2018: ("2018-02-16", "2018-06-18", "2018-09-24"),
    2019: ("2019-02-05", "2019-06-07", "2019-09-13"),
    2020: ("2020-01-25", "2020-06-25", "2020-10-01"),
    2021: ("2021-02-12", "2021-06-14", "2021-09-21"),
    2022: ("2022-02-01", "2022-06-03", "2022-09-10"),
    2023: ("2023-01-22", "2023-06-22", "2023-09-29"),
    2024: ("2024-02-10", "2024-06-10", "2024-09-17"),
    2025: ("2025-01-29", "2025-05-31", "2025-10-06"),
    2026: ("2026-02-17", "2026-06-19", "2026-09-25"),
    2027: ("2027-02-06", "2027-06-09", "2027-09-15"),
    2028: ("2028-01-26", "2028-05-28", "2028-10-03"),
    2029: ("2029-02-13", "2029-06-16", "2029-09-22"),
    2030: ("2030-02-03", "2030-06-05", "2030-09-12"),
}
FESTIVAL_NAMES = ("春节", "端午", "中秋")
# An ordinary payment this close before a festival would look like a holiday hand-out.
QUIET_DAYS_BEFORE = 12


def festivals(year: int) -> list[tuple[str, dt.date]]:
    """The year's festivals as (name, date)."""
    if year not in FESTIVALS:
        raise ValueError(
            f"年度 {year} 不在节日表中（支持 {min(FESTIVALS)}–{max(FESTIVALS)} 年），"
            "请在 data/generator/holidays.py 中补充"
        )
    return [
        (name, dt.date.fromisoformat(day))
        for name, day in zip(FESTIVAL_NAMES, FESTIVALS[year], strict=True)
    ]


def away_from_festivals(day: dt.date) -> dt.date:
    """``day``, or the day after the festival when ``day`` falls just before one."""
    for _, festival in festivals(day.year):
        if dt.timedelta(0) <= festival - day <= dt.timedelta(days=QUIET_DAYS_BEFORE):
            return festival + dt.timedelta(days=1)
    return day
