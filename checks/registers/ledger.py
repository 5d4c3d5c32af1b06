"""The journal as the register checks see it: each line's account kind in the chart in force,
its counterparty's name made comparable, and the contracts a line names.

Account kinds are found by the accounts' names in each chart, so a county's chart overrides
apply: ``cash`` 现金/库存现金, ``bank`` 银行存款, ``rent_income`` 经营收入, 发包及上交收入,
其他收入,
``receivable`` 应收款, 内部往来, ``payable`` 应付款, ``fixed_asset`` 固定资产, ``depreciation``
累计折旧, ``works`` 在建工程 (154 in the 2004 chart, 153 in the 2023 chart), ``expense`` the
accounts with the expense role.

A line names a contract when its ``contract_ref`` is the contract number, the number appears in
its 摘要, or its counterparty is the contract's counterparty written alike: the same after
dropping spaces, brackets and company suffixes (有限公司 …), one containing the other, or the
same characters in another order (a name the same as a contract's counterparty is taken for
that contract only, not for those whose counterparty merely contains it). A line naming
another contract by number is not taken for this one by name.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from checks.charts import charts_in_force
from checks.params import AuditParams
from checks.prepared import chart_in_force, dense_key, named_charts

ACCOUNT_KINDS: dict[str, tuple[str, ...]] = {
    "cash": ("现金", "库存现金"),
    "bank": ("银行存款",),
    "rent_income": ("经营收入", "发包及上交收入", "其他收入"),
    "receivable": ("应收款", "内部往来"),
    "payable": ("应付款",),
    "fixed_asset": ("固定资产",),
    "depreciation": ("累计折旧",),
    "works": ("在建工程",),
}
OPENING_MARKERS = ("期初余额", "上年结转", "年初余额", "期初数", "上年余额")
_BRACKETS = re.compile(r"[()（）\[\]【】〔〕<>《》\s·.,，、-]")
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "公司")
MIN_CONTAINED = 2
MIN_REF_IN_SUMMARY = 4


def name_key(name: str) -> str:
    """A counterparty's name made comparable: width-folded, without spaces, brackets and
    company suffixes."""
    text = _BRACKETS.sub("", unicodedata.normalize("NFKC", name or ""))
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def names_match(first: str, second: str) -> bool:
    """Whether two comparable names (:func:`name_key`) are the same party written differently."""
    if not first or not second:
        return False
    if first == second:
        return True
    shorter, longer = sorted((first, second), key=len)
    if len(shorter) >= MIN_CONTAINED and shorter in longer:
        return True
    return len(first) == len(second) and sorted(first) == sorted(second)


def _kind_table(params: AuditParams) -> dict[str, dict[str, str]]:
    """chart key → first-level code → account kind."""
    tables = {}
    for key, chart in charts_in_force(params).items():
        by_name = chart.codes_by_name()
        table = {code: "expense" for code in chart.codes_with_role("expense")}
        for kind, names in ACCOUNT_KINDS.items():
            table |= {by_name[name]: kind for name in names if name in by_name}
        tables[key] = table
    return tables


def ledger_lines(entries: pd.DataFrame, params: AuditParams) -> pd.DataFrame:
    """One row per journal line with what the register checks read of it (a new frame)."""
    lines = pd.DataFrame({
        "entry_id": entries["entry_id"].to_numpy(),
        "village": entries["village"].to_numpy(),
        "period": entries["period"].to_numpy(),
        "date": pd.to_datetime(entries["voucher_date"]).astype("datetime64[ns]").to_numpy(),
        "code": entries["account_code"].str[:3].to_numpy(),
        "account_code": entries["account_code"].to_numpy(),
        "account_name": entries["account_name"].to_numpy(),
        "debit_fen": entries["debit_fen"].to_numpy(dtype=np.int64),
        "credit_fen": entries["credit_fen"].to_numpy(dtype=np.int64),
        "counterparty": entries["counterparty"].to_numpy(),
        "contract_ref": entries["contract_ref"].str.strip().to_numpy(),
        "summary": entries["summary"].to_numpy(),
    })
    lines["year"] = lines["period"].str[:4].astype(int) if len(lines) else 0
    new_chart = chart_in_force(entries["period"], named_charts(entries["town"],
                                                               entries["village"], params))
    tables = _kind_table(params)
    lines["kind"] = np.where(new_chart, lines["code"].map(tables["2023"]),
                             lines["code"].map(tables["2004"]))
    lines["kind"] = lines["kind"].fillna("")
    lines["voucher"] = dense_key(entries["village"], entries["period"], entries["voucher_word"],
                                 entries["voucher_number"]) if len(lines) else np.zeros(0, int)
    lines["opening"] = lines["summary"].str.contains("|".join(OPENING_MARKERS), regex=True)
    lines["name_key"] = lines["counterparty"].map(name_key) if len(lines) else ""
    return lines


def _named(key: str, numbers: pd.Series, keys: list[str]) -> tuple[str, ...]:
    """The contracts whose counterparty is ``key``: those written exactly alike if any (陆宝乐
    and 陆宝乐家庭农场 are two tenants when each has its own contract), else those written
    alike by :func:`names_match`."""
    exact = tuple(no for no, other in zip(numbers, keys, strict=True) if key and other == key)
    return exact or tuple(no for no, other in zip(numbers, keys, strict=True)
                          if names_match(key, other))


def contract_candidates(lines: pd.DataFrame, contracts: pd.DataFrame, *,
                        by_name: bool = True) -> pd.Series:
    """Per line (indexed like ``lines``), the tuple of contract numbers of its village the line
    names (empty when none): by number (``contract_ref`` or 摘要) first, else (``by_name``) by
    counterparty."""
    found = pd.Series([()] * len(lines), index=lines.index, dtype=object)
    for village, village_lines in lines.groupby("village", sort=False):
        own = contracts.loc[contracts["village"] == village]
        if own.empty:
            continue
        numbers = [number for number in own["contract_no"] if number]
        keys = [name_key(name) for name in own["counterparty"]]
        by_names = {key: _named(key, own["contract_no"], keys)
                    for key in village_lines["name_key"].unique()}
        refs = village_lines["contract_ref"]
        in_summary = [number for number in numbers if len(number) >= MIN_REF_IN_SUMMARY]
        quoted = village_lines["summary"].str.findall(
            "|".join(re.escape(number) for number in in_summary)
        ) if in_summary else pd.Series([[]] * len(village_lines), index=village_lines.index)
        known = set(numbers)
        found.loc[village_lines.index] = [
            (ref,) if ref in known else tuple(dict.fromkeys(cited)) if cited
            else () if ref or not by_name else named
            for ref, cited, named in zip(refs, quoted, village_lines["name_key"].map(by_names),
                                         strict=True)
        ]
    return found
