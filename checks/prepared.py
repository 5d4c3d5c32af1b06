"""Canonical entries prepared for checking: the derived columns every rule and signal reads.

Rules and signals are vectorised functions of this one frame, so the expensive work (grouping
keys, the chart in force, account roles, each town's thresholds) is done once per run:

- ``village_key`` / ``book_key`` / ``voucher_key``: dense integer ids of the village
  (town, village), of the numbering sequence (village, period, voucher word) and of the voucher
  (village, period, word, number), usable as ``np.bincount`` bins;
- ``new_chart`` (the period is booked in the 2023 chart), ``first_level``, ``code_known`` and one
  ``is_<role>`` column per account role of :mod:`checks.charts`; ``chart_unknown``: the
  village's codes are mostly not in the village chart in force (a village's company keeping
  its books on another accounting system), so the rules that read the chart pass over it:
  its codes count as known and its accounts have no roles;
- ``year``, ``month`` of the period; ``red_ink`` and ``closing_line`` from the 摘要;
  ``counterparty_kind``: the kind of the counterparty told by its name (餐饮, 住宿 …, "" for
  none); ``organisation``: the counterparty is recognisably an organisation (单位), not a person;
- the evidence of hospitality, gifts, tobacco and alcohol (招待、礼品、烟酒): ``hospitality_term``
  (a 摘要 word enough alone), ``hospitality_hint`` (a 摘要 word that needs other evidence),
  ``hospitality_account`` (an expense line on an account named for it, 管理费用-招待费);
- ``closing_voucher``: a year-end closing voucher (结转 … 本年收益, word 转, in period 12);
  ``closing_transfer``: a voucher that moves amounts into 本年收益 without cash or bank, a
  closing entry by its accounts whatever its 摘要 says; ``voucher_spends``: a voucher (not a
  closing transfer) that debits an expense account or pays cash or bank out;
- each entry's town thresholds: ``<name>_fen`` for money, ``hospitality_banned``,
  ``split_window_days``, ``closed_through_ym`` (YYYYMM, 0 when not set) and ``close_date``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from checks.charts import CHART_KEYS, FIRST_LEVEL_DIGITS, NEW_CHART_FROM_PERIOD, ROLES, Chart
from checks.params import AuditParams, Keywords

MONEY_THRESHOLDS = ("cash_holding_limit", "cash_payment_ceiling", "approval_tier", "tender_line")
# A village whose lines' first-level codes are in the chart in force less often than this keeps
# its books on another chart: the chart's rules would flag every line and mean nothing there.
MIN_KNOWN_CODE_SHARE = 0.5
CLOSING_WORD = "转"
RULE_INPUT_COLUMNS = [
    "entry_id", "town", "village", "period", "voucher_date", "voucher_word", "voucher_number",
    "voucher_no", "line_no", "summary", "account_code", "account_name", "debit_fen",
    "credit_fen", "counterparty", "attachments", "decision_ref", "contract_ref", "preparer",
    "reviewer",
]


def dense_key(*columns: pd.Series | np.ndarray) -> np.ndarray:
    """A dense int64 id (0..n-1, in order of first appearance) of each row's combination."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        combined = combined * len(uniques) + codes
        combined, _ = pd.factorize(combined)
    return combined.astype(np.int64)


def per_group_any(mask: np.ndarray | pd.Series, key: np.ndarray) -> np.ndarray:
    """For each row, whether ``mask`` holds on any row of its group."""
    counts = np.bincount(key, weights=np.asarray(mask, dtype=np.float64))
    return counts[key] > 0


def per_group_sum(values: np.ndarray | pd.Series, key: np.ndarray) -> np.ndarray:
    """For each row, the exact int64 sum of ``values`` over its group."""
    totals = np.zeros(key.max() + 1 if len(key) else 0, dtype=np.int64)
    np.add.at(totals, key, np.asarray(values, dtype=np.int64))
    return totals[key]


def terms_pattern(terms: tuple[str, ...]) -> str:
    """A regular expression matching any of ``terms`` literally."""
    return "|".join(re.escape(term) for term in terms if term)


