"""Amount features: size against the village's own history and its town's peers, round
sums, closeness below the approval, tender and cash lines, rent per mu against peers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.prepared import dense_key
from models.features.frame import group_count, group_median

RENT_AREA = r"([0-9]+(?:\.[0-9]+)?)\s*亩"
RENT_LAND = r"(\w{2})(?:承包费|租金|租赁费)"


def _log_ratio(amount: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return np.log10((amount + 100.0) / (reference + 100.0))


def amount_vs_village_account(amount_fen: np.ndarray, account_key: np.ndarray) -> np.ndarray:
    """log10 of the amount over the median of the village's lines on the same account and side."""
    return _log_ratio(amount_fen, group_median(amount_fen, account_key))


def amount_vs_town_peers(
    amount_fen: np.ndarray, town_key: np.ndarray, first_level: pd.Series, is_debit_line: np.ndarray
) -> np.ndarray:
    """log10 of the amount over the town's median for the same first-level account and side."""
    key = dense_key(town_key, first_level.to_numpy(), is_debit_line)
    return _log_ratio(amount_fen, group_median(amount_fen, key))


def amount_vs_payee_history(
    amount_fen: np.ndarray, payee_key: np.ndarray, account_key: np.ndarray, payee: pd.Series
) -> np.ndarray:
    """log10 of the amount over the median of the same payee on the same account; 0 for a
    payee's only line or a line without payee."""
    key = pd.factorize(payee_key.astype(np.int64) * (account_key.max() + 1) + account_key)[0]
    ratio = _log_ratio(amount_fen, group_median(amount_fen, key))
    alone = (group_count(key) < 2) | (payee.to_numpy() == "")
    return np.where(alone, 0.0, ratio)


def round_zeros(amount_fen: np.ndarray) -> np.ndarray:
    """Trailing zeros of the amount in fen (95,000.00 元 → 7), at most 9; 0 for no amount."""
    zeros = np.zeros(len(amount_fen), dtype=np.int64)
    remaining = amount_fen.astype(np.int64).copy()
    for _ in range(9):
        divisible = (remaining != 0) & (remaining % 10 == 0)
        zeros += divisible
        remaining = np.where(divisible, remaining // 10, remaining)
    return zeros


def round_zeros_vs_account(
    round_zeros: np.ndarray, account_key: np.ndarray, spending_voucher: np.ndarray
) -> np.ndarray:
    """For a line of a spending voucher, trailing zeros beyond what is usual on the village's
    same account and side (transfers between cash and bank, closing entries: 0)."""
    excess = round_zeros - group_median(round_zeros, account_key)
    return np.where(spending_voucher, excess, 0.0)


def round_zeros_vs_summary(
    round_zeros: np.ndarray, summary_stem_key: np.ndarray, town_key: np.ndarray,
    spending_voucher: np.ndarray,
) -> np.ndarray:
    """For a line of a spending voucher, trailing zeros beyond what is usual for the same 摘要
    (digits removed) in the town: office supplies bought for a round 3,000.00 元 stand out
    where such buys are never round."""
    key = dense_key(town_key, summary_stem_key)
    return np.where(spending_voucher, round_zeros - group_median(round_zeros, key), 0.0)


def summary_stem(summary: pd.Series) -> np.ndarray:
    """The 摘要 without digits (月份, 期数), so monthly lines share one stem."""
    codes, distinct = pd.factorize(summary)
    stems = pd.Series(distinct, dtype="str").str.replace(
        r"[0-9０-９一二三四五六七八九十]+", "", regex=True).to_numpy()
    return stems[codes]


def summary_stem_key(summary: pd.Series) -> np.ndarray:
    """A dense code of :func:`summary_stem`: lines with equal codes have equal stems."""
    codes, distinct = pd.factorize(summary)
    return pd.factorize(summary_stem(pd.Series(distinct, dtype="str")))[0][codes]


def _closeness(amount: np.ndarray, line: np.ndarray, share: float) -> np.ndarray:
    ratio = amount / np.maximum(line, 1)
    return np.where((ratio >= share) & (ratio < 1), (ratio - share) / (1 - share), 0.0)


def below_line_closeness(
    amount_fen: np.ndarray,
    approval_tier_fen: np.ndarray,
    tender_line_fen: np.ndarray,
    cash_payment_ceiling_fen: np.ndarray,
    is_cash: np.ndarray,
    near_threshold_share: float,
) -> np.ndarray:
    """How close below the approval or tender line (or, for cash lines, the cash ceiling) the
    amount is: 0 below ``near_threshold_share`` of the line or at/above it, rising to 1 just
    under it."""
    share = near_threshold_share
    closeness = np.maximum(
        _closeness(amount_fen, approval_tier_fen, share),
        _closeness(amount_fen, tender_line_fen, share),
    )
    cash = np.where(is_cash, _closeness(amount_fen, cash_payment_ceiling_fen, share), 0.0)
    return np.maximum(closeness, cash)


def rent_vs_peers(amount_fen: np.ndarray, summary: pd.Series, town_key: np.ndarray) -> np.ndarray:
    """log10 of the rent per 亩 over the town's median for the same land (from 摘要 such as
    "收张三2024年水田承包费（12.5亩）"); 0 where the 摘要 names no area."""
    codes, distinct = pd.factorize(summary)
    texts = pd.Series(distinct, dtype="str")
    area = pd.to_numeric(texts.str.extract(RENT_AREA, expand=False), errors="coerce").to_numpy()
    land = texts.str.extract(RENT_LAND, expand=False).fillna("").to_numpy()
    area, land = area[codes], land[codes]
    known = (area > 0) & (land != "") & (amount_fen > 0)
    result = np.zeros(len(amount_fen))
    if not known.any():
        return result
    per_mu = amount_fen[known] / area[known]
    key = dense_key(town_key[known], land[known])
    result[known] = np.log10(per_mu / group_median(per_mu, key))
    return result
