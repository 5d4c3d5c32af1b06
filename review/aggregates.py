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
    is_money = entries["account_code"].str.slice(0, FIRST_LEVEL_DIGITS).isin(MONEY_ACCOUNTS)
    lines = entries.loc[wanted, [*VOUCHER, "counterparty", "debit_fen", "credit_fen"]]
    money = is_money[wanted].to_numpy()
    lines = lines.assign(
        money_debit=lines["debit_fen"].where(money, 0),
        money_credit=lines["credit_fen"].where(money, 0),
        other_debit=lines["debit_fen"].where(~money, 0),
        other_credit=lines["credit_fen"].where(~money, 0),
    )
    named = lines.groupby([*VOUCHER, "counterparty"], sort=False).agg(
        debit_fen=("debit_fen", "sum"), credit_fen=("credit_fen", "sum"),
        n_lines=("debit_fen", "size"), money_debit=("money_debit", "sum"),
        money_credit=("money_credit", "sum"), other_debit=("other_debit", "sum"),
        other_credit=("other_credit", "sum"),
    ).reset_index()
    moved = _voucher_money(entries.loc[is_money, [*VOUCHER, "debit_fen", "credit_fen"]],
                           named[VOUCHER].drop_duplicates())
    named = named.merge(moved, on=VOUCHER, how="left")
    has_money = named["money_lines"].notna().to_numpy()
    out_fen = named["out_fen"].fillna(0).astype("int64")
    in_fen = named["in_fen"].fillna(0).astype("int64")
    named["paid_fen"] = np.where(
        has_money, np.minimum(np.maximum(named["money_credit"], named["other_debit"]), out_fen), 0)
    named["received_fen"] = np.where(
        has_money, np.minimum(np.maximum(named["money_debit"], named["other_credit"]), in_fen), 0)
    named["transfer_fen"] = np.where(
        has_money, 0, np.maximum(named["other_debit"], named["other_credit"]))
    return (
        named.groupby([*CELL, "counterparty"], sort=False)
        .agg(debit_fen=("debit_fen", "sum"), credit_fen=("credit_fen", "sum"),
             n_lines=("n_lines", "sum"), paid_fen=("paid_fen", "sum"),
             received_fen=("received_fen", "sum"), transfer_fen=("transfer_fen", "sum"),
             n_vouchers=("n_lines", "size"))
        .reset_index()[PAYEE_COLUMNS]
    )


def _voucher_money(money_lines: pd.DataFrame, vouchers: pd.DataFrame) -> pd.DataFrame:
    """The cash and bank credits (``out_fen``) and debits (``in_fen``) of ``vouchers``."""
    keys = pd.MultiIndex.from_frame(vouchers)
    inside = pd.MultiIndex.from_frame(money_lines[VOUCHER]).isin(keys)
    return (money_lines.loc[inside].groupby(VOUCHER, sort=False)
            .agg(out_fen=("credit_fen", "sum"), in_fen=("debit_fen", "sum"),
                 money_lines=("debit_fen", "size"))
            .reset_index())


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
