"""Benford's law on first digits, per village-year (Nigrini 2012 MAD thresholds).

Benford is a population test: it runs only on village-years with enough amounts, and when a
population does not conform it marks the entries whose first digit is significantly
over-represented (Nigrini's z-statistic), the usual drill-down. At 300 amounts a conforming
sample exceeds the MAD limit about a third of the time (measured), so the z-statistic's bar is
high (3.29, p < 0.001) to keep false alarms below 1 %.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks import sources
from checks.context import CheckContext
from checks.signals.signal import Signal, hits, no_hits

DIGITS = np.arange(1, 10)
EXPECTED = np.log10(1 + 1 / DIGITS)


def first_digits(amounts: np.ndarray) -> np.ndarray:
    """The first significant digit of positive integers, exactly."""
    amounts = np.asarray(amounts, dtype=np.int64)
    exponent = np.floor(np.log10(amounts)).astype(np.int64)
    digits = amounts // 10**exponent
    digits = np.where(digits >= 10, digits // 10, digits)
    return np.where(digits == 0, amounts // 10 ** np.maximum(exponent - 1, 0), digits)


def _benford_find(frame: pd.DataFrame, context: CheckContext) -> pd.DataFrame:
    settings = context.params.signals
    least = max(int(settings.benford_min_amount * 100), 1)
    # Each transaction counted on its purpose side: moves between till and bank (提取备用金,
    # 存入银行) are fixed internal transfers that would swamp the first digits.
    amount = frame["debit_fen"].to_numpy() + frame["credit_fen"].to_numpy()
    purpose = ~(frame["is_cash"].to_numpy() | frame["is_bank"].to_numpy())
    one_sided = (frame["debit_fen"].to_numpy() == 0) | (frame["credit_fen"].to_numpy() == 0)
    used = np.flatnonzero(
        purpose & one_sided & (amount >= least) & ~frame["closing_voucher"].to_numpy()
    )
    if len(used) == 0:
        return no_hits()
    amounts = pd.DataFrame(
        {
            "row": used,
            "village_key": frame["village_key"].to_numpy()[used],
            "year": frame["year"].to_numpy()[used],
            "digit": first_digits(amount[used]),
        }
    )
    marked: list[np.ndarray] = []
    details: list[str] = []
    for (_, year), group in amounts.groupby(["village_key", "year"], sort=True):
        n = len(group)
        if n < settings.benford_min_amounts:
            continue
        actual = np.bincount(group["digit"], minlength=10)[1:] / n
        mad = float(np.abs(actual - EXPECTED).mean())
        if mad <= settings.benford_mad_limit:
            continue
        z = (np.abs(actual - EXPECTED) - 1 / (2 * n)) / np.sqrt(EXPECTED * (1 - EXPECTED) / n)
        excess = DIGITS[(actual > EXPECTED) & (z > settings.benford_z_critical)]
        village = frame["village"].iat[group["row"].iat[0]]
        for digit in excess:
            rows = group.loc[group["digit"] == digit, "row"].to_numpy()
            marked.append(rows)
            text = (
                f"{village}{year} 年 {n:,} 笔收支金额的首位数字分布不符合本福特定律"
                f"（MAD {mad:.4f}，超过 {settings.benford_mad_limit}）；首位为 {digit} 的金额占 "
                f"{actual[digit - 1]:.1%}，理论值 {EXPECTED[digit - 1]:.1%}"
            )
            details.extend([text] * len(rows))
    if not marked:
        return no_hits()
    return hits(np.concatenate(marked), details)


BENFORD = Signal(
    id="signal.benford",
    name="本福特首位数字偏离",
    description=(
        "每村每年不少于最少笔数的收支金额（库存现金、银行存款以外科目的分录金额，不低于本福特最小"
        "金额，年终结转凭证除外）做首位数字检验；"
        "平均绝对偏差（MAD）超过不符合界限时，标记首位数字显著偏多（z 值超过界限）的分录。"
    ),
    basis=(sources.BENFORD_NIGRINI,),
    find=_benford_find,
    settings=(
        "signals.benford_min_amounts", "signals.benford_min_amount", "signals.benford_mad_limit",
        "signals.benford_z_critical",
    ),
)
