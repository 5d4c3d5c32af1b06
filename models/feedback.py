"""Learning from inspectors: past dispositions damp false alarms and raise confirmed patterns.

The data are never edited. A disposition applies to the same entry (same ``entry_id`` or
``content_hash``) and to its near twins: the same village, payee, first-level account and 摘要
(digits removed) with an amount within ``TWIN_AMOUNT_TOLERANCE``. Each applied disposition is
stated in the entry's reasons and counted in the run's model record.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.features.amounts import summary_stem

DECISIONS = ("confirmed", "explained", "false_alarm")
TWIN_AMOUNT_TOLERANCE = 0.1
# Risk multipliers: a false alarm damps the entry itself hard and its twins less; a confirmed
# finding halves the distance to 1 for the entry and its twins. "explained" changes nothing.
FALSE_ALARM_SAME = 0.2
FALSE_ALARM_TWIN = 0.5
CONFIRMED_PULL = 0.5
TWIN_FIELDS = ["town", "village", "counterparty", "account_code", "summary", "debit_fen",
               "credit_fen"]


def _twin_key(frame: pd.DataFrame) -> pd.Series:
    return (frame["town"] + "|" + frame["village"] + "|" + frame["counterparty"].str.strip()
            + "|" + frame["account_code"].str.slice(0, 3) + "|" + summary_stem(frame["summary"]))


def _amount(frame: pd.DataFrame) -> np.ndarray:
    return (frame["debit_fen"].abs() + frame["credit_fen"].abs()).to_numpy(dtype=np.float64)


# Each kind of mark a decision leaves on an entry, with its note; where an entry has several,
# the later one is said.
MARK_NOTES = {
    "false_alarm_twin": "同类分录曾被复核认定为误报，风险分已下调",
    "false_alarm_same": "本分录曾被复核认定为误报，风险分已下调",
    "confirmed_twin": "同类分录曾被复核确认为问题，风险分已上调",
    "confirmed_same": "本分录曾被复核确认为问题，风险分已上调",
}
MARKS = list(MARK_NOTES)


def apply_dispositions(
    entries: pd.DataFrame, risk: np.ndarray, dispositions: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted risk and, per entry, the note of the disposition applied ("" for none)."""
    return marked_risk(risk, disposition_marks(entries, dispositions))


def disposition_marks(entries: pd.DataFrame, dispositions: pd.DataFrame | None) -> pd.DataFrame:
    """The entries past decisions touch: ``position`` (row in ``entries``) and a boolean
    column per kind of mark (:data:`MARKS`): the entry itself or only a near twin was decided
    a false alarm or confirmed. Independent of the entries' risk, so it can be kept while the
    entries and the decisions stay the same."""
    none = pd.DataFrame({"position": np.zeros(0, dtype=np.int64),
                         **{mark: np.zeros(0, dtype=bool) for mark in MARKS}})
    if dispositions is None or dispositions.empty:
        return none
    unknown = set(dispositions["decision"]) - set(DECISIONS)
    if unknown:
        raise ValueError(f"未知的复核结论 {sorted(unknown)}，应为 {list(DECISIONS)}")
    past = dispositions[dispositions["decision"] != "explained"].copy()
    if "content_hash" not in past.columns:
        past["content_hash"] = ""
    past["content_hash"] = past["content_hash"].fillna("").astype("str")
    missing = [name for name in TWIN_FIELDS if name not in past.columns]
    if missing:  # the entries' own fields, where the past entry is still in the books
        fields = entries.drop_duplicates("entry_id").set_index("entry_id")[missing]
        past = past.join(fields, on="entry_id")
    same_id = {"confirmed": set(), "false_alarm": set()}
    for decision in same_id:
        chosen = past[past["decision"] == decision]
        same_id[decision] = (entries["entry_id"].isin(chosen["entry_id"])
                             | entries["content_hash"].isin(
                                 chosen["content_hash"][chosen["content_hash"] != ""])).to_numpy()
    twins = {decision: np.zeros(len(entries), dtype=bool) for decision in same_id}
    known = past.dropna(subset=TWIN_FIELDS)
    if not known.empty:
        keys = _twin_key(entries)
        candidates = pd.DataFrame({"key": keys.to_numpy(), "amount": _amount(entries),
                                   "row": np.arange(len(entries))})
        reviewed = pd.DataFrame({"key": _twin_key(known).to_numpy(), "past": _amount(known),
                                 "decision": known["decision"].to_numpy()})
        matched = candidates.merge(reviewed, on="key")
        close = (matched["amount"] - matched["past"]).abs() <= (
            TWIN_AMOUNT_TOLERANCE * matched["past"])
        for decision in twins:
            rows = matched.loc[close & (matched["decision"] == decision), "row"].to_numpy()
            twins[decision][rows] = True
    marks = {"false_alarm_twin": twins["false_alarm"] & ~same_id["false_alarm"],
             "false_alarm_same": same_id["false_alarm"],
             "confirmed_twin": twins["confirmed"] & ~same_id["confirmed"],
             "confirmed_same": same_id["confirmed"]}
    positions = np.flatnonzero(np.logical_or.reduce(list(marks.values())))
    return pd.DataFrame({"position": positions.astype(np.int64),
                         **{mark: marks[mark][positions] for mark in MARKS}})


def marked_risk(risk: np.ndarray, marks: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``risk`` after the decisions' ``marks`` (:func:`disposition_marks`), and each entry's
    note ("" where none applies)."""
    adjusted = risk.astype(np.float64).copy()
    notes = np.full(len(risk), "", dtype=object)
    rows = marks["position"].to_numpy()
    if not len(rows):
        return adjusted, notes
    mark = {name: marks[name].to_numpy(dtype=bool) for name in MARKS}
    chosen = adjusted[rows]
    chosen = np.where(mark["false_alarm_same"], chosen * FALSE_ALARM_SAME, chosen)
    chosen = np.where(mark["false_alarm_twin"], chosen * FALSE_ALARM_TWIN, chosen)
    chosen = np.where(mark["confirmed_same"] | mark["confirmed_twin"],
                      1 - (1 - chosen) * CONFIRMED_PULL, chosen)
    adjusted[rows] = chosen
    said = np.full(len(rows), "", dtype=object)
    for name in MARKS:
        said[mark[name]] = MARK_NOTES[name]
    notes[rows] = said
    return np.clip(adjusted, 0, 1), notes
