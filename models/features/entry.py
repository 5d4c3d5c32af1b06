"""All entry features in one frame: the risk model's inputs, one column per feature function."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.params import AuditParams
from checks.prepared import per_group_any
from models.features import amounts, payee, text, timing, voucher
from models.features.frame import feature_frame

FEATURES: tuple[str, ...] = (
    "amount_vs_village_account", "amount_vs_town_peers", "amount_vs_payee_history",
    "round_zeros_vs_account", "round_zeros_vs_summary", "below_line_closeness", "rent_vs_peers",
    "payee_lines", "payee_villages", "days_since_payee_first_seen", "payee_spend_share",
    "payee_near_line_count", "payee_window_total", "same_payee_amount_nearby",
    "repeat_other_year", "receivable_outstanding",
    "equal_amount_lines", "voucher_people", "regular_payees_off_account", "account_pair_rarity",
    "days_before_holiday", "rest_day", "days_to_month_end",
    "summary_rarity", "summary_risk_terms",
)


def entry_features(entries: pd.DataFrame, params: AuditParams) -> pd.DataFrame:
    """One row per entry (same index), one float column per name in ``FEATURES``."""
    f = feature_frame(entries, params)
    a = f["amount_fen"].to_numpy()
    closeness = amounts.below_line_closeness(
        a, f["approval_tier_fen"].to_numpy(), f["tender_line_fen"].to_numpy(),
        f["cash_payment_ceiling_fen"].to_numpy(), f["is_cash"].to_numpy(),
        params.signals.near_threshold_share,
    )
    zeros = amounts.round_zeros(a)
    regular = voucher.regular_payee(f["payee_key"].to_numpy(), f["period"],
                                    f["village_key"].to_numpy(), f["payee"])
    # Vouchers that pay for something: an expense or works account debited, closing excluded.
    spending = per_group_any(
        f["is_debit_line"].to_numpy() & (f["is_expense"].to_numpy() | f["is_works"].to_numpy())
        & ~f["closing_voucher"].to_numpy() & ~f["closing_line"].to_numpy(),
        f["voucher_key"].to_numpy())
    window = int(np.median(f["split_window_days"])) if len(f) else 30
    columns = {
        "amount_vs_village_account": amounts.amount_vs_village_account(a, f["account_key"]),
        "amount_vs_town_peers": amounts.amount_vs_town_peers(
            a, f["town_key"].to_numpy(), f["first_level"], f["is_debit_line"].to_numpy()),
        "amount_vs_payee_history": amounts.amount_vs_payee_history(
            a, f["payee_key"].to_numpy(), f["account_key"].to_numpy(), f["payee"]),
        "round_zeros_vs_account": amounts.round_zeros_vs_account(
            zeros, f["account_key"].to_numpy(), spending),
        "round_zeros_vs_summary": amounts.round_zeros_vs_summary(
            zeros, f["summary"], f["town_key"].to_numpy(), spending),
        "below_line_closeness": closeness,
        "rent_vs_peers": amounts.rent_vs_peers(a, f["summary"], f["town_key"].to_numpy()),
        "payee_lines": payee.payee_lines(f["payee_key"].to_numpy(), f["payee"],
                                         f["village_key"].to_numpy()),
        "payee_villages": payee.payee_villages(f["payee"], f["village_key"].to_numpy(),
                                               f["town_key"].to_numpy()),
        "days_since_payee_first_seen": payee.days_since_payee_first_seen(
            f["payee_key"].to_numpy(), f["day"].to_numpy(), f["payee"]),
        "payee_spend_share": payee.payee_spend_share(
            a, f["payee_key"].to_numpy(), f["village_key"].to_numpy(),
            f["is_debit_line"].to_numpy(), f["is_expense"].to_numpy(), f["is_works"].to_numpy(),
            f["payee"]),
        "payee_near_line_count": payee.payee_near_line_count(
            closeness, f["payee_key"].to_numpy(), f["village_year_key"].to_numpy(),
            f["voucher_key"].to_numpy(), f["payee"]),
        "payee_window_total": payee.payee_window_total(
            a, f["payee_key"].to_numpy(), f["day"].to_numpy(), f["is_debit_line"].to_numpy(),
            f["approval_tier_fen"].to_numpy(), f["payee"], window),
        "same_payee_amount_nearby": payee.same_payee_amount_nearby(
            a, f["payee_key"].to_numpy(), f["day"].to_numpy(), f["is_debit_line"].to_numpy(),
            f["payee"], params.signals.duplicate_window_days),
        "repeat_other_year": payee.repeat_other_year(
            a, f["summary"], f["payee_key"].to_numpy(), f["village_key"].to_numpy(),
            f["year"].to_numpy(), f["is_debit_line"].to_numpy(), f["payee"], spending),
        "receivable_outstanding": payee.receivable_outstanding(
            a, f["debit_fen"], f["credit_fen"], f["first_level"], f["payee_key"].to_numpy(),
            f["payee"]),
        "equal_amount_lines": voucher.equal_amount_lines(
            a, f["voucher_key"].to_numpy(), f["is_debit_line"].to_numpy()),
        "voucher_people": voucher.voucher_people(
            f["payee"], f["organisation"].to_numpy(), f["voucher_key"].to_numpy()),
        "regular_payees_off_account": voucher.regular_payees_off_account(
            regular, f["payee_key"].to_numpy(), f["village_year_key"].to_numpy(),
            f["account_code"], f["voucher_key"].to_numpy(), f["is_debit_line"].to_numpy()),
        "account_pair_rarity": voucher.account_pair_rarity(
            f["first_level"], f["voucher_key"].to_numpy(), f["village_key"].to_numpy(),
            f["is_debit_line"].to_numpy(), a),
        "days_before_holiday": timing.days_before_holiday(f["day"].to_numpy()),
        "rest_day": timing.rest_day(f["voucher_date"]),
        "days_to_month_end": timing.days_to_month_end(f["voucher_date"]),
        "summary_rarity": text.summary_rarity(f["summary"], f["town_key"].to_numpy()),
        "summary_risk_terms": text.summary_risk_terms(f["summary"]),
    }
    features = pd.DataFrame({name: np.asarray(columns[name], dtype=np.float64)
                             for name in FEATURES}, index=entries.index)
    return features
