"""The counterparty named by auxiliary accounting (辅助核算) columns (docs/reading-exports.md).

Exports hold auxiliary items as numbered pairs (核算项目1 = 供应商, 名称1 = 某县建筑工程公司) or
in one cell (``供应商:S0012_某县建筑工程公司；部门:村委会``). The counterparty is the first item
whose type is a counterparty type of ``conventions.yaml`` (客户, 供应商, 个人 …, in that order),
else one of its fallback types (部门); the code before ``_`` is dropped.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.ingest.conventions import Auxiliary

_ITEM_SEPARATORS = re.compile(r"[;；|\n]+")
_TYPE_SEPARATOR = re.compile(r"[:：]")
# S0012_某县建筑工程公司, [S0012]某公司, S0012 某公司: the code is not the name.
_CODED_NAME = re.compile(
    r"^(?:[\[【][^\]】]*[\]】]\s*|(?=[A-Za-z0-9.\-]*\d)[A-Za-z0-9.\-]+[_\s]+)(?P<name>.+)$")


def named_item(value: str) -> str:
    """The name in an auxiliary item's value, without its code."""
    value = value.strip()
    match = _CODED_NAME.match(value)
    return match.group("name").strip() if match else value


def pair_counterparty(
    types: list[pd.Series], names: list[pd.Series], auxiliary: Auxiliary
) -> pd.Series:
    """Per row, the name of the first pair whose type is a counterparty type (by the types'
    order), else of a fallback type; "" where no pair names one."""
    if not types:
        raise ValueError("no auxiliary pairs")
    index = types[0].index
    folded = [_folded(kind) for kind in types]
    named = [(name != "").to_numpy() for name in names]
    chosen = np.full(len(index), "", dtype=object)
    for wanted in (*auxiliary.counterparty_types, *auxiliary.fallback_types):
        open_rows = chosen == ""
        if not open_rows.any():
            break
        for kind, name, filled in zip(folded, names, named, strict=True):
            hit = open_rows & (kind == wanted) & filled
            if hit.any():
                chosen[hit] = name[hit].map(named_item).to_numpy(dtype=object)
                open_rows &= ~hit
    return pd.Series(chosen, index=index, dtype="str")


def cell_counterparty(cells: pd.Series, auxiliary: Auxiliary) -> pd.Series:
    """Per row, the counterparty written in a one-cell auxiliary column; each distinct cell
    parsed once."""
    codes, distinct = cells.factorize()
    parsed = np.array([_from_cell(value, auxiliary) for value in distinct] + [""], dtype=object)
    return pd.Series(parsed[np.where(codes < 0, len(distinct), codes)], index=cells.index,
                     dtype="str")


def _from_cell(cell: str, auxiliary: Auxiliary) -> str:
    items: list[tuple[str, str]] = []
    for part in _ITEM_SEPARATORS.split(unicodedata.normalize("NFKC", cell)):
        pieces = _TYPE_SEPARATOR.split(part, maxsplit=1)
        if len(pieces) == 2:
            items.append(("".join(pieces[0].split()), named_item(pieces[1])))
        elif part.strip():
            items.append(("", named_item(part)))
    for wanted in (*auxiliary.counterparty_types, "", *auxiliary.fallback_types):
        for kind, name in items:
            if kind == wanted and name:
                return name
    return ""


def _folded(kind: pd.Series) -> np.ndarray:
    """An item's type without whitespace (核算 项目), compared in Arrow."""
    values = pa.array(kind, from_pandas=True)
    return pc.replace_substring_regex(values, r"\s+", "").to_numpy(zero_copy_only=False)