def per_distinct(text: pd.Series, word: Callable[[pd.Series], np.ndarray]) -> np.ndarray:
    """``word`` (a vectorised function of a str Series) of each value of ``text``, computed
    once per distinct value: summaries, names and accounts repeat."""
    codes, distinct = pd.factorize(text, use_na_sentinel=False)
    return np.asarray(word(pd.Series(distinct, dtype="str").fillna("")))[codes]


def contains_any(text: pd.Series, terms: tuple[str, ...], ignored: tuple[str, ...] = ()
                 ) -> np.ndarray:
    """Whether each text holds one of ``terms``, once the ``ignored`` words are taken out
    (酒精 before looking for 酒)."""
    pattern, skip = terms_pattern(terms), terms_pattern(ignored)
    if not pattern:
        return np.zeros(len(text), dtype=bool)

    def holds(distinct: pd.Series) -> np.ndarray:
        if skip:
            distinct = distinct.str.replace(skip, "", regex=True)
        return distinct.str.contains(pattern, regex=True).to_numpy(dtype=bool)

    return per_distinct(text, holds).astype(bool)


# A closing bracketed note on a name: 青石饭店（个体）, 王强(代收).
_CLOSING_NOTE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def _bare_names(names: pd.Series) -> pd.Series:
    return names.str.strip().str.replace(_CLOSING_NOTE, "", regex=True).str.strip()


def _kinds_of(named: pd.Series, keywords: Keywords) -> np.ndarray:
    """The kind of each (distinct, bare) name: by the longest kind ending it ends with, the
    ending leaving at least two characters before it (王家乐 is a person); else by the longest
    kind word it holds; "" for none."""
    kinds = np.full(len(named), "", dtype=object)
    length = named.str.len().to_numpy()
    matched = np.zeros(len(named), dtype=np.int64)
    for kind, spec in keywords.counterparty_kinds.items():
        for ending in spec.endings:
            hit = (named.str.endswith(ending).to_numpy(dtype=bool)
                   & (length >= len(ending) + 2) & (len(ending) > matched))
            kinds[hit], matched[hit] = kind, len(ending)
    unended = matched == 0
    for kind, spec in keywords.counterparty_kinds.items():
        for word in spec.words:
            hit = (unended & named.str.contains(word, regex=False).to_numpy(dtype=bool)
                   & (len(word) > matched))
            kinds[hit], matched[hit] = kind, len(word)
    return kinds


def _name_classes(names: pd.Series, keywords: Keywords) -> tuple[np.ndarray, np.ndarray]:
    """Per name: whether it is an organisation, and its kind ("" for none)."""
    codes, distinct = pd.factorize(names, use_na_sentinel=False)
    named = _bare_names(pd.Series(distinct, dtype="str").fillna(""))
    kinds = _kinds_of(named, keywords)
    suffixes = keywords.organisation_suffixes
    long_suffixes = tuple(suffix for suffix in suffixes if len(suffix) > 1)
    short_suffixes = tuple(suffix for suffix in suffixes if len(suffix) == 1)
    organisation = kinds != ""
    if long_suffixes:
        organisation |= named.str.endswith(long_suffixes).to_numpy(dtype=bool)
    if short_suffixes:
        organisation |= (
            named.str.endswith(short_suffixes)
            & named.str.len().ge(keywords.single_character_min_length)
        ).to_numpy(dtype=bool)
    return organisation[codes], kinds[codes]


def is_organisation(names: pd.Series, keywords: Keywords) -> np.ndarray:
    """Whether each counterparty is recognisably an organisation (单位): its name, less a closing
    bracketed note, ends with an organisation suffix (one-character endings 店, 社 … only on
    names long enough not to be a person's), or it is of a counterparty kind (青石山家乐)."""
    return _name_classes(names, keywords)[0]


def counterparty_kinds(names: pd.Series, keywords: Keywords) -> np.ndarray:
    """The kind (``keywords.counterparty_kinds``: 餐饮, 住宿 …) of each counterparty by its name,
    "" where it is of none."""
    return _name_classes(names, keywords)[1]


