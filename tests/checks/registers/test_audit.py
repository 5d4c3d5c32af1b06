"""The register stage's entry point, its catalogue and its parameters."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from checks.catalogue import setting_description
from checks.params import AuditParams, load_params
from checks.registers.audit import REGISTER_CHECKS, audit_registers
from checks.registers.columns import REGISTER_FINDING_COLUMNS, SCHEDULE_COLUMNS
from checks.registers.params import RegisterParams
from tests.checks.registers.frames import contract, registers, rent
from tests.entries import make_entries


def test_audit_does_not_mutate_its_inputs_and_returns_the_agreed_columns():
    given = registers(contracts=[contract(), contract("HT-2", counterparty="李四")],
                      assets=[{"asset_no": "ZC-1", "asset_name": "仓库", "asset_class": "J020105",
                               "acquired_on": "2023-02-01", "original_value_fen": 100,
                               "use_status": "闲置"}])
    entries = make_entries(rent(1, "2023-01-05", 2000))
    before = {kind: frame.copy(deep=True) for kind, frame in given.items()}
    entries_before = entries.copy(deep=True)
    result = audit_registers(given, entries, load_params(), dt.date(2024, 6, 30))
    for kind, frame in given.items():
        pd.testing.assert_frame_equal(frame, before[kind])
    pd.testing.assert_frame_equal(entries, entries_before)
    assert list(result.schedule.columns) == list(SCHEDULE_COLUMNS)
    assert list(result.findings.columns) == list(REGISTER_FINDING_COLUMNS)
    assert {"contract.rent_overdue", "asset.idle", "asset.ledger_mismatch"} <= set(
        result.findings["check_id"])


def test_a_town_without_registers_has_no_findings():
    result = audit_registers({}, make_entries(rent(1, "2023-01-05", 2000)), load_params(),
                             dt.date(2024, 6, 30))
    assert result.schedule.empty and result.findings.empty


def test_one_town_at_a_time():
    entries = make_entries([*rent(1, "2023-01-05", 1), *rent(2, "2023-01-06", 1)])
    entries.loc[0, "town"] = "白沙镇"
    with pytest.raises(ValueError, match="一个乡镇"):
        audit_registers({}, entries, load_params(), dt.date(2024, 6, 30))


@pytest.mark.parametrize("check", REGISTER_CHECKS, ids=lambda check: check.id)
def test_every_check_is_declared_with_its_basis_and_documented_parameters(check):
    assert check.name and check.description and check.kind in {"rule", "signal"}
    assert check.severity in {"high", "medium", "low"}
    assert check.basis and all(basis.text and basis.source.startswith("http")
                               for basis in check.basis)
    for path in check.settings:
        assert setting_description(path)


def test_ids_are_unique_and_cover_registers_md():
    ids = [check.id for check in REGISTER_CHECKS]
    assert len(ids) == len(set(ids))
    assert {"contract.rent_overdue", "contract.income_unbooked", "contract.expiring",
            "contract.expired_in_use", "contract.term_cap", "contract.low_price",
            "contract.procedure", "contract.time_inversion", "works.paid_over_contract",
            "contract.one_off_rent", "contract.related_party", "asset.ledger_mismatch",
            "asset.idle", "register.orphan"} <= set(ids)


def test_every_register_parameter_is_described():
    for name, field in RegisterParams.model_fields.items():
        assert field.description, f"registers.{name} lacks a description"


def test_town_overrides_and_the_parameters_file():
    params = AuditParams.model_validate(
        {"registers": {"grace_days": 10, "town_overrides": {"青石镇": {"grace_days": 60}}}})
    assert params.registers.for_town("青石镇").grace_days == 60
    assert params.registers.for_town("白沙镇").grace_days == 10
    assert load_params().registers == RegisterParams()
    assert RegisterParams().fen("platform_rent_line") == 1_000_000
    with pytest.raises(ValueError):
        RegisterParams(works_tolerance="0.001")


def test_findings_carry_their_subjects_register_content():
    given = registers(contracts=[contract(content_hash="abc123")])
    result = audit_registers(given, make_entries(rent(1, "2023-01-05", 2000)), load_params(),
                             dt.date(2024, 6, 30))
    overdue = result.findings.loc[result.findings["check_id"] == "contract.rent_overdue"]
    assert overdue["content_hash"].tolist() == ["abc123"]
