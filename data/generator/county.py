"""A made-up county: towns, villages, their cadres, tenants and the firms they deal with.

Under 村账镇管 each town's agency (代理记账中心) keeps the villages' books: a supervising
accountant (主管会计) reviews what the village's agency accountant (代理会计) prepares.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from data.generator.names import (
    distinct_names,
    firm_name,
    rare_person_name,
    town_names,
    village_names,
)

COUNTY = "青阳县"
COUNTY_CODE = "360726"
VILLAGES_PER_TOWN = 13  # towns hold about 8–20 villages
MAX_VILLAGES_PER_TOWN = 99  # two digits of the village's 单位编码

# (role, monthly pay range in yuan) of the village committee members paid from the books.
CADRE_ROLES = (
    ("书记", (3200, 4200)),
    ("主任", (3000, 3800)),
    ("报账员", (1800, 2400)),
    ("委员", (1500, 2000)),
    ("委员", (1500, 2000)),
)
# Land let by the collective: (kind, area range in 亩, market rent range in yuan per 亩 a year).
LAND_KINDS = (
    ("水田", (5, 60), (500, 800)),
    ("旱地", (5, 40), (300, 500)),
    ("鱼塘", (3, 20), (800, 1200)),
    ("果园", (10, 80), (400, 700)),
    ("山林", (50, 500), (30, 80)),
)
CROPS = ("水稻种植", "蔬菜种植", "茶叶", "水产养殖", "生猪养殖", "果蔬", "中药材种植")
CONTRACTOR_TRADES = (
    "建筑工程有限公司",
    "水利工程有限公司",
    "路桥工程有限公司",
    "园林绿化有限公司",
    "建筑安装有限公司",
)


@dataclass(frozen=True, slots=True)
class Cadre:
    role: str
    name: str
    monthly_pay_yuan: int


@dataclass(frozen=True, slots=True)
class Lease:
    """A contract letting collective land (发包/租赁) to a tenant."""

    tenant: str
    land: str
    area_tenths: int  # 亩 × 10
    yuan_per_mu: int
    half_yearly: bool

    @property
    def area_text(self) -> str:
        return f"{self.area_tenths // 10}.{self.area_tenths % 10}"

    def yearly_rent_fen(self, yuan_per_mu: int | None = None) -> int:
        return self.area_tenths * (yuan_per_mu or self.yuan_per_mu) * 10


@dataclass(frozen=True, slots=True)
class Town:
    index: int
    name: str
    code: str
    supervisor: str
    accountants: tuple[str, ...]
    contractors: tuple[str, ...]
    shops: dict[str, tuple[str, ...]]  # trade -> shop names
    power_station: str
    water_company: str
    finance_office: str
    bank: str

    @property
    def stem(self) -> str:
        return town_stem(self.name)


@dataclass(frozen=True, slots=True)
class Village:
    index: int
    position: int  # order within its town, from 0
    town: Town
    name: str
    org_code: str
    cadres: tuple[Cadre, ...]
    group_leaders: tuple[str, ...]
    villagers: tuple[str, ...]
    leases: tuple[Lease, ...]
    accountant: str
    backup_accountant: str

    @property
    def stem(self) -> str:
        return self.name.removesuffix("村")

    @property
    def full_name(self) -> str:
        return self.town.name + self.name


@dataclass(frozen=True, slots=True)
class County:
    towns: tuple[Town, ...]
    villages: tuple[Village, ...]


def town_stem(name: str) -> str:
    """A town's name without 镇/乡/街道."""
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def town_sizes(villages: int) -> list[int]:
    """Villages per town: about 13 each, at least two towns once there are four villages."""
    towns = max(1 if villages < 4 else 2, round(villages / VILLAGES_PER_TOWN))
    towns = max(towns, math.ceil(villages / MAX_VILLAGES_PER_TOWN))
    base, extra = divmod(villages, towns)
    return [base + (index < extra) for index in range(towns)]


