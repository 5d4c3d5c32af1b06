"""Per-village summary: collective income, spending mix, findings by rule, as inline SVG bars.

Income is the gross credit of income accounts and spending the gross debit of expense
accounts: the year-end close debits income and credits expenses into 本年收益, so net
balances would show a closed year as zero. Income and expense accounts are the 损益 accounts of
the chart in force with a credit or debit normal side (:mod:`checks.charts`; 502 is 经营支出
in 2004 but 投资收益 in 2023).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa
from markupsafe import Markup, escape

from checks.charts import CHART_KEYS, chart_key, packaged_chart
from review.findings import STATUS_LABELS, entry_findings_query, rule_title_map
from review.formatting import format_yuan
from review.tables import cases, run_scope, village_accounts, village_contracts

if TYPE_CHECKING:
    from review.db import Store
    from review.users import User

CASE_LABELS = {"open": "未消除", "resolved": "已消除"}


def _profit_and_loss_accounts(side: str) -> dict[str, dict[str, str]]:
    """First-level 损益 accounts on one normal side, per chart: 贷 = income, 借 = spending."""
    return {
        key: {
            code: account.name
            for code, account in packaged_chart(key).accounts.items()
            if account.category == "损益" and account.side == side
        }
        for key in CHART_KEYS
    }


@dataclass(frozen=True)
class VillageSummary:
    town: str
    village: str
    periods: list[str]
    income_fen: int
    spending_fen: int
    income_mix: list[tuple[str, int]]
    spending_mix: list[tuple[str, int]]
    monthly: list[dict[str, Any]]
    findings_by_rule: list[tuple[str, int]]
    findings_by_status: list[tuple[str, int]]
    # per year of the 三资 contract register: contracts in force and expiring, rent due,
    # received and overdue (empty when the village's registers were never checked)
    contracts: list[dict[str, Any]] = field(default_factory=list)


def _classified(
    accounts: pd.DataFrame, names: dict[str, dict[str, str]], side: str
) -> pd.DataFrame:
    chart = accounts["period"].map(chart_key)
    label = [
        names[version].get(code)
        for version, code in zip(chart, accounts["account_code"], strict=True)
    ]
    picked = accounts.assign(label=label).dropna(subset=["label"])
    return picked.assign(amount=picked[side])


def summarise_accounts(accounts: pd.DataFrame) -> dict[str, Any]:
    """Income and spending totals, mixes and monthly series from ``village_accounts`` rows."""
    income = _classified(accounts, _profit_and_loss_accounts("贷"), "credit_fen")
    spending = _classified(accounts, _profit_and_loss_accounts("借"), "debit_fen")

    def mix(frame: pd.DataFrame) -> list[tuple[str, int]]:
        totals = frame.groupby("label")["amount"].sum().sort_values(ascending=False)
        return [(str(label), int(amount)) for label, amount in totals.items() if amount]

    periods = sorted(accounts["period"].unique())
    by_month = pd.DataFrame(
        {
            "income_fen": income.groupby("period")["amount"].sum(),
            "spending_fen": spending.groupby("period")["amount"].sum(),
        },
        index=periods,
    ).fillna(0)
    return {
        "periods": [str(period) for period in periods],
        "income_fen": int(income["amount"].sum()),
        "spending_fen": int(spending["amount"].sum()),
        "income_mix": mix(income),
        "spending_mix": mix(spending),
        "monthly": [
            {
                "period": str(period),
                "income_fen": int(row.income_fen),
                "spending_fen": int(row.spending_fen),
            }
            for period, row in by_month.iterrows()
        ],
    }


def village_summary(store: Store, *, user: User, town: str, village: str) -> VillageSummary | None:
    """The summary of one village the user may see, or None."""
    if not user.may_see_town(town):
        return None
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(village_accounts).where(
                village_accounts.c.town == town, village_accounts.c.village == village
            )
        ).all()
        if not rows:
            return None
        findings = conn.execute(
            entry_findings_query(user, town=town, village=village)
        ).all()
        titles = rule_title_map(conn)
        contracts = conn.execute(
            sa.select(village_contracts)
            .where(village_contracts.c.town == town, village_contracts.c.village == village)
            .order_by(village_contracts.c.year)
        ).all()
    accounts = pd.DataFrame([row._mapping for row in rows])
    by_rule: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for finding in findings:
        if finding.case_status == "open":
            for rule_id in json.loads(finding.rule_ids):
                by_rule[rule_id] = by_rule.get(rule_id, 0) + 1
        # the agency sees whether findings are still open, never what inspectors decided
        label = (
            STATUS_LABELS[finding.review_status]
            if user.sees_dispositions
            else CASE_LABELS[finding.case_status]
        )
        by_status[label] = by_status.get(label, 0) + 1
    return VillageSummary(
        town=town,
        village=village,
        **summarise_accounts(accounts),
        findings_by_rule=sorted(
            ((titles.get(rule_id, rule_id), count) for rule_id, count in by_rule.items()),
            key=lambda item: -item[1],
        ),
        findings_by_status=sorted(by_status.items(), key=lambda item: -item[1]),
        contracts=[dict(row._mapping) for row in contracts],
    )


def visible_villages(store: Store, *, user: User) -> list[dict[str, Any]]:
    """Villages any run loaded, in the user's towns, with their period range and open findings."""
    visible = [] if user.sees_all_towns else [run_scope.c.town.in_(user.towns)]
    with store.engine.connect() as conn:
        villages = conn.execute(
            sa.select(
                run_scope.c.town,
                run_scope.c.village,
                sa.func.min(run_scope.c.period).label("first_period"),
                sa.func.max(run_scope.c.period).label("last_period"),
            )
            .where(*visible)
            .group_by(run_scope.c.town, run_scope.c.village)
            .order_by(run_scope.c.town, run_scope.c.village)
        ).all()
        open_counts = {
            (row.town, row.village): row.n
            for row in conn.execute(
                sa.select(cases.c.town, cases.c.village, sa.func.count().label("n"))
                .where(cases.c.status == "open")
                .group_by(cases.c.town, cases.c.village)
            )
        }
    return [
        {**row._mapping, "open_findings": open_counts.get((row.town, row.village), 0)}
        for row in villages
    ]


