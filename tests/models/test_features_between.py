"""Features whose evidence lies between entries, each on a tiny literal ledger: one entry where
it fires and names the other entry it rests on, one where it does not."""

import numpy as np
import pandas as pd
import pytest

from checks.params import AuditParams
from models.evidence import surprisal
from models.features.entry import FEATURES, features_and_relations, related_fields
from models.forest import LedgerForest
from models.scoring import explainer
from tests.models.vouchers import ledger, payment, payout

PARAMS = AuditParams()
CADRES = [("张建国", 300_000), ("李主任", 250_000), ("王委员", 200_000)]


def _between(entries: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    before = entries.copy()
    features, relations = features_and_relations(entries, PARAMS)
    pd.testing.assert_frame_equal(entries, before)  # inputs are never mutated
    assert list(features.columns) == list(FEATURES)
    assert np.isfinite(features.to_numpy()).all()
    return features, related_fields(relations, entries["entry_id"])


def _row(entries: pd.DataFrame, number: int, line_no: int = 1, village: str = "下坝村") -> int:
    match = entries.index[(entries["voucher_number"] == number) & (entries["line_no"] == line_no)
                          & (entries["village"] == village)]
    return match.item()


def _payroll(village: str = "下坝村", first: int = 100) -> list:
    """Six months of cadres' pay through 应付工资 (211): they are the village's insiders."""
    return [payout(first + month, CADRES, debit_code="211", village=village,
                   period=f"2023-0{month}", voucher_date=f"2023-0{month}-25")
            for month in range(1, 7)]


def test_insider_paid_as_a_supplier_names_their_pay_line():
    shops = [payment(k, 150_000 + k, debit_code="541005", counterparty=f"{k}号五金店",
                     period=f"2023-0{k}", voucher_date=f"2023-0{k}-05")
             for k in range(1, 4)]
    entries = ledger(*_payroll(), *shops,
                     payment(7, 480_000, debit_code="541005", counterparty="张建国",
                             period="2023-04", voucher_date="2023-04-08"),
                     payment(8, 90_000, debit_code="541005", counterparty="李会计",
                             period="2023-05", voucher_date="2023-05-08"))
    features, related = _between(entries)
    cadre, signer = _row(entries, 7), _row(entries, 8)
    assert features.at[cadre, "insider_as_supplier"] == pytest.approx(3 / 5)
    assert related.at[cadre, "insider_as_supplier_entry"] == entries.at[_row(entries, 101),
                                                                         "entry_id"]
    assert related.at[cadre, "insider_as_supplier_role"] == "paid"
    # the test ledger's 制单人 is 李会计: paid as a supplier, a signer in two roles
    assert features.at[signer, "insider_as_supplier"] == pytest.approx(3 / 5)
    assert related.at[signer, "insider_as_supplier_role"] == "preparer"
    assert features.at[_row(entries, 1), "insider_as_supplier"] == 0  # a shop
    assert features.at[_row(entries, 101), "insider_as_supplier"] == 0  # their own pay
    assert related.at[_row(entries, 1), "insider_as_supplier_entry"] == ""


def test_insider_on_a_roster_of_this_or_another_village():
    relief = [("村民甲", 50_000), ("村民乙", 50_000), ("张建国", 50_000), ("赵委员", 50_000)]
    entries = ledger(*_payroll(), *_payroll("上坝村", first=200),
                     payout(9, relief, debit_code="551", period="2023-07",
                            voucher_date="2023-07-03"))
    entries.loc[(entries["village"] == "上坝村") & (entries["counterparty"] == "王委员"),
                "counterparty"] = "赵委员"  # a cadre of the neighbouring village
    features, related = _between(entries)
    own, neighbour, villager = _row(entries, 9, 3), _row(entries, 9, 4), _row(entries, 9, 1)
    assert features.at[own, "insider_on_roster"] == 2
    assert features.at[neighbour, "insider_on_roster"] == 2
    assert related.at[neighbour, "insider_on_roster_at"].startswith("上坝村 2023-01")
    assert features.at[villager, "insider_on_roster"] == 0
    assert features.at[_row(entries, 101, 1), "insider_on_roster"] == 0  # the payroll itself


def test_firm_named_after_a_cadre():
    entries = ledger(*_payroll(),
                     payment(7, 3_000_000, debit_code="154", counterparty="张建国建筑队"),
                     payment(8, 3_000_000, debit_code="154", counterparty="建国五金店"))
    features, related = _between(entries)
    named = _row(entries, 7)
    assert features.at[named, "payee_named_after_insider"] == 1
    assert related.at[named, "payee_named_after_insider_who"] == "张建国"
    assert features.at[_row(entries, 8), "payee_named_after_insider"] == 0


def test_same_bill_paid_by_two_villages_of_the_town():
    entries = ledger(
        payment(1, 123_456, counterparty="文具店", village="甲村", voucher_date="2023-03-02"),
        payment(1, 123_456, counterparty="文具店", village="乙村", voucher_date="2023-03-20"),
        payment(2, 120_000, counterparty="文具店", village="甲村"),
        payment(2, 120_000, counterparty="文具店", village="乙村"),
        payment(3, 77_777, counterparty="文具店", village="甲村"),
        payment(1, 77_777, counterparty="文具店", village="丙村", town="白沙乡"),
        payment(4, 2_968, counterparty="青阳县农商银行青石支行", village="甲村"),
        payment(3, 2_968, counterparty="青阳县农商银行青石支行", village="乙村"),
    )
    features, related = _between(entries)
    first, second = _row(entries, 1, village="甲村"), _row(entries, 1, village="乙村")
    assert features.at[first, "same_bill_other_village"] == 1
    assert related.at[first, "same_bill_other_village_entry"] == entries.at[second, "entry_id"]
    assert related.at[second, "same_bill_other_village_entry"] == entries.at[first, "entry_id"]
    assert features.at[_row(entries, 2, village="甲村"), "same_bill_other_village"] == 0  # round
    # another town's village paying the same is no evidence: nothing crosses a town
    assert features.at[_row(entries, 3, village="甲村"), "same_bill_other_village"] == 0
    # a bank's fee is the same for every village: its tariff, not one bill paid twice
    assert features.at[_row(entries, 4, village="甲村"), "same_bill_other_village"] == 0


def test_payment_reversed_then_booked_again_to_someone_else():
    entries = ledger(
        payment(1, 456_700, counterparty="五金店", voucher_date="2023-03-02"),
        payment(2, -456_700, counterparty="五金店", summary="红字冲销3月维修费（错账）",
                voucher_date="2023-03-09"),
        payment(3, 456_700, counterparty="张三", voucher_date="2023-03-10"),
        payment(4, 456_700, counterparty="五金店", voucher_date="2023-03-11"),
        payment(5, 456_700, counterparty="李四", voucher_date="2023-06-10"),
    )
    features, related = _between(entries)
    rebooked = _row(entries, 3)
    assert features.at[rebooked, "rebooked_after_reversal"] == 1
    assert related.at[rebooked, "rebooked_after_reversal_entry"] == entries.at[_row(entries, 2),
                                                                               "entry_id"]
    assert features.at[_row(entries, 4), "rebooked_after_reversal"] == 0  # the same payee
    assert features.at[_row(entries, 5), "rebooked_after_reversal"] == 0  # months later
    assert features.at[_row(entries, 1), "rebooked_after_reversal"] == 0  # before it


def test_an_explanation_names_the_other_entry_once_the_relations_are_joined():
    """How a run words a flagged entry: its row joined to the relations of its features. The
    forest's trees do not split on a relating feature: it is said because its value is rare
    (one entry in 300 here)."""
    ordinary = [payment(k, 20_000 + 37 * k, counterparty=f"{k}号商店",
                        voucher_date=f"2023-03-{k % 28 + 1:02d}") for k in range(10, 310)]
    entries = ledger(*ordinary,
                     payment(1, 25_637, counterparty="五金店", voucher_date="2023-03-02"),
                     payment(2, -25_637, counterparty="五金店", voucher_date="2023-03-09"),
                     payment(3, 25_637, counterparty="城东李记五金店", voucher_date="2023-03-10"))
    features, relations = features_and_relations(entries, PARAMS)
    forest = LedgerForest(n_estimators=20, seed=1).fit(features)
    rebooked = entries.index.get_loc(_row(entries, 3))
    rare = surprisal(features, forest.reference_)
    joined = explainer(entries.join(related_fields(relations, entries["entry_id"])), features,
                       rare, forest, PARAMS)
    given = explainer(entries, features, rare, forest, PARAMS, relations)  # as a run does
    reversed_id = entries.at[_row(entries, 2), "entry_id"]
    said = f"凭证 本村 2023-03 记-2〔分录 {reversed_id}〕以红字冲销"
    assert said in joined(np.array([rebooked]))[0] == given(np.array([rebooked]))[0]
    assert said not in explainer(entries, features, rare, forest, PARAMS)(np.array([rebooked]))[0]


def test_books_without_insiders_relate_nothing():
    entries = ledger(payment(1, 123_456, counterparty="张三"), payment(2, 99_900))
    entries[["preparer", "reviewer", "bookkeeper"]] = ""
    features, related = _between(entries)
    assert not features[["insider_as_supplier", "insider_on_roster",
                         "payee_named_after_insider"]].to_numpy().any()
    assert (related.to_numpy() == "").all()


def test_no_feature_crosses_a_town():
    """The pipeline computes features town by town: a county at once must give the same."""
    books = [*_payroll(), payment(7, 480_000, debit_code="541005", counterparty="张建国"),
             payment(8, 123_456, counterparty="文具店", village="上坝村"),
             payment(9, 123_456, counterparty="文具店"),
             payment(10, 3_000_000, debit_code="154", counterparty="张建国建筑队")]
    entries = ledger(*books, *[[{**line, "town": "白沙乡"} for line in voucher]
                               for voucher in books])
    whole, _ = features_and_relations(entries, PARAMS)
    apart = pd.concat([features_and_relations(part, PARAMS)[0]
                       for _, part in entries.groupby("town", sort=False)])
    pd.testing.assert_frame_equal(whole, apart.loc[whole.index])
    in_one, in_other = (whole[(entries["town"] == town).to_numpy()].to_numpy()
                        for town in ("青石镇", "白沙乡"))
    assert (in_one == in_other).all() and in_one[:, -5:].any()
