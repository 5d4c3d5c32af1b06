"""The made-up county: towns of realistic size, distinct names, GB18030-only characters."""

from __future__ import annotations

import pytest

from data.generator.county import build_county, town_sizes
from data.generator.layouts.assignment import Layout, export_of
from data.generator.names import GB18030_ONLY_CHARACTERS


@pytest.mark.parametrize("villages", [300, 120, 40])
def test_towns_hold_eight_to_twenty_villages(villages: int) -> None:
    sizes = town_sizes(villages)
    assert sum(sizes) == villages
    assert all(8 <= size <= 20 for size in sizes)


def test_small_counties_still_have_two_towns() -> None:
    assert town_sizes(6) == [3, 3]
    assert town_sizes(1) == [1]


def test_names_are_distinct_and_some_need_gb18030() -> None:
    county = build_county(300, seed=7)
    assert len({village.name for village in county.villages}) == 300
    assert len({town.name for town in county.towns}) == len(county.towns)
    assert all(town.name.endswith(("镇", "乡", "街道")) for town in county.towns)
    codes = [village.org_code for village in county.villages]
    assert len(set(codes)) == 300 and all(len(code) == 11 and code.isdigit() for code in codes)
    for village in county.villages:
        assert not any(char in village.name for char in "镇乡街")
        rare = [lease.tenant for lease in village.leases
                if set(lease.tenant) & set(GB18030_ONLY_CHARACTERS)]
        assert len(rare) == 1
        with pytest.raises(UnicodeEncodeError):
            rare[0].encode("gbk")
        rare[0].encode("gb18030")


def test_people_are_never_mistaken_for_organisations() -> None:
    county = build_county(60, seed=7)
    people = {cadre.name for village in county.villages for cadre in village.cadres}
    people |= {name for village in county.villages for name in village.villagers}
    assert not any(name.endswith(("公司", "厂", "店", "超市", "合作社", "中心", "站", "所", "部",
                                  "社")) for name in people)


def test_most_villages_use_the_platform_layout() -> None:
    county = build_county(300, seed=7)
    layouts = [export_of(village).layout for village in county.villages]
    assert layouts.count(Layout.PLATFORM_CSV) > len(layouts) / 2
    assert layouts.count(Layout.WORKBOOK) > 20 and layouts.count(Layout.LEGACY_CSV) > 20


def test_same_seed_same_county() -> None:
    assert build_county(20, seed=1) == build_county(20, seed=1)
    assert build_county(20, seed=1) != build_county(20, seed=2)
