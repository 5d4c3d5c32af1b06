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


def _lines(rows: list[tuple]) -> pd.DataFrame:
    """Journal lines: (town, village, period, voucher number, account, counterparty, debit,
    credit), all of voucher word 记."""
    frame = pd.DataFrame(rows, columns=["town", "village", "period", "voucher_number",
                                        "account_code", "counterparty", "debit_fen",
                                        "credit_fen"])
    return frame.assign(voucher_word="记").astype(
        {"voucher_number": "int64", "debit_fen": "int64", "credit_fen": "int64"})


def test_payee_history_keeps_only_the_payees_of_findings_in_their_town():
    entries = _lines([
        ("青石镇", "下坝村", "2023-03", 1, "541", "张三", 100, 0),
        ("青石镇", "下坝村", "2023-03", 1, "102", "", 0, 100),
        ("青石镇", "上坝村", "2023-04", 1, "541", "张三", 200, 0),
        ("青石镇", "上坝村", "2023-04", 1, "101", "", 0, 200),
        ("青石镇", "下坝村", "2023-03", 2, "541", "李四", 300, 0),
        ("白沙镇", "河口村", "2023-03", 1, "541", "张三", 400, 0),
    ])
    history = payee_periods(entries, entries.iloc[[0]])
    assert sorted(history["village"]) == ["上坝村", "下坝村"]
    assert history["paid_fen"].sum() == 300
    assert history["n_vouchers"].sum() == 2


def test_payee_history_counts_what_moved_once_whichever_lines_name_the_payee():
    cell = ("青石镇", "下坝村", "2023-03")
    entries = _lines([
        # the payee on both lines of a payment: paid once, not "借方 500 / 贷方 500"
        (*cell, 1, "541", "张三", 50_000, 0), (*cell, 1, "102", "张三", 0, 50_000),
        # a roster: two payees' debits share one bank credit
        (*cell, 2, "541", "张三", 30_000, 0), (*cell, 2, "541", "李四", 30_000, 0),
        (*cell, 2, "102", "", 0, 60_000),
        # rent received from the payee, named on the income line only
        (*cell, 3, "102", "", 80_000, 0), (*cell, 3, "511", "张三", 0, 80_000),
        # an amount payable booked, no cash or bank: a transfer
        (*cell, 4, "541", "张三", 20_000, 0), (*cell, 4, "211", "张三", 0, 20_000),
        # the payee's debit larger than the voucher's bank credit: paid at most what left
        (*cell, 5, "541", "张三", 10_000, 0), (*cell, 5, "211", "", 0, 6_000),
        (*cell, 5, "102", "", 0, 4_000),
    ])
    before = entries.copy()
    history = payee_periods(entries, entries.iloc[[0]]).set_index("counterparty")
    assert history.loc["张三", ["paid_fen", "received_fen", "transfer_fen", "n_vouchers"]
                       ].tolist() == [50_000 + 30_000 + 4_000, 80_000, 20_000, 5]
    assert history.loc["张三", "n_lines"] == 7
    assert "李四" not in history.index  # not named in a finding
    pd.testing.assert_frame_equal(entries, before)


def test_payee_history_of_no_payee_is_empty_with_its_columns():
    entries = _lines([("青石镇", "下坝村", "2023-03", 1, "541", "", 100, 0)])
    history = payee_periods(entries, entries)
    assert history.empty and "paid_fen" in history.columns


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