def _role_columns(
    first_level: pd.Series, new_chart: np.ndarray, charts: dict[str, Chart]
) -> dict[str, np.ndarray]:
    """``code_known`` and ``is_<role>`` per row, looked up per distinct first-level code."""
    codes, uniques = pd.factorize(first_level, use_na_sentinel=False)
    chart_index = new_chart.astype(np.int64)
    lookups = {"code_known": np.zeros((2, len(uniques)), dtype=bool)}
    lookups |= {f"is_{role}": np.zeros((2, len(uniques)), dtype=bool) for role in sorted(ROLES)}
    for position, key in enumerate(CHART_KEYS):
        chart = charts[key]
        for index, code in enumerate(uniques):
            account = chart.accounts.get(code)
            if account is None:
                continue
            lookups["code_known"][position, index] = True
            for role in account.roles:
                lookups[f"is_{role}"][position, index] = True
    return {name: table[chart_index, codes] for name, table in lookups.items()}


def named_charts(
    town: pd.Series, village: pd.Series, params: AuditParams
) -> np.ndarray | None:
    """Per row, the chart ``unit_charts`` names for its unit ("2004", "2023", "other", or "");
    None when the parameters name none."""
    if not params.unit_charts:
        return None
    codes, pairs = pd.factorize(pd.MultiIndex.from_arrays([town, village]))
    named = np.array([params.unit_chart(t, v) for t, v in pairs], dtype=object)
    return named[codes]


def chart_in_force(period: pd.Series, named: np.ndarray | None) -> np.ndarray:
    """Per row, whether the 2023 chart is in force: by the period (from 2024-01), unless the
    unit's chart is named."""
    new_chart = (period >= NEW_CHART_FROM_PERIOD).to_numpy(dtype=bool)
    if named is None:
        return new_chart
    return np.where(named == "2004", False, np.where(named == "2023", True, new_chart))


def _chart_columns(
    first_level: pd.Series, new_chart: np.ndarray, village_key: np.ndarray,
    charts: dict[str, Chart], named: np.ndarray | None,
) -> dict[str, np.ndarray]:
    """``code_known``, ``is_<role>`` and ``chart_unknown``: a village on another chart (named
    "other", or found so where no chart is named) has its codes taken as known and no roles."""
    columns = _role_columns(first_level, new_chart, charts)
    unknown = _unknown_chart(columns["code_known"], village_key)
    if named is not None:
        unknown = (unknown & (named == "")) | (named == "other")
    if unknown.any():
        columns["code_known"] = columns["code_known"] | unknown
        for role in ROLES:
            columns[f"is_{role}"] = columns[f"is_{role}"] & ~unknown
    columns["chart_unknown"] = unknown
    return columns


def _unknown_chart(code_known: np.ndarray, village_key: np.ndarray) -> np.ndarray:
    if not len(village_key):
        return np.zeros(0, dtype=bool)
    lines = np.bincount(village_key)
    known = np.bincount(village_key, weights=code_known.astype(np.float64))
    return (known / np.maximum(lines, 1) < MIN_KNOWN_CODE_SHARE)[village_key]


def villages_on_other_charts(
    entries: pd.DataFrame, params: AuditParams, charts: dict[str, Chart]
) -> list[tuple[str, str]]:
    """(town, village) of the villages on another chart (named "other", or whose codes are
    mostly not in the village chart in force): the run says so, and the chart's rules pass
    over them."""
    if entries.empty:
        return []
    village_key = dense_key(entries["town"], entries["village"])
    named = named_charts(entries["town"], entries["village"], params)
    first_level = entries["account_code"].str[:FIRST_LEVEL_DIGITS]
    unknown = _chart_columns(first_level, chart_in_force(entries["period"], named), village_key,
                             charts, named)["chart_unknown"]
    pairs = entries.loc[unknown, ["town", "village"]].drop_duplicates()
    return sorted(zip(pairs["town"], pairs["village"], strict=True))


