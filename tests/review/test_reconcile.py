"""What a run changes for known cases, as a pure function of literal frames."""

from __future__ import annotations

import pandas as pd

from review.aggregates import payee_periods
from review.reconcile import among, case_changes, classify_changes


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns).astype("str")


KNOWN = _frame(
    [
        ("same", "青石镇", "下坝村", "2023-03", "h1", "open"),
        ("fixed", "青石镇", "下坝村", "2023-03", "h1", "open"),
        ("gone", "青石镇", "下坝村", "2023-03", "h1", "open"),
        ("elsewhere", "白沙镇", "河口村", "2023-03", "h1", "open"),
        ("old", "青石镇", "下坝村", "2023-03", "h1", "resolved"),
    ],
    ["entry_id", "town", "village", "period", "content_hash", "status"],
)


def test_each_kind_of_change_is_recognised_and_only_loaded_cells_resolve():
    findings = _frame(
        [
            ("same", "青石镇", "下坝村", "h1"),
            ("fixed", "青石镇", "下坝村", "h2"),
            ("fresh", "青石镇", "下坝村", "h1"),
            ("old", "青石镇", "下坝村", "h1"),  # resolved before, flagged again: new
        ],
        ["entry_id", "town", "village", "content_hash"],
    )
    scope = _frame([("青石镇", "下坝村", "2023-03")], ["town", "village", "period"])
    changes = classify_changes(known_cases=KNOWN, findings=findings, scope=scope)
    kinds = dict(zip(changes["entry_id"], changes["change"], strict=True))
    assert kinds == {
        "same": "unchanged",
        "fixed": "changed",
        "fresh": "new",
        "old": "new",
        "gone": "resolved",
    }
    assert changes.set_index("entry_id").loc["fixed", "previous_hash"] == "h1"


def test_payee_history_keeps_only_the_payees_of_findings_in_their_town():
    entries = pd.DataFrame(
        {
            "town": ["青石镇", "青石镇", "青石镇", "白沙镇"],
            "village": ["下坝村", "上坝村", "下坝村", "河口村"],
            "period": ["2023-03", "2023-04", "2023-03", "2023-03"],
            "counterparty": ["张三", "张三", "李四", "张三"],
            "debit_fen": [100, 200, 300, 400],
            "credit_fen": [0, 0, 0, 0],
        }
    )
    findings = entries.iloc[[0]]
    history = payee_periods(entries, findings)
    assert sorted(history["village"]) == ["上坝村", "下坝村"]
    assert history["debit_fen"].sum() == 300


def test_texts_are_matched_as_isin_matches_them():
    values = pd.Series(["青石镇/下坝村/2023-03/记-1/1", "b", None, "c"], dtype="str")
    for candidates in (pd.Index(["青石镇/下坝村/2023-03/记-1/1", "c"]), ["b", None], [],
                       pd.Series(["c"], dtype="str")):
        assert among(values, candidates).tolist() == values.isin(candidates).tolist()


def test_cases_are_new_changed_unchanged_or_resolved_as_wholes():
    cell = ("青石镇", "下坝村", "2023-03")
    known = _frame(
        [
            ("a1", *cell, "h", "open", "A"), ("a2", *cell, "h", "open", "A"),  # unchanged
            ("b1", *cell, "h", "open", "B"),  # b1 corrected: B changed
            ("c1", *cell, "h", "open", "C"),  # joined by a new line: a new case, changed
            ("d1", *cell, "h", "open", "D"), ("d2", *cell, "h", "open", "D"),  # resolved
            ("e1", *cell, "h", "open", "E"), ("e2", *cell, "h", "open", "E"),  # half resolved
        ],
        ["entry_id", "town", "village", "period", "content_hash", "status", "case_id"],
    )
    findings = _frame(
        [("a1", *cell[:2], "h", "A"), ("a2", *cell[:2], "h", "A"), ("b1", *cell[:2], "h2", "B"),
         ("c1", *cell[:2], "h", "C2"), ("c9", *cell[:2], "h", "C2"), ("e1", *cell[:2], "h", "E2"),
         ("n1", *cell[:2], "h", "N")],
        ["entry_id", "town", "village", "content_hash", "case_id"],
    )
    scope = _frame([cell], ["town", "village", "period"])
    changes = classify_changes(known_cases=known, findings=findings, scope=scope)
    counts = case_changes(known_cases=known, findings=findings, changes=changes)
    # A unchanged; B, C2 (regrouped) and E2 (a line left it) changed; N new; D resolved
    assert counts == {"new": 1, "resolved": 1, "changed": 3, "unchanged": 1}
