"""Banned spending where the town bans hospitality: 招待, gifts, tobacco and alcohol told by
three kinds of evidence about a voucher — what its 摘要 says, the account it is booked to, and
whom it pays — rather than by a word list alone.

A 摘要 word of ``keywords.banned_summary_terms`` (招待, 宴请, 购物卡 …) or an expense debit to
an account named for it (管理费用-招待费) is enough alone. A 摘要 hint (接待, 餐, 酒 …, with
words such as 酒精 taken out first) is not: it counts with a payee of a hospitality kind (餐饮,
住宿, 烟酒, 礼品, told by the name) on a voucher that spends, so 接待上级检查餐费 paid to a
农家乐 is caught while 酒精消毒 bought at a pharmacy, or a village named 酒坊, is not. A payee of
such a kind alone, the 摘要 and account saying something else, is a signal
(:mod:`checks.signals.hospitality`), not a breach.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from checks import sources
from checks.context import CheckContext
from checks.params import Keywords
from checks.prepared import per_group_any, terms_pattern
from checks.rules.rule import Rule
from checks.wording import each_distinct, join, joined_per_group, texts, voucher_labels


def hospitality_payee(frame: pd.DataFrame, kinds: tuple[str, ...]) -> np.ndarray:
    """Per row: its counterparty is of one of ``kinds`` (by name)."""
    return np.isin(frame["counterparty_kind"].to_numpy(dtype=object), list(kinds))


def _evidence(frame: pd.DataFrame, keywords: Keywords) -> dict[str, np.ndarray]:
    """Per row, each kind of evidence found on any line of its voucher."""
    key = frame["voucher_key"].to_numpy()
    debit = (frame["debit_fen"] > 0).to_numpy()
    return {
        "term": per_group_any(frame["hospitality_term"].to_numpy(), key),
        "account": per_group_any(frame["hospitality_account"].to_numpy() & debit, key),
        "hint": per_group_any(frame["hospitality_hint"].to_numpy(), key),
        "payee": per_group_any(hospitality_payee(frame, keywords.hospitality_kinds), key),
    }


def _banned(frame: pd.DataFrame, keywords: Keywords) -> np.ndarray:
    found = _evidence(frame, keywords)
    spends = frame["voucher_spends"].to_numpy()
    return frame["hospitality_banned"].to_numpy() & (
        found["term"] | (found["account"] & spends) | (found["hint"] & found["payee"] & spends)
    )


def _banned_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    return ~_banned(frame, context.params.keywords)


def _words_found(summaries: pd.Series, terms: tuple[str, ...], ignored: tuple[str, ...] = ()
                 ) -> np.ndarray:
    """Per row, the ``terms`` its 摘要 holds ("招待、宴请"), once ``ignored`` words are out."""
    pattern, skip = terms_pattern(terms), terms_pattern(ignored)

    def found(summary: str) -> str:
        text = re.sub(skip, "", summary) if skip else summary
        return "、".join(dict.fromkeys(re.findall(pattern, text))) if pattern else ""

    return each_distinct(summaries, found)


def _per_voucher(lines: pd.DataFrame, keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each key of ``keys``, the distinct non-empty ``values`` of its voucher's ``lines``
    joined ("" where none)."""
    present = values != ""
    joined = joined_per_group(lines["voucher_key"].to_numpy()[present], values[present])
    return texts(joined.reindex(keys))


def _banned_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> np.ndarray:
    """Which evidence each failing voucher holds, in words (each distinct 摘要 read once)."""
    failing = frame.iloc[rows]
    keywords = context.params.keywords
    keys = failing["voucher_key"].to_numpy()
    summaries = failing["summary"].astype("str")
    said = _per_voucher(failing, keys, join("“", texts(summaries), "”"))
    terms = _per_voucher(failing, keys, _words_found(summaries, keywords.banned_summary_terms))
    hints = _per_voucher(failing, keys, _words_found(
        summaries, keywords.hospitality_hints, keywords.hint_exceptions))
    booked = (failing["hospitality_account"] & failing["debit_fen"].gt(0)).to_numpy()
    accounts = _per_voucher(failing, keys, np.where(
        booked, join("“", texts(failing["account_name"]), "”"), "").astype(object))
    payee = hospitality_payee(failing, keywords.hospitality_kinds)
    payees = _per_voucher(failing, keys, np.where(
        payee, join("“", texts(failing["counterparty"]), "”"), "").astype(object))
    kinds = _per_voucher(failing, keys, np.where(
        payee, texts(failing["counterparty_kind"]), "").astype(object))
    strong = (terms != "") | (accounts != "")
    evidence = [
        np.where(terms != "", join("摘要", said, "含禁止列支的事项“", terms, "”"), ""),
        np.where(accounts != "", join("借记", accounts, "科目"), ""),
        np.where((hints != "") & (terms == ""), join("摘要", said, "提到“", hints, "”"), ""),
        np.where(payees != "", join("收款方", payees, "按名称属", kinds, "类"), ""),
    ]
    listed = evidence[0].astype(object)
    for part in evidence[1:]:
        part = part.astype(object)
        listed = np.where(listed == "", part,
                          np.where(part == "", listed, join(listed, "；", part))).astype(object)
    why = np.where(strong, "", "：摘要用词和收款方类别两类证据都指向招待、烟酒或礼品开支")
    return join("凭证 ", voucher_labels(failing), "：", listed, why.astype(object), "（",
                texts(failing["town"]), "禁止村级开支招待费）")


SUMMARY_BANNED_ITEM = Rule(
    id="summary.banned_item",
    category="开支",
    severity="medium",
    message="列支禁止的招待、礼品、烟酒开支",
    description=(
        "在禁止村级开支招待费的乡镇（hospitality_banned），一张凭证有下列证据之一：摘要含招待、"
        "宴请、烟酒、礼品、购物卡、白条等禁止用词；或借记名称含招待、接待等的费用科目（如"
        "“管理费用-招待费”）；或摘要提到接待、餐、宴、烟、酒等（先去掉酒精、烟花等另有所指的词），"
        "同时收款方按名称属餐饮、住宿、烟酒、礼品类（如某某农家乐、某某烟酒商行）。"
        "后两种只看有支出的凭证（借记费用科目或付出现金、银行存款），年终结转凭证除外；"
        "标记整张凭证，说明写明找到的每类证据。"
    ),
    basis=(
        sources.EIGHT_POINT_RULES, sources.FRUGALITY_REGULATION, sources.RECEPTION_RULES,
        sources.PARTY_DISCIPLINE, sources.VILLAGE_CADRE_INTEGRITY,
    ),
    test=_banned_test,
    explain=_banned_explain,
    thresholds=("hospitality_banned",),
    settings=(
        "keywords.banned_summary_terms", "keywords.hospitality_accounts",
        "keywords.hospitality_hints", "keywords.hint_exceptions", "keywords.hospitality_kinds",
        "keywords.counterparty_kinds",
    ),
)
