"""Each injected case is labelled, and breaks exactly the rules it is labelled with."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.generator import GenerationResult, generate_ledgers
from data.generator.cases import INJECTIONS
from data.generator.holidays import festivals
from tests.data.rule_oracle import RULES, rule_hits

WHERE = ["source_file", "source_sheet", "source_row"]
MISCONDUCT = sorted(key for key, injection in INJECTIONS.items() if injection.kind == "misconduct")


def _case_lines(ledgers: GenerationResult, labels: pd.DataFrame, pattern: str) -> pd.DataFrame:
    """The truth lines of every case of ``pattern``, with their case id."""
    cases = labels.loc[labels["pattern"] == pattern, [*WHERE, "case_id"]]
    lines = ledgers.truth.merge(cases, on=WHERE)
    assert len(lines) == len(cases)
    return lines


def test_every_kind_of_case_is_labelled(labels: pd.DataFrame) -> None:
    found = set(labels["pattern"]) | set(labels["rule_id"])
    assert set(INJECTIONS) <= found
    assert set(labels["kind"]) == {"misconduct", "breach", "quarantine"}
    assert labels["description"].str.len().gt(5).all()


def test_breach_labels_name_a_rule_and_others_do_not(labels: pd.DataFrame) -> None:
    breach = labels["kind"] == "breach"
    assert labels.loc[breach, "rule_id"].isin(list(RULES)).all()
    assert (labels.loc[~breach, "rule_id"] == "").all()


def test_clean_run_has_no_labels_and_no_unreadable_rows(clean_ledgers: GenerationResult) -> None:
    labels = pd.read_csv(clean_ledgers.labels_path, dtype="str", keep_default_na=False)
    assert labels.empty
    assert clean_ledgers.n_lines == len(clean_ledgers.truth)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_rule_fires_on_its_breaches_and_nowhere_else(
    ledgers: GenerationResult, labels: pd.DataFrame, rule: str
) -> None:
    hits = rule_hits(ledgers.truth)[rule].merge(labels, on=WHERE, how="left")
    assert (hits["rule_id"] == rule).all(), hits.loc[hits["rule_id"] != rule, WHERE]
    cases = set(labels.loc[labels["rule_id"] == rule, "case_id"])
    assert cases
    assert cases == set(hits["case_id"])


def test_misconduct_breaks_no_stated_rule(ledgers: GenerationResult, labels: pd.DataFrame) -> None:
    misconduct = labels.loc[labels["kind"] == "misconduct", WHERE]
    for rule, hits in rule_hits(ledgers.truth).items():
        assert hits.merge(misconduct, on=WHERE).empty, rule


def test_quarantined_rows_are_written_but_not_in_truth(
    ledgers: GenerationResult, labels: pd.DataFrame
) -> None:
    quarantine = labels.loc[labels["kind"] == "quarantine", WHERE]
    assert len(quarantine) >= 4
    assert ledgers.truth.merge(quarantine, on=WHERE).empty
    assert ledgers.n_lines == len(ledgers.truth) + len(quarantine)


def test_each_layout_gets_rows_to_quarantine(labels: pd.DataFrame) -> None:
    quarantine = labels.loc[labels["kind"] == "quarantine", "source_file"]
    layouts = {"B" if name.endswith(".xlsx") else "C" if "村_" in name else "A"
               for name in quarantine}
    assert layouts == {"A", "B", "C"}


def test_injection_rate_sets_how_many_cases(tmp_path) -> None:
    def cases(rate: float) -> int:
        result = generate_ledgers(tmp_path / str(rate), villages=6, years=(2024,),
                                  lines_per_village_year=150, injection_rate=rate)
        labels = pd.read_csv(result.labels_path, dtype="str", keep_default_na=False)
        return labels["case_id"].nunique()

    assert cases(1.0) > 2 * cases(0.1)


# What each misconduct pattern looks like in the books.


def test_fake_works_pays_a_vendor_round_sums_just_under_a_line(ledgers, labels) -> None:
    lines = _case_lines(ledgers, labels, "fake_works")
    paid = lines.loc[lines["debit_fen"] > 0]
    assert paid["summary"].str.contains("清淤|维修").all()
    for _, case in paid.groupby("case_id"):
        assert case["counterparty"].nunique() == 1
        assert (case["debit_fen"] % 10_000 == 0).all()
        tier = 10_000_000 if case["debit_fen"].max() > 1_000_000 else 1_000_000
        assert case["debit_fen"].between(tier * 0.9, tier - 1).all()
    vendors = set(paid["counterparty"])
    unlabelled = ledgers.truth.merge(labels[WHERE], on=WHERE, how="left", indicator=True)
    others = unlabelled.loc[unlabelled["_merge"] == "left_only", "counterparty"]
    assert vendors.isdisjoint(set(others))


def test_duplicate_claim_repeats_a_claim_of_the_year_before(ledgers, labels) -> None:
    lines = _case_lines(ledgers, labels, "duplicate_claim")
    expense = lines.loc[lines["debit_fen"] > 0]
    earlier = ledgers.truth.loc[ledgers.truth["period"].str.startswith("2023")]
    for _, claim in expense.iterrows():
        assert claim["period"].startswith("2024")
        same = earlier.loc[(earlier["village"] == claim["village"])
                           & (earlier["summary"] == claim["summary"])
                           & (earlier["debit_fen"] == claim["debit_fen"])]
        assert len(same) == 1


def test_retention_pays_many_individuals_equal_round_sums_from_a_special_fund(
    ledgers, labels
) -> None:
    lines = _case_lines(ledgers, labels, "retention")
    for _, case in lines.groupby("case_id"):
        payouts = case.loc[case["debit_fen"] > 0]
        assert len(payouts) >= 8
        assert payouts["account_code"].str.startswith("241").all()
        assert payouts["debit_fen"].nunique() == 1
        assert payouts["debit_fen"].iloc[0] % 50_000 == 0
        assert payouts["summary"].str.contains("劳务费").all()
        assert payouts["voucher_no"].nunique() == 1


def test_embezzlement_moves_a_large_sum_to_a_cadre_never_repaid(ledgers, labels) -> None:
    lines = _case_lines(ledgers, labels, "embezzlement")
    taken = lines.loc[lines["debit_fen"] > 0]
    assert taken["account_code"].str.startswith(("112", "113")).all()
    assert (taken["debit_fen"] >= 5_000_000).all()
    truth = ledgers.truth
    for _, loan in taken.iterrows():
        repaid = truth.loc[(truth["village"] == loan["village"])
                           & (truth["counterparty"] == loan["counterparty"])
                           & truth["account_code"].str.startswith(("112", "113"))
                           & (truth["credit_fen"] > 0)]
        assert repaid["credit_fen"].sum() < loan["debit_fen"]


def test_cadre_subsidy_pays_equal_sums_just_before_a_festival(ledgers, labels) -> None:
    lines = _case_lines(ledgers, labels, "cadre_subsidy")
    for _, case in lines.groupby("case_id"):
        paid = case.loc[case["debit_fen"] > 0]
        assert len(paid) >= 3 and paid["debit_fen"].nunique() == 1
        day = paid["voucher_date"].iloc[0].date()
        before = [(festival - day).days for _, festival in festivals(day.year)]
        assert any(1 <= days <= 5 for days in before)


def test_private_split_grades_payouts_by_rank(ledgers, labels) -> None:
    lines = _case_lines(ledgers, labels, "private_split")
    for _, case in lines.groupby("case_id"):
        paid = case.loc[case["debit_fen"] > 0, "debit_fen"].tolist()
        assert paid == sorted(paid, reverse=True) and paid[0] > paid[-1]
        assert case["summary"].str.contains("奖励|补助").all()


def test_near_threshold_repeats_amounts_just_under_the_approval_tier(ledgers, labels) -> None:
    lines = _case_lines(ledgers, labels, "near_threshold")
    paid = lines.loc[lines["debit_fen"] > 0, "debit_fen"]
    assert paid.between(900_000, 999_000).all()
    assert (lines.groupby("case_id")["voucher_no"].nunique() >= 3).all()


def test_low_rent_is_far_below_peers_per_mu(ledgers, labels) -> None:
    truth = ledgers.truth
    rents = truth.loc[truth["summary"].str.contains(r"\d年..承包费（") & (truth["credit_fen"] > 0)]
    parts = rents["summary"].str.extract(r"年(?P<land>..)承包费（(?P<area>[\d.]+)亩）")
    rents = rents.assign(land=parts["land"],
                         per_mu=rents["credit_fen"] / parts["area"].astype(float))
    rents = rents.merge(labels[[*WHERE, "pattern"]], on=WHERE, how="left")
    low = rents["pattern"] == "low_rent"
    assert low.sum() == labels.loc[labels["pattern"] == "low_rent", "case_id"].nunique()
    peers = rents.loc[~low].groupby("land")["per_mu"].median()
    assert (rents.loc[low, "per_mu"] < 0.5 * rents.loc[low, "land"].map(peers)).all()


def test_hospitality_is_booked_as_office_supplies_at_month_end(ledgers, labels) -> None:
    lines = _case_lines(ledgers, labels, "hospitality_disguised")
    paid = lines.loc[lines["debit_fen"] > 0]
    assert (paid["summary"] == "购办公用品").all()
    assert (paid["debit_fen"] % 10_000 == 0).all()
    month_end = paid["voucher_date"].dt.days_in_month - paid["voucher_date"].dt.day
    assert (month_end <= 2).all()


def test_every_misconduct_pattern_has_a_test() -> None:
    tested = {name.removeprefix("test_").split("_")[0] for name in globals()}
    assert {pattern.split("_")[0] for pattern in MISCONDUCT} <= tested


def test_cases_carry_dates_of_their_year(ledgers, labels) -> None:
    lines = ledgers.truth.merge(labels[[*WHERE, "case_id"]], on=WHERE)
    years = lines["case_id"].str.split("-").str[1].astype(int)
    assert (lines["voucher_date"].dt.year == years).all()
    assert lines["voucher_date"].min() >= pd.Timestamp(dt.date(2023, 1, 1))
