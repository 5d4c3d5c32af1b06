"""score_entries end to end on a small generated county: the contract, truthful reasons and
determinism (saving and reusing the forest: tests/flows/test_model_files.py)."""

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from checks.params import AuditParams, ModelParams, ReviewBudget
from checks.rules import RULES, evaluate_rules
from data.generator import generate_ledgers
from flows.ingest import assign_entry_ids
from models.scoring import score_entries

RANKED_COLUMNS = ["anomaly_score", "risk_score", "rule_ids", "signals", "flagged", "rank",
                  "reasons"]
PARAMS = AuditParams(model=ModelParams(n_estimators=50),
                     review=ReviewBudget(share=0.05, per_village_max=60, min_risk=0.2))
RULE_WEIGHTS = {rule.id: 0.75 for rule in RULES}
MEDIAN_REASON = r"金额 ([\d,]+\.\d\d) 元，为本村该科目同方向分录中位数（([\d,]+\.\d\d) 元）"


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    result = generate_ledgers(tmp_path_factory.mktemp("county"), villages=4, seed=303,
                              lines_per_village_year=300)
    entries = assign_entry_ids(result.truth)
    entries.index = entries.index + 1000  # the ranking must follow the entries' own index
    evaluation = evaluate_rules(entries, PARAMS)
    return entries, evaluation


def _score(county, **kwargs):
    entries, evaluation = county
    return score_entries(entries, breaches=evaluation.breaches, signals=evaluation.signals,
                         rule_weights=RULE_WEIGHTS, params=PARAMS, **kwargs)


@pytest.fixture(scope="module")
def scored(county):
    return _score(county)


def _yuan(text: str) -> int:
    return round(float(text.replace(",", "")) * 100)


def test_contract_columns_types_and_budget(county, scored):
    entries, _ = county
    ranked = scored.ranked
    assert list(ranked.columns) == RANKED_COLUMNS
    assert ranked.index.equals(entries.index)
    assert ranked["rule_ids"].dtype == pd.ArrowDtype(pa.list_(pa.string()))
    assert ranked["signals"].dtype == pd.ArrowDtype(pa.list_(pa.string()))
    assert ranked["rank"].dtype == "Int64" and ranked["flagged"].dtype == bool
    assert ranked["risk_score"].between(0, 1).all()
    flagged = ranked[ranked["flagged"]]
    breaking = ranked["rule_ids"].list.len() > 0
    assert ranked.loc[breaking, "flagged"].all()  # every breach, whatever the budget
    suggested = flagged[flagged["rule_ids"].list.len() == 0]
    assert 0 < len(suggested) <= np.ceil(0.05 * len(entries))  # the budget bounds the rest
    assert sorted(flagged["rank"]) == list(range(1, len(flagged) + 1))
    assert flagged["reasons"].ne("").all()
    assert ranked.loc[~ranked["flagged"], "reasons"].eq("").all()
    # most suspicious first: ranks follow the risk score
    assert flagged.sort_values("rank")["risk_score"].is_monotonic_decreasing
    assert scored.model["model_version"] and scored.model["features"]


def test_reasons_state_the_entries_own_numbers(county, scored):
    entries, _ = county
    flagged = entries.loc[scored.ranked["flagged"]].assign(
        reasons=scored.ranked["reasons"],
        amount=(entries["debit_fen"].abs() + entries["credit_fen"].abs()))
    everything = entries.assign(amount=entries["debit_fen"].abs() + entries["credit_fen"].abs(),
                                side=entries["debit_fen"] != 0)
    checked = set()
    for _, row in flagged.iterrows():
        side = row["debit_fen"] != 0
        same_account = everything[(everything["village"] == row["village"])
                                  & (everything["account_code"] == row["account_code"])
                                  & (everything["side"] == side)]
        found = re.search(MEDIAN_REASON, row["reasons"])
        if found:
            assert _yuan(found[1]) == row["amount"]
            assert abs(_yuan(found[2]) - same_account["amount"].median()) <= 1
            checked.add("median")
        found = re.search(r"同一凭证中另有 (\d+) 行金额同为 ([\d,]+\.\d\d) 元", row["reasons"])
        if found:
            voucher = everything[(everything["village"] == row["village"])
                                 & (everything["period"] == row["period"])
                                 & (everything["voucher_no"] == row["voucher_no"])
                                 & (everything["side"] == side)]
            assert _yuan(found[2]) == row["amount"]
            assert int(found[1]) == (voucher["amount"] == row["amount"]).sum() - 1
            checked.add("equal")
        found = re.search(r"收款方(\S+?)在本村全部账目中仅出现 (\d+) 次", row["reasons"])
        if found:
            assert found[1] == row["counterparty"]
            lines = everything[(everything["village"] == row["village"])
                               & (everything["counterparty"] == row["counterparty"])]
            assert int(found[2]) == len(lines)
            checked.add("payee")
        found = re.search(r"为审批限额（([\d,]+\.\d\d) 元）的 ([\d.]+)%", row["reasons"])
        if found:
            assert _yuan(found[1]) == PARAMS.thresholds.fen("approval_tier")
            assert float(found[2]) == pytest.approx(
                row["amount"] / PARAMS.thresholds.fen("approval_tier") * 100, abs=0.05)
            checked.add("line")
    assert len(checked) >= 3, checked
    # only what leans the suspicious way is said: never "fewer zeros than usual"
    assert not flagged["reasons"].str.contains(r"多 -|多 0 位").any()


def test_same_input_same_ranking(county, scored):
    again = _score(county)
    pd.testing.assert_frame_equal(again.ranked, scored.ranked)
    assert not scored.model["reused"] and scored.model["n_estimators"] == 50


def test_false_alarm_is_damped_and_said_in_the_next_run(county, scored):
    entries, _ = county
    top = scored.ranked["rank"].eq(1).fillna(False).to_numpy(dtype=bool)
    target = entries.loc[top].iloc[0]
    dispositions = pd.DataFrame({"entry_id": [target["entry_id"]],
                                 "content_hash": [target["content_hash"]],
                                 "decision": ["false_alarm"]})
    rerun = _score(county, dispositions=dispositions)
    index = entries.index[top][0]
    assert rerun.ranked.at[index, "risk_score"] == pytest.approx(
        scored.ranked.at[index, "risk_score"] * 0.2, abs=1e-6)
    assert rerun.model["dispositions_applied"] >= 1
    if rerun.ranked.at[index, "flagged"]:
        assert "误报" in rerun.ranked.at[index, "reasons"]


def test_no_entries_no_model(county):
    entries, evaluation = county
    result = score_entries(entries.iloc[:0], breaches=evaluation.breaches.iloc[:0],
                           signals=evaluation.signals.iloc[:0], rule_weights=RULE_WEIGHTS,
                           params=PARAMS)
    assert result.ranked.empty and result.model["model_version"] is None
