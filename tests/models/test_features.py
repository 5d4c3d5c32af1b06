"""Each feature on a tiny literal ledger: one entry that should stand out, one that should not."""

import numpy as np
import pandas as pd
import pytest

from checks.params import AuditParams
from models.features.amounts import round_zeros
from models.features.entry import FEATURES, entry_features
from tests.models.vouchers import ledger, payment, payout

PARAMS = AuditParams()


def _features(entries: pd.DataFrame) -> pd.DataFrame:
    before = entries.copy()
    features = entry_features(entries, PARAMS)
    pd.testing.assert_frame_equal(entries, before)  # inputs are never mutated
    assert list(features.columns) == list(FEATURES)
    assert features.index.equals(entries.index)
    assert np.isfinite(features.to_numpy()).all()
    return features


def _row(entries: pd.DataFrame, number: int, line_no: int = 1) -> int:
    match = entries.index[(entries["voucher_number"] == number) & (entries["line_no"] == line_no)]
    return match.item()


def test_amount_against_the_village_account_and_peers():
    ordinary = [payment(k, 50_000, counterparty="文具店", voucher_date=f"2023-03-{k + 1:02d}")
                for k in range(1, 8)]
    entries = ledger(*ordinary, payment(9, 1_900_000, counterparty="文具店"))
    features = _features(entries)
    big, usual = _row(entries, 9), _row(entries, 2)
    assert features.at[big, "amount_vs_village_account"] == pytest.approx(
        np.log10((1_900_000 + 100) / (50_000 + 100)))
    assert features.at[usual, "amount_vs_village_account"] == 0
    assert features.at[big, "amount_vs_town_peers"] > 1.5
    assert features.at[big, "amount_vs_payee_history"] > 1.5
    assert features.at[usual, "amount_vs_payee_history"] == 0


def test_round_zeros_count_trailing_zeros_of_fen():
    assert round_zeros(np.array([9_500_000, 123_456, 300_000, 0])).tolist() == [5, 0, 5, 0]


def test_round_amount_stands_out_only_where_the_account_is_never_round():
    odd = [payment(k, 12_345 + k * 17, voucher_date=f"2023-03-{k + 1:02d}") for k in range(1, 6)]
    transfer = [{"voucher_number": 8, "line_no": 1, "account_code": "102", "debit_fen": 500_000,
                 "summary": "库存现金存入银行"},
                {"voucher_number": 8, "line_no": 2, "account_code": "101", "credit_fen": 500_000,
                 "summary": "库存现金存入银行"}]
    entries = ledger(*odd, payment(7, 300_000), transfer)
    features = _features(entries)
    assert features.at[_row(entries, 7), "round_zeros_vs_account"] == 5
    assert features.at[_row(entries, 7), "round_zeros_vs_summary"] == 5
    assert features.at[_row(entries, 2), "round_zeros_vs_summary"] == 0
    # moving cash to the bank is no purchase: round sums there are not counted
    assert features.at[_row(entries, 8), "round_zeros_vs_account"] == 0


def test_closeness_below_the_approval_tier():
    entries = ledger(payment(1, 990_000), payment(2, 500_000), payment(3, 1_000_000))
    features = _features(entries)
    assert features.at[_row(entries, 1), "below_line_closeness"] == pytest.approx(0.9)
    assert features.at[_row(entries, 2), "below_line_closeness"] == 0
    assert features.at[_row(entries, 3), "below_line_closeness"] == 0  # at the line: a rule's job


def test_rent_per_mu_against_the_town():
    rents = [payment(k, 600 * 100 * 10, debit_code="102", credit_code="511",
                     summary=f"收租户{k}2023年水田承包费（10亩）", counterparty=f"租户{k}")
             for k in range(1, 5)]
    low = payment(5, 100 * 100 * 10, debit_code="102", credit_code="511",
                  summary="收李四2023年水田承包费（10亩）", counterparty="李四")
    entries = ledger(*rents, low, payment(6, 50_000))
    features = _features(entries)
    assert features.at[_row(entries, 5), "rent_vs_peers"] == pytest.approx(np.log10(100 / 600))
    assert features.at[_row(entries, 1), "rent_vs_peers"] == 0
    assert features.at[_row(entries, 6), "rent_vs_peers"] == 0


def test_payee_history_new_firm_few_lines_one_village():
    known = [payment(k, 30_000 + k, counterparty="老店", voucher_date=f"2023-0{k}-05",
                     village=("甲村" if k % 2 else "乙村")) for k in range(1, 7)]
    entries = ledger(*known,
                     payment(9, 80_000, counterparty="新公司", voucher_date="2023-08-01",
                             village="甲村"),
                     payment(10, 80_000, counterparty="新公司", voucher_date="2023-08-21",
                             village="甲村"))
    features = _features(entries)
    new, old = _row(entries, 10), _row(entries, 5)
    assert features.at[new, "payee_lines"] == pytest.approx(np.log10(1 + 4))
    assert features.at[new, "payee_villages"] == 1
    assert features.at[old, "payee_villages"] == 2
    assert features.at[_row(entries, 9), "days_since_payee_first_seen"] == 0
    assert features.at[new, "days_since_payee_first_seen"] == 20
    assert features.at[new, "payee_spend_share"] > features.at[old, "payee_spend_share"]


