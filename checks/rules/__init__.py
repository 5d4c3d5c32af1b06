"""The rule layer: every stated rule as a declarative object with a pandera check.

``RULES`` is the registry (its order is the catalogue's); :func:`evaluate_rules` runs them all,
with the signals, on a canonical entry frame.
"""

from __future__ import annotations

import pandas as pd

from checks.params import AuditParams
from checks.rules.accounts import ACCOUNT_CODE_VALID, ACCOUNT_NAME_MATCHES
from checks.rules.approval import APPROVAL_DECISION_REF, WORKS_CONTRACT_REF, WORKS_SPLIT_PAYMENT
from checks.rules.cash import (
    CASH_HOLDING_LIMIT,
    CASH_NEGATIVE_BALANCE,
    CASH_PAYMENT_CEILING,
    SPECIAL_FUND_CASH_PAYOUT,
)
from checks.rules.closing import PERIOD_CLOSED
from checks.rules.evaluation import RuleEvaluation, evaluate
from checks.rules.rule import Basis, Rule
from checks.rules.summary import SUMMARY_BANNED_ITEM
from checks.rules.voucher import (
    DUTIES_SEGREGATION,
    LINE_NEGATIVE_AMOUNT,
    LINE_ONE_SIDED,
    VOUCHER_ATTACHMENTS,
    VOUCHER_BALANCE,
    VOUCHER_DATE_IN_PERIOD,
    VOUCHER_NUMBER_DUPLICATE,
    VOUCHER_NUMBER_GAP,
)

RULES: tuple[Rule, ...] = (
    VOUCHER_BALANCE,
    LINE_ONE_SIDED,
    LINE_NEGATIVE_AMOUNT,
    ACCOUNT_CODE_VALID,
    ACCOUNT_NAME_MATCHES,
    VOUCHER_NUMBER_GAP,
    VOUCHER_NUMBER_DUPLICATE,
    VOUCHER_DATE_IN_PERIOD,
    PERIOD_CLOSED,
    DUTIES_SEGREGATION,
    VOUCHER_ATTACHMENTS,
    CASH_PAYMENT_CEILING,
    CASH_HOLDING_LIMIT,
    CASH_NEGATIVE_BALANCE,
    APPROVAL_DECISION_REF,
    WORKS_CONTRACT_REF,
    WORKS_SPLIT_PAYMENT,
    SUMMARY_BANNED_ITEM,
    SPECIAL_FUND_CASH_PAYOUT,
)


def evaluate_rules(entries: pd.DataFrame, params: AuditParams) -> RuleEvaluation:
    """Every rule and signal on a canonical entry frame (``entry_id`` unique).

    Breaches go to rule ids only, signals to ``signal.*`` ids only; see :class:`RuleEvaluation`.
    """
    return evaluate(entries, params, RULES)


__all__ = ["RULES", "Basis", "Rule", "RuleEvaluation", "evaluate_rules"]
