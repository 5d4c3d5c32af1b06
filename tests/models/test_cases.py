"""Cases: a voucher with its flagged lines, or a pattern a rule or signal links across vouchers."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from checks.rules import RULES
from checks.signals import SIGNALS
from models.cases import CASE_COLUMNS, town_cases
from tests.entries import make_entries

LINKS = {finding.id: finding.links for finding in (*RULES, *SIGNALS) if finding.links}


def _flagged(rows: list[dict]) -> pd.DataFrame:
    """Flagged entries as a town's report holds them: fields, findings, risk and reasons."""
    findings = [(row.pop("rule_ids", []), row.pop("signals", []), row.pop("risk", 0.5),
                 row.pop("reasons", "")) for row in rows]
    entries = make_entries(rows)
    lists = pd.ArrowDtype(pa.list_(pa.string()))
    return entries.assign(
        rule_ids=pd.Series([found[0] for found in findings], dtype=lists, index=entries.index),
        signals=pd.Series([found[1] for found in findings], dtype=lists, index=entries.index),
        risk_score=[found[2] for found in findings],
        reasons=pd.Series([found[3] for found in findings], dtype="str", index=entries.index),
    )


def _line(number: int, **fields) -> dict:
    return {"voucher_number": number, "voucher_date": "2023-05-06", "period": "2023-05",
            **fields}


def test_a_vouchers_flagged_lines_are_one_case_with_each_fact_once():
    flagged = _flagged([
        _line(7, line_no=1, debit_fen=120000, rule_ids=["summary.banned_item"], risk=0.9,
              reasons="摘要含“招待”；整数金额"),
        _line(7, line_no=2, credit_fen=120000, rule_ids=["summary.banned_item"], risk=0.9,
              reasons="摘要含“招待”"),
        _line(8, debit_fen=500, signals=["signal.weekend"], risk=0.4, reasons="周末记账"),
    ])
    case_ids, cases = town_cases(flagged, LINKS)
    assert list(cases.columns) == CASE_COLUMNS
    assert len(cases) == 2 and case_ids.nunique() == 2
    first = cases.iloc[0]
    assert (first["subject_kind"], first["subject_id"]) == ("voucher", "2023-05 记-7")
    assert first["reasons"] == ["摘要含“招待”", "整数金额"]
    assert first["amount_fen"] == 120000  # the larger side, not both sides
    assert first["raised_by"] == "rule" and cases.iloc[1]["raised_by"] == "model"
    assert first["entry_ids"] == flagged["entry_id"].iloc[:2].tolist()
    assert case_ids.iloc[0] == case_ids.iloc[1] == first["case_id"]


def test_a_fact_said_of_many_lines_is_given_once_with_how_many_more():
    """A roster: every payee's line says the same thing for its own name and amount."""
    roster = [_line(4, line_no=n, debit_fen=80000, counterparty=name, risk=0.7 - n / 100,
                    signals=["signal.round_amount"],
                    reasons=f"摘要“误工补贴-{name}”含“补贴”；金额 {800 + n}.00 元为整百元")
              for n, name in enumerate(["毛芬文", "江亮芬", "崔芳艳"], start=1)]
    _, cases = town_cases(_flagged(roster), LINKS)
    assert cases.iloc[0]["reasons"] == [
        "摘要“误工补贴-毛芬文”含“补贴”（另有 2 处同类）", "金额 801.00 元为整百元（另有 2 处同类）"]


def test_facts_naming_other_entries_keep_the_first_with_its_entry():
    """A roster listing two cadres: each line names its own cadre's pay line; the case says
    it once, naming the strongest line's, so its link leads to an entry."""
    said = [f"发放名单上的「{name}」在凭证 本村 2023-0{month} 记-{month + 4}〔分录 {entry}〕"
            "领取报酬（本名单共 2 名此类人员）"
            for name, month, entry in (("张建国", 1, "a1b2c3d4e5f60718"),
                                       ("李主任", 2, "ffee000011112222"))]
    roster = [_line(4, line_no=n + 1, debit_fen=50000, risk=0.8 - n / 10, reasons=text)
              for n, text in enumerate(said)]
    _, cases = town_cases(_flagged(roster), LINKS)
    assert cases.iloc[0]["reasons"] == [f"{said[0]}（另有 1 处同类）"]


def test_a_split_payment_across_vouchers_is_one_case_per_payee():
    split = {"rule_ids": ["works.split_payment"], "risk": 0.8, "reasons": "拆分支付"}
    flagged = _flagged([
        _line(1, debit_fen=60000, counterparty="宏远建筑", **split),
        _line(2, debit_fen=50000, counterparty="宏远建筑", **split),
        _line(3, debit_fen=70000, counterparty="另一公司", **split),
        _line(4, debit_fen=70000, counterparty="另一公司", village="上坝村", **split),
    ])
    case_ids, cases = town_cases(flagged, LINKS)
    assert case_ids.iloc[0] == case_ids.iloc[1]
    assert len({case_ids.iloc[1], case_ids.iloc[2], case_ids.iloc[3]}) == 3  # payee, village
    pattern = cases[cases["subject_kind"] == "pattern"].iloc[0]
    assert pattern["subject_id"] == "2023-05 记-1、2023-05 记-2"
    assert pattern["amount_fen"] == 110000


def test_agreeing_evidence_raises_a_case_above_its_strongest_line():
    flagged = _flagged([
        _line(5, debit_fen=100, rule_ids=["voucher.attachments"], risk=0.6, reasons="无附件"),
        _line(5, credit_fen=100, signals=["signal.weekend"], risk=0.3, reasons="周末记账"),
    ])
    _, cases = town_cases(flagged, LINKS)
    assert cases["risk_score"].iloc[0] == round(1 - 0.4 * 0.9, 4)
    assert cases["raised_by"].iloc[0] == "both"


def test_case_ids_follow_the_lines_not_their_order():
    rows = [_line(1, debit_fen=100, rule_ids=["voucher.balance"], risk=0.9),
            _line(1, credit_fen=90, rule_ids=["voucher.balance"], risk=0.9)]
    forward = town_cases(_flagged([dict(row) for row in rows]), LINKS)[1]
    flagged = _flagged([dict(row) for row in rows])
    backward = town_cases(flagged.iloc[::-1], LINKS)[1]
    assert forward["case_id"].tolist() == backward["case_id"].tolist()
    alone = town_cases(flagged.iloc[:1], LINKS)[1]
    assert alone["case_id"].iloc[0] != forward["case_id"].iloc[0]


def test_no_flagged_entries_no_cases():
    case_ids, cases = town_cases(_flagged([_line(1)]).iloc[:0], LINKS)
    assert case_ids.empty and cases.empty and list(cases.columns) == CASE_COLUMNS
