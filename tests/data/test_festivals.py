"""The generator's festival days against the official calendar's days off (chinese-calendar)."""

from __future__ import annotations

from checks.signals.calendar import official_years
from data.generator.holidays import FESTIVALS, festivals


def test_each_festival_falls_in_the_days_off_named_for_it_in_every_year_both_have():
    years = sorted(set(FESTIVALS) & set(official_years()))
    assert years == list(range(2015, 2027))
    for year in years:
        days_off = official_years()[year].holidays
        for name, day in festivals(year):
            # 中秋 2020 fell on 国庆节's first day: the days off are named “国庆节、中秋节”
            assert name in days_off.get(day, ""), (year, name, day)
