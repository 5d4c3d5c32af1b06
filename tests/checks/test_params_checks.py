"""The audit parameters the rule layer added: closing, keywords, charts, signals, opening cash."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from checks.params import AuditParams, Thresholds, load_params


@pytest.mark.parametrize(
    ("through", "close"),
    [("2023-12", dt.date(2023, 12, 31)), ("2024-02", dt.date(2024, 2, 29)),
     ("2023-04", dt.date(2023, 4, 30))],
)
def test_close_date_defaults_to_the_month_end(through, close):
    assert Thresholds(closed_through=through).close_date() == close


def test_close_date_needs_a_closed_period():
    with pytest.raises(ValueError, match="closed_through"):
        Thresholds(closed_on=dt.date(2024, 1, 15))
    with pytest.raises(ValueError):
        Thresholds(closed_through="2023-13")
    assert Thresholds().close_date() is None


def test_town_override_of_the_close():
    params = AuditParams(town_overrides={"青石镇": {"closed_through": "2023-12",
                                                 "closed_on": "2024-01-20"}})
    assert params.thresholds_for("青石镇").close_date() == dt.date(2024, 1, 20)
    assert params.thresholds_for("白沙镇").close_date() is None


def test_opening_cash_by_town_and_village_then_by_village():
    opening = {"青石镇/下坝村": Decimal("1200.50"), "上坝村": Decimal("300")}
    params = AuditParams(opening_cash=opening)
    assert params.opening_cash_fen("青石镇", "下坝村") == 120050
    assert params.opening_cash_fen("白沙镇", "上坝村") == 30000
    assert params.opening_cash_fen("白沙镇", "下坝村") == 0


def test_county_file_overrides_word_lists_charts_and_signals(tmp_path):
    county = tmp_path / "county.yaml"
    county.write_text(
        "keywords:\n  banned_summary_terms: [招待]\n"
        "charts:\n  '2004': {remove: ['241']}\n"
        "signals:\n  duplicate_window_days: 3\n",
        encoding="utf-8",
    )
    params = load_params(county)
    assert params.keywords.banned_summary_terms == ("招待",)
    assert params.keywords.red_ink_markers  # unstated lists keep their defaults
    assert params.charts["2004"].remove == ("241",)
    assert params.signals.duplicate_window_days == 3
    assert params.signals.benford_min_amounts == 300


def test_defaults_file_agrees_with_the_code_defaults():
    defaults = load_params()
    assert defaults == AuditParams()
