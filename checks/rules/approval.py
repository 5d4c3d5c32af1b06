"""Approval rules: villagers' decisions for large non-production spending, contracts for works,
and payments split to stay under the tender line (拆分规避招标).

Amounts are per voucher (one transaction): the net debit (debits less credits) of its lines on
the accounts concerned, so a payment spread over several lines of one voucher is counted whole
and a refund or red-ink line reduces it. Decision and contract numbers count when any line of the
voucher carries them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks import sources
from checks.context import CheckContext
from checks.prepared import dense_key, per_group_any, per_group_sum
from checks.rules.rule import Rule
from checks.wording import (
    account_labels,
    date_texts,
    join,
    joined_per_group,
    money,
    money_texts,
    texts,
    voucher_labels,
)


def _voucher_debits(frame: pd.DataFrame, accounts: np.ndarray) -> np.ndarray:
    """Per row: its voucher's net debit to the accounts selected by ``accounts``."""
    net = frame["debit_fen"].to_numpy() - frame["credit_fen"].to_numpy()
    return per_group_sum(np.where(accounts, net, 0), frame["voucher_key"].to_numpy())


def _voucher_has(frame: pd.DataFrame, column: str) -> np.ndarray:
    return per_group_any((frame[column] != "").to_numpy(), frame["voucher_key"].to_numpy())


def _account_list(lines: pd.DataFrame, context: CheckContext) -> pd.Series:
    """Per voucher: its selected accounts as "541 管理费用、551 其他支出"."""
    return joined_per_group(lines["voucher_key"], account_labels(lines, context))