def bar_chart_svg(
    items: list[tuple[str, int]],
    *,
    unit_fen: bool = True,
    width: int = 640,
    colour: str = "#2f6f9f",
) -> Markup:
    """A horizontal bar chart as inline SVG (no script, no external file)."""
    if not items:
        return Markup('<p class="muted">无数据</p>')
    label_width, bar_height, gap = 150, 22, 8
    largest = max(value for _, value in items) or 1
    bar_space = width - label_width - 130
    height = len(items) * (bar_height + gap) + gap
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for position, (label, value) in enumerate(items):
        top = gap + position * (bar_height + gap)
        length = max(1, round(bar_space * value / largest)) if value > 0 else 0
        text = format_yuan(value) if unit_fen else f"{value:,}"
        parts.append(
            f'<text x="{label_width - 8}" y="{top + 16}" text-anchor="end" font-size="13" '
            f'fill="#333">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{top}" width="{length}" height="{bar_height}" '
            f'fill="{colour}" rx="2"><title>{escape(label)}：{escape(text)}</title></rect>'
            f'<text x="{label_width + length + 6}" y="{top + 16}" font-size="12" '
            f'fill="#333">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def monthly_chart_svg(monthly: list[dict[str, Any]], *, width: int = 960) -> Markup:
    """Income and spending per month as paired vertical bars, inline SVG, with a baseline and
    the tallest bar's value as the scale; month labels thin out when months are many."""
    if not monthly:
        return Markup('<p class="muted">无数据</p>')
    height, bottom, top, left = 230, 30, 24, 10
    largest = max(max(item["income_fen"], item["spending_fen"]) for item in monthly) or 1
    slot = (width - left * 2) / len(monthly)
    bar = min(28.0, max(2.0, slot * 0.35))
    label_every = max(1, math.ceil(48 / slot))
    plot = height - bottom - top
    base = height - bottom
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{left}" y="14" font-size="11" fill="#555">最高 {escape(format_yuan(largest))} 元'
        "</text>",
        f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}" stroke="#999"/>',
    ]
    for position, item in enumerate(monthly):
        x = left + position * slot + slot / 2 - bar
        for offset, key, colour, label in (
            (0, "income_fen", "#3b8a4a", "收入"),
            (bar, "spending_fen", "#c0623b", "支出"),
        ):
            size = plot * max(item[key], 0) / largest
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{base - size:.1f}" width="{bar:.1f}" '
                f'height="{size:.1f}" fill="{colour}"><title>{escape(item["period"])} {label}：'
                f"{escape(format_yuan(item[key]))}</title></rect>"
            )
        if position % label_every == 0:
            parts.append(
                f'<text x="{x + bar:.1f}" y="{height - 10}" text-anchor="middle" font-size="11" '
                f'fill="#555">{escape(item["period"])}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
