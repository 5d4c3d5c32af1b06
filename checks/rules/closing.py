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

from checks import sources
from checks.context import CheckContext
from checks.prepared import CLOSING_WORD, per_group_any
from checks.rules.rule import Rule
from checks.wording import date_texts, each_distinct, join, joined_per_group, texts, voucher_labels

_YEAR_KEY = ["village_key", "year"]


def _year_id(village_key: np.ndarray, year: np.ndarray) -> np.ndarray:
    return village_key.astype(np.int64) * 10_000 + year.astype(np.int64)


def _closed_parts(frame: pd.DataFrame) -> pd.DataFrame:
    """Per row: dated after its village-year's close / numbered after it / after the town's
    close, with that year's last closing date, number and closing vouchers."""
    n_rows = len(frame)
    closing = frame.loc[frame["closing_voucher"].to_numpy()]
    closes = closing.groupby(_YEAR_KEY).agg(
        close_date=("voucher_date", "max"), close_number=("voucher_number", "max")
    )
    closes["vouchers"] = joined_per_group(
        _year_id(closing["village_key"].to_numpy(), closing["year"].to_numpy()),
        closing["voucher_no"],
    ).reindex(
        _year_id(closes.index.get_level_values(0).to_numpy(),
                 closes.index.get_level_values(1).to_numpy())
    ).to_numpy()
    close_ids = _year_id(
        closes.index.get_level_values(0).to_numpy(), closes.index.get_level_values(1).to_numpy()
    )
    reach = pd.Index(close_ids).get_indexer(
        _year_id(frame["village_key"].to_numpy(), frame["year"].to_numpy())
    )
    has_close = reach >= 0
    pick = np.maximum(reach, 0)
    if closes.empty:
        close_date = np.full(n_rows, np.datetime64("NaT"), dtype="datetime64[s]")
        close_number = np.zeros(n_rows, dtype=np.int64)
        vouchers = np.full(n_rows, "", dtype=object)
    else:
        close_date = closes["close_date"].to_numpy()[pick]
        close_number = closes["close_number"].to_numpy()[pick]
        vouchers = closes["vouchers"].to_numpy(dtype=object)[pick]
    key = frame["voucher_key"].to_numpy()
    december = frame["month"].to_numpy() == 12
    distribution = december & per_group_any(frame["is_distribution"].to_numpy(), key)
    ordinary = has_close & ~frame["closing_voucher"].to_numpy() & ~distribution
    dates = frame["voucher_date"].to_numpy()
    period_month = frame["year"].to_numpy() * 100 + frame["month"].to_numpy()
    closed_through = frame["closed_through_ym"].to_numpy()
    return pd.DataFrame(
        {
            "dated_after": ordinary & (dates > close_date),
            "numbered_after": ordinary
            & (frame["voucher_word"] == CLOSING_WORD).to_numpy()
            & december
            & (frame["voucher_number"].to_numpy() > close_number),
            "after_town_close": (closed_through > 0)
            & (period_month <= closed_through)
            & (dates > frame["close_date"].to_numpy()),
            "close_date": close_date,
            "close_number": close_number,
            "closing_vouchers": vouchers,
        },
        index=frame.index,
    )


def _closed_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    parts = _closed_parts(frame)
    return ~(parts["dated_after"] | parts["numbered_after"] | parts["after_town_close"]).to_numpy()


def _closed_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> np.ndarray:
    parts = _closed_parts(frame).iloc[rows]
    failing = frame.iloc[rows]
    labels = voucher_labels(failing)
    dates = date_texts(failing["voucher_date"])
    closed = join(
        texts(failing["village"]), texts(failing["year"]), " 年已于 ",
        date_texts(parts["close_date"]), " 年终结转（", texts(parts["closing_vouchers"]), "）",
    )
    through = texts(failing["closed_through_ym"])
    reasons = [
        np.where(
            parts["dated_after"],
            join(closed, "，凭证 ", labels, " 的日期 ", dates, " 在结转之后"),
            "",
        ),
        np.where(
            parts["numbered_after"],
            join(closed, "，凭证 ", labels, " 编号在最后一张结转凭证第 ",
                 texts(parts["close_number"]), " 号之后"),
            "",
        ),
        np.where(
            parts["after_town_close"],
            join(
                texts(failing["town"]), "已结账至 ", each_distinct(through, _period_text),
                "（结账日期 ", date_texts(failing["close_date"]), "），本分录属 ",
                texts(failing["period"]), " 期间，日期 ", dates, " 晚于结账日期",
            ),
            "",
        ),
    ]
    worded = reasons[0].astype(object)
    for reason in reasons[1:]:
        reason = reason.astype(object)
        both = (worded != "") & (reason != "")
        worded = join(worded, np.where(both, "；", "").astype(object), reason)
    return worded


def _period_text(year_month: str) -> str:
    return f"{year_month[:4]}-{year_month[4:]}"


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
    basis=(sources.YEAR_END_CLOSE, sources.PERIOD_CLOSING),
    test=_closed_test,
    explain=_closed_explain,
    thresholds=("closed_through", "closed_on"),
    settings=("keywords.closing_markers",),
)
