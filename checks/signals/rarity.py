"""Seldom-used accounts and debit/credit account pairs within a village (ISA 240 (a))."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks import sources
from checks.context import CheckContext
from checks.signals.signal import Signal, hits, no_hits


def _ordinary_lines(frame: pd.DataFrame) -> np.ndarray:
    """Lines outside year-end closing vouchers (closing touches every account once a year),
    told by their accounts (amounts moved into 本年收益 without cash or bank) as well as by
    their word and 摘要, so a 摘要 saying 结转 does not hide a rare pair."""
    return ~(frame["closing_voucher"].to_numpy() | frame["closing_transfer"].to_numpy())


def _account_name(context: CheckContext, new_chart: bool, code: str) -> str:
    account = context.chart(bool(new_chart)).accounts.get(code)
    return account.label() if account else code


def _rare_account_find(frame: pd.DataFrame, context: CheckContext) -> pd.DataFrame:
    settings = context.params.signals
    village = frame["village_key"].to_numpy()
    lines_per_village = np.bincount(village)
    counts = frame.groupby(["village_key", "first_level"])["entry_id"].transform("size").to_numpy()
    marked = np.flatnonzero(
        (lines_per_village[village] >= settings.rare_min_lines)
        & (counts <= settings.rare_max_count)
        & _ordinary_lines(frame)
    )
    rows = frame.iloc[marked]
    details = [
        f"科目 {_account_name(context, new, code)} 在本村全部 {lines_per_village[key]:,} 条分录中"
        f"仅出现 {count} 次"
        for new, code, key, count in zip(
            rows["new_chart"], rows["first_level"], rows["village_key"], counts[marked],
            strict=True,
        )
    ]
    return hits(marked, details)


RARE_ACCOUNT = Signal(
    id="signal.rare_account",
    name="罕用科目",
    description=(
        "本村分录不少于罕见判断的最少分录数时，一级科目在本村出现次数不超过罕见次数上限；"
        "年终结转凭证不计。"
    ),
    basis=(sources.FRAUD_STANDARD_ISA, sources.FRAUD_STANDARD_CHINA),
    find=_rare_account_find,
    settings=("signals.rare_max_count", "signals.rare_min_lines"),
)


def _rare_pair_find(frame: pd.DataFrame, context: CheckContext) -> pd.DataFrame:
    settings = context.params.signals
    village = frame["village_key"].to_numpy()
    lines_per_village = np.bincount(village)
    eligible = _ordinary_lines(frame) & (
        lines_per_village[village] >= settings.rare_min_lines
    )
    columns = ["voucher_key", "village_key", "first_level", "new_chart"]
    debits = frame.loc[eligible & (frame["debit_fen"] > 0).to_numpy(), columns]
    credits = frame.loc[eligible & (frame["credit_fen"] > 0).to_numpy(),
                        ["voucher_key", "first_level"]]
    pairs = debits.drop_duplicates().merge(
        credits.drop_duplicates(), on="voucher_key", suffixes=("_debit", "_credit")
    )
    if pairs.empty:
        return no_hits()
    pair_columns = ["village_key", "first_level_debit", "first_level_credit"]
    pairs["uses"] = pairs.groupby(pair_columns)["voucher_key"].transform("size")
    rare = pairs[pairs["uses"] <= settings.rare_max_count]
    if rare.empty:
        return no_hits()
    vouchers_per_village = frame.groupby("village_key")["voucher_key"].nunique()
    texts = (
        rare.assign(
            text=[
                f"借 {_account_name(context, new, debit)} / "
                f"贷 {_account_name(context, new, credit)} 的科目组合在本村 "
                f"{vouchers_per_village[key]:,} 张凭证中仅出现 {uses} 次"
                for new, debit, credit, key, uses in zip(
                    rare["new_chart"], rare["first_level_debit"], rare["first_level_credit"],
                    rare["village_key"], rare["uses"], strict=True,
                )
            ]
        )
        .groupby("voucher_key")["text"]
        .agg("；".join)
    )
    marked = np.flatnonzero(frame["voucher_key"].isin(texts.index).to_numpy())
    return hits(marked, texts.reindex(frame["voucher_key"].to_numpy()[marked]).tolist())


RARE_PAIR = Signal(
    id="signal.rare_pair",
    name="罕见借贷科目组合",
    description=(
        "本村分录不少于罕见判断的最少分录数时，一张凭证中的借方一级科目与贷方一级科目组合在本村"
        "出现的凭证数不超过罕见次数上限；标记整张凭证，年终结转凭证不计。"
    ),
    basis=(sources.FRAUD_STANDARD_ISA, sources.FRAUD_STANDARD_CHINA),
    find=_rare_pair_find,
    settings=("signals.rare_max_count", "signals.rare_min_lines"),
)
