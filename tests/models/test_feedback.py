"""Inspectors' dispositions: false alarms and their near twins damped, confirmed raised."""

import numpy as np
import pandas as pd
import pytest

from models.feedback import apply_dispositions
from tests.models.vouchers import ledger, payment


def _entries() -> pd.DataFrame:
    entries = ledger(
        payment(1, 100_000, counterparty="农家乐", summary="购办公用品"),
        payment(2, 105_000, counterparty="农家乐", summary="购办公用品"),   # twin: within 10 %
        payment(3, 300_000, counterparty="农家乐", summary="购办公用品"),   # amount too far
        payment(4, 100_000, counterparty="五金店", summary="购办公用品"),   # other payee
    )
    entries["content_hash"] = "h" + entries["entry_id"]
    return entries


def _row(entries: pd.DataFrame, number: int) -> int:
    return int(np.flatnonzero((entries["voucher_number"] == number)
                              & (entries["line_no"] == 1))[0])


def test_false_alarm_damps_the_entry_and_its_near_twin_only():
    entries = _entries()
    risk = np.full(len(entries), 0.8)
    first = entries.iloc[_row(entries, 1)]
    dispositions = pd.DataFrame({"entry_id": [first["entry_id"]], "content_hash": [""],
                                 "decision": ["false_alarm"]})
    adjusted, notes = apply_dispositions(entries, risk, dispositions)
    assert adjusted[_row(entries, 1)] == pytest.approx(0.16)
    assert adjusted[_row(entries, 2)] == pytest.approx(0.4)
    assert adjusted[_row(entries, 3)] == pytest.approx(0.8)
    assert adjusted[_row(entries, 4)] == pytest.approx(0.8)
    assert notes[_row(entries, 1)] == "本分录曾被复核认定为误报，风险分已下调"
    assert notes[_row(entries, 2)] == "同类分录曾被复核认定为误报，风险分已下调"
    assert notes[_row(entries, 4)] == ""
    assert (risk == 0.8).all()  # the input is not changed


def test_confirmed_raises_by_content_hash_and_explained_changes_nothing():
    entries = _entries()
    risk = np.full(len(entries), 0.4)
    fourth = entries.iloc[_row(entries, 4)]
    dispositions = pd.DataFrame({
        "entry_id": ["gone", "e0000"], "content_hash": [fourth["content_hash"], ""],
        "decision": ["confirmed", "explained"],
    })
    adjusted, notes = apply_dispositions(entries, risk, dispositions)
    assert adjusted[_row(entries, 4)] == pytest.approx(0.7)
    assert notes[_row(entries, 4)] == "本分录曾被复核确认为问题，风险分已上调"
    assert adjusted[_row(entries, 1)] == pytest.approx(0.4)


def test_twins_of_an_entry_no_longer_in_the_books_come_from_its_recorded_fields():
    entries = _entries()
    dispositions = pd.DataFrame({
        "entry_id": ["old"], "content_hash": ["old"], "decision": ["false_alarm"],
        "town": ["青石镇"], "village": ["下坝村"], "counterparty": ["农家乐"],
        "account_code": ["541001"], "summary": ["购办公用品"], "debit_fen": [102_000],
        "credit_fen": [0],
    })
    adjusted, _ = apply_dispositions(entries, np.full(len(entries), 0.5), dispositions)
    assert adjusted[_row(entries, 1)] == pytest.approx(0.25)
    assert adjusted[_row(entries, 3)] == pytest.approx(0.5)


def test_unknown_decision_is_refused():
    with pytest.raises(ValueError, match="未知的复核结论"):
        apply_dispositions(_entries(), np.zeros(8),
                           pd.DataFrame({"entry_id": ["e0000"], "content_hash": [""],
                                         "decision": ["maybe"]}))


def test_dispositions_without_content_hashes_match_by_entry_id():
    entries = _entries()
    dispositions = pd.DataFrame({"entry_id": [entries["entry_id"].iloc[0]],
                                 "decision": ["confirmed"]})
    adjusted, _ = apply_dispositions(entries, np.full(len(entries), 0.6), dispositions)
    assert adjusted[0] == pytest.approx(0.8)
