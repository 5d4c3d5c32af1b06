"""How findings are worded for inspectors: money in yuan, vouchers as the books print them.

The vectorised helpers word many rows at once (a rule can fail on every entry of a badly
exported ledger); each distinct value is formatted once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

Text = str | np.ndarray


def money(fen: int) -> str:
    """Fen as yuan with thousands separators: 123456 → "1,234.56", -5 → "-0.05"."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def each_distinct(values: Any, word: Callable[[Any], str]) -> np.ndarray:
    """``word`` of each value, computed once per distinct value."""
    codes, distinct = pd.factorize(pd.Series(values), use_na_sentinel=False)
    return np.array([word(value) for value in distinct], dtype=object)[codes]


def money_texts(fen: Any) -> np.ndarray:
    """:func:`money` of each value."""
    return each_distinct(np.asarray(fen, dtype=np.int64), money)


def date_texts(dates: Any) -> np.ndarray:
    """Each date as 2023-03-15 ("" where there is none)."""
    return each_distinct(dates, lambda day: "" if pd.isna(day) else f"{pd.Timestamp(day):%Y-%m-%d}")


def texts(values: Any) -> np.ndarray:
    """Any column as an object array of str, for :func:`join`; missing values become ""."""
    return np.asarray(pd.Series(values).astype("str").fillna("").to_numpy(), dtype=object)


def voucher_labels(frame: pd.DataFrame) -> np.ndarray:
    """"2023-03 记-12" per row: the period and the voucher as the books print it."""
    printed = texts(frame["voucher_no"])
    fallback = join(texts(frame["voucher_word"]), "-", texts(frame["voucher_number"]))
    return join(texts(frame["period"]), " ", np.where(printed == "", fallback, printed))


def join(*parts: Text) -> np.ndarray:
    """Element-wise concatenation of strings and object arrays of strings."""
    result: Text = ""
    for part in parts:
        result = np.add(result, part, dtype=object) if isinstance(part, np.ndarray) or \
            isinstance(result, np.ndarray) else result + part
    return np.asarray(result, dtype=object)


def joined_per_group(keys: Any, values: Any, separator: str = "、") -> pd.Series:
    """The distinct ``values`` of each key joined in order of appearance, indexed by key."""
    pairs = pd.DataFrame({"key": np.asarray(keys), "value": texts(values)}).drop_duplicates()
    pairs["rank"] = pairs.groupby("key").cumcount()
    joined = pairs.loc[pairs["rank"] == 0].set_index("key")["value"].astype(object)
    for rank in range(1, int(pairs["rank"].max()) + 1 if len(pairs) else 0):
        more = pairs.loc[pairs["rank"] == rank].set_index("key")["value"]
        joined.loc[more.index] = joined.loc[more.index] + separator + more
    return joined


def account_labels(frame: pd.DataFrame, context: Any) -> np.ndarray:
    """"541 管理费用" per row: its first-level account in the chart of its period."""
    new_chart = frame["new_chart"].to_numpy()
    codes = frame["first_level"].to_numpy(dtype=object)
    pairs = pd.Series(np.where(new_chart, "n", "o").astype(object) + codes)

    def label(pair: str) -> str:
        account = context.chart(pair[0] == "n").accounts.get(pair[1:])
        return account.label() if account else pair[1:]

    return each_distinct(pairs, label)
