"""What the scorecard pages show: a town's villages for one year (sortable, with their colour,
operating income and trend, and the share above the income line), a village's years, and the
inline SVG charts (no script, printable) — pure functions of the stored scorecards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from models.scorecard_status import STATUS_LABELS

COLOURS = {"red": "#c0392b", "yellow": "#e0a800", "green": "#3b8a4a"}
STATUS_ORDER = {"red": 0, "yellow": 1, "green": 2}
# The overview's sort keys: column → (label, ascending first).
SORTS = {
    "status": ("预警颜色", True), "village": ("村", True),
    "operating_income": ("经营性收入", False), "trend": ("同比", False),
    "income": ("收入合计", False), "debt_ratio": ("资产负债率", False),
    "open_cases": ("待复核案件", False),
}
_SORT_COLUMNS = {"status": "_order", "village": "village",
                 "operating_income": "operating_income_fen",
                 "trend": "operating_income_change_share", "income": "income_fen",
                 "debt_ratio": "debt_ratio", "open_cases": "open_cases"}


def _value(value: Any) -> Any:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with missing values as None (templates test ``is none``)."""
    return [{key: _value(value) for key, value in row.items()}
            for row in frame.to_dict("records")]


@dataclass(frozen=True)
class TownOverview:
    town: str
    year: int
    years: list[int]
    villages: list[dict[str, Any]]
    sort: str
    descending: bool
    n_villages: int
    n_above_line: int
    income_fen: int
    operating_income_fen: int
    by_status: dict[str, int]

    @property
    def above_line_share(self) -> float:
        return self.n_above_line / self.n_villages if self.n_villages else 0.0


def town_overview(scorecards: pd.DataFrame, *, town: str, year: int | None, sort: str,
                  descending: bool | None) -> TownOverview | None:
    """The town's villages in ``year`` (the latest when None or unknown), sorted by ``sort``
    (:data:`SORTS`; colour first by default), then by operating income, each with its
    years' operating income for the trend."""
    if scorecards.empty:
        return None
    years = sorted(int(item) for item in scorecards["year"].unique())
    year = year if year in years else years[-1]
    sort = sort if sort in SORTS else "status"
    descending = (not SORTS[sort][1]) if descending is None else descending
    rows = scorecards[scorecards["year"] == year].assign(
        _order=lambda frame: frame["status"].map(STATUS_ORDER))
    rows = rows.sort_values([_SORT_COLUMNS[sort], "operating_income_fen", "village"],
                            ascending=[not descending, False, True], na_position="last")
    series = {village: [(int(item.year), int(item.operating_income_fen))
                        for item in own.itertuples()]
              for village, own in scorecards[scorecards["year"] <= year].groupby("village")}
    villages = [{**row, "trend": series.get(row["village"], [])}
                for row in records(rows.drop(columns="_order"))]
    return TownOverview(
        town=town, year=year, years=years, villages=villages, sort=sort, descending=descending,
        n_villages=len(rows), n_above_line=int(rows["above_income_line"].astype(bool).sum()),
        income_fen=int(rows["income_fen"].sum()),
        operating_income_fen=int(rows["operating_income_fen"].sum()),
        by_status={status: int((rows["status"] == status).sum()) for status in STATUS_ORDER})


def status_dot(status: str) -> Markup:
    """The colour as a small filled circle with its name (inline SVG; no style needed)."""
    colour = COLOURS.get(status, "#999")
    label = STATUS_LABELS.get(status, status)
    return Markup(
        f'<svg class="dot" width="14" height="14" viewBox="0 0 14 14" role="img" '
        f'aria-label="{escape(label)}"><circle cx="7" cy="7" r="6" fill="{colour}"/></svg> '
        f"{escape(label)}")


def sparkline_svg(series: list[tuple[int, int]], *, width: int = 120, height: int = 28
                  ) -> Markup:
    """Operating income over the years as a small line with a dot per year."""
    if len(series) < 2:
        return Markup("")
    values = [value for _, value in series]
    low, high = min([*values, 0]), max(values) or 1
    span = (high - low) or 1
    step = (width - 8) / (len(series) - 1)
    points = [(4 + position * step, height - 4 - (value - low) / span * (height - 8))
              for position, value in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#2f6f9f"><title>{year} 年：'
        f"{value / 1_000_000:,.2f} 万元</title></circle>"
        for (x, y), (year, value) in zip(points, series, strict=True))
    return Markup(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="经营性收入走势"><polyline points="{path}" fill="none" '
        f'stroke="#2f6f9f" stroke-width="1.5"/>{dots}</svg>')


def year_bars_svg(years: list[dict[str, Any]], column: str, *, line: float | None = None,
                  line_label: str = "", ratio: bool = False, width: int = 640,
                  colour: str = "#2f6f9f") -> Markup:
    """One bar per year of ``column`` (fen, or a ratio when ``ratio``), coloured by the year's
    status where ``colour`` is "status", with an optional horizontal ``line`` (the income line
    or the debt warning line) and each bar's value written above it."""
    values = [(int(item["year"]), item.get(column)) for item in years]
    known = [value for _, value in values if value is not None]
    if not known:
        return Markup('<p class="muted">无数据</p>')
    height, bottom, top, left = 220, 28, 30, 12
    largest = max([*known, line or 0, 0]) or 1
    smallest = min([*known, 0])
    span = (largest - smallest) or 1
    plot = height - bottom - top
    base = top + plot * largest / span
    slot = (width - 2 * left) / len(values)
    bar = min(64.0, slot * 0.55)

    def y_of(value: float) -> float:
        return top + plot * (largest - value) / span

    def text(value: float) -> str:
        return f"{value * 100:.1f}%" if ratio else f"{value / 1_000_000:,.2f} 万"

    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{base:.1f}" x2="{width - left}" y2="{base:.1f}" '
             'stroke="#999"/>']
    for position, (year, value) in enumerate(values):
        x = left + position * slot + (slot - bar) / 2
        fill = (COLOURS.get(years[position]["status"], colour) if colour == "status"
                else colour)
        if value is not None:
            top_y = min(y_of(value), base)
            size = abs(base - y_of(value))
            parts.append(
                f'<rect x="{x:.1f}" y="{top_y:.1f}" width="{bar:.1f}" height="{size:.1f}" '
                f'fill="{fill}"><title>{year} 年：{escape(text(value))}</title></rect>'
                f'<text x="{x + bar / 2:.1f}" y="{top_y - 4:.1f}" text-anchor="middle" '
                f'font-size="11" fill="#333">{escape(text(value))}</text>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - 8}" text-anchor="middle" '
                     f'font-size="12" fill="#555">{year}</text>')
    if line is not None:
        parts.append(
            f'<line x1="{left}" y1="{y_of(line):.1f}" x2="{width - left}" y2="{y_of(line):.1f}" '
            f'stroke="#c0392b" stroke-dasharray="6 4"/><text x="{width - left}" '
            f'y="{y_of(line) - 5:.1f}" text-anchor="end" font-size="11" fill="#c0392b">'
            f"{escape(line_label)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))
