"""Per-village aggregates a run leaves in the store, so pages never read millions of lines.

``village_accounts``: debit and credit per first-level account and period (the summary page's
income and spending mix). ``payee_periods``: debit and credit per counterparty and period (the
payee's history on the entry page), only for counterparties that appear in a finding of the
same town: a county has hundreds of thousands of payees, and inspectors look up few.
"""

from __future__ import annotations

import pandas as pd

from review.reconcile import CELL

FIRST_LEVEL_DIGITS = 3


def village_accounts(entries: pd.DataFrame) -> pd.DataFrame:
    """Debit, credit and line count per town, village, period and first-level account code."""
    keyed = entries[[*CELL, "debit_fen", "credit_fen"]].assign(
        account_code=entries["account_code"].str.slice(0, FIRST_LEVEL_DIGITS)
    )
    return _totals(keyed, [*CELL, "account_code"])


def payee_periods(entries: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """Debit, credit and line count per town, village, period and counterparty, for the
    counterparties named in ``findings`` (in the same town)."""
    payees = findings.loc[findings["counterparty"] != "", ["town", "counterparty"]]
    keys = pd.MultiIndex.from_frame(payees.drop_duplicates())
    wanted = pd.MultiIndex.from_frame(entries[["town", "counterparty"]]).isin(keys)
    lines = entries.loc[wanted, [*CELL, "counterparty", "debit_fen", "credit_fen"]]
    return _totals(lines, [*CELL, "counterparty"])


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
