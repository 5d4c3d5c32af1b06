"""The journal as the register checks see it: each line's account kind in the chart in force,
its counterparty's name made comparable, and the contracts a line names.

Account kinds are found by the accounts' names in each chart, so a county's chart overrides
apply: ``cash`` 现金/库存现金, ``bank`` 银行存款, ``rent_income`` 经营收入, 发包及上交收入,
其他收入,
``receivable`` 应收款, 内部往来, ``payable`` 应付款, ``wages_payable`` 应付工资 (211 in the 2004
chart, 212 in the 2023 chart), ``fixed_asset`` 固定资产, ``depreciation`` 累计折旧, ``works``
在建工程 (154 in the 2004 chart, 153 in the 2023 chart), ``expense`` the accounts with the
expense role.

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
from collections.abc import Iterable

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
    "wages_payable": ("应付工资",),
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


def tuples(values: Iterable[tuple[str, ...]]) -> np.ndarray:
    """An object array of tuples (numpy would make a list of tuples of one length a 2-d
    array)."""
    return np.fromiter(values, dtype=object)


def _name_keys(names: pd.Series) -> np.ndarray:
    """:func:`name_key` of each name, worked out once per distinct name."""
    codes, uniques = pd.factorize(names, use_na_sentinel=False)
    keys = np.array([name_key(name) for name in uniques] or [""], dtype=object)
    return keys[codes] if len(codes) else np.zeros(0, dtype=object)


def ledger_lines(entries: pd.DataFrame, params: AuditParams) -> pd.DataFrame:
    """One row per journal line with what the register checks read of it (a new frame)."""
    period = entries["period"].reset_index(drop=True)
    code = entries["account_code"].str[:3].reset_index(drop=True)
    lines = pd.DataFrame({
        "entry_id": entries["entry_id"].array,
        "village": entries["village"].array,
        "period": period.array,
        "date": pd.to_datetime(entries["voucher_date"]).astype("datetime64[ns]").to_numpy(),
        "code": code.array,
        "account_code": entries["account_code"].array,
        "account_name": entries["account_name"].array,
        "debit_fen": entries["debit_fen"].to_numpy(dtype=np.int64),
        "credit_fen": entries["credit_fen"].to_numpy(dtype=np.int64),
        "counterparty": entries["counterparty"].array,
        "contract_ref": entries["contract_ref"].str.strip().array,
        "summary": entries["summary"].array,
    })
    periods, distinct = pd.factorize(period, use_na_sentinel=False)
    lines["year"] = np.array([int(each[:4]) for each in distinct], dtype=np.int64)[periods]
    new_chart = chart_in_force(entries["period"], named_charts(entries["town"],
                                                               entries["village"], params))
    codes, distinct = pd.factorize(code, use_na_sentinel=False)
    kinds = {key: np.array([table.get(each, "") for each in distinct] or [""],
                           dtype=object)[codes] for key, table in _kind_table(params).items()}
    lines["kind"] = np.where(new_chart, kinds["2023"], kinds["2004"])
    lines["voucher"] = dense_key(entries["village"], entries["period"], entries["voucher_word"],
                                 entries["voucher_number"]) if len(lines) else np.zeros(0, int)
    lines["opening"] = lines["summary"].str.contains("|".join(OPENING_MARKERS), regex=True)
    lines["name_key"] = _name_keys(lines["counterparty"])
    return lines


def _named(key: str, numbers: list[str], keys: list[str]) -> tuple[str, ...]:
    """The contracts whose counterparty is ``key``: those written exactly alike if any (陆宝乐
    and 陆宝乐家庭农场 are two tenants when each has its own contract), else those written
    alike by :func:`names_match`."""
    exact = tuple(no for no, other in zip(numbers, keys, strict=True) if key and other == key)
    return exact or tuple(no for no, other in zip(numbers, keys, strict=True)
                          if names_match(key, other))


def _cited(summaries: pd.Series, villages: pd.Series,
           numbers: dict[str, list[str]]) -> pd.Series:
    """Per line, the contract numbers of its village (``numbers``) its 摘要 quotes, in order,
    each once (a line quoting none is left out). Only the lines quoting some number of the
    town are searched village by village."""
    town = "|".join(re.escape(number) for number in dict.fromkeys(
        number for own in numbers.values() for number in own))
    if not town or summaries.empty:
        return pd.Series([], dtype=object)
    hits = summaries.str.contains(town, regex=True).to_numpy(dtype=bool)
    summaries, villages = summaries[hits], villages[hits]
    cited = []
    for village, own in summaries.groupby(villages.to_numpy(), sort=False):
        if numbers.get(village):
            found = own.str.findall("|".join(re.escape(number) for number in numbers[village]))
            cited.append(found[found.str.len() > 0].map(lambda quoted: tuple(
                dict.fromkeys(quoted))))
    return pd.concat(cited) if cited else pd.Series([], dtype=object)


def contract_candidates(lines: pd.DataFrame,
                        contracts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per line (in the order of ``lines``), the tuple of contract numbers of its village the
    line names (empty when none): by number (``contract_ref`` or 摘要); and the same, else by
    counterparty when the line has no ``contract_ref`` (each village's name worked out once)."""
    numbered = np.empty(len(lines), dtype=object)
    numbered.fill(())
    if lines.empty or contracts.empty:
        return numbered, numbered.copy()
    villages = lines["village"].reset_index(drop=True)
    refs = lines["contract_ref"].reset_index(drop=True)
    with_no = contracts.loc[contracts["contract_no"] != ""]
    known = set(zip(with_no["village"], with_no["contract_no"], strict=True))
    given = np.flatnonzero((refs != "").to_numpy(dtype=bool))
    by_ref = np.zeros(len(lines), dtype=bool)
    by_ref[given] = [pair in known for pair in zip(villages[given].tolist(),
                                                   refs[given].tolist(), strict=True)]
    numbered[by_ref] = tuples((ref,) for ref in refs[by_ref].tolist())
    numbers = {village: [number for number in own if len(number) >= MIN_REF_IN_SUMMARY]
               for village, own in with_no["contract_no"].groupby(with_no["village"],
                                                                  sort=False)}
    cited = _cited(lines["summary"].reset_index(drop=True)[~by_ref], villages[~by_ref],
                   numbers)
    numbered[cited.index.to_numpy()] = cited.to_numpy()
    keys = lines["name_key"].to_numpy()
    unnamed = np.ones(len(lines), dtype=bool)
    unnamed[given] = False
    unnamed[cited.index.to_numpy()] = False
    unnamed &= (keys != "") & villages.isin(set(contracts["village"])).to_numpy(dtype=bool)
    rows = np.flatnonzero(unnamed)
    _, firsts, pair = np.unique(dense_key(villages[rows], keys[rows]), return_index=True,
                                return_inverse=True)
    parties = {village: (own["contract_no"].tolist(),
                         [name_key(name) for name in own["counterparty"]])
               for village, own in contracts[["village", "contract_no", "counterparty"]]
               .groupby("village", sort=False)}
    named = numbered.copy()
    named[rows] = tuples(_named(key, *parties[village]) for village, key in zip(
        villages[rows[firsts]].tolist(), keys[rows[firsts]], strict=True))[pair.reshape(-1)]
    return numbered, named
