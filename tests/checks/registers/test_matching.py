"""Amounts due matched to the journal's receipts: late, partial, names written differently."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from checks.params import load_params
from checks.registers.ledger import name_key, names_match
from checks.registers.matching import contract_lines, match_schedule
from checks.registers.schedule import build_schedule
from tests.checks.books import voucher
from tests.checks.registers.frames import contract, register_frame, rent
from tests.entries import make_entries


def matched(rows: list[dict], as_of=dt.date(2024, 6, 30), **terms):
    contracts = register_frame("contracts", [contract(**terms)])
    schedule = build_schedule(contracts, register_frame("plans", []))
    entries = make_entries(rows)
    flows = contract_lines(_lines(entries), contracts).flows
    return match_schedule(schedule, flows, as_of)


def _lines(entries):
    from checks.registers.ledger import ledger_lines

    return ledger_lines(entries, load_params())


@pytest.mark.parametrize(("first", "second"), [
    ("张三", "张 三"), ("桃源宏远建筑有限公司", "桃源宏远建筑"),
    ("宏远建筑（桃源）", "桃源宏远建筑公司"),
    ("王小明", "王明小"), ("青石农业合作社", "青石镇青石农业合作社")])
def test_names_written_differently_match(first, second):
    assert names_match(name_key(first), name_key(second))


def test_different_names_do_not_match():
    assert not names_match(name_key("张三"), name_key("李四"))
    assert not names_match(name_key("张"), name_key("张三"))


def test_paid_on_time_late_partial_and_not_yet_due():
    rows = [*rent(1, "2023-01-10", 2000), *rent(2, "2024-03-20", 500, payer="张 三")]
    schedule = matched(rows)
    assert schedule["status"].tolist() == ["已收清", "部分收到", "未到期"]
    assert schedule["matched_fen"].tolist() == [200_000, 50_000, 0]
    assert schedule["matched_entry_ids"].tolist() == [["e0001"], ["e0003"], []]
    assert schedule["days_overdue"].tolist() == [9, 181, 0]


def test_a_late_payment_settles_the_oldest_amount_due_first():
    schedule = matched(rent(1, "2024-05-01", 2500))
    assert schedule["matched_fen"].tolist() == [200_000, 50_000, 0]
    assert schedule["status"].tolist()[:2] == ["已收清", "部分收到"]
    assert schedule["days_overdue"].iloc[0] == (dt.date(2024, 5, 1) - dt.date(2023, 1, 1)).days


def test_matched_by_contract_number_whatever_the_name():
    by_ref = rent(1, "2023-01-10", 2000, payer="张三之子", contract_ref="HT-1")
    in_summary = voucher("2023-01", 1, "2023-01-10", "收 HT-1 承包费",
                         [("102", "银行存款", 2000, 0), ("511", "发包及上交收入", 0, 2000)])
    for rows in (by_ref, in_summary):
        assert matched(rows)["status"].iloc[0] == "已收清"


def test_unrelated_receipts_and_accruals_do_not_count():
    other = rent(1, "2023-01-10", 2000, payer="李四")
    accrual = voucher("2023-01", 2, "2023-01-10", "确认承包费",
                      [("112", "应收款", 2000, 0), ("511", "发包及上交收入", 0, 2000)],
                      counterparty="张三")
    later = rent(3, "2024-07-10", 2000)
    schedule = matched([*other, *accrual, *later])
    assert schedule["matched_fen"].sum() == 0
    assert schedule["status"].tolist() == ["逾期未收", "逾期未收", "未到期"]


def test_one_receipt_naming_two_contracts_is_shared_oldest_first():
    contracts = register_frame("contracts", [
        contract(), contract("HT-2", start_on="2022-01-01", end_on="2022-12-31")])
    schedule = build_schedule(contracts, register_frame("plans", []))
    flows = contract_lines(_lines(make_entries(rent(1, "2023-02-01", 3000))), contracts).flows
    result = match_schedule(schedule, flows, dt.date(2023, 6, 30))
    by_due = result.sort_values("due_on")
    assert by_due["matched_fen"].tolist()[:2] == [200_000, 100_000]
    assert by_due["contract_no"].tolist()[:2] == ["HT-2", "HT-1"]


def test_amounts_due_before_the_books_begin_are_not_judged():
    contracts = register_frame("contracts", [contract(start_on="2022-01-01")])
    schedule = build_schedule(contracts, register_frame("plans", []))
    entries = make_entries(rent(1, "2023-01-05", 2000))
    flows = contract_lines(_lines(entries), contracts).flows
    result = match_schedule(schedule, flows, dt.date(2023, 6, 30),
                            {"下坝村": pd.Timestamp("2023-01-01")})
    assert result["status"].tolist() == ["账期之前", "已收清", "未到期", "未到期"]
    assert result["matched_fen"].tolist() == [0, 200_000, 0, 0]


def test_a_number_names_a_contract_of_the_lines_own_village_only():
    contracts = register_frame("contracts", [contract("HT-2023-01", counterparty="王五")])
    own = voucher("2023-01", 1, "2023-01-10", "收 HT-2023-01 承包费",
                  [("102", "银行存款", 2000, 0), ("511", "发包及上交收入", 0, 2000)])
    elsewhere = voucher("2023-01", 2, "2023-01-11", "收 HT-2023-01 承包费",
                        [("102", "银行存款", 500, 0), ("511", "发包及上交收入", 0, 500)],
                        village="上坝村")
    linked = contract_lines(_lines(make_entries([*own, *elsewhere])), contracts)
    assert linked.flows[["village", "amount_fen"]].values.tolist() == [["下坝村", 200_000]]
    assert linked.income["contracts"].tolist() == [("HT-2023-01",)]
