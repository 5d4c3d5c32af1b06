"""Who counts as a cadre (村干部) of a village, for the related-party check
(``contract.related_party``): the county's list, the people the books pay as cadres, and the
people who keep the village's books.

The books pay someone as a cadre on evidence taken together, as the banned-spending rule tells
hospitality (:mod:`checks.rules.summary`), not on a pay word alone — 工资, 误工补贴 and 补助 are
paid to cleaners, 村民小组长 and day labourers too. A journal line pays a cadre when

- it pays a person: a debit whose counterparty is no organisation (by the name's ending or kind,
  ``keywords.organisation_suffixes`` and ``keywords.counterparty_kinds``);
- and either it debits 应付工资 (the pay owed to the collective's 管理人员 and 固定员工: 211 in the
  2004 chart, 212 in the 2023 chart, found by name in the chart in force), or its 摘要 or
  account name holds both a pay word (``registers.cadre_pay_terms``: 干部报酬, 误工补贴, 工资 …)
  and a word naming cadres (``registers.cadre_titles``: 干部, 两委, 书记, 主任 …).

So 发放5月村干部报酬 paid out of 应付工资 to 张三 makes 张三 a cadre, and so does 书记误工补贴
booked to 管理费用; 村民小组长误工补贴 or 临时用工工资 booked to 管理费用 does not, nor 干部
工资 paid to a company. The reason names the first line that shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from checks.params import AuditParams
from checks.prepared import contains_any, is_organisation
from checks.registers.books import TownBooks
from checks.registers.ledger import name_key
from checks.wording import join, texts, voucher_labels

PAY_ACCOUNT_KIND = "wages_payable"  # checks.registers.ledger.ACCOUNT_KINDS: 应付工资
KEEPERS = (("preparer", "制单人"), ("reviewer", "审核人"), ("bookkeeper", "记账人"))
PAID_AS_CADRE = "账上领取干部报酬"


@dataclass(frozen=True)
class Cadre:
    """Why a person counts as a cadre of a village and, when the books show it, where."""

    why: str
    shown_by: str = ""


def cadre_pay_lines(lines: pd.DataFrame, params: AuditParams) -> np.ndarray:
    """Per line of :func:`checks.registers.ledger.ledger_lines`: whether it pays a cadre
    (module docstring)."""
    settings = params.registers
    summary, account = lines["summary"], lines["account_name"]
    pay = contains_any(summary, settings.cadre_pay_terms) \
        | contains_any(account, settings.cadre_pay_terms)
    titled = contains_any(summary, settings.cadre_titles) \
        | contains_any(account, settings.cadre_titles)
    pay_account = (lines["kind"] == PAY_ACCOUNT_KIND).to_numpy(dtype=bool)
    paid = ((lines["debit_fen"] > 0) & (lines["name_key"] != "")).to_numpy(dtype=bool) \
        & (pay_account | (pay & titled))
    rows = np.flatnonzero(paid)
    paid[rows] = ~is_organisation(lines["counterparty"].iloc[rows], params.keywords)
    return paid


def _paid_cadres(books: TownBooks, params: AuditParams) -> dict[tuple[str, str], Cadre]:
    """(village, comparable name) → the first line paying the person as a cadre, in words:
    "2023-05 记-3“发放5月村干部报酬”，借记“应付工资”"."""
    lines = books.lines
    rows = np.flatnonzero(cadre_pay_lines(lines, params))
    if not len(rows):
        return {}
    paid = lines.iloc[rows]
    entries = books.entries.iloc[rows]  # ledger_lines keeps the entries' order, row for row
    debited = np.where((paid["kind"] == PAY_ACCOUNT_KIND).to_numpy(dtype=bool),
                       join("，借记“", texts(paid["account_name"]), "”"), "")
    shown = pd.DataFrame({
        "village": paid["village"].array, "name_key": paid["name_key"].array,
        "date": paid["date"].array,
        "shown_by": join(voucher_labels(entries), "“", texts(paid["summary"]), "”",
                         debited.astype(object)),
    }).sort_values("date", kind="stable").drop_duplicates(["village", "name_key"])
    return {(village, key): Cadre(PAID_AS_CADRE, text) for village, key, text in zip(
        shown["village"], shown["name_key"], shown["shown_by"], strict=True)}


def village_cadres(books: TownBooks, params: AuditParams) -> dict[tuple[str, str], Cadre]:
    """(village or "" for the county's list, comparable name) → why the person counts as a
    cadre of the village: on the county's list, paid as a cadre, or keeping its books."""
    known = {("", name_key(name)): Cadre("在本县提供的村干部名单中")
             for name in params.registers.cadres}
    known |= _paid_cadres(books, params)
    entries = books.entries
    for column, role in KEEPERS:
        for village, person in entries[["village", column]].drop_duplicates().itertuples(
                index=False):
            known.setdefault((village, name_key(person)), Cadre(f"本村账套的{role}"))
    known.pop(("", ""), None)
    return {key: cadre for key, cadre in known.items() if key[1]}
