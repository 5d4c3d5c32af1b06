"""Timing features: days before an official holiday, rest days, month end."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.signals.calendar import official_years, rest_days

HOLIDAY_HORIZON_DAYS = 15


def _holiday_starts() -> np.ndarray:
    """First day of every official holiday (春节, 端午, 中秋 …) as days since the epoch."""
    days = sorted(day for year in official_years().values() for day in year.holidays)
    as_int = np.array([np.datetime64(day, "D").astype(np.int64) for day in days])
    starts = as_int[np.concatenate([[True], np.diff(as_int) > 1])] if len(as_int) else as_int
    return starts


def days_before_holiday(day: np.ndarray) -> np.ndarray:
    """Days until the next official holiday starts (0 on its first day), at most
    ``HOLIDAY_HORIZON_DAYS``."""
    starts = _holiday_starts()
    if not len(starts):
        return np.full(len(day), float(HOLIDAY_HORIZON_DAYS))
    following = np.searchsorted(starts, day, side="left")
    gap = np.where(following < len(starts), starts[np.minimum(following, len(starts) - 1)] - day,
                   HOLIDAY_HORIZON_DAYS)
    return np.minimum(gap, HOLIDAY_HORIZON_DAYS).astype(np.float64)


def rest_day(voucher_date: pd.Series) -> np.ndarray:
    """1 for a weekend (not a make-up workday) or an official holiday."""
    _, resting = rest_days(voucher_date)
    return resting.astype(np.float64)


def days_to_month_end(voucher_date: pd.Series) -> np.ndarray:
    """Days left in the month (0 on its last day)."""
    return (voucher_date.dt.days_in_month - voucher_date.dt.day).to_numpy(dtype=np.float64)
