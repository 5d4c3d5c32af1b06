"""Per-village aggregates a run leaves in the store, so pages never read millions of lines.

``village_accounts``: debit and credit per first-level account and period (the summary page's
income and spending mix). ``payee_periods``: per counterparty and period, the money paid to it and
received from it (the payee's history on the entry page), only for counterparties that appear
in a finding of the same town: a county has hundreds of thousands of payees, and inspectors
look up few.

A voucher often names its payee on both lines (管理费用 debit and 银行存款 credit), so the
payee's debits and credits each hold the amount once: what moved is read per voucher instead.
In a voucher with cash or bank lines (101 现金/库存现金, 102 银行存款 in both charts), what
was paid to the payee is the larger of its cash and bank credits and its other debits, at most
the voucher's cash and bank credits (a roster's bank credit is shared by its payees' debits);
what was received, the same the other way round. A voucher without cash or bank lines
(an amount payable booked, an advance cleared) is a transfer: the larger side of the payee's
lines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.reconcile import CELL

FIRST_LEVEL_DIGITS = 3
MONEY_ACCOUNTS = ("101", "102")  # cash and bank, in the 2004 and the 2023 chart alike
VOUCHER = ["town", "village", "period", "voucher_word", "voucher_number"]
PAYEE_COLUMNS = [*CELL, "counterparty", "debit_fen", "credit_fen", "n_lines", "paid_fen",
                 "received_fen", "transfer_fen", "n_vouchers"]


def village_accounts(entries: pd.DataFrame) -> pd.DataFrame:
    """Debit, credit and line count per town, village, period and first-level account code."""
    keyed = entries[[*CELL, "debit_fen", "credit_fen"]].assign(
        account_code=entries["account_code"].str.slice(0, FIRST_LEVEL_DIGITS)
    )
    return _totals(keyed, [*CELL, "account_code"])


def payee_periods(entries: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """Per town, village, period and counterparty named in ``findings`` (in the same town):
    its lines' debit, credit and count, and what was paid to it, received from it and
    transferred without cash in the vouchers naming it, and how many vouchers those are."""
    payees = findings.loc[findings["counterparty"] != "", ["town", "counterparty"]]
    keys = pd.MultiIndex.from_frame(payees.drop_duplicates())
    wanted = pd.MultiIndex.from_frame(entries[["town", "counterparty"]]).isin(keys)
    if not wanted.any():
        return pd.DataFrame({name: pd.Series(dtype="str" if name in (*CELL, "counterparty")
                                             else "int64") for name in PAYEE_COLUMNS})
    is_money = entries["account_code"].str.startswith(MONEY_ACCOUNTS).to_numpy(dtype=bool)
    near = wanted | is_money  # the payees' lines and every cash or bank line
    lines = entries.loc[near, [*VOUCHER, "counterparty", "debit_fen", "credit_fen"]]
    voucher = lines.groupby(VOUCHER, sort=False).ngroup().to_numpy()
    money = is_money[near]
    debit = lines["debit_fen"].to_numpy(dtype=np.int64)
    credit = lines["credit_fen"].to_numpy(dtype=np.int64)
    vouchers = int(voucher.max()) + 1
    out_fen = _sums(voucher[money], credit[money], vouchers)
    in_fen = _sums(voucher[money], debit[money], vouchers)
    has_money = np.bincount(voucher[money], minlength=vouchers) > 0
    named = wanted[near]
    own = pd.DataFrame({
        "voucher": voucher[named],
        "counterparty": lines["counterparty"][named].to_numpy(),
        "debit_fen": debit[named], "credit_fen": credit[named], "n_lines": 1,
        "money_debit": np.where(money, debit, 0)[named],
        "money_credit": np.where(money, credit, 0)[named],
        "other_debit": np.where(money, 0, debit)[named],
        "other_credit": np.where(money, 0, credit)[named],
    }).groupby(["voucher", "counterparty"], sort=False).sum().reset_index()
    at = own["voucher"].to_numpy()
    moved = has_money[at]
    own["paid_fen"] = np.where(moved, np.minimum(
        np.maximum(own["money_credit"], own["other_debit"]), out_fen[at]), 0)
    own["received_fen"] = np.where(moved, np.minimum(
        np.maximum(own["money_debit"], own["other_credit"]), in_fen[at]), 0)
    own["transfer_fen"] = np.where(moved, 0, np.maximum(own["other_debit"],
                                                         own["other_credit"]))
    own["n_vouchers"] = 1
    row_of = np.empty(vouchers, dtype=np.int64)
    row_of[voucher] = np.arange(len(voucher))
    for column in CELL:
        own[column] = lines[column].take(row_of[at]).to_numpy()
    sums = ["debit_fen", "credit_fen", "n_lines", "paid_fen", "received_fen", "transfer_fen",
            "n_vouchers"]
    return own.groupby([*CELL, "counterparty"], sort=False)[sums].sum().reset_index()[
        PAYEE_COLUMNS]


def _sums(groups: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Integer sums of ``values`` per group number (exact, unlike a float bincount)."""
    totals = np.zeros(size, dtype=np.int64)
    np.add.at(totals, groups, values)
    return totals


def _totals(lines: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return (
        lines.groupby(keys, sort=False)
        .agg(
            debit_fen=("debit_fen", "sum"),
            credit_fen=("credit_fen", "sum"),
            n_lines=("debit_fen", "size"),
        )
        .reset_index()
    )
