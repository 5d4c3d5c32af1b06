"""The two village charts of accounts (会计科目表) as data, and how entries are matched to them.

Periods before 2024-01 use the 2004 chart (《村集体经济组织会计制度》, 财会〔2004〕12号), later
periods the 2023 chart (《农村集体经济组织会计制度》, 财会〔2023〕14号, in force from 2024-01-01);
the same code can mean different accounts in the two (2004's 211 应付工资 is 2023's 211 应付款,
2004's 502 经营支出 is 2023's 502 投资收益 …). The accounts live in ``village_2004.yaml`` and
``village_2023.yaml`` next to this module, each naming its document, issuer and official source
(``tests/checks/test_sources.py`` holds the source to the same allow-list as the rules' bases); a
county adds or removes first-level accounts through the ``charts`` parameters, never in code.
Sub-accounts extend a first-level code (its first three digits) as a prefix.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import MappingProxyType

import yaml

from checks.params import AuditParams, ChartOverride

CHART_KEYS: tuple[str, str] = ("2004", "2023")
NEW_CHART_FROM_PERIOD = "2024-01"
FIRST_LEVEL_DIGITS = 3
ROLES = frozenset(
    {
        "cash", "bank", "expense", "non_production", "works", "special_fund",
        "current_income", "distribution",
    }
)
# Separators between the levels of a sub-account name: 管理费用-办公费, 管理费用／办公费 …
_LEVEL_SEPARATORS = re.compile(r"[-—–_/\\:·]+")
_DATA_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Account:
    """One first-level account of a chart."""

    code: str
    name: str
    category: str
    side: str
    status: str = "confirmed"
    aliases: tuple[str, ...] = ()
    roles: frozenset[str] = frozenset()

    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class Chart:
    """A chart of accounts: its first-level accounts keyed by their three-digit code."""

    key: str
    title: str
    document: str
    applies: str
    issuer: str
    source: str
    accounts: Mapping[str, Account] = field(default_factory=dict)

    def codes_with_role(self, role: str) -> frozenset[str]:
        if role not in ROLES:
            raise KeyError(f"unknown account role {role!r}; known roles: {sorted(ROLES)}")
        return frozenset(code for code, account in self.accounts.items() if role in account.roles)

    def accepted_names(self, code: str) -> frozenset[str]:
        """The normalised names (name and aliases) that agree with a first-level code."""
        account = self.accounts.get(code)
        if account is None:
            return frozenset()
        return frozenset(normalise_account_name(name) for name in (account.name, *account.aliases))

    def codes_by_name(self) -> dict[str, str]:
        """Normalised first-level names and aliases → their code."""
        return {
            name: code for code in self.accounts for name in self.accepted_names(code)
        }

    def label(self) -> str:
        return f"{self.key} 年《{self.title}》（{self.document}）"

    def with_override(self, override: ChartOverride) -> Chart:
        """This chart with a county's added and removed first-level accounts."""
        unknown = [code for code in override.remove if code not in self.accounts]
        if unknown:
            raise ValueError(
                f"参数 charts.{self.key}.remove 中的科目 {', '.join(unknown)} 不在"
                f"{self.label()}科目表中"
            )
        accounts = {
            code: account for code, account in self.accounts.items() if code not in override.remove
        }
        for code, name in override.add.items():
            accounts[code] = Account(
                code=code, name=name, category="本县增设", side="", status="county"
            )
        return replace(self, accounts=MappingProxyType(accounts))


def _account(row: dict) -> Account:
    roles = frozenset(row.get("roles", ()))
    if not roles <= ROLES:
        raise ValueError(f"chart data: unknown roles {sorted(roles - ROLES)} for {row['code']}")
    return Account(
        code=str(row["code"]),
        name=row["name"],
        category=row["category"],
        side=row["side"],
        status=row.get("status", "confirmed"),
        aliases=tuple(row.get("aliases", ())),
        roles=roles,
    )


@cache
def packaged_chart(key: str) -> Chart:
    """One of the two charts as published (the 2023 codes marked unconfirmed, see its data
    file)."""
    if key not in CHART_KEYS:
        raise KeyError(f"no chart {key!r}; charts: {CHART_KEYS}")
    raw = yaml.safe_load((_DATA_DIR / f"village_{key}.yaml").read_text(encoding="utf-8"))
    accounts = {str(row["code"]): _account(row) for row in raw["accounts"]}
    return Chart(
        key=str(raw["key"]),
        title=raw["title"],
        document=raw["document"],
        applies=raw["applies"],
        issuer=raw["issuer"],
        source=raw["source"],
        accounts=MappingProxyType(accounts),
    )


def charts_in_force(params: AuditParams) -> dict[str, Chart]:
    """Both charts with the county's overrides applied, keyed "2004" and "2023"."""
    return charts_with(params.charts)


def charts_with(overrides: Mapping[str, ChartOverride]) -> dict[str, Chart]:
    """Both charts with the given overrides (``AuditParams.charts``) applied."""
    charts = {}
    for key in CHART_KEYS:
        chart = packaged_chart(key)
        override = overrides.get(key)
        charts[key] = chart.with_override(override) if override else chart
    return charts


def chart_key(period: str) -> str:
    """Which chart a period (``YYYY-MM``) is booked in."""
    return CHART_KEYS[0] if period < NEW_CHART_FROM_PERIOD else CHART_KEYS[1]


def normalise_account_name(name: str) -> str:
    """Width-folded (（）→ (), full-width space → space) and without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def name_levels(name: str) -> list[str]:
    """The levels of a sub-account name, "管理费用-办公费" → ["管理费用", "办公费"]."""
    return [part for part in _LEVEL_SEPARATORS.split(normalise_account_name(name)) if part]


@dataclass(frozen=True)
class NameCheck:
    """Judges account names against codes in one chart, knowing the other chart's names."""

    chart: Chart
    other: Chart

    def disagreement(self, code: str, name: str) -> str | None:
        """Why ``name`` does not fit ``code`` in this chart, or None when it fits or cannot
        be judged.

        A name disagrees when it is recognisably another first-level account: the first part
        of "一级-明细" names; a bare name on a first-level code; a bare name on a sub-account
        code only when it is another first-level account of the same chart (a bare sub-account
        name like "办公费" is fine, and "公益支出" under 2004's 其他支出 is a sub-account).
        """
        first_level = code[:FIRST_LEVEL_DIGITS]
        accepted = self.chart.accepted_names(first_level)
        levels = name_levels(name)
        if not accepted or not levels:
            return None
        if normalise_account_name(name) in accepted or levels[0] in accepted:
            return None
        same_chart = self.chart.codes_by_name()
        either_chart = {**self.other.codes_by_name(), **same_chart}
        compound = len(levels) > 1
        is_first_level_code = len(code) == FIRST_LEVEL_DIGITS
        names = either_chart if compound or is_first_level_code else same_chart
        meant = levels[0]
        if meant not in names:
            return None
        expected = self.chart.accounts[first_level]
        if meant in same_chart:
            elsewhere = f"“{meant}”在本制度中是 {same_chart[meant]}"
        else:
            elsewhere = f"“{meant}”是 {self.other.key} 年制度的科目 {either_chart[meant]}"
        return (
            f"科目 {code} 的名称“{name}”与编码不符：{self.chart.key} 年制度中 {first_level} 为"
            f"“{expected.name}”，{elsewhere}"
        )
