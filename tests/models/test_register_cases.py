"""Register findings become one case per subject, with its risk, reasons and decision key."""

from __future__ import annotations

import pandas as pd

from checks.registers.columns import REGISTER_FINDING_COLUMNS, empty_frame
from models.register_cases import register_cases, subject_entry_id, subject_lines


def _findings(*rows: dict) -> pd.DataFrame:
    base = {"town": "青石镇", "village": "下坝村", "subject_kind": "contract", "subject_id": "HT-1",
            "kind": "rule", "severity": "high", "periods": ["2024-04"], "amount_fen": 0,
            "reason": "", "entry_ids": [], "evidence": "{}", "content_hash": "c1"}
    frame = pd.DataFrame([{**base, **row} for row in rows])
    return frame[list(REGISTER_FINDING_COLUMNS)]


FOUND = _findings(
    {"check_id": "contract.low_price", "kind": "signal", "severity": "low", "reason": "低价",
     "amount_fen": 5_000},
    {"check_id": "contract.rent_overdue", "reason": "逾期", "amount_fen": 12_000,
     "entry_ids": ["e1"], "periods": ["2024-05"]},
    {"subject_kind": "asset", "subject_id": "ZC-1", "check_id": "asset.idle", "kind": "signal",
     "severity": "low", "reason": "闲置"},
)


def test_one_case_per_subject_rules_first_strongest_first():
    before = FOUND.copy()
    cases = register_cases(FOUND).set_index("subject_id")
    pd.testing.assert_frame_equal(FOUND, before)  # the input is not changed
    contract, asset = cases.loc["HT-1"], cases.loc["ZC-1"]
    assert contract["rule_ids"] == ["contract.rent_overdue"]
    assert contract["signals"] == ["contract.low_price"]
    assert contract["raised_by"] == "both" and asset["raised_by"] == "model"
    assert contract["reasons"] == ["逾期", "低价"]  # the rule's reason before the signal's
    assert contract["amount_fen"] == 12_000 and contract["entry_ids"] == ["e1"]
    assert contract["periods"] == ["2024-04", "2024-05"]
    assert contract["risk_score"] > asset["risk_score"] > 0
    assert register_cases(FOUND)["subject_id"].iloc[0] == "HT-1"  # strongest first


def test_the_case_id_follows_the_subject_and_the_content_hash_its_content():
    first = register_cases(FOUND).set_index("subject_id")
    corrected = FOUND.copy()
    corrected.loc[1, "content_hash"] = "c2"  # the agency corrected the contract's row
    again = register_cases(corrected).set_index("subject_id")
    assert (again["case_id"] == first["case_id"]).all()
    assert again.loc["HT-1", "content_hash"] != first.loc["HT-1", "content_hash"]
    assert again.loc["ZC-1", "content_hash"] == first.loc["ZC-1", "content_hash"]


def test_each_case_is_one_subject_line_in_the_villages_last_period():
    cases = register_cases(FOUND)
    subjects = pd.DataFrame([{"town": "青石镇", "village": "下坝村", "subject_kind": "contract",
                              "subject_id": "HT-1", "name": "鱼塘租赁合同",
                              "counterparty": "王大虎", "source_file": "合同台账.csv",
                              "source_sheet": "", "source_row": 5,
                              "terms": {"年租金（元）": "1.00"}}])
    lines = subject_lines(cases, subjects, {("青石镇", "下坝村"): "2024-12"}).set_index("entry_id")
    contract = lines.loc[subject_entry_id("青石镇", "下坝村", "contract", "HT-1")]
    assert (contract["period"], contract["counterparty"], contract["source_row"]) == (
        "2024-12", "王大虎", 5)
    assert contract["summary"] == "鱼塘租赁合同" and contract["voucher_no"] == "合同 HT-1"
    asset = lines.loc[subject_entry_id("青石镇", "下坝村", "asset", "ZC-1")]
    assert asset["summary"] == "闲置"  # no register row known: its first reason
    assert register_cases(empty_frame(REGISTER_FINDING_COLUMNS)).empty
