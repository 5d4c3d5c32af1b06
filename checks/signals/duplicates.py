"""Possible duplicate payments: the same payee paid the same amount again within a few days."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks import sources
from checks.context import CheckContext
from checks.signals.signal import Signal, hits
from checks.wording import money


def _duplicate_find(frame: pd.DataFrame, context: CheckContext) -> pd.DataFrame:
    window = context.params.signals.duplicate_window_days
    debit = frame["debit_fen"].to_numpy()
    payments = np.flatnonzero(
        (frame["is_expense"].to_numpy() | frame["is_works"].to_numpy())
        & (debit > 0)
        & (frame["counterparty"] != "").to_numpy()
    )
    village = frame["village_key"].to_numpy()[payments]
    payee = pd.factorize(frame["counterparty"].iloc[payments])[0]
    amount = debit[payments]
    days = frame["voucher_date"].to_numpy()[payments].astype("datetime64[D]").astype(np.int64)
    voucher = frame["voucher_key"].to_numpy()[payments]
    order = np.lexsort((days, amount, payee, village))
    rows, village, payee, amount, days, voucher = (
        array[order] for array in (payments, village, payee, amount, days, voucher)
    )
    # Consecutive payments of one (village, payee, amount) in date order, from two vouchers.
    pair = (
        (village[1:] == village[:-1])
        & (payee[1:] == payee[:-1])
        & (amount[1:] == amount[:-1])
        & (days[1:] - days[:-1] <= window)
        & (voucher[1:] != voucher[:-1])
    )
    pair_end = np.concatenate([[False], pair])
    pair_start = np.concatenate([pair, [False]])
    marked = np.flatnonzero(pair_start | pair_end)
    other = np.where(pair_end[marked], marked - 1, marked + 1)
    mine, theirs = rows[marked], rows[other]
    labels = (frame["period"].iloc[theirs] + " " + frame["voucher_no"].iloc[theirs]).to_numpy()
    printed_days = frame["voucher_date"].iloc[theirs].dt.strftime("%Y-%m-%d").to_numpy()
    details = [
        f"向“{name}”支付 {money(paid)} 元，与凭证 {label}（{day}）同一收款方、同一金额，"
        f"相隔 {apart} 天"
        for name, paid, label, day, apart in zip(
            frame["counterparty"].iloc[mine].to_numpy(), amount[marked], labels, printed_days,
            np.abs(days[marked] - days[other]), strict=True,
        )
    ]
    return hits(mine, details)


DUPLICATE_PAYMENT = Signal(
    id="signal.duplicate_payment",
    name="疑似重复支付",
    description=(
        "同一村向同一收款方支付同一金额（借记费用类或在建工程科目），两张不同凭证相隔不超过"
        "重复支付窗口天数；两笔都标记。"
    ),
    basis=(sources.JOURNAL_TESTING_AID, sources.VOUCHER_CONTENTS),
    find=_duplicate_find,
    settings=("signals.duplicate_window_days",),
    links=("counterparty",),
)
