"""The patterns whose evidence lies between entries (``extra_patterns``): booked only when
asked, labelled, balanced, breaking no stated rule, each showing its link to other entries."""

from __future__ import annotations

import pandas as pd

from data.generator import GenerationResult
from data.generator.misconduct_between import LATEST_TWIN_DELAY_DAYS, MISCONDUCT_BETWEEN
from tests.data.rule_oracle import rule_hits

WHERE = ["source_file", "source_sheet", "source_row"]
VOUCHER = ["town", "village", "period", "voucher_word", "voucher_number"]


def _case_lines(ledgers: GenerationResult, labels: pd.DataFrame, pattern: str) -> pd.DataFrame:
    """The truth lines of every case of ``pattern``, with their case id; at least one case."""
    cases = labels.loc[labels["pattern"] == pattern, [*WHERE, "case_id"]]
    lines = ledgers.truth.merge(cases, on=WHERE)
    assert len(lines) == len(cases) > 0
    return lines


def _unlabelled(ledgers: GenerationResult, labels: pd.DataFrame) -> pd.DataFrame:
    joined = ledgers.truth.merge(labels[WHERE], on=WHERE, how="left", indicator=True)
    return joined.loc[joined["_merge"] == "left_only"]


def _cadres(ledgers: GenerationResult) -> pd.DataFrame:
    """Who is paid 村干部报酬 in which village: (town, village, counterparty)."""
    truth = ledgers.truth
    paid = truth["summary"].str.contains("村干部报酬-") & (truth["debit_fen"] > 0)
    return truth.loc[paid, ["town", "village", "counterparty"]].drop_duplicates()


def test_every_pattern_is_booked_labelled_and_described(extra_labels: pd.DataFrame) -> None:
    between = extra_labels.loc[extra_labels["pattern"].isin(list(MISCONDUCT_BETWEEN))]
    assert set(between["pattern"]) == set(MISCONDUCT_BETWEEN)
    assert (between["kind"] == "misconduct").all() and (between["rule_id"] == "").all()
    assert between["description"].str.len().gt(20).all()
    assert (between.groupby("pattern")["case_id"].nunique() >= 2).all()


def test_they_are_booked_only_when_asked(labels: pd.DataFrame) -> None:
    assert labels["pattern"].isin(list(MISCONDUCT_BETWEEN)).sum() == 0


def test_the_other_cases_stay_where_they_were(labels: pd.DataFrame,
                                              extra_labels: pd.DataFrame) -> None:
    def placed(frame: pd.DataFrame) -> set[tuple[str, str, str]]:
        cases = frame.loc[~frame["pattern"].isin(list(MISCONDUCT_BETWEEN))]
        key = cases["rule_id"].where(cases["rule_id"] != "", cases["pattern"])
        year = cases["case_id"].str.split("-").str[1]
        return set(zip(key, cases["village"], year, strict=True))

    assert placed(extra_labels) == placed(labels)


def test_their_vouchers_balance(extra_ledgers: GenerationResult,
                                extra_labels: pd.DataFrame) -> None:
    lines = extra_ledgers.truth.merge(extra_labels[[*WHERE, "pattern"]], on=WHERE, how="left")
    touched = lines.loc[lines["pattern"].isin(list(MISCONDUCT_BETWEEN)), VOUCHER]
    vouchers = lines.merge(touched.drop_duplicates(), on=VOUCHER)
    sums = vouchers.groupby(VOUCHER)[["debit_fen", "credit_fen"]].sum()
    assert len(sums) >= 2 * len(MISCONDUCT_BETWEEN)
    assert (sums["debit_fen"] == sums["credit_fen"]).all()


def test_they_break_no_stated_rule(extra_ledgers: GenerationResult,
                                   extra_labels: pd.DataFrame) -> None:
    labelled = extra_labels[[*WHERE, "kind", "rule_id"]]
    for rule, hits in rule_hits(extra_ledgers.truth).items():
        found = hits.merge(labelled, on=WHERE, how="left")
        assert (found["rule_id"] == rule).all(), (rule, found.loc[found["rule_id"] != rule])


def test_cadre_as_supplier_pays_a_cadre_of_the_village_as_a_supplier(
    extra_ledgers, extra_labels
) -> None:
    lines = _case_lines(extra_ledgers, extra_labels, "cadre_as_supplier")
    paid = lines.loc[lines["debit_fen"] > 0]
    cadres = _cadres(extra_ledgers)
    assert len(paid.merge(cadres, on=["town", "village", "counterparty"])) == len(paid)
    assert not paid["account_code"].str.startswith(("112", "113", "541004", "513004")).any()
    assert (paid.groupby("case_id")["counterparty"].nunique() == 1).all()
    assert (paid.groupby("case_id").size() >= 2).all()


