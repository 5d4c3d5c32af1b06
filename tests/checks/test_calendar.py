"""The official calendar: the chinese-calendar package for the years it has, the committed
notices for the years it lacks, and the two the same day for day wherever both have a year."""

from __future__ import annotations

import datetime as dt

import chinese_calendar

from checks.signals.calendar import (
    NOTICE_READINGS,
    HolidayYear,
    combined_years,
    committed_years,
    covered_years,
    day_kind,
    official_years,
    package_days,
    package_years,
)


def test_the_package_and_the_committed_notices_agree_on_every_year_both_have():
    both = sorted(set(package_years()) & set(committed_years()))
    assert both == list(range(2020, 2027))  # chinese-calendar 1.11 has 2004–2026
    for year in both:
        package, committed = package_years()[year], committed_years()[year]
        assert package.holidays == committed.holidays, year
        assert package.workdays == committed.workdays, year


def test_the_package_differs_from_the_notices_only_where_it_is_read_as_they_say():
    """Without :data:`NOTICE_READINGS` the package names the days of 2020's 国庆节、中秋节
    as 国庆节 only (中秋 fell on 1 October), and counts the weekend before 2024's 元旦 (“1月1日
    放假，与周末连休”, 国办发明电〔2023〕7号) as 元旦. A package that mends either, or departs
    anywhere else, fails here: then the readings are brought up to date."""
    raw, _ = package_days({})
    committed: dict[dt.date, str] = {}
    for arrangement in committed_years().values():
        committed |= arrangement.holidays
    first, last = min(committed), max(committed)
    differing = {day for day in raw.keys() | committed.keys()
                 if first <= day <= last and raw.get(day) != committed.get(day)}
    assert differing == set(NOTICE_READINGS)
    assert {raw[day] for day in NOTICE_READINGS} == {"元旦", "国庆节"}


def test_years_the_package_lacks_come_from_the_committed_notices():
    next_year = HolidayYear(2027, "国务院办公厅关于2027年部分节假日安排的通知", ("https://example.org",),
                            {dt.date(2027, 1, 1): "元旦"}, frozenset({dt.date(2027, 1, 3)}))
    years = combined_years(package_years(), {**committed_years(), 2027: next_year})
    assert years[2027] is next_year
    assert years[2026].holidays == package_years()[2026].holidays
    assert years[2026].notice == committed_years()[2026].notice  # the notice read, cited
    assert years[2010].notice.endswith("chinese-calendar 包收录")


def test_the_calendar_covers_the_packages_years_with_weekend_workdays():
    assert covered_years() == tuple(range(2004, max(chinese_calendar.holidays).year + 1))
    for arrangement in official_years().values():
        assert arrangement.sources and arrangement.notice
        assert all(day.weekday() >= 5 for day in arrangement.workdays)
    spring_2025 = [day for day, name in official_years()[2025].holidays.items() if name == "春节"]
    assert len(spring_2025) == 8
    assert day_kind(dt.date(2026, 2, 23)) == "春节假期"
    assert day_kind(dt.date(2026, 2, 28)) == ""  # worked (调休上班)
    assert day_kind(dt.date(2023, 12, 31)) == "星期日"  # as the notice reads it
    assert day_kind(dt.date(2020, 10, 8)) == "国庆节、中秋节假期"
    assert day_kind(dt.date(2023, 10, 2)) == "中秋节、国庆节假期"
    assert day_kind(dt.date(2010, 2, 13)) == "春节假期"  # a Saturday, before the notices read here
    assert day_kind(dt.date(2022, 12, 31)) == "元旦假期"  # 2023's 元旦 began in 2022
    assert dt.date(2022, 12, 31) in official_years()[2023].holidays
