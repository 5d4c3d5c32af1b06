import numpy as np
import pandas as pd
import pytest

from checks.params import ReviewBudget
from models.ranking import flag_within_budget, forest_percentile, rank_entries
from tests.entries import make_entries


def _no_rows(key: str) -> pd.DataFrame:
    return pd.DataFrame({"entry_id": pd.Series(dtype="str"), key: pd.Series(dtype="str"),
                         "detail": pd.Series(dtype="str")})


def _ledger(n: int, villages: tuple[str, ...] = ("下坝村",)) -> pd.DataFrame:
    return make_entries(
        [{"village": villages[i % len(villages)], "voucher_number": i + 1, "debit_fen": 100 + i}
         for i in range(n)]
    )


def test_rule_breach_outranks_ordinary_entries_and_is_explained():
    entries = _ledger(40)
    breaches = pd.DataFrame({"entry_id": ["e0007"], "rule_id": ["voucher.balance"],
                             "detail": ["凭证 记-8 借方合计 1.07 元，贷方合计 0.00 元"]})
    ranked = rank_entries(entries, breaches=breaches, signals=_no_rows("signal_id"),
                          anomaly=np.linspace(0.3, 0.5, 40),
                          rule_weights={"voucher.balance": 1.0},
                          review=ReviewBudget(share=0.05, per_village_max=10, min_risk=0.3))
    top = ranked.loc[ranked["rank"] == 1]
    assert entries.loc[top.index, "entry_id"].tolist() == ["e0007"]
    assert top["rule_ids"].iloc[0] == ["voucher.balance"]
    assert "借方合计 1.07 元" in top["reasons"].iloc[0]
    assert ranked["risk_score"].between(0, 1).all()
    # Besides the breach, at most the budget's 2 entries (5 % of 40) the model suggests.
    assert ranked["flagged"].sum() <= 3
    assert ranked.loc[~ranked["flagged"], "reasons"].eq("").all()


def _signalled(entries: pd.DataFrame) -> pd.DataFrame:
    """Three signals on every entry: each scores 0.3, above the default min_risk."""
    return pd.DataFrame({"entry_id": np.repeat(entries["entry_id"].to_numpy(), 3),
                         "signal_id": ["a", "b", "c"] * len(entries), "detail": "整数金额"})


def test_budget_caps_what_the_model_and_signals_raise_overall_and_per_village():
    entries = _ledger(100, villages=("甲村", "乙村"))
    signals = _signalled(entries)
    ranked = rank_entries(entries, breaches=_no_rows("rule_id"), signals=signals,
                          anomaly=np.full(100, 0.4), rule_weights={},
                          review=ReviewBudget(share=0.10, per_village_max=3))
    assert ranked["flagged"].sum() == 6  # 3 per village, under the overall 10
    flagged_villages = entries.loc[ranked["flagged"], "village"].value_counts()
    assert flagged_villages.to_dict() == {"甲村": 3, "乙村": 3}
    assert sorted(ranked["rank"].dropna().tolist()) == [1, 2, 3, 4, 5, 6]

    ranked = rank_entries(entries, breaches=_no_rows("rule_id"), signals=signals,
                          anomaly=np.full(100, 0.4), rule_weights={},
                          review=ReviewBudget(share=0.04, per_village_max=50))
    assert ranked["flagged"].sum() == 4


def test_every_rule_breach_is_flagged_whatever_the_budget():
    """Breaches are stated rules: the budget bounds only what the model and signals raise.
    Forty breaches of a low-severity rule, in one village, with a budget of 2 entries and a
    cap of 1 a village, and 60 entries the model and signals rank higher."""
    entries = _ledger(100)
    breached = entries["entry_id"].iloc[:40]
    breaches = pd.DataFrame({"entry_id": breached, "rule_id": "voucher.attachments",
                             "detail": "附件为 0"})
    signals = _signalled(entries.iloc[40:])
    anomaly = np.concatenate([np.full(40, 0.1), np.full(60, 0.9)])
    ranked = rank_entries(entries, breaches=breaches, signals=signals, anomaly=anomaly,
                          rule_weights={"voucher.attachments": 0.1},
                          review=ReviewBudget(share=0.02, per_village_max=1, min_risk=0.5))
    flagged = set(entries.loc[ranked["flagged"], "entry_id"])
    assert set(breached) <= flagged  # all 40, below min_risk and far beyond the budget
    assert len(flagged) == 41  # and one entry the model suggests (the village's cap)
    assert ranked.loc[ranked["flagged"], "reasons"].str.len().gt(0).all()


def test_forest_reason_states_the_true_percentile():
    entries = _ledger(200)
    anomaly = np.linspace(0.3, 0.7, 200)
    ranked = rank_entries(entries, breaches=_no_rows("rule_id"), signals=_no_rows("signal_id"),
                          anomaly=anomaly, rule_weights={},
                          review=ReviewBudget(share=0.01, per_village_max=50, min_risk=0.3))
    top = ranked.loc[ranked["rank"] == 1]
    assert entries.loc[top.index, "entry_id"].item() == "e0199"
    assert top["reasons"].item() == "模型异常程度高于 100.0% 的分录"
    assert forest_percentile(anomaly)[198] == pytest.approx(0.995)


def test_unknown_entry_in_findings_is_an_error():
    entries = _ledger(3)
    breaches = pd.DataFrame({"entry_id": ["nope"], "rule_id": ["x"], "detail": ["?"]})
    with pytest.raises(ValueError, match="not among the entries"):
        rank_entries(entries, breaches=breaches, signals=_no_rows("signal_id"),
                     anomaly=np.zeros(3), rule_weights={}, review=ReviewBudget())


def test_flagged_order_is_risk_then_anomaly_then_entry_id_within_both_budgets():
    """The order a sort of the three columns gives, with the budget's caps after it: ties of
    risk and anomaly (duplicated entries), missing anomalies and villages at their cap."""
    generator = np.random.default_rng(3)
    rows = 4000
    candidates = pd.DataFrame({
        "risk": np.round(generator.choice([0.2, 0.55, 0.7, 0.9, 0.97], rows), 6),
        "anomaly": np.where(generator.random(rows) < 0.05, np.nan,
                            generator.choice([0.1, 0.4, 0.6], rows)),
        "village": pd.array(generator.choice(["甲镇/一村", "甲镇/二村", "乙镇/三村"], rows),
                            dtype="str"),
        "entry_id": pd.array([f"E{number:05d}" for number in generator.permutation(rows)],
                             dtype="str"),
    })
    review = ReviewBudget(share=0.2, per_village_max=300, min_risk=0.5)
    expected = candidates.assign(position=np.arange(rows))
    expected = expected[expected["risk"] >= review.min_risk].sort_values(
        ["risk", "anomaly", "entry_id"], ascending=[False, False, True])
    expected = expected[expected.groupby("village").cumcount() < review.per_village_max]
    flagged = flag_within_budget(candidates, rows, review)
    assert flagged.tolist() == expected["position"].to_numpy()[: int(0.2 * rows)].tolist()
    assert len(flagged) == 800 and len(set(candidates["village"].iloc[flagged])) == 3
