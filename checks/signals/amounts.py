"""Amount tests: round sums and amounts just below a limit (90–99.99 %)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks import sources
from checks.context import CheckContext
from checks.prepared import per_group_sum
from checks.signals.signal import Signal, hits
from checks.wording import join, money, money_texts, voucher_labels


def _round_find(frame: pd.DataFrame, context: CheckContext) -> pd.DataFrame:
    settings = context.params.signals
    unit = int(settings.round_amount_unit * 100)
    least = int(settings.round_amount_min * 100)
    debit = frame["debit_fen"].to_numpy()
    spending = ~(frame["is_cash"].to_numpy() | frame["is_bank"].to_numpy())
    marked = np.flatnonzero(
        spending
        & (debit > 0)
        & (debit >= least)
        & (debit % unit == 0)
        & ~frame["closing_voucher"].to_numpy()
    )
    said = join("支出金额 ", money_texts(debit[marked]), f" 元为 {money(unit)} 元的整数倍")
    return hits(marked, said)


ROUND_AMOUNT = Signal(
    id="signal.round_amount",
    name="整数金额",
    description=(
        "借记库存现金、银行存款以外科目的金额不低于整数金额下限，且是整数金额单位的整数倍；"
        "年终结转凭证不计。"
    ),
    basis=(sources.FRAUD_STANDARD_ISA, sources.FRAUD_STANDARD_CHINA),
    find=_round_find,
    settings=("signals.round_amount_unit", "signals.round_amount_min"),
)


def _near(amount: np.ndarray, limit: np.ndarray, share: float) -> np.ndarray:
    return (amount > 0) & (amount < limit) & (amount >= np.ceil(limit * share))


def _near_find(frame: pd.DataFrame, context: CheckContext) -> pd.DataFrame:
    share = context.params.signals.near_threshold_share
    key = frame["voucher_key"].to_numpy()
    debit = frame["debit_fen"].to_numpy()
    credit = frame["credit_fen"].to_numpy()
    non_production = frame["is_non_production"].to_numpy()
    works_or_expense = frame["is_works"].to_numpy() | frame["is_expense"].to_numpy()
    organisation = frame["organisation"].to_numpy()
    checks = [
        (
            "对单位现金支付限额",
            False,
            frame["is_cash"].to_numpy() & organisation,
            credit,
            frame["cash_payment_ceiling_fen"].to_numpy(),
        ),
        (
            "非生产性开支审批限额",
            True,
            non_production & (debit > 0),
            per_group_sum(np.where(non_production, debit, 0), key),
            frame["approval_tier_fen"].to_numpy(),
        ),
        (
            "工程招标限额",
            True,
            works_or_expense & (debit > 0),
            per_group_sum(np.where(works_or_expense, debit, 0), key),
            frame["tender_line_fen"].to_numpy(),
        ),
    ]
    found = []
    for limit_name, per_voucher, eligible, amount, limit in checks:
        marked = np.flatnonzero(eligible & _near(amount, limit, share))
        shares = np.array([f"{value / line:.1%}" for value, line in
                           zip(amount[marked], limit[marked], strict=True)], dtype=object)
        said = join(
            "金额 ", money_texts(amount[marked]), f" 元为{limit_name} ",
            money_texts(limit[marked]), " 元的 ", shares,
        )
        if per_voucher:
            said = join("凭证 ", voucher_labels(frame.iloc[marked]), " ", said)
        found.append(hits(marked, said))
    return pd.concat(found, ignore_index=True)


NEAR_THRESHOLD = Signal(
    id="signal.near_threshold",
    name="接近限额",
    description=(
        "金额达到限额的接近比例以上但低于限额：对单位的现金支付对照现金支付限额；凭证的非生产性开支"
        "合计对照审批限额；凭证的工程和费用支出合计对照招标限额（后两者标记这些借方分录）。"
    ),
    basis=(sources.TENDERING, sources.CASH_SCOPE, sources.COLLECTIVE_FINANCE),
    find=_near_find,
    settings=("signals.near_threshold_share",),
    links=("counterparty",),
)
