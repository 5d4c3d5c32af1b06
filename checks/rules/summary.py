"""Banned items in the 摘要 (招待, 烟酒, 礼品, 购物卡, 白条 …) where the town bans hospitality."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from checks.context import CheckContext
from checks.prepared import terms_pattern
from checks.rules import sources
from checks.rules.rule import Rule
from checks.wording import each_distinct, join, texts


def _pattern(context: CheckContext) -> str:
    return terms_pattern(context.params.keywords.banned_summary_terms)


def _banned_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    pattern = _pattern(context)
    banned_here = frame["hospitality_banned"].to_numpy()
    if not pattern or not banned_here.any():
        return np.ones(len(frame), dtype=bool)
    mentions = frame["summary"].str.contains(pattern, regex=True).to_numpy(dtype=bool)
    return ~(banned_here & mentions)


def _banned_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> np.ndarray:
    failing = frame.iloc[rows]
    pattern = re.compile(_pattern(context))

    def terms(summary: str) -> str:
        return "、".join(dict.fromkeys(pattern.findall(summary)))

    return join(
        "摘要“", texts(failing["summary"]), "”含禁止列支的事项“",
        each_distinct(failing["summary"], terms), "”（", texts(failing["town"]),
        "禁止村级开支招待费）",
    )


SUMMARY_BANNED_ITEM = Rule(
    id="summary.banned_item",
    category="摘要",
    severity="medium",
    message="摘要含禁止列支的事项",
    description=(
        "在禁止村级开支招待费的乡镇（hospitality_banned），摘要含招待、宴请、烟酒、礼品、购物卡、"
        "白条等禁止用词（参数 keywords.banned_summary_terms）；标记该分录。"
    ),
    basis=(sources.NO_HOSPITALITY, sources.NO_BANQUETS),
    test=_banned_test,
    explain=_banned_explain,
    thresholds=("hospitality_banned",),
    settings=("keywords.banned_summary_terms",),
)
