"""Account cells as exports write them, to a code of digits and a name (docs/reading-exports.md).

Codes come with separators between levels (``541.001``, ``5410-01``, ``541 001``), with the name
in the same cell (``112.002 - 应收款_张三``, ``541001 管理费用-办公费``, ``[541001]办公费``), or
not at all: only a name or a full path (``管理费用-办公费``, ``管理费用/办公费``), which is
resolved to its first-level code in the chart in force for the line's period. A ledger has a
few hundred distinct account cells among a million lines, so each distinct cell is looked at
once, in Python.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from checks.charts import Chart, chart_key, name_levels, normalise_account_name
from flows.ingest.cells import texts_of_distinct

_CODE = r"\d+(?:[.\-\s]\d+)*"
_CODE_ONLY = re.compile(rf"^(?P<code>{_CODE})$")
_BRACKETED = re.compile(rf"^[\[【]\s*(?P<code>{_CODE})\s*[\]】]\s*(?P<name>.*)$")
_CODE_AND_NAME = re.compile(
    rf"^(?P<code>{_CODE})\s*(?:[-–—:_|]\s*)?(?P<name>[^\d\s.\-].*[\u3400-\u9fff].*)$")
_SEPARATORS = re.compile(r"[.\-\s]")
_HAN = re.compile(r"[\u3400-\u9fff]")
MAX_CODE_DIGITS = 24


@dataclass(frozen=True)
class AccountCells:
    """Per row: the code (digits, "" where the cell names only an account), the name the cell
    carried, and a problem text for cells that are neither (a code with letters, say)."""

    code: pd.Series
    name: pd.Series
    problems: pd.Series


def split_account_cells(text: pd.Series) -> AccountCells:
    """Code and name from each account cell; each distinct cell worked out once."""
    code, name, problem = texts_of_distinct(text, _split, 3)
    bad = (problem != "").to_numpy()
    return AccountCells(code=code, name=name, problems=problem[bad])


def _split(cell: str) -> tuple[str, str, str]:
    value = unicodedata.normalize("NFKC", cell).strip()
    if not value:
        return "", "", ""
    for pattern in (_CODE_ONLY, _BRACKETED, _CODE_AND_NAME):
        match = pattern.match(value)
        if match:
            code = _SEPARATORS.sub("", match.group("code"))
            if len(code) > MAX_CODE_DIGITS:
                return "", "", "科目编码过长"
            name = match.groupdict().get("name") or ""
            return code, name.strip(), ""
    if _HAN.search(value) and not value[0].isdigit():
        return "", value, ""  # a name or a full path, resolved against the chart
    return "", "", "不是可识别的科目编码（应为 541、541001、541.001 或 541001 管理费用）"


def resolve_account_names(
    names: pd.Series, periods: pd.Series, charts: Mapping[str, Chart],
    named: pd.Series | None = None,
) -> pd.Series:
    """The first-level code each name (or full path) has in the chart in force: the one
    ``named`` for the row's unit ("2004", "2023"; "other" has no codes to give), else the one of
    its period; "" where the chart has no such first-level account or the period is unknown."""
    chart = periods.map(_chart_of, na_action="ignore")
    if named is not None:
        chart = chart.where(named == "", named)
    frame = pd.DataFrame({"name": names, "chart": chart})
    codes = pd.Series("", index=names.index, dtype="str")
    wanted = (frame["name"] != "") & frame["chart"].notna() & (frame["chart"] != "")
    if not wanted.any():
        return codes
    by_name = {key: chart.codes_by_name() for key, chart in charts.items()}
    pairs = frame[wanted].drop_duplicates()
    looked_up = {
        (name, key): _first_level(name, by_name.get(key, {}))
        for name, key in zip(pairs["name"], pairs["chart"], strict=True)
    }
    chosen = frame[wanted]
    codes[wanted] = [looked_up[(name, key)]
                     for name, key in zip(chosen["name"], chosen["chart"], strict=True)]
    return codes


def _chart_of(period: str) -> str:
    return chart_key(period) if period else ""


def _first_level(name: str, codes_by_name: Mapping[str, str]) -> str:
    """The code of the name's first level (管理费用-办公费 → 管理费用), or of the whole name."""
    whole = normalise_account_name(name)
    if whole in codes_by_name:
        return codes_by_name[whole]
    levels = name_levels(name)
    return codes_by_name.get(levels[0], "") if levels else ""
