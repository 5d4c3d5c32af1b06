"""The scorecard pages: the towns, a town's overview for one year and a village's years.

Every signed-in role sees the scorecards of its towns (the agency's 三资代理中心 too); an
inspector asking for another town's gets 404. Links to a village's open cases go to the queue,
for the roles that review cases.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from models.scorecard_status import CONDITION_LABELS, STATUS_LABELS
from review.queue_filter import QueueFilter
from review.scorecards_pages import (
    SORTS,
    records,
    sparkline_svg,
    status_dot,
    town_overview,
    year_bars_svg,
)
from review.scorecards_store import lines_in_force, read_scorecards, scorecard_towns
from review.web import AnyUser, StoreDep, render, templates

router = APIRouter()
templates.env.globals.update(status_dot=status_dot, sparkline_svg=sparkline_svg,
                             SCORECARD_STATUS=STATUS_LABELS)


def village_url(town: str, village: str) -> str:
    return "/scorecards/village?" + urlencode({"town": town, "village": village})


def open_cases_url(town: str, village: str) -> str:
    return "/queue?" + urlencode(QueueFilter(town=town, village=village).query_params())


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


templates.env.globals.update(scorecard_village_url=village_url,
                             scorecard_cases_url=open_cases_url, percent=percent)


@router.get("/scorecards", response_class=HTMLResponse)
def towns(request: Request, store: StoreDep, user: AnyUser) -> HTMLResponse:
    return render(request, "scorecards.html",
                  {"user": user, "towns": scorecard_towns(store, user=user)})


@router.get("/scorecards/town", response_class=HTMLResponse)
def town(request: Request, store: StoreDep, user: AnyUser, town: str = "",
         year: int | None = None, sort: str = "status", order: str = "") -> HTMLResponse:
    scorecards = read_scorecards(store, user=user, town=town)
    overview = town_overview(scorecards, town=town, year=year, sort=sort,
                             descending={"desc": True, "asc": False}.get(order))
    if overview is None:
        raise HTTPException(status_code=404)
    params = lines_in_force(store, run_id=str(scorecards["run_id"].iloc[-1]), town=town)

    def sort_url(key: str) -> str:
        flip = "asc" if overview.sort == key and overview.descending else "desc"
        if overview.sort != key:
            flip = "asc" if SORTS[key][1] else "desc"
        return "/scorecards/town?" + urlencode({"town": town, "year": overview.year,
                                                "sort": key, "order": flip})

    return render(request, "scorecard_town.html", {
        "user": user, "o": overview, "sorts": SORTS, "sort_url": sort_url, "params": params,
        "year_url": lambda year: "/scorecards/town?" + urlencode({"town": town, "year": year})})


@router.get("/scorecards/village", response_class=HTMLResponse)
def village(request: Request, store: StoreDep, user: AnyUser, town: str = "",
            village: str = "") -> HTMLResponse:
    scorecards = read_scorecards(store, user=user, town=town, village=village)
    if scorecards.empty:
        raise HTTPException(status_code=404)
    years = records(scorecards)
    params = lines_in_force(store, run_id=years[-1]["run_id"], town=town)
    line = params.income_line_fen()
    charts = {
        "income": year_bars_svg(years, "operating_income_fen", line=line, colour="status",
                                line_label=f"达线 {line / 1_000_000:,.0f} 万元"),
        "expense": year_bars_svg(years, "expense_fen", colour="#c0623b"),
        "admin": year_bars_svg(years, "admin_expense_fen", colour="#8a5a9f"),
        "debt": year_bars_svg(years, "debt_ratio", ratio=True, line=params.debt_warning_line,
                              line_label=f"警戒线 {params.debt_warning_line:.0%}"),
    }
    return render(request, "scorecard_village.html", {
        "user": user, "town": town, "village": village, "years": years, "latest": years[-1],
        "charts": charts, "params": params, "conditions": CONDITION_LABELS})
