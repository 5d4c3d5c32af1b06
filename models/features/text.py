"""摘要 features: how rare the wording is in the town, and words that mark payouts worth a look."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from checks.prepared import dense_key
from models.features.frame import group_count

# Words of the footprints misconduct cases leave in the 摘要: works to check, payouts to people,
# loans to cadres.
RISK_TERMS = ("清淤", "维修", "补助", "补贴", "奖励", "劳务费", "借款", "借支", "往来款", "误工",
              "值班", "加班", "返还", "慰问", "分红")


def summary_rarity(summary_stem_key: np.ndarray, town_key: np.ndarray) -> np.ndarray:
    """log10 of 1 + the town's lines with the same 摘要 once digits are removed (月份, 期数)."""
    key = dense_key(town_key, summary_stem_key)
    return np.log10(1 + group_count(key))


def summary_risk_terms(summary: pd.Series) -> np.ndarray:
    """How many of ``RISK_TERMS`` the 摘要 holds."""
    codes, distinct = pd.factorize(summary)
    texts = pd.Series(distinct, dtype="str")
    count = np.zeros(len(texts))
    for term in RISK_TERMS:
        count += texts.str.contains(re.escape(term), regex=True).to_numpy(dtype=np.float64)
    return count[codes]
