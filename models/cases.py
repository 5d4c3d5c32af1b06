"""Cases: what an inspector decides, made of a town's flagged entries (docs/review-workspace.md).

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
import re
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
# What makes two facts of the same kind different: quoted names and summaries, numbers, dates,
# and the other entry a fact names (its voucher and its id, 〔分录 …〕: models/wording.py).
_PARTICULARS = re.compile(r"“[^”]*”|「[^」]*」|凭证 [^〔]*〔[^〕]*〕|\d[\d,.:-]*")


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
    case = pd.factorize(np.array([_root(parent, row) for row in range(len(rows))]))[0]
    frame = _cases(rows.assign(case=case))
    case_ids = frame["case_id"].to_numpy()[case]
    order = frame.sort_values(["risk_score", "amount_fen"], ascending=False, kind="stable")
    return (pd.Series(case_ids, index=flagged.index, dtype="str"),
            order.reset_index(drop=True)[CASE_COLUMNS])


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


def _cases(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per ``case`` (numbered 0, 1, … in ``rows``). A town's flagged lines are a few
    hundred to a few thousand: one pass over them in Python costs less than the fixed cost of
    the dozen groupbys it replaces, paid once per town."""
    columns = ["case", "entry_id", "town", "village", "period", "voucher_word",
               "voucher_number", "voucher_no", "line_no", "debit_fen", "credit_fen",
               "risk_score", "reasons"]
    lines = list(zip(*(rows[name].tolist() for name in columns), rows["rule_ids"].tolist(),
                     rows["signals"].tolist(), strict=True))
    lines.sort(key=lambda line: (line[0], line[4], line[5], line[6], line[8]))
    built: dict[int, _Case] = {}
    for line in lines:
        built.setdefault(line[0], _Case(town=line[2], village=line[3])).add(line)
    return pd.DataFrame([built[case].row() for case in sorted(built)], columns=CASE_COLUMNS)


class _Case:
    """A case's fields, gathered line by line (lines in voucher and line order)."""

    def __init__(self, town: str, village: str) -> None:
        self.town, self.village = town, village
        self.entry_ids: list[str] = []
        self.periods: set[str] = set()
        self.rule_ids: dict[str, None] = {}
        self.signals: dict[str, None] = {}
        self.vouchers: dict[tuple, list[int]] = {}  # (period, word, number) → [debit, credit]
        self.labels: list[str] = []
        self.risks: list[tuple[float, str]] = []
        self.unruled = False

    def add(self, line: tuple) -> None:
        (_, entry_id, _, _, period, word, number, voucher_no, _, debit, credit, risk, reasons,
         rule_ids, signals) = line
        self.entry_ids.append(entry_id)
        self.periods.add(period)
        self.rule_ids.update(dict.fromkeys(rule_ids or ()))
        self.signals.update(dict.fromkeys(signals or ()))
        self.unruled |= not rule_ids
        key = (period, word, number)
        if key not in self.vouchers:
            self.vouchers[key] = [0, 0]
            self.labels.append(f"{period} {voucher_no}")
        self.vouchers[key][0] += abs(int(debit))
        self.vouchers[key][1] += abs(int(credit))
        self.risks.append((float(risk), str(reasons)))

    def row(self) -> list:
        rule_ids, signals = list(self.rule_ids), list(self.signals)
        strongest = max(risk for risk, _ in self.risks)
        sources = len(rule_ids) + len(signals)
        risk = 1 - (1 - strongest) * (1 - AGREEMENT) ** max(sources - 1, 0)
        other = bool(signals) or self.unruled
        raised_by = "both" if rule_ids and other else "rule" if rule_ids else "model"
        ordered = sorted(self.risks, key=lambda item: -item[0])  # stable: strongest first
        facts = [fact for _, text in ordered for fact in text.split(REASON_SEPARATOR) if fact]
        return [
            _case_id(self.entry_ids), "pattern" if len(self.labels) > 1 else "voucher",
            _subject(self.labels), self.town, self.village, sorted(self.periods), rule_ids,
            signals, round(risk, 4), raised_by,
            sum(max(sides) for sides in self.vouchers.values()),
            _each_fact_once(facts), self.entry_ids,
        ]


def _each_fact_once(facts: list[str]) -> list[str]:
    """The facts in order, each once: a fact said of several lines in the same words but for
    their own amounts, dates and names (a roster's "金额 800.00 元为整百元…" per payee) is
    given once, for the strongest line, with how many more lines it holds for."""
    kinds: dict[str, dict[str, None]] = {}
    for fact in facts:
        kinds.setdefault(_PARTICULARS.sub("", fact), {})[fact] = None
    return [first if len(said) == 1 else f"{first}（另有 {len(said) - 1} 处同类）"
            for first, said in ((next(iter(said)), said) for said in kinds.values())]


def _subject(labels: list[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    shown = "、".join(labels[:SHOWN_VOUCHERS])
    return shown if len(labels) <= SHOWN_VOUCHERS else f"{shown} 等 {len(labels)} 张凭证"


def _case_id(entry_ids: list[str]) -> str:
    text = "\x1f".join([HASH_KEY, *sorted(entry_ids)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]