def _threshold_columns(town: pd.Series, params: AuditParams) -> dict[str, np.ndarray]:
    codes, towns = pd.factorize(town, use_na_sentinel=False)
    per_town = [params.thresholds_for(name) for name in towns]
    columns: dict[str, np.ndarray] = {
        f"{name}_fen": np.array([t.fen(name) for t in per_town], dtype=np.int64)[codes]
        for name in MONEY_THRESHOLDS
    }
    columns["hospitality_banned"] = np.array(
        [t.hospitality_banned for t in per_town], dtype=bool
    )[codes]
    columns["split_window_days"] = np.array(
        [t.split_window_days for t in per_town], dtype=np.int64
    )[codes]
    columns["closed_through_ym"] = np.array(
        [int(t.closed_through.replace("-", "")) if t.closed_through else 0 for t in per_town],
        dtype=np.int64,
    )[codes]
    columns["close_date"] = np.array(
        [np.datetime64(t.close_date() or "NaT", "s") for t in per_town], dtype="datetime64[s]"
    )[codes]
    return columns


def prepare_entries(
    entries: pd.DataFrame, params: AuditParams, charts: dict[str, Chart]
) -> pd.DataFrame:
    """The columns the rules read from ``entries`` plus the derived ones; a new frame."""
    frame = entries[RULE_INPUT_COLUMNS].reset_index(drop=True)
    period = frame["period"]
    derived: dict[str, np.ndarray | pd.Series] = {}
    derived["village_key"] = dense_key(frame["town"], frame["village"])
    derived["book_key"] = dense_key(derived["village_key"], period, frame["voucher_word"])
    derived["voucher_key"] = dense_key(derived["book_key"], frame["voucher_number"])
    named = named_charts(frame["town"], frame["village"], params)
    new_chart = chart_in_force(period, named)
    derived["new_chart"] = new_chart
    first_level = frame["account_code"].str[:FIRST_LEVEL_DIGITS]
    derived["first_level"] = first_level
    derived |= _chart_columns(first_level, new_chart, derived["village_key"], charts, named)
    period_codes, periods = pd.factorize(period, use_na_sentinel=False)
    years = np.array([_int_or(p[:4], 0) for p in periods], dtype=np.int64)
    months = np.array([_int_or(p[5:7], 0) for p in periods], dtype=np.int64)
    derived["year"] = years[period_codes]
    derived["month"] = months[period_codes]
    keywords = params.keywords
    summary = frame["summary"]
    derived["red_ink"] = contains_any(summary, keywords.red_ink_markers)
    derived["closing_line"] = contains_any(summary, keywords.closing_markers)
    derived["organisation"], kinds = _name_classes(frame["counterparty"], keywords)
    derived["counterparty_kind"] = pd.Series(kinds, dtype="str")
    derived |= _hospitality_columns(frame, derived["is_expense"], keywords)
    voucher_key = derived["voucher_key"]
    to_income = per_group_any(derived["is_current_income"], voucher_key)
    derived["closing_voucher"] = (
        (frame["voucher_word"] == CLOSING_WORD).to_numpy()
        & (derived["month"] == 12)
        & per_group_any(derived["closing_line"], voucher_key)
        & to_income
    )
    money = derived["is_cash"] | derived["is_bank"]
    derived["closing_transfer"] = to_income & ~per_group_any(money, voucher_key)
    derived["voucher_spends"] = per_group_any(
        (derived["is_expense"] & (frame["debit_fen"] > 0).to_numpy())
        | (money & (frame["credit_fen"] > 0).to_numpy()),
        voucher_key,
    ) & ~derived["closing_transfer"]
    derived |= _threshold_columns(frame["town"], params)
    return frame.assign(**derived)


def _hospitality_columns(
    frame: pd.DataFrame, is_expense: np.ndarray, keywords: Keywords
) -> dict[str, np.ndarray]:
    """The 摘要 and account evidence of hospitality, gifts, tobacco and alcohol per line."""
    summary = frame["summary"]
    return {
        "hospitality_term": contains_any(summary, keywords.banned_summary_terms),
        "hospitality_hint": contains_any(
            summary, keywords.hospitality_hints, keywords.hint_exceptions),
        "hospitality_account": is_expense & contains_any(
            frame["account_name"], keywords.hospitality_accounts),
    }


def _int_or(text: str, default: int) -> int:
    return int(text) if text.isdigit() else default
