"""The three-colour warning (三色预警) of the village scorecards: each condition a function of
the indicator rows returning, per row, whether it holds and why (in Chinese); the colour is
the worst of the conditions the town's parameters name (``red_when``, ``yellow_when``).

The indicators are computed once (models/scorecards.py); the lines and the choice of colours
are applied here and can change without recomputing them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from checks.scorecard_params import ScorecardParams

RED, YELLOW, GREEN = "red", "yellow", "green"
STATUS_LABELS = {RED: "红色", YELLOW: "黄色", GREEN: "绿色"}
CONDITION_LABELS = {
    "confirmed_breach": "有经复核属实的违规案件", "debt_over_line": "资产负债率达到警戒线",
    "income_below_line": "经营性收入低于达线标准", "income_falling": "经营性收入连续下降",
    "rent_overdue": "租金逾期未收", "open_rule_cases": "有待复核的案件",
}
# Checked: a condition is met where the mask holds; the reason says so for that row.
Check = tuple[np.ndarray, pd.Series]


def _wan(fen: pd.Series | float) -> pd.Series | str:
    """Fen as 万元 with two decimals, as the township's summary writes money."""
    if isinstance(fen, pd.Series):
        return (fen.astype("float64") / 1_000_000).map("{:,.2f} 万元".format)
    return f"{fen / 1_000_000:,.2f} 万元"


def _yuan(fen: pd.Series) -> pd.Series:
    return (fen.fillna(0).astype("int64") / 100).map("{:,.2f}".format)


def _percent(share: pd.Series | float) -> pd.Series | str:
    if isinstance(share, pd.Series):
        return (share * 100).map("{:.1f}%".format)
    return f"{share * 100:.0f}%"


def confirmed_breach(rows: pd.DataFrame, params: ScorecardParams) -> Check:
    """经复核属实的违规：a case of the year decided 属实."""
    met = rows["confirmed_cases"].to_numpy() > 0
    return met, "有 " + rows["confirmed_cases"].astype(str) + " 件经复核属实的违规案件"


def debt_over_line(rows: pd.DataFrame, params: ScorecardParams) -> Check:
    """资产负债率超过警戒线."""
    ratio = rows["debt_ratio"]
    met = (ratio >= params.debt_warning_line).fillna(False).to_numpy(dtype=bool)
    return met, ("资产负债率 " + _percent(ratio.fillna(0)) + "，达到警戒线 "
                 + _percent(params.debt_warning_line))


def income_below_line(rows: pd.DataFrame, params: ScorecardParams) -> Check:
    """经营性收入低于达线标准."""
    income = rows["operating_income_fen"]
    met = (income < params.income_line_fen()).to_numpy()
    return met, ("经营性收入 " + _wan(income) + "，低于 " + _wan(params.income_line_fen()))


def income_falling(rows: pd.DataFrame, params: ScorecardParams) -> Check:
    """经营性收入连续下降：it fell against the previous year in each of the last
    ``falling_years`` years (years in a row in the books)."""
    fell = (rows["operating_income_change_fen"] < 0).fillna(False).astype("int64")
    runs = fell.groupby([rows["town"], rows["village"]]).transform(
        lambda flags: flags.groupby((flags == 0).cumsum()).cumsum())
    met = (runs >= params.falling_years).to_numpy()
    return met, pd.Series(f"经营性收入连续 {params.falling_years} 年下降", index=rows.index)


def rent_overdue(rows: pd.DataFrame, params: ScorecardParams) -> Check:
    """租金逾期：of the rent due in the year (三资 contract register), more than
    ``rent_overdue_share`` not received."""
    due = rows["rent_due_fen"].astype("Float64")
    unpaid = (due - rows["rent_received_fen"].astype("Float64")).clip(lower=0)
    met = ((due > 0) & (unpaid > due * params.rent_overdue_share)).fillna(False)
    reason = ("应收租金 " + _yuan(due) + " 元，未收 "
              + _yuan(unpaid) + " 元")
    return met.to_numpy(dtype=bool), reason


def open_rule_cases(rows: pd.DataFrame, params: ScorecardParams) -> Check:
    """尚待复核的案件：cases of the year awaiting an inspector's decision."""
    met = rows["open_cases"].to_numpy() > 0
    return met, "有 " + rows["open_cases"].astype(str) + " 件案件待复核"


CONDITIONS: dict[str, Callable[[pd.DataFrame, ScorecardParams], Check]] = {
    "confirmed_breach": confirmed_breach, "debt_over_line": debt_over_line,
    "income_below_line": income_below_line, "income_falling": income_falling,
    "rent_overdue": rent_overdue, "open_rule_cases": open_rule_cases,
}


def coloured(rows: pd.DataFrame, params: ScorecardParams) -> pd.DataFrame:
    """The indicator rows with ``above_income_line``, ``status`` (red / yellow / green) and
    ``status_reasons`` (the conditions met, red ones first, joined by "；"), each town by its
    own parameters. ``rows`` needs the indicators and year-on-year changes, sorted by
    village and year. A new frame."""
    status = pd.Series(GREEN, index=rows.index, dtype="object")
    reasons = pd.Series("", index=rows.index, dtype="object")
    above = pd.Series(False, index=rows.index, dtype="bool")
    for town, own in rows.groupby("town", sort=False):
        town_params = params.for_town(str(town))
        above[own.index] = own["operating_income_fen"] >= town_params.income_line_fen()
        for colour, names in ((RED, town_params.red_when), (YELLOW, town_params.yellow_when)):
            for name in names:
                met, reason = CONDITIONS[name](own, town_params)
                hit = own.index[met]
                reasons[hit] = reasons[hit].where(reasons[hit] == "", reasons[hit] + "；") + (
                    reason[met].to_numpy())
                worse = status[hit] == GREEN if colour == YELLOW else np.ones(len(hit), bool)
                status[hit[np.asarray(worse)]] = colour
    return rows.assign(above_income_line=above, status=status, status_reasons=reasons)
