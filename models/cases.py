"""Cases: what an inspector decides, made of a town's flagged entries (FORMATS.md §4).

A case is a voucher with all its flagged lines, or a pattern spanning vouchers: the entries a
rule or signal ties together through the columns it ``links`` (a split payment's payee, a
broken numbering sequence's period and word, the day of a cash balance). Vouchers sharing a
linked entry are one case, so a case never splits a voucher.

A case's risk is its strongest line's, raised a little for each further piece of evidence
that agrees (another rule, another signal); it is raised by a rule, by the model and signals,
or by both; the amount at stake is, per voucher, the larger of
its flagged lines' debits and credits, summed over the case's vouchers. ``case_id`` is a hash
of the case's entry ids: it stays while the case holds the same lines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from models.ranking import REASON_SEPARATOR

VOUCHER_KEY = ["town", "village", "period", "voucher_word", "voucher_number"]
CASE_COLUMNS = [
    "case_id", "subject_kind", "subject_id", "town", "village", "periods", "rule_ids",
    "signals", "risk_score", "raised_by", "amount_fen", "reasons", "entry_ids",
]
# Each further rule or signal that agrees removes this share of the case's remaining doubt.
AGREEMENT = 0.1
SHOWN_VOUCHERS = 3
HASH_KEY = "sanzi-audit-case-1"


def town_cases(
    flagged: pd.DataFrame, links: Mapping[str, tuple[str, ...]]
) -> tuple[pd.Series, pd.DataFrame]:
    """The cases of one town's flagged entries, and each entry's case id.

    ``flagged`` holds the entries' canonical fields and their ``rule_ids``, ``signals`` (lists),
    ``risk_score`` and ``reasons``; ``links`` maps a rule or signal id to the columns that tie
    the entries it marks together. Returns the case id per row of ``flagged`` and one row per
    case (:data:`CASE_COLUMNS`), strongest first.
    """
    if flagged.empty:
        return pd.Series([], index=flagged.index, dtype="str"), empty_cases()
    rows = flagged.reset_index(drop=True)
    parent = np.arange(len(rows))
    _join(parent, rows.groupby(VOUCHER_KEY, sort=False).indices.values())
    for found in ("rule_ids", "signals"):
        ids = rows[found].explode().dropna()
        for finding, columns in links.items():
            marked = ids.index[ids == finding].unique()
            if len(marked) > 1:
                subset = rows.loc[marked, ["town", "village", *columns]]
                groups = subset.groupby(list(subset.columns), sort=False).indices.values()
                _join(parent, [marked.to_numpy()[group] for group in groups])
    root = np.array([_root(parent, row) for row in range(len(rows))])
    sets = _members(root)
    frame = pd.DataFrame([_case(rows.iloc[members]) for members in sets], columns=CASE_COLUMNS)
    case_ids = np.empty(len(rows), dtype=object)
    for members, case_id in zip(sets, frame["case_id"], strict=True):
        case_ids[members] = case_id
    order = frame.sort_values(["risk_score", "amount_fen"], ascending=False, kind="stable")
    return (pd.Series(case_ids, index=flagged.index, dtype="str"),
            order.reset_index(drop=True))


def empty_cases() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="object") for name in CASE_COLUMNS})


def _join(parent: np.ndarray, groups) -> None:
    """Put each group's rows in one set (union-find by the first row of the group)."""
    for group in groups:
        if len(group) < 2:
            continue
        first = _root(parent, int(group[0]))
        for row in group[1:]:
            other = _root(parent, int(row))
            if other != first:
                parent[other] = first


def _root(parent: np.ndarray, row: int) -> int:
    while parent[row] != row:
        parent[row] = parent[parent[row]]
        row = parent[row]
    return row


def _members(root: np.ndarray) -> list[np.ndarray]:
    """The rows of each set (in row order), sets in the order of their first row."""
    by_root = np.argsort(root, kind="stable")
    bounds = np.flatnonzero(np.diff(root[by_root])) + 1
    sets = np.split(by_root, bounds)
    return sorted(sets, key=lambda members: members[0])


def _case(lines: pd.DataFrame) -> list:
    lines = lines.sort_values(["period", "voucher_word", "voucher_number", "line_no"],
                              kind="stable")
    vouchers = lines.drop_duplicates(VOUCHER_KEY)
    rule_ids = _union(lines["rule_ids"])
    signals = _union(lines["signals"])
    model = bool(signals) or (lines["rule_ids"].map(len) == 0).any()
    strongest = float(lines["risk_score"].max())
    sources = len(rule_ids) + len(signals)
    risk = 1 - (1 - strongest) * (1 - AGREEMENT) ** max(sources - 1, 0)
    labels = (vouchers["period"] + " " + vouchers["voucher_no"]).tolist()
    if len(vouchers) == 1:
        kind, subject = "voucher", labels[0]
    else:
        shown = "、".join(labels[:SHOWN_VOUCHERS])
        kind, subject = "pattern", (
            shown if len(labels) <= SHOWN_VOUCHERS else f"{shown} 等 {len(labels)} 张凭证")
    raised_by = "both" if rule_ids and model else "rule" if rule_ids else "model"
    return [
        _case_id(lines["entry_id"]), kind, subject, lines["town"].iloc[0],
        lines["village"].iloc[0], sorted(lines["period"].unique().tolist()), rule_ids, signals,
        round(risk, 4), raised_by, _amount_fen(lines), _reasons(lines), lines["entry_id"].tolist(),
    ]


def _union(lists: pd.Series) -> list[str]:
    return list(dict.fromkeys(item for items in lists for item in items))


def _amount_fen(lines: pd.DataFrame) -> int:
    """Per voucher, the larger of its flagged lines' debits and credits; summed."""
    sums = lines.assign(debit=lines["debit_fen"].abs(), credit=lines["credit_fen"].abs()).groupby(
        VOUCHER_KEY, sort=False)[["debit", "credit"]].sum()
    return int(sums.max(axis=1).sum())


def _reasons(lines: pd.DataFrame) -> list[str]:
    """Each fact once, from the strongest lines first."""
    strongest = lines.sort_values("risk_score", ascending=False, kind="stable")
    facts = (fact for text in strongest["reasons"] for fact in text.split(REASON_SEPARATOR))
    return list(dict.fromkeys(fact for fact in facts if fact))


def _case_id(entry_ids: pd.Series) -> str:
    text = "\x1f".join([HASH_KEY, *sorted(entry_ids)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]