def _decision_parts(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    spending = _voucher_debits(frame, frame["is_non_production"].to_numpy())
    breach = (
        (spending > 0)
        & (spending >= frame["approval_tier_fen"].to_numpy())
        & ~_voucher_has(frame, "decision_ref")
        & ~frame["closing_voucher"].to_numpy()
    )
    return breach, spending


def _decision_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    return ~_decision_parts(frame)[0]


def _decision_explain(
    frame: pd.DataFrame, rows: np.ndarray, context: CheckContext
) -> np.ndarray:
    failing = frame.iloc[rows]
    _, spending = _decision_parts(failing)
    spent = failing[failing["is_non_production"] & failing["debit_fen"].ne(0)]
    accounts = _account_list(spent, context).reindex(failing["voucher_key"].to_numpy())
    return join(
        "凭证 ", voucher_labels(failing), " 非生产性开支 ", money_texts(spending), " 元（",
        texts(accounts), "）达到审批限额 ", money_texts(failing["approval_tier_fen"]),
        " 元，没有村民（代表）会议决议编号",
    )


APPROVAL_DECISION_REF = Rule(
    id="approval.decision_ref",
    category="审批",
    severity="high",
    message="大额支出无民主决策记录",
    description=(
        "一张凭证借记非生产性开支（2004：管理费用 541、其他支出 551；"
        "2023：管理费用 513、公益支出 514、其他支出 515）合计达到审批限额（≥），"
        "而凭证没有民主决策（决议）编号；年终结转凭证除外；"
        "标记整张凭证。"
    ),
    basis=(sources.VILLAGERS_DECIDE, sources.FOUR_DELIBERATIONS, sources.COLLECTIVE_FINANCE),
    test=_decision_test,
    explain=_decision_explain,
    thresholds=("approval_tier",),
)


def _contract_parts(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    works = _voucher_debits(frame, frame["is_works"].to_numpy())
    breach = (
        (works > 0)
        & (works >= frame["tender_line_fen"].to_numpy())
        & ~_voucher_has(frame, "contract_ref")
    )
    return breach, works


def _contract_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    return ~_contract_parts(frame)[0]


def _contract_explain(
    frame: pd.DataFrame, rows: np.ndarray, context: CheckContext
) -> np.ndarray:
    failing = frame.iloc[rows]
    _, works = _contract_parts(failing)
    return join(
        "凭证 ", voucher_labels(failing), " 工程款（在建工程）", money_texts(works),
        " 元达到招标限额 ", money_texts(failing["tender_line_fen"]), " 元，没有合同编号",
    )


WORKS_CONTRACT_REF = Rule(
    id="works.contract_ref",
    category="工程",
    severity="high",
    message="工程款达到招标限额但无合同",
    description=(
        "一张凭证借记在建工程（2004：154；2023：153）合计达到招标限额（≥），而凭证没有合同编号；"
        "标记整张凭证。"
    ),
    basis=(sources.TENDERING, sources.WORKS_CONTRACT),
    test=_contract_test,
    explain=_contract_explain,
    thresholds=("tender_line",),
)


def _payments(frame: pd.DataFrame) -> pd.DataFrame:
    """Vouchers paying for works or expenses without a contract, each below the tender line.

    One row per voucher: voucher_key, village_key, payee, day, amount_fen, tender_line_fen,
    split_window_days.
    """
    spent = frame["is_works"].to_numpy() | frame["is_expense"].to_numpy()
    amount = _voucher_debits(frame, spent)
    payee_lines = spent & (frame["counterparty"] != "").to_numpy()
    candidates = frame.assign(amount_fen=amount)[
        payee_lines
        & (amount > 0)
        & (amount < frame["tender_line_fen"].to_numpy())
        & ~_voucher_has(frame, "contract_ref")
        & ~frame["closing_voucher"].to_numpy()
        & ~frame["closing_transfer"].to_numpy()
    ]
    payments = candidates.drop_duplicates("voucher_key")[
        ["voucher_key", "village_key", "counterparty", "voucher_date", "amount_fen",
         "tender_line_fen", "split_window_days"]
    ]
    return payments.rename(columns={"counterparty": "payee", "voucher_date": "day"})


def _split_windows(payments: pd.DataFrame) -> pd.DataFrame:
    """``payments`` sorted by village, payee and day, with ``in_split``: the payment is one of
    the largest payments of a window of ``split_window_days`` (two or more payments to one
    payee, together reaching the tender line) that are needed to reach the line, so small
    incidental payments in the same window are left out."""
    ordered = payments.sort_values(["village_key", "payee", "day"], kind="stable").reset_index(
        drop=True
    )
    in_split = np.zeros(len(ordered), dtype=bool)
    if ordered.empty:
        return ordered.assign(in_split=in_split)
    group = pd.factorize(
        ordered["village_key"].astype("str") + "\x1f" + ordered["payee"]
    )[0].astype(np.int64)
    days = ordered["day"].to_numpy().astype("datetime64[D]").astype(np.int64)
    # One number line per payee group, groups far apart, so a window never spans two groups.
    line = group * 10_000_000 + (days - days.min())
    start = np.searchsorted(line, line - ordered["split_window_days"].to_numpy(), side="left")
    amount = ordered["amount_fen"].to_numpy()
    running = np.concatenate([[0], np.cumsum(amount)])
    tender = ordered["tender_line_fen"].to_numpy()
    for end in np.flatnonzero(
        (np.arange(len(ordered)) > start) & (running[1:] - running[start] >= tender)
    ):
        members = np.arange(start[end], end + 1)
        largest = members[np.argsort(-amount[members], kind="stable")]
        needed = np.searchsorted(np.cumsum(amount[largest]), tender[end]) + 1
        in_split[largest[: max(needed, 2)]] = True
    return ordered.assign(in_split=in_split)


def _split_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    windows = _split_windows(_payments(frame))
    split_vouchers = windows.loc[windows["in_split"], "voucher_key"].to_numpy()
    return ~np.isin(frame["voucher_key"].to_numpy(), split_vouchers)


LISTED_PAYMENTS = 6


def _split_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> np.ndarray:
    windows = _split_windows(_payments(frame))
    split = windows[windows["in_split"]].reset_index(drop=True)
    group = dense_key(split["village_key"], split["payee"])
    days = split["day"].to_numpy().astype("datetime64[D]").astype(np.int64)
    line = group * 10_000_000 + (days - (days.min() if len(days) else 0))
    window = split["split_window_days"].to_numpy()
    first = np.searchsorted(line, line - window, side="left")
    last = np.searchsorted(line, line + window, side="right")
    amounts = split["amount_fen"].to_numpy()
    running = np.concatenate([[0], np.cumsum(amounts)])
    listed = join(date_texts(split["day"]), " ", money_texts(amounts), " 元")
    by_voucher = {}
    for position, key in enumerate(split["voucher_key"]):
        near = listed[first[position]:last[position]]
        shown = "、".join(near[:LISTED_PAYMENTS]) + ("等" if len(near) > LISTED_PAYMENTS else "")
        by_voucher[key] = (
            f"{window[position]} 天内向“{split['payee'].iat[position]}”支付无合同款项 "
            f"{len(near)} 笔共 {money(running[last[position]] - running[first[position]])} 元"
            f"（{shown}），单笔均低于招标限额 {money(split['tender_line_fen'].iat[position])} 元、"
            "合计达到限额"
        )
    return frame["voucher_key"].iloc[rows].map(by_voucher).to_numpy(dtype=object)


WORKS_SPLIT_PAYMENT = Rule(
    id="works.split_payment",
    category="工程",
    severity="high",
    message="拆分支付规避招标",
    description=(
        "同一村向同一收款方在拆分窗口天数内有两笔以上无合同的工程或费用支出（借记在建工程或费用类"
        "科目，按凭证借方净额计），每笔低于招标限额、合计达到招标限额（≥）；标记其中合计达到限额"
        "所需的最大几笔（至少两笔），窗口内零星小额付款不标记。"
    ),
    basis=(sources.TENDERING, sources.VILLAGERS_DECIDE),
    test=_split_test,
    explain=_split_explain,
    thresholds=("tender_line", "split_window_days"),
    links=("counterparty",),
)

