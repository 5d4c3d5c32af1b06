"""The rule catalogue: complete, documented, and committed up to date as checks/RULES.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.catalogue import (
    catalogue_markdown,
    catalogue_text,
    setting_description,
    threshold_description,
)
from checks.params import AuditParams, Thresholds, load_params
from checks.rules import RULES
from checks.signals import SIGNALS

RULES_MD = Path(__file__).resolve().parents[2] / "checks" / "RULES.md"


def test_committed_catalogue_is_up_to_date():
    assert RULES_MD.read_text(encoding="utf-8") == catalogue_markdown(load_params()), (
        "checks/RULES.md is out of date; regenerate it with "
        "`.venv/bin/python -m checks.catalogue > checks/RULES.md`"
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_rule_is_described_with_its_basis(rule):
    assert rule.message and rule.description and rule.category
    assert rule.severity in {"high", "medium", "low"}
    assert rule.basis, f"{rule.id} has no basis"
    assert all(basis.text and basis.source for basis in rule.basis)
    for name in rule.thresholds:
        assert threshold_description(name)
    for path in rule.settings:
        assert setting_description(path)


@pytest.mark.parametrize("signal", SIGNALS, ids=lambda signal: signal.id)
def test_every_signal_is_described(signal):
    assert signal.name and signal.description and signal.basis
    for path in signal.settings:
        assert setting_description(path)


def test_every_threshold_has_a_description():
    for name, field in Thresholds.model_fields.items():
        assert field.description, f"threshold {name} lacks a description"


def test_undocumented_names_are_refused():
    with pytest.raises(KeyError):
        threshold_description("no_such_threshold")
    with pytest.raises(KeyError):
        setting_description("keywords.no_such_list")


def test_catalogue_shows_the_thresholds_in_force_per_town():
    params = AuditParams(town_overrides={"青石镇": {"cash_holding_limit": "3000"}})
    text = catalogue_text(params)
    assert "库存现金日终余额上限（元）（thresholds.cash_holding_limit）= 5,000.00 元；" \
           "乡镇另有规定：青石镇：3,000.00 元" in text
    for rule in RULES:
        assert rule.id in text
    for signal in SIGNALS:
        assert signal.id in text
    markdown = catalogue_markdown(params)
    assert markdown.startswith("# 三资审计规则目录")
    assert "青石镇：3,000.00 元" in markdown
