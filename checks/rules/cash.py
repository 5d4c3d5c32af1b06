"""Cash rules: paying organisations in cash, the day-end till, special funds paid out in cash.

Account 101 is cash in both charts (现金 in 2004, 库存现金 in 2023), so the till runs across
the 2024 switch without a break.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks import sources
from checks.context import CheckContext
from checks.prepared import dense_key, per_group_any, per_group_sum
from checks.rules.rule import Rule
from checks.wording import (
    date_texts,
    join,
    joined_per_group,
    money_texts,
    texts,
    voucher_labels,
)


def _ceiling_parts(frame: pd.DataFrame, context: CheckContext) -> tuple[np.ndarray, np.ndarray]:
    """Per row: a cash payment at or above the ceiling to an organisation / its voucher has one.

    The payee is the cash line's own counterparty; only when that is empty does an
    organisation named on another line of the voucher count.
    """
    key = frame["voucher_key"].to_numpy()
    organisation = frame["organisation"].to_numpy()
    unnamed = (frame["counterparty"].str.strip() == "").to_numpy()
    deposit = per_group_any(
        frame["is_bank"].to_numpy() & (frame["debit_fen"] > 0).to_numpy(), key
    )
    credit = frame["credit_fen"].to_numpy()
    paid = (
        frame["is_cash"].to_numpy()
        & (credit > 0)
        & (credit >= frame["cash_payment_ceiling_fen"].to_numpy())
    )
    to_organisation = organisation | (unnamed & per_group_any(organisation, key))
    breach_line = paid & to_organisation & ~deposit
    return breach_line, per_group_any(breach_line, key)


def _ceiling_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    return ~_ceiling_parts(frame, context)[1]


def _ceiling_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> np.ndarray:
    failing = frame.iloc[rows]
    breach_line, _ = _ceiling_parts(failing, context)
    organisation = failing["organisation"].to_numpy()
    voucher_payee = failing[organisation].groupby("voucher_key")["counterparty"].first()
    payments = failing[breach_line]
    named = payments["organisation"].to_numpy()
    payee = np.where(
        named,
        texts(payments["counterparty"]),
        texts(voucher_payee.reindex(payments["voucher_key"].to_numpy())),
    ).astype(object)
    paid = joined_per_group(
        payments["voucher_key"], join("“", payee, "”", money_texts(payments["credit_fen"]), " 元")
    )
    return join(
        "凭证 ", voucher_labels(failing), " 以现金向单位支付 ",
        texts(paid.reindex(failing["voucher_key"].to_numpy())),
        "，达到对单位单笔现金支付限额 ", money_texts(failing["cash_payment_ceiling_fen"]), " 元",
    )


CASH_PAYMENT_CEILING = Rule(
    id="cash.payment_ceiling",
    category="现金",
    severity="high",
    message="对单位现金支付超过限额",
    description=(
        "一笔库存现金（101）贷方金额达到对单位现金支付限额（≥），且收款方按名称可认定为单位"
        "（名称去掉末尾括号中的注释后以公司、厂、店、超市、合作社、中心、站、所、部、社等结尾，或按名称"
        "属餐饮、住宿、烟酒、礼品等类）；现金存入银行不算；标记整张凭证。"
    ),
    basis=(sources.CASH_SCOPE,),
    test=_ceiling_test,
    explain=_ceiling_explain,
    thresholds=("cash_payment_ceiling",),
    settings=("keywords.organisation_suffixes", "keywords.single_character_min_length",
              "keywords.counterparty_kinds"),
)


def day_end_cash(frame: pd.DataFrame, context: CheckContext) -> pd.DataFrame:
    """Each village's 101 balance at the end of each day cash moved, from its opening balance.

    Columns: village_key, day, balance_fen, limit_fen (the town's holding limit).
    """
    cash = np.flatnonzero(frame["is_cash"].to_numpy())
    village = frame["village_key"].to_numpy()[cash]
    day = frame["voucher_date"].to_numpy()[cash].astype("datetime64[D]")
    change = frame["debit_fen"].to_numpy()[cash] - frame["credit_fen"].to_numpy()[cash]
    village_day = dense_key(village, day.astype(np.int64))
    daily_change = np.zeros(village_day.max() + 1 if len(cash) else 0, dtype=np.int64)
    np.add.at(daily_change, village_day, change)
    # one row per village-day (its first cash line), in date order within each village
    first = np.flatnonzero(~pd.Series(village_day).duplicated().to_numpy())
    first = first[np.lexsort((day[first], village[first]))]
    daily_change = daily_change[village_day[first]]
    days_village = village[first]
    starts = np.flatnonzero(np.diff(days_village, prepend=-1) != 0)
    days_per_village = np.diff(np.append(starts, len(first)))
    villages = cash[first[starts]]  # a row of each village: only their names become objects
    opening = [
        context.params.opening_cash_fen(town, name)
        for town, name in zip(
            frame["town"].iloc[villages].to_numpy(),
            frame["village"].iloc[villages].to_numpy(),
            strict=True,
        )
    ]
    running = np.cumsum(daily_change)
    before = running[starts] - daily_change[starts] - np.asarray(opening, dtype=np.int64)
    return pd.DataFrame(
        {
            "village_key": days_village,
            "day": day[first].astype("datetime64[s]"),
            "balance_fen": running - np.repeat(before, days_per_village),
            "limit_fen": frame["cash_holding_limit_fen"].to_numpy()[cash][first],
        }
    )


def _days_marked(frame: pd.DataFrame, days: pd.DataFrame) -> np.ndarray:
    """Per row: its voucher moved cash on one of ``days`` (village_key, day) of its village."""
    if days.empty:
        return np.zeros(len(frame), dtype=bool)
    day_ids = dense_key(
        np.concatenate([days["village_key"].to_numpy(), frame["village_key"].to_numpy()]),
        np.concatenate(
            [days["day"].to_numpy(), frame["voucher_date"].to_numpy()]
        ).astype("datetime64[s]").astype(np.int64),
    )
    flagged_days = np.zeros(day_ids.max() + 1, dtype=bool)
    flagged_days[day_ids[: len(days)]] = True
    moved = frame["is_cash"].to_numpy() & flagged_days[day_ids[len(days):]]
    return per_group_any(moved, frame["voucher_key"].to_numpy())


def _holding_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    days = day_end_cash(frame, context)
    return ~_days_marked(frame, days[days["balance_fen"] > days["limit_fen"]])


def _negative_balance_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    days = day_end_cash(frame, context)
    return ~_days_marked(frame, days[days["balance_fen"] < 0])


def _day_texts(
    frame: pd.DataFrame, rows: np.ndarray, context: CheckContext, over_limit: bool
) -> np.ndarray:
    days = day_end_cash(frame, context)
    failing = frame.iloc[rows]
    moved = failing.loc[failing["is_cash"], ["voucher_key", "village_key", "voucher_date"]]
    moved = moved.drop_duplicates().rename(columns={"voucher_date": "day"})
    moved = moved.merge(days, on=["village_key", "day"], how="left")
    if over_limit:
        moved = moved[moved["balance_fen"] > moved["limit_fen"]]
        said = join(
            date_texts(moved["day"]), " 日终库存现金余额 ", money_texts(moved["balance_fen"]),
            " 元，超过库存现金限额 ", money_texts(moved["limit_fen"]), " 元",
        )
    else:
        moved = moved[moved["balance_fen"] < 0]
        said = join(
            date_texts(moved["day"]), " 日终库存现金余额为 ", money_texts(moved["balance_fen"]),
            " 元（红字），现金不足仍在支付",
        )
    per_voucher = joined_per_group(moved["voucher_key"], said, separator="；")
    return join(
        "凭证 ", voucher_labels(failing), " 当日收付现金；",
        texts(per_voucher.reindex(failing["voucher_key"].to_numpy())),
    )


CASH_HOLDING_LIMIT = Rule(
    id="cash.holding_limit",
    category="现金",
    severity="medium",
    message="库存现金超过限额",
    description=(
        "按村逐日累计库存现金（101）余额（从参数中的期初余额或 0 起算，"
        "跨 2024 年制度切换连续计算），某日日终余额超过库存现金限额；标记当日收付现金的凭证。"
    ),
    basis=(sources.CASH_LIMIT, sources.CASH_DISCIPLINE),
    test=_holding_test,
    explain=lambda frame, rows, context: _day_texts(frame, rows, context, over_limit=True),
    thresholds=("cash_holding_limit",),
    settings=("opening_cash",),
    links=("voucher_date",),
)

CASH_NEGATIVE_BALANCE = Rule(
    id="cash.negative_balance",
    category="现金",
    severity="high",
    message="库存现金出现红字（负数）余额",
    description=(
        "按村逐日累计库存现金（101）余额（从参数中的期初余额或 0 起算），某日日终余额小于 0，"
        "即账上没有现金却在支付（白条抵库或收入未入账）；标记当日收付现金的凭证。"
    ),
    basis=(sources.CASH_DISCIPLINE,),
    test=_negative_balance_test,
    explain=lambda frame, rows, context: _day_texts(frame, rows, context, over_limit=False),
    settings=("opening_cash",),
    links=("voucher_date",),
)


def _special_fund_parts(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    key = frame["voucher_key"].to_numpy()
    fund_debit = np.where(frame["is_special_fund"].to_numpy(), frame["debit_fen"].to_numpy(), 0)
    cash_credit = np.where(frame["is_cash"].to_numpy(), frame["credit_fen"].to_numpy(), 0)
    breach = per_group_any(fund_debit > 0, key) & per_group_any(cash_credit > 0, key)
    return breach, per_group_sum(fund_debit, key), per_group_sum(cash_credit, key)


def _special_fund_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    return ~_special_fund_parts(frame)[0]


def _special_fund_explain(
    frame: pd.DataFrame, rows: np.ndarray, context: CheckContext
) -> np.ndarray:
    failing = frame.iloc[rows]
    _, fund_debit, cash_credit = _special_fund_parts(failing)
    return join(
        "凭证 ", voucher_labels(failing), " 借记专项应付款 ", money_texts(fund_debit),
        " 元，同时贷记库存现金 ", money_texts(cash_credit), " 元：专项资金以现金支出",
    )


SPECIAL_FUND_CASH_PAYOUT = Rule(
    id="special_fund.cash_payout",
    category="专项资金",
    severity="high",
    message="专项资金以现金支出",
    description="同一张凭证借记专项应付款（241）并贷记库存现金（101）；标记整张凭证。",
    basis=(sources.SPECIAL_FUND, sources.CASH_SCOPE),
    test=_special_fund_test,
    explain=_special_fund_explain,
)
