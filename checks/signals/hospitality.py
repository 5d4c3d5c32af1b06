"""Spending paid to a restaurant, a tobacco and liquor shop or a gift shop, but booked as
something else: the payee's kind (told by its name) says meals, tobacco or gifts, while the 摘要
and the account name say nothing of the kind — 购办公用品 paid to a 农家乐.

One kind of evidence is not enough for a breach (:mod:`checks.rules.summary`); where the 摘要 or
the account does say so, the rule judges it, and the signal stays silent. Unlike the rule, the
signal looks everywhere, whether or not the town bans hospitality: a meal booked as office
supplies is a misstatement either way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks import sources
from checks.context import CheckContext
from checks.prepared import per_group_any
from checks.signals.signal import Signal, hits, no_hits
from checks.wording import join, joined_per_group, texts, voucher_labels


def _find(frame: pd.DataFrame, context: CheckContext) -> pd.DataFrame:
    key = frame["voucher_key"].to_numpy()
    kinds = context.params.signals.hospitality_payee_kinds
    payee = np.isin(frame["counterparty_kind"].to_numpy(dtype=object), list(kinds))
    debit = (frame["debit_fen"] > 0).to_numpy()
    said_so = per_group_any(
        frame["hospitality_term"].to_numpy() | frame["hospitality_hint"].to_numpy()
        | (frame["hospitality_account"].to_numpy() & debit),
        key,
    )
    marked = np.flatnonzero(
        per_group_any(payee, key) & frame["voucher_spends"].to_numpy() & ~said_so
    )
    if not len(marked):
        return no_hits()
    lines = frame.iloc[marked]
    keys = lines["voucher_key"].to_numpy()
    paid = lines[payee[marked]]
    payees = joined_per_group(
        paid["voucher_key"], join("“", texts(paid["counterparty"]), "”（按名称属",
                                  texts(paid["counterparty_kind"]), "类）"))
    spent = lines[(lines["is_expense"] & lines["debit_fen"].gt(0)).to_numpy()]
    accounts = joined_per_group(spent["voucher_key"], spent["account_name"]).reindex(keys)
    booked = np.where(accounts.isna(), "", join("、记入“", texts(accounts), "”"))
    summaries = joined_per_group(keys, lines["summary"]).reindex(keys)
    return hits(marked, join(
        "凭证 ", voucher_labels(lines), " 付给", texts(payees.reindex(keys)), "，摘要却为“",
        texts(summaries), "”", booked.astype(object), "，没有招待、餐饮、烟酒、礼品等字样",
    ))


HOSPITALITY_PAYEE = Signal(
    id="signal.hospitality_payee",
    name="餐饮烟酒商户的支出记作其他开支",
    description=(
        "有支出的凭证（借记费用科目或付出现金、银行存款）付给按名称属餐饮、烟酒、礼品类的收款方"
        "（如某某农家乐、某某烟酒商行），而摘要和费用科目都没有招待、餐、酒、礼品等字样，"
        "可能以办公用品等名义报销吃喝、烟酒、礼品；标记整张凭证。"
    ),
    basis=(sources.TRUE_RECORDS, sources.FRUGALITY_REGULATION, sources.PARTY_DISCIPLINE),
    find=_find,
    settings=("signals.hospitality_payee_kinds", "keywords.counterparty_kinds"),
    links=("counterparty",),
)