def test_relief_to_cadres_lists_cadres_of_the_town_among_households(
    extra_ledgers, extra_labels
) -> None:
    lines = _case_lines(extra_ledgers, extra_labels, "relief_to_cadres")
    cadres = _cadres(extra_ledgers)[["town", "counterparty"]].drop_duplicates()
    assert len(lines.merge(cadres, on=["town", "counterparty"])) == len(lines)
    truth = extra_ledgers.truth
    for _, case in lines.groupby("case_id"):
        voucher = truth.merge(case[VOUCHER].drop_duplicates(), on=VOUCHER)
        payees = voucher.loc[voucher["debit_fen"] > 0]
        assert len(payees) > len(case)  # households beside the cadres, all paid alike
        assert payees["debit_fen"].nunique() == 1


def test_cross_village_invoice_is_paid_in_two_villages_of_one_town(
    extra_ledgers, extra_labels
) -> None:
    lines = _case_lines(extra_ledgers, extra_labels, "cross_village_invoice")
    paid = lines.loc[lines["debit_fen"] > 0]
    for _, case in paid.groupby("case_id"):
        assert len(case) == 2
        assert case["village"].nunique() == 2 and case["town"].nunique() == 1
        for column in ("counterparty", "summary", "debit_fen", "account_code"):
            assert case[column].nunique() == 1, column
        apart = (case["voucher_date"].max() - case["voucher_date"].min()).days
        assert 3 <= apart <= LATEST_TWIN_DELAY_DAYS


def test_related_firm_works_is_built_by_a_firm_named_after_a_cadre(
    extra_ledgers, extra_labels
) -> None:
    lines = _case_lines(extra_ledgers, extra_labels, "related_firm_works")
    cadres = _cadres(extra_ledgers)
    assert (lines["contract_ref"] != "").all() and (lines["decision_ref"] != "").all()
    for _, case in lines.groupby("case_id"):
        paid = case.loc[case["debit_fen"] > 0]
        assert paid["account_code"].str.startswith(("153", "154")).all()
        assert paid["debit_fen"].sum() < 10_000_000  # under the tender line
        builder = paid["counterparty"].iloc[0]
        village = cadres.loc[cadres["village"] == paid["village"].iloc[0], "counterparty"]
        assert any(builder.startswith(name) and builder != name for name in village)


def test_monthly_round_payee_pays_one_person_the_same_round_sum_month_after_month(
    extra_ledgers, extra_labels
) -> None:
    lines = _case_lines(extra_ledgers, extra_labels, "monthly_round_payee")
    paid = lines.loc[lines["debit_fen"] > 0]
    cadres = _cadres(extra_ledgers)
    for _, case in paid.groupby("case_id"):
        assert case["counterparty"].nunique() == 1 and case["debit_fen"].nunique() == 1
        assert case["debit_fen"].iloc[0] % 50_000 == 0
        months = sorted(case["voucher_date"].dt.month)
        assert len(months) >= 6 and months == list(range(months[0], months[0] + len(months)))
        person = case["counterparty"].iloc[0]
        village = cadres.loc[cadres["village"] == case["village"].iloc[0], "counterparty"]
        assert person not in set(village)
        assert person[0] in {name[0] for name in village}  # a cadre's surname


def test_town_outlier_supplier_is_seen_in_one_village_at_several_times_its_peers(
    extra_ledgers, extra_labels
) -> None:
    lines = _case_lines(extra_ledgers, extra_labels, "town_outlier_supplier")
    others = _unlabelled(extra_ledgers, extra_labels)
    repairs = others.loc[others["account_code"].str.startswith(("541005", "513005"))
                         & (others["debit_fen"] > 0)]
    for _, case in lines.groupby("case_id"):
        paid = case.loc[case["debit_fen"] > 0]
        assert (paid["decision_ref"] != "").all()
        vendor, village = paid["counterparty"].iloc[0], paid["village"].iloc[0]
        seen = extra_ledgers.truth.loc[extra_ledgers.truth["counterparty"] == vendor]
        assert set(seen["village"]) == {village}
        peers = repairs.loc[(repairs["town"] == paid["town"].iloc[0])
                            & (repairs["village"] != village), "debit_fen"]
        assert (paid["debit_fen"] > 2 * peers.median()).all()


def test_reversal_rebooked_reverses_a_shop_bill_and_pays_it_to_a_person(
    extra_ledgers, extra_labels
) -> None:
    lines = _case_lines(extra_ledgers, extra_labels, "reversal_rebooked")
    others = _unlabelled(extra_ledgers, extra_labels)
    for _, case in lines.groupby("case_id"):
        reversal = case.loc[case["debit_fen"] < 0]
        rebooked = case.loc[case["debit_fen"] > 0]
        assert len(reversal) == len(rebooked) == 1
        assert reversal["summary"].iloc[0].startswith("红字冲销")
        amount = -reversal["debit_fen"].iloc[0]
        assert rebooked["debit_fen"].iloc[0] == amount
        shop, person = reversal["counterparty"].iloc[0], rebooked["counterparty"].iloc[0]
        assert shop != person
        original = others.loc[(others["village"] == reversal["village"].iloc[0])
                              & (others["counterparty"] == shop)
                              & (others["debit_fen"] == amount)
                              & (others["voucher_date"] < reversal["voucher_date"].iloc[0])]
        assert len(original) == 1


def test_every_between_pattern_has_a_test() -> None:
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert all(any(name.startswith(pattern) for name in tested)
               for pattern in MISCONDUCT_BETWEEN)
