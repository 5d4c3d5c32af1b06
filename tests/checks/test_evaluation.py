"""The rule layer's contract with the flow: evaluate_rules, its frames and counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from checks.context import CheckContext
from checks.entry_schema import empty_entries
from checks.params import load_params
from checks.prepared import prepare_entries
from checks.rules import RULES, evaluate_rules
from checks.rules.evaluation import failing_rows, rule_schema
from checks.rules.rule import Rule
from tests.checks.books import clean_book, evaluate, voucher
from tests.entries import make_entries

RULE_IDS = {
    "voucher.balance", "line.one_sided", "line.negative_amount", "account.code_valid",
    "account.name_matches", "voucher.number_gap", "voucher.number_duplicate",
    "voucher.date_in_period", "period.closed", "duties.segregation", "voucher.attachments",
    "cash.payment_ceiling", "cash.holding_limit", "cash.negative_balance",
    "approval.decision_ref", "works.contract_ref", "works.split_payment", "summary.banned_item",
    "special_fund.cash_payout",
}


def _broken_book() -> list[dict]:
    """The clean book with an unbalanced three-line voucher that also has no attachments and
    a banned 摘要, paid from the bank."""
    return clean_book() + voucher(
        "2023-03", 9, "2023-03-20", "招待费",
        [("541008", "管理费用-其他", 300, 0), ("541008", "管理费用-其他", 300, 0),
         ("102", "银行存款", 0, 500)],
        attachments=0,
    )


def test_registry_holds_exactly_the_stated_rules():
    assert {rule.id for rule in RULES} == RULE_IDS
    assert len(RULES) == len(RULE_IDS)


def test_breaches_are_one_row_per_entry_and_rule():
    evaluation = evaluate(_broken_book())
    breaches = evaluation.breaches
    assert list(breaches.columns) == ["entry_id", "rule_id", "detail"]
    assert not breaches.duplicated(["entry_id", "rule_id"]).any()
    broken = {"e0034", "e0035", "e0036"}
    by_rule = breaches.groupby("rule_id")["entry_id"].agg(set).to_dict()
    assert by_rule == {
        "voucher.balance": broken,
        "voucher.attachments": broken,
        "summary.banned_item": broken,
    }
    assert all(isinstance(detail, str) and detail for detail in breaches["detail"])


def test_rule_counts_list_every_rule_with_zeros():
    counts = evaluate(_broken_book()).rule_counts()
    assert set(counts) == RULE_IDS
    assert counts["voucher.balance"] == 3
    assert counts["cash.payment_ceiling"] == 0


def test_signals_never_carry_rule_ids():
    signals = evaluate(_broken_book()).signals
    assert list(signals.columns) == ["entry_id", "signal_id", "detail"]
    assert signals["signal_id"].str.startswith("signal.").all()
    assert not signals.duplicated(["entry_id", "signal_id"]).any()


def test_entry_ids_follow_the_frame_whatever_its_index():
    entries = make_entries(_broken_book())
    shuffled = entries.sample(frac=1, random_state=3)
    shuffled.index = np.arange(100, 100 + len(shuffled))
    breaches = evaluate_rules(shuffled, load_params()).breaches
    balance = breaches[breaches["rule_id"] == "voucher.balance"]
    assert set(balance["entry_id"]) == {"e0034", "e0035", "e0036"}


def test_input_frame_is_not_changed():
    entries = make_entries(_broken_book())
    before = entries.copy()
    evaluate_rules(entries, load_params())
    pd.testing.assert_frame_equal(entries, before)


def test_schema_failures_are_collected_lazily_and_rules_still_run():
    rows = _broken_book()
    rows[0] = {**rows[0], "period": "2023-13"}
    rows[2] = {**rows[2], "account_code": "54A"}
    evaluation = evaluate(rows)
    errors = evaluation.schema_errors
    assert {"period", "account_code"} <= set(errors["column"])
    assert set(errors.loc[errors["column"] == "period", "entry_id"]) == {"e0000"}
    assert set(errors.loc[errors["column"] == "account_code", "entry_id"]) == {"e0002"}
    balance = evaluation.breaches[evaluation.breaches["rule_id"] == "voucher.balance"]
    assert {"e0034", "e0035", "e0036"} <= set(balance["entry_id"])


def test_missing_canonical_columns_are_refused():
    entries = make_entries(clean_book()).drop(columns=["summary", "counterparty"])
    with pytest.raises(ValueError, match="summary、counterparty"):
        evaluate_rules(entries, load_params())


def test_grouped_failure_cases_map_to_entries_once_each():
    params = load_params()
    context = CheckContext.of(params)
    frame = prepare_entries(make_entries(_broken_book()), params, context.charts)
    failing = failing_rows(rule_schema(RULES, frame, context), frame)
    balance = [number for number, rule in enumerate(RULES) if rule.id == "voucher.balance"]
    assert failing[balance[0]].tolist() == [34, 35, 36]


def test_a_rule_that_crashes_is_reported_not_hidden():
    def broken_test(frame, context):
        raise KeyError("no_such_column")

    crashing = Rule(
        id="test.crash", category="测试", severity="low", message="测试", description="测试",
        basis=(), test=broken_test, explain=lambda frame, rows, context: [],
    )
    params = load_params()
    context = CheckContext.of(params)
    frame = prepare_entries(make_entries(clean_book()), params, context.charts)
    with pytest.raises(RuntimeError, match="no_such_column"):
        failing_rows(rule_schema((crashing,), frame, context), frame)


def test_rule_checks_are_named_pandera_checks():
    params = load_params()
    context = CheckContext.of(params)
    frame = prepare_entries(make_entries(clean_book()), params, context.charts)
    schema = rule_schema(RULES, frame, context)
    assert isinstance(schema, pa.DataFrameSchema)
    checks = schema.columns["entry_id"].checks
    assert [check.name for check in checks] == [rule.id for rule in RULES]
    assert all(check.description for check in checks)


def test_no_entries_no_findings():
    evaluation = evaluate_rules(empty_entries(), load_params())
    assert evaluation.breaches.empty and evaluation.signals.empty
    assert evaluation.schema_errors.empty
    assert set(evaluation.rule_counts().values()) == {0}
