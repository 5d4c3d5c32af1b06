"""Postings into closed periods (结账后补记).

The export carries no entry timestamps, so a posting after the close is recognised from what the
books themselves say:

1. A village-year is closed by its year-end closing vouchers: word 转, in period 12, with 结转 in
   the 摘要 and a line on 本年收益 (321). A voucher of that village-year dated after the last
   closing voucher's date, or a 转 voucher of period 12 numbered after the last closing voucher,
   was posted after the close. Profit distribution (收益分配, 322) follows the close by design
   and is exempt.
2. Where a town's parameters name ``closed_through`` (the last closed period) and optionally
   ``closed_on`` (the close date, else that period's month end), an entry of a period up to
   ``closed_through`` dated after the close date was posted after the close.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.context import CheckContext
from checks.prepared import CLOSING_WORD, per_group_any
from checks.rules import sources
from checks.rules.rule import Rule
from checks.wording import voucher_label

_YEAR_KEY = ["village_key", "year"]


def _year_id(village_key: np.ndarray, year: np.ndarray) -> np.ndarray:
    return village_key.astype(np.int64) * 10_000 + year.astype(np.int64)


def _year_closes(frame: pd.DataFrame) -> pd.DataFrame:
    """Per village-year with closing vouchers: the last closing date and number."""
    columns = [*_YEAR_KEY, "voucher_date", "voucher_number"]
    closing = frame.loc[frame["closing_voucher"].to_numpy(), columns]
    return closing.groupby(_YEAR_KEY).agg(
        close_date=("voucher_date", "max"), close_number=("voucher_number", "max")
    )


def _closed_parts(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    """Per row: dated after its year's close / numbered after it / after the town's close."""
    closes = _year_closes(frame)
    n_rows = len(frame)
    dated_after = np.zeros(n_rows, dtype=bool)
    numbered_after = np.zeros(n_rows, dtype=bool)
    if not closes.empty:
        year_ids = _year_id(frame["village_key"].to_numpy(), frame["year"].to_numpy())
        close_ids = _year_id(
            closes.index.get_level_values(0).to_numpy(), closes.index.get_level_values(1).to_numpy()
        )
        reach = pd.Index(close_ids).get_indexer(year_ids)
        has_close = reach >= 0
        close_date = closes["close_date"].to_numpy()[np.maximum(reach, 0)]
        close_number = closes["close_number"].to_numpy()[np.maximum(reach, 0)]
        key = frame["voucher_key"].to_numpy()
        distribution = (frame["month"].to_numpy() == 12) & per_group_any(
            frame["is_distribution"].to_numpy(), key
        )
        ordinary = has_close & ~frame["closing_voucher"].to_numpy() & ~distribution
        dated_after = ordinary & (frame["voucher_date"].to_numpy() > close_date)
        numbered_after = (
            ordinary
            & (frame["voucher_word"] == CLOSING_WORD).to_numpy()
            & (frame["month"].to_numpy() == 12)
            & (frame["voucher_number"].to_numpy() > close_number)
        )
    period_month = frame["year"].to_numpy() * 100 + frame["month"].to_numpy()
    closed_through = frame["closed_through_ym"].to_numpy()
    after_town_close = (
        (closed_through > 0)
        & (period_month <= closed_through)
        & (frame["voucher_date"].to_numpy() > frame["close_date"].to_numpy())
    )
    return dated_after, numbered_after, after_town_close, closes


def _closed_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    dated_after, numbered_after, after_town_close, _ = _closed_parts(frame)
    return ~(dated_after | numbered_after | after_town_close)


def _closing_labels(frame: pd.DataFrame) -> pd.Series:
    """Per village-year: the closing vouchers as printed, "转-20、转-21"."""
    closing = frame[frame["closing_voucher"]].drop_duplicates("voucher_key")
    return closing.groupby(_YEAR_KEY)["voucher_no"].agg("、".join)


def _closed_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> list[str]:
    dated_after, numbered_after, after_town_close, closes = _closed_parts(frame)
    labels = _closing_labels(frame)
    texts = []
    for position in rows:
        row = frame.iloc[position]
        year_key = (row["village_key"], row["year"])
        reasons = []
        if dated_after[position] or numbered_after[position]:
            close = closes.loc[year_key]
            closed = (
                f"{row['village']}{row['year']} 年已于 {close['close_date']:%Y-%m-%d} 年终结转"
                f"（{labels[year_key]}）"
            )
            if dated_after[position]:
                reasons.append(
                    f"{closed}，凭证 {voucher_label(row)} 的日期 "
                    f"{row['voucher_date']:%Y-%m-%d} 在结转之后"
                )
            if numbered_after[position]:
                reasons.append(
                    f"{closed}，凭证 {voucher_label(row)} 编号在最后一张结转凭证"
                    f"第 {close['close_number']} 号之后"
                )
        if after_town_close[position]:
            through = str(row["closed_through_ym"])
            reasons.append(
                f"{row['town']}已结账至 {through[:4]}-{through[4:]}（结账日期 "
                f"{row['close_date']:%Y-%m-%d}），本分录属 {row['period']} 期间，日期 "
                f"{row['voucher_date']:%Y-%m-%d} 晚于结账日期"
            )
        texts.append("；".join(reasons))
    return texts


PERIOD_CLOSED = Rule(
    id="period.closed",
    category="结账",
    severity="high",
    message="结账后补记已结账期间",
    description=(
        "（1）村年度已有年终结转凭证（转字、12 月期间、摘要含“结转”并涉及本年收益 321）时，"
        "该年日期晚于最后一张结转凭证的凭证、或 12 月转字凭证中编号在最后一张结转凭证之后的凭证"
        "（收益分配 322 凭证除外）；（2）参数为乡镇设定已结账期间 closed_through 时，该期间及以前"
        "期间中日期晚于结账日期（closed_on，默认该期间月末）的分录。标记这些分录。"
    ),
    basis=(sources.YEAR_END_CLOSE, sources.MONTH_END),
    test=_closed_test,
    explain=_closed_explain,
    thresholds=("closed_through", "closed_on"),
    settings=("keywords.closing_markers",),
)
