"""Voucher features: equal-amount lines and their recipients, cadres paid outside their usual
account, debit/credit account-pair rarity in the village."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.prepared import dense_key, per_group_any
from models.features.frame import group_count, group_nunique

REGULAR_PAYEE_SHARE = 0.5  # paid in at least half the village's periods: a cadre or an employee


def spending_voucher(
    is_debit_line: np.ndarray, is_expense: np.ndarray, is_works: np.ndarray,
    closing_voucher: np.ndarray, closing_line: np.ndarray, voucher_key: np.ndarray,
) -> np.ndarray:
    """Whether the line's voucher pays for something: an expense or works account debited,
    closing entries excluded."""
    paying = is_debit_line & (is_expense | is_works) & ~closing_voucher & ~closing_line
    return per_group_any(paying, voucher_key)


def equal_amount_lines(
    amount_fen: np.ndarray, voucher_key: np.ndarray, is_debit_line: np.ndarray
) -> np.ndarray:
    """Other lines of the voucher on the same side with exactly this amount (劳务表册, 补贴)."""
    key = dense_key(voucher_key, amount_fen, is_debit_line)
    return np.where(amount_fen > 0, group_count(key) - 1, 0).astype(np.float64)


def voucher_people(
    payee: pd.Series, payee_key: np.ndarray, organisation: np.ndarray, voucher_key: np.ndarray
) -> np.ndarray:
    """Distinct individuals (not 单位) named as payees in the voucher."""
    person = (payee.to_numpy() != "") & ~organisation
    distinct = group_nunique(np.where(person, payee_key, -1), voucher_key)
    has_blank = pd.Series(~person).groupby(voucher_key).transform("any").to_numpy()
    return (distinct - has_blank).astype(np.float64)


def regular_payee(payee_key: np.ndarray, period: pd.Series, village_key: np.ndarray,
                  payee: pd.Series) -> np.ndarray:
    """Whether the payee is paid in at least half the village's periods (村干部, 保洁员)."""
    codes = pd.factorize(period)[0]
    periods = group_nunique(codes, payee_key)
    village_periods = group_nunique(codes, village_key)
    return (payee.to_numpy() != "") & (periods >= REGULAR_PAYEE_SHARE * village_periods)


def _most_common(codes: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Per row, the most frequent code in its group (the smallest code among equals)."""
    pair, pairs = pd.factorize(key.astype(np.int64) * (codes.max() + 1) + codes)
    counts = np.bincount(pair)
    table = pd.DataFrame({"key": pairs // (codes.max() + 1), "code": pairs % (codes.max() + 1),
                          "count": counts})
    best = table.sort_values(["key", "count", "code"], ascending=[True, False, True])
    usual = best.drop_duplicates("key").set_index("key")["code"]
    return usual.reindex(key).to_numpy()


def regular_payees_off_account(
    regular_payee: np.ndarray,
    payee_key: np.ndarray,
    village_year_key: np.ndarray,
    account_code: pd.Series,
    voucher_key: np.ndarray,
    is_debit_line: np.ndarray,
) -> np.ndarray:
    """Regular payees the voucher pays on an account other than their usual one that year
    (cadres' own pay goes through 应付工资; an extra payout to several of them does not)."""
    key = pd.factorize(payee_key.astype(np.int64) * (village_year_key.max() + 1)
                       + village_year_key)[0]
    codes, _ = pd.factorize(account_code)
    off = regular_payee & is_debit_line & (codes != _most_common(codes, key))
    count = np.bincount(voucher_key, weights=off.astype(np.float64))
    return count[voucher_key]


def account_pair_rarity(
    first_level: pd.Series, voucher_key: np.ndarray, village_key: np.ndarray,
    is_debit_line: np.ndarray, amount_fen: np.ndarray,
) -> np.ndarray:
    """log10 of 1 + how often the village books this line's account against the voucher's main
    account on the other side (the largest line there): low is rare."""
    frame = pd.DataFrame({"voucher": voucher_key, "debit": is_debit_line,
                          "level": first_level.to_numpy(), "amount": amount_fen})
    main = (frame.sort_values(["voucher", "debit", "amount"], ascending=[True, True, False])
            .drop_duplicates(["voucher", "debit"]))
    main_key = main["voucher"].to_numpy() * 2 + main["debit"].to_numpy()
    lookup = pd.Series(main["level"].to_numpy(), index=main_key)
    opposite = lookup.reindex(voucher_key * 2 + ~is_debit_line).fillna("").to_numpy()
    pair = dense_key(village_key, first_level.to_numpy(), is_debit_line, opposite)
    vouchers = group_nunique(voucher_key, pair)
    return np.log10(1 + vouchers)
