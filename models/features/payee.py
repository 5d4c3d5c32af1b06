"""Payee features: how known the payee is, its share of the village's spend, repeated near-line
payments, split payments within a window, duplicates, receivables never repaid, and a payment
reversed then booked again to another payee."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.prepared import dense_key
from models.features.feature import NO_ENTRY, Related
from models.features.frame import group_count, group_nunique, window_bounds
from models.features.people import Names

RECEIVABLE_CODES = ("112", "113")  # 应收款, 内部往来: the same codes in both charts
ROUND_TENS_FEN = 1_000  # 10 元: yearly round sums (慰问, 补贴) repeat by design
REBOOK_WINDOW_DAYS = 30  # a reversed payment booked again within a month is one story


def payee_lines(payee_key: np.ndarray, payee: pd.Series, village_key: np.ndarray) -> np.ndarray:
    """log10 of 1 + the village's lines with this payee; lines without payee count as known
    (the village's line count)."""
    count = group_count(payee_key).astype(np.float64)
    return np.log10(1 + np.where(payee.to_numpy() == "", group_count(village_key), count))


def payee_villages(payee: pd.Series, names: Names, village_key: np.ndarray,
                   town_key: np.ndarray) -> np.ndarray:
    """Villages of the town that deal with this payee (a firm shared across the town is known);
    lines without payee count as known (the town's number of villages)."""
    villages = group_nunique(village_key, dense_key(town_key, names.payee))
    return np.where(payee.to_numpy() == "", group_nunique(village_key, town_key), villages)


def days_since_payee_first_seen(
    payee_key: np.ndarray, day: np.ndarray, payee: pd.Series
) -> np.ndarray:
    """Days since the payee's first line in the village; large for lines without payee."""
    first = pd.Series(day).groupby(payee_key).transform("min").to_numpy()
    since = (day - first).astype(np.float64)
    return np.where(payee.to_numpy() == "", 3650.0, since)


def payee_spend_share(
    amount_fen: np.ndarray,
    payee_key: np.ndarray,
    village_key: np.ndarray,
    is_debit_line: np.ndarray,
    is_expense: np.ndarray,
    is_works: np.ndarray,
    payee: pd.Series,
) -> np.ndarray:
    """The payee's share of the village's expense and works spending (debits)."""
    spend = np.where(is_debit_line & (is_expense | is_works) & (payee.to_numpy() != ""),
                     amount_fen, 0).astype(np.float64)
    per_payee = np.bincount(payee_key, weights=spend)[payee_key]
    per_village = np.bincount(village_key, weights=spend)[village_key]
    return np.where(per_village > 0, per_payee / np.maximum(per_village, 1), 0.0)


def payee_near_line_count(
    below_line_closeness: np.ndarray, payee_key: np.ndarray, village_year_key: np.ndarray,
    voucher_key: np.ndarray, payee: pd.Series,
) -> np.ndarray:
    """How many of the payee's vouchers that year sit close below a line (from the near-limit
    share, e.g. 90 %, up to the line); 0 for lines that are not themselves close below one."""
    near = (below_line_closeness > 0) & (payee.to_numpy() != "")
    key = dense_key(np.where(near, payee_key, -1), village_year_key)
    vouchers = group_nunique(voucher_key, key)
    return np.where(near, vouchers, 0).astype(np.float64)


def split_window(split_window_days: np.ndarray) -> int:
    """The town's split-payment window in days (its villages share the town's threshold)."""
    return int(np.median(split_window_days)) if len(split_window_days) else 30


def payee_window_total(
    amount_fen: np.ndarray,
    payee_key: np.ndarray,
    day: np.ndarray,
    is_debit_line: np.ndarray,
    approval_tier_fen: np.ndarray,
    payee: pd.Series,
    split_window: int,
) -> np.ndarray:
    """The payee's debits within ``split_window`` days either side, over the approval tier
    (拆分)."""
    paid = is_debit_line & (payee.to_numpy() != "")
    key = np.where(paid, payee_key, -1) + 1
    order, start, stop = window_bounds(key, day, split_window)
    cumulative = np.concatenate([[0.0], np.cumsum(np.where(paid, amount_fen, 0)[order])])
    total = np.empty(len(day))
    total[order] = cumulative[stop] - cumulative[start]
    return np.where(paid, total / np.maximum(approval_tier_fen, 1), 0.0)


def same_payee_amount_nearby(
    amount_fen: np.ndarray, payee_key: np.ndarray, day: np.ndarray, is_debit_line: np.ndarray,
    payee: pd.Series, duplicate_window_days: int,
) -> np.ndarray:
    """Other lines with the same payee, side and amount within ``duplicate_window_days`` days
    (近似重复)."""
    key = dense_key(payee_key, amount_fen, is_debit_line)
    order, start, stop = window_bounds(key, day, duplicate_window_days)
    count = np.empty(len(day))
    count[order] = stop - start - 1
    return np.where((payee.to_numpy() != "") & (amount_fen > 0), count, 0.0)


def repeat_other_year(
    amount_fen: np.ndarray, summary_stem_key: np.ndarray, payee_key: np.ndarray,
    village_key: np.ndarray,
    year: np.ndarray, is_debit_line: np.ndarray, payee: pd.Series, spending_voucher: np.ndarray,
) -> np.ndarray:
    """For a line of a spending voucher: other years in which the village booked the same 摘要
    (digits removed), payee, side and the same odd amount (not whole tens of yuan) once, as
    this line is once in its own year (重复申报); 0 for routine lines repeated within a year,
    round sums paid every year, and receipts (a lease's rent is the same every year)."""
    key = dense_key(village_key, summary_stem_key, payee_key, amount_fen, is_debit_line)
    years = group_nunique(year, key)
    once_a_year = group_count(key) == years
    odd = amount_fen % ROUND_TENS_FEN != 0
    counted = once_a_year & odd & spending_voucher & (payee.to_numpy() != "")
    return np.where(counted, years - 1, 0).astype(np.float64)


def receivable_outstanding(
    amount_fen: np.ndarray, debit_fen: pd.Series, credit_fen: pd.Series, first_level: pd.Series,
    payee_key: np.ndarray, payee: pd.Series,
) -> np.ndarray:
    """For a debit to 应收款/内部往来, the share of it still unpaid at the end of the books: the
    payee's debits less credits on that account, over this line (挪用), in [0, 1]."""
    receivable = first_level.isin(RECEIVABLE_CODES).to_numpy() & (payee.to_numpy() != "")
    key = np.where(receivable, payee_key, -1) + 1
    balance = np.bincount(key, weights=(debit_fen - credit_fen).to_numpy(np.float64))[key]
    lent = receivable & (debit_fen.to_numpy() > 0)
    return np.where(lent, np.clip(balance / np.maximum(amount_fen, 1), 0, 1), 0.0)


def rebooked_after_reversal(
    amount_fen: np.ndarray, debit_fen: pd.Series, village_key: np.ndarray, payee: pd.Series,
    payee_key: np.ndarray, day: np.ndarray,
) -> Related:
    """1 for a payment booked within ``REBOOK_WINDOW_DAYS`` days after the village reversed a
    payment of the same amount in red ink, to another payee than the reversed one (冲销后改付
    他人); related to the reversed line. A correction paid to the same payee is 0."""
    debit = debit_fen.to_numpy()
    named = (payee != "").to_numpy()
    values = np.zeros(len(debit))
    other = np.full(len(debit), NO_ENTRY, dtype=np.int64)
    reversed_rows = np.flatnonzero((debit < 0) & named)
    paid_rows = np.flatnonzero((debit > 0) & named)
    if not len(reversed_rows) or not len(paid_rows):
        return Related(values, other)
    key = dense_key(village_key, amount_fen)
    span = int(day.max() - day.min()) + 1
    moment = key.astype(np.int64) * span + (day - day.min())
    order = reversed_rows[np.argsort(moment[reversed_rows], kind="stable")]
    latest = np.searchsorted(moment[order], moment[paid_rows], side="right") - 1
    before = order[np.maximum(latest, 0)]
    found = ((latest >= 0) & (key[before] == key[paid_rows])
             & (day[paid_rows] - day[before] <= REBOOK_WINDOW_DAYS)
             & (payee_key[before] != payee_key[paid_rows]))
    values[paid_rows[found]] = 1.0
    other[paid_rows[found]] = before[found]
    return Related(values, other)