def test_repeated_payments_near_a_line_and_window_totals():
    near = [payment(k, 985_000, counterparty="五金店", voucher_date=f"2023-0{2 * k}-03")
            for k in range(1, 4)]
    split = [payment(5, 600_000, counterparty="施工队", voucher_date="2023-05-02"),
             payment(6, 700_000, counterparty="施工队", voucher_date="2023-05-20")]
    entries = ledger(*near, *split, payment(7, 985_000, counterparty="别家"))
    features = _features(entries)
    assert features.at[_row(entries, 1), "payee_near_line_count"] == 3
    assert features.at[_row(entries, 7), "payee_near_line_count"] == 1
    assert features.at[_row(entries, 5), "payee_window_total"] == pytest.approx(1.3)
    assert features.at[_row(entries, 1), "payee_window_total"] == pytest.approx(0.985)


def test_same_payee_same_amount_within_days():
    entries = ledger(payment(1, 45_678, counterparty="店", voucher_date="2023-03-01"),
                     payment(2, 45_678, counterparty="店", voucher_date="2023-03-05"),
                     payment(3, 45_678, counterparty="店", voucher_date="2023-05-05"))
    features = _features(entries)
    assert features.at[_row(entries, 1), "same_payee_amount_nearby"] == 1
    assert features.at[_row(entries, 3), "same_payee_amount_nearby"] == 0


def test_same_claim_booked_again_the_next_year():
    entries = ledger(
        payment(1, 219_918, counterparty="建筑队", summary="维修村部门窗",
                voucher_date="2023-06-20", period="2023-06"),
        payment(2, 219_918, counterparty="建筑队", summary="维修村部门窗",
                voucher_date="2024-06-26", period="2024-06", debit_code="513005"),
        payment(3, 200_000, counterparty="保洁员", summary="支付1月村庄保洁费",
                voucher_date="2023-01-28", period="2023-01", debit_code="551"),
        payment(4, 200_000, counterparty="保洁员", summary="支付1月村庄保洁费",
                voucher_date="2024-01-28", period="2024-01", debit_code="514"),
    )
    features = _features(entries)
    assert features.at[_row(entries, 2), "repeat_other_year"] == 1
    assert features.at[_row(entries, 1), "repeat_other_year"] == 1
    assert features.at[_row(entries, 4), "repeat_other_year"] == 0  # round pay, every year


def test_receivable_never_repaid():
    lent = payment(1, 8_000_000, debit_code="112002", counterparty="王主任")
    advance = payment(2, 200_000, debit_code="112002", counterparty="李会计")
    repaid = payment(3, 200_000, debit_code="541004", credit_code="112002",
                     counterparty="李会计")
    entries = ledger(lent, advance, repaid)
    features = _features(entries)
    assert features.at[_row(entries, 1), "receivable_outstanding"] == 1
    assert features.at[_row(entries, 2), "receivable_outstanding"] == 0


def test_equal_amounts_to_many_people_and_cadres_paid_off_their_account():
    cadres = ["张书记", "李主任", "王委员"]
    payroll = [payout(k, [(name, 300_000 + 1_000 * j) for j, name in enumerate(cadres)],
                      debit_code="211", period=f"2023-{k:02d}",
                      voucher_date=f"2023-{k:02d}-25") for k in range(1, 7)]
    bonus = payout(20, [(name, 150_000) for name in cadres], period="2023-09",
                   voucher_date="2023-09-26")
    entries = ledger(*payroll, bonus)
    features = _features(entries)
    first_bonus, first_pay = _row(entries, 20), _row(entries, 1)
    assert features.at[first_bonus, "equal_amount_lines"] == 2
    assert features.at[first_pay, "equal_amount_lines"] == 0
    assert features.at[first_bonus, "voucher_people"] == 3
    assert features.at[first_bonus, "regular_payees_off_account"] == 3
    assert features.at[first_pay, "regular_payees_off_account"] == 0


def test_account_pair_rarity():
    usual = [payment(k, 10_000 + k) for k in range(1, 6)]
    entries = ledger(*usual, payment(9, 10_000, debit_code="241001", credit_code="101"))
    features = _features(entries)
    assert features.at[_row(entries, 9), "account_pair_rarity"] == pytest.approx(np.log10(2))
    assert features.at[_row(entries, 1), "account_pair_rarity"] == pytest.approx(np.log10(6))


def test_timing_before_a_holiday_rest_day_and_month_end():
    # 2023-09-29 opened the 中秋/国庆 holiday; 2023-09-26 is a Tuesday, 2023-03-18 a Saturday.
    entries = ledger(payment(1, 10_000, voucher_date="2023-09-26", period="2023-09"),
                     payment(2, 10_000, voucher_date="2023-03-18"),
                     payment(3, 10_000, voucher_date="2023-03-14"))
    features = _features(entries)
    assert features.at[_row(entries, 1), "days_before_holiday"] == 3
    assert features.at[_row(entries, 3), "days_before_holiday"] == 15
    assert features.at[_row(entries, 2), "rest_day"] == 1
    assert features.at[_row(entries, 3), "rest_day"] == 0
    assert features.at[_row(entries, 1), "days_to_month_end"] == 4


def test_summary_rarity_ignores_digits_and_counts_risk_words():
    monthly = [payment(k, 10_000, summary=f"付{k}月电费") for k in range(1, 7)]
    entries = ledger(*monthly, payment(8, 10_000, summary="发放节日值班补助"))
    features = _features(entries)
    assert features.at[_row(entries, 1), "summary_rarity"] == pytest.approx(np.log10(13))
    assert features.at[_row(entries, 8), "summary_rarity"] == pytest.approx(np.log10(3))
    assert features.at[_row(entries, 8), "summary_risk_terms"] == 2  # 值班, 补助
    assert features.at[_row(entries, 1), "summary_risk_terms"] == 0
