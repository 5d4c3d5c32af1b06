"""The register schemas: each rule with a row that breaks it and one that does not."""

from __future__ import annotations

import pandas as pd
import pytest
from pandera.errors import SchemaErrors

from checks.registers.columns import COLUMNS, empty_frame
from checks.registers.schema import (
    RULE_FIELDS,
    register_failures,
    register_schema,
    validate_register,
)


def _frame(kind: str, *rows: dict) -> pd.DataFrame:
    base = empty_frame(COLUMNS[kind])
    records = [{**{name: "" for name, dtype in COLUMNS[kind].items() if dtype == "str"},
                "source_row": 2 + number, **row} for number, row in enumerate(rows)]
    frame = pd.DataFrame(records, columns=list(COLUMNS[kind]))
    return frame.astype(base.dtypes.to_dict())


def _contract(**changes) -> dict:
    return {"village": "下坝村", "contract_no": "HT-1", "category": "资源发包",
            "counterparty": "张三", "signed_on": pd.Timestamp("2022-12-01"),
            "start_on": pd.Timestamp("2023-01-01"), "end_on": pd.Timestamp("2027-12-31"),
            "annual_rent_fen": 100_000, "land_class": "耕地", "area_mu": 10.0, **changes}


def _reasons(kind: str, *rows: dict) -> dict[int, list[str]]:
    frame = _frame(kind, *rows)
    failures = register_failures(frame, kind)
    pd.testing.assert_frame_equal(failures, register_failures(frame, kind, by_pandera=True))
    return failures.groupby("row")["reason"].apply(list).to_dict()


def test_the_direct_checks_give_pandera_s_failures_in_its_order() -> None:
    """Many failing rows (pandera sorts its cases), several failures in a row, a repeated
    check in one row (pandera's first kept), text and numbers, a missing text value."""
    rows = [_contract(contract_no=f"HT-{number % 7}", counterparty="" if number % 2 else "张三",
                      collection="按周" if number % 3 == 0 else "按年",
                      amount_fen=-5 if number % 4 == 0 else 100, annual_rent_fen=0,
                      start_on=pd.Timestamp("2030-01-01") if number % 5 == 0 else
                      pd.Timestamp("2023-01-01"), village="" if number % 6 == 0 else "下坝村")
            for number in range(40)]
    frame = _frame("contracts", *rows)
    frame.loc[3, "town"] = float("nan")
    frame.loc[5, "category"] = float("nan")
    failures = register_failures(frame, "contracts")
    assert len(failures) > 100
    pd.testing.assert_frame_equal(failures,
                                  register_failures(frame, "contracts", by_pandera=True))


def test_a_good_contract_passes_and_the_schema_is_strict_and_ordered() -> None:
    frame = _frame("contracts", _contract())
    assert validate_register(frame, "contracts").equals(frame)
    assert register_failures(frame, "contracts").empty
    with pytest.raises(SchemaErrors):
        validate_register(frame.drop(columns=["status"]), "contracts")
    assert list(register_schema("contracts").columns) == list(COLUMNS["contracts"])


@pytest.mark.parametrize(("change", "reason"), [
    ({"start_on": pd.Timestamp("2028-01-01")}, "{start_on}晚于{end_on}"),
    ({"end_on": pd.NaT}, "{start_on}或{end_on}为空（出售出让以外的合同须写明起止日期）"),
    ({"annual_rent_fen": pd.NA},
     "{amount_fen}、{annual_rent_fen}和{unit_price_fen}都为空（至少须有一项）"),
    ({"area_mu": float("nan")}, "资源发包合同的{land_class}或{area_mu}为空"),
    ({"signed_on": pd.NaT}, "{signed_on}为空"),
    ({"counterparty": ""}, "{counterparty}为空"),
    ({"annual_rent_fen": 0}, "{annual_rent_fen}须大于 0"),
    ({"deposit_fen": -1}, "{deposit_fen}不能为负数"),
    ({"collection": "按周"},
     "{collection}「按周」不是可识别的值（应为按月、按季、按半年、按年、一次性）"),
])
def test_each_contract_rule_breached_by_one_row(change: dict, reason: str) -> None:
    assert _reasons("contracts", _contract(), _contract(contract_no="HT-2", **change)) == {
        1: [reason]}


def test_a_sale_needs_no_term_and_unknown_descriptive_words_are_kept() -> None:
    sale = _contract(category="出售出让", start_on=pd.NaT, end_on=pd.NaT, trade_mode="拍卖会",
                     status="执行中")
    assert _reasons("contracts", sale) == {}


def test_ids_are_unique_within_a_village_not_across_villages() -> None:
    rows = [_contract(), _contract(village="上坝村"), _contract(counterparty="李四")]
    assert _reasons("contracts", *rows) == {2: ["{contract_no}在同一村中重复（与前面的行相同）"]}


def test_plans_assets_and_resources_rules() -> None:
    plan = {"village": "下坝村", "contract_no": "HT-1", "instalment": 1, "direction": "收",
            "due_on": pd.Timestamp("2023-01-05"), "amount_due_fen": 100}
    assert _reasons("plans", plan, {**plan, "instalment": 2}) == {}
    assert _reasons("plans", plan, plan, {**plan, "direction": "进"}) == {
        1: ["{contract_no}的{instalment}在同一村中重复（与前面的行相同）"],
        2: ["{direction}「进」不是可识别的值（应为收、付）"]}
    asset = {"village": "下坝村", "asset_no": "ZC1", "asset_name": "办公楼",
             "asset_class": "房屋建筑物", "acquired_on": pd.Timestamp("2015-01-01"),
             "original_value_fen": 100, "use_status": "自用"}
    assert _reasons("assets", asset, {**asset, "asset_no": "ZC2", "original_value_fen": 0}) == {
        1: ["{original_value_fen}须大于 0"]}
    parcel = {"village": "下坝村", "resource_no": "DK1", "resource_name": "大坪",
              "land_class": "耕地", "area_mu": 1.5, "use_mode": "发包"}
    assert _reasons("resources", parcel, {**parcel, "resource_no": "DK2", "area_mu": -1.0}) == {
        1: ["{area_mu}须大于 0"]}


def test_every_rule_names_fields_of_its_register() -> None:
    for reason, fields in RULE_FIELDS.items():
        assert fields and all(f"{{{name}}}" in reason for name in fields), reason
    for kind in COLUMNS:
        for check in register_schema(kind).checks:
            assert check.description, check.name