def build_county(villages: int, seed: int) -> County:
    """A county with ``villages`` villages, the same for the same seed."""
    if villages < 1:
        raise ValueError("村的数量至少为 1")
    rng = random.Random(f"county/{seed}")
    sizes = town_sizes(villages)
    taken: set[str] = set()
    names_of_towns = town_names(rng, len(sizes))
    names_of_villages = iter(village_names(rng, villages))
    towns: list[Town] = []
    all_villages: list[Village] = []
    for town_index, (town_name, size) in enumerate(zip(names_of_towns, sizes, strict=True)):
        town = _town(rng, town_index, town_name, taken)
        towns.append(town)
        for position in range(size):
            all_villages.append(
                _village(rng, len(all_villages), position, town, next(names_of_villages), taken)
            )
    return County(towns=tuple(towns), villages=tuple(all_villages))


def _town(rng: random.Random, index: int, name: str, taken: set[str]) -> Town:
    staff = distinct_names(rng, 1 + rng.randint(2, 4), taken)
    stem = town_stem(name)
    contractors = [firm_name(rng, stem, rng.choice(CONTRACTOR_TRADES)) for _ in range(4)]
    contractors += [f"{builder}建筑队" for builder in distinct_names(rng, 2, taken)]
    shops = {
        "超市": (firm_name(rng, stem, "超市"), f"{stem}{rng.choice('万惠联华佳')}家乐超市"),
        "五金店": tuple(f"{owner}五金店" for owner in distinct_names(rng, 2, taken)),
        "文具店": (firm_name(rng, stem, "文具店"), f"{stem}新华文具店"),
        "加油站": (f"中国石化{stem}加油站",),
    }
    return Town(
        index=index,
        name=name,
        code=f"{COUNTY_CODE}{index + 1:03d}",
        supervisor=staff[0],
        accountants=tuple(staff[1:]),
        contractors=tuple(contractors),
        shops=shops,
        power_station=f"国网{COUNTY}供电公司{stem}供电所",
        water_company=f"{COUNTY}自来水公司",
        finance_office=f"{name}财政所",
        bank=f"{COUNTY}农商银行{stem}支行",
    )


def _village(
    rng: random.Random, index: int, position: int, town: Town, name: str, taken: set[str]
) -> Village:
    cadre_names = distinct_names(rng, len(CADRE_ROLES), taken)
    cadres = tuple(
        Cadre(role, person, rng.randint(*pay) // 50 * 50)
        for (role, pay), person in zip(CADRE_ROLES, cadre_names, strict=True)
    )
    group_leaders = tuple(distinct_names(rng, rng.randint(3, 7), taken))
    villagers = tuple(distinct_names(rng, 30, taken))
    # Every town has at least two agency accountants, so the backup differs.
    accountant = town.accountants[position % len(town.accountants)]
    backup = town.accountants[(position + 1) % len(town.accountants)]
    return Village(
        index=index,
        position=position,
        town=town,
        name=name,
        org_code=f"{town.code}{position + 1:02d}",
        cadres=cadres,
        group_leaders=group_leaders,
        villagers=villagers,
        leases=_leases(rng, name.removesuffix("村"), taken),
        accountant=accountant,
        backup_accountant=backup,
    )


def _leases(rng: random.Random, village_stem: str, taken: set[str]) -> tuple[Lease, ...]:
    tenants = distinct_names(rng, rng.randint(3, 8), taken)
    # One farmer's name carries a character that GBK lacks.
    rare = rare_person_name(rng)
    while rare in taken:
        rare = rare_person_name(rng)
    taken.add(rare)
    tenants[0] = rare
    tenants += [f"{village_stem}{crop}专业合作社" for crop in rng.sample(CROPS, rng.randint(1, 3))]
    tenants.append(f"{tenants[1]}家庭农场")
    leases = []
    for tenant in tenants:
        land, (area_low, area_high), (price_low, price_high) = rng.choice(LAND_KINDS)
        leases.append(
            Lease(
                tenant=tenant,
                land=land,
                area_tenths=rng.randint(area_low * 10, area_high * 10),
                yuan_per_mu=rng.randint(price_low, price_high) // 10 * 10,
                half_yearly=tenant.endswith("合作社"),
            )
        )
    return tuple(leases)
