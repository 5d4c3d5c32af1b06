"""Each register check: a tiny literal case that breaches and one that does not."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from checks.params import load_params
from checks.registers.audit import REGISTER_CHECKS, audit_registers
from tests.checks.books import voucher
from tests.checks.registers.frames import contract, registers, rent
from tests.entries import make_entries

AS_OF = dt.date(2024, 6, 30)


def found(check_id: str, rows: list[dict], as_of: dt.date = AS_OF, params=None,
          **kinds: list[dict]) -> pd.DataFrame:
    (check,) = [check for check in REGISTER_CHECKS if check.id == check_id]
    entries = make_entries(rows or rent(99, "2020-01-05", 1, payer="无关"))
    result = audit_registers(registers(**kinds), entries, params or load_params(), as_of,
                             checks=(check,))
    return result.findings


def paid_in_full() -> list[dict]:
    """张三's rent of 2023 and 2024, each paid when due."""
    return [*rent(1, "2023-01-05", 2000), *rent(2, "2024-01-05", 2000)]


def test_rent_overdue():
    late = found("contract.rent_overdue", rent(1, "2023-01-05", 2000), contracts=[contract()])
    assert late["subject_id"].tolist() == ["HT-1"]
    assert late["severity"].iloc[0] == "high"  # 181 days
    assert "2,000.00 元" in late["reason"].iloc[0] and "2024-01-01" in late["reason"].iloc[0]
    assert late["amount_fen"].iloc[0] == 200_000
    assert json.loads(late["evidence"].iloc[0])["schedule"][0]["status"] == "逾期未收"
    within_grace = found("contract.rent_overdue", rent(1, "2023-01-05", 2000),
                         as_of=dt.date(2024, 1, 20), contracts=[contract()])
    assert within_grace.empty
    assert found("contract.rent_overdue", paid_in_full(), contracts=[contract()]).empty


def test_rent_overdue_grace_per_town():
    params = load_params().model_copy(update={"registers": load_params().registers.model_copy(
        update={"town_overrides": {"青石镇": {"grace_days": 365}}})})
    assert found("contract.rent_overdue", rent(1, "2023-01-05", 2000), params=params,
                 contracts=[contract()]).empty


def test_rent_overdue_names_the_counterparty_and_tells_similar_tenants_apart():
    contracts = [contract(), contract("HT-2", counterparty="张三家庭农场", subject_no="ZY-2")]
    rows = [*rent(1, "2023-01-05", 2000), *rent(2, "2024-01-05", 2000),
            *rent(3, "2023-01-06", 1000, "张三家庭农场"),
            *rent(4, "2024-01-06", 1000, "张三家庭农场")]
    late = found("contract.rent_overdue", rows, contracts=contracts)
    assert late["subject_id"].tolist() == ["HT-2"]  # 张三 paid his own rent in full
    assert late["reason"].iloc[0].startswith("合同 HT-2（张三家庭农场）有 1 期应收款共 2,000.00 元")


def test_income_unbooked():
    rows = [*rent(1, "2023-01-05", 2000),
            *voucher("2024-02", 1, "2024-02-01", "付电费",
                     [("511", "经营支出", 10, 0), ("102", "银行存款", 0, 10)])]
    missing = found("contract.income_unbooked", rows, contracts=[contract()])
    assert missing["subject_id"].tolist() == ["HT-1"]
    assert "2024" in missing["reason"].iloc[0]
    assert found("contract.income_unbooked", paid_in_full(), contracts=[contract()]).empty
    let = {"resource_no": "ZY-1", "resource_name": "东坝", "land_class": "耕地", "area_mu": 5.0,
           "use_mode": "出租", "tenant": "李四", "annual_rent_fen": 100_000}
    resource = found("contract.income_unbooked", paid_in_full(), resources=[let],
                     contracts=[contract()])
    assert resource[["subject_kind", "subject_id"]].values.tolist() == [["resource", "ZY-1"]]
    assert found("contract.income_unbooked", [*paid_in_full(), *rent(3, "2023-03-01", 1000, "李四"),
                                              *rent(4, "2024-03-01", 1000, "李四")],
                 resources=[let], contracts=[contract()]).empty


def test_expiring_is_a_signal():
    soon = found("contract.expiring", paid_in_full(), contracts=[contract(end_on="2024-08-31")])
    assert soon[["kind", "subject_id"]].values.tolist() == [["signal", "HT-1"]]
    renewed = [contract(end_on="2024-08-31"), contract("HT-2", previous_no="HT-1",
                                                       start_on="2024-09-01")]
    assert found("contract.expiring", paid_in_full(), contracts=renewed).empty
    assert found("contract.expiring", paid_in_full(), contracts=[contract()]).empty


def test_expired_in_use():
    ended = contract(end_on="2023-12-31", status="履行中")
    breach = found("contract.expired_in_use", paid_in_full(), contracts=[ended])
    assert breach["subject_id"].tolist() == ["HT-1"]
    assert breach["entry_ids"].iloc[0] == ["e0003"]  # 2024 rent booked after the end
    closed = contract(end_on="2023-12-31", status="已到期")
    assert found("contract.expired_in_use", rent(1, "2023-01-05", 2000),
                 contracts=[closed]).empty


def test_term_cap():
    long_lease = contract(category="资产租赁", land_class="房屋", end_on="2045-12-31")
    assert found("contract.term_cap", [], contracts=[long_lease])["subject_id"].tolist() == ["HT-1"]
    farmland = contract(end_on="2030-12-31")
    assert "二轮承包期" in found("contract.term_cap", [], contracts=[farmland])["reason"].iloc[0]
    assert found("contract.term_cap", [], contracts=[contract(
        land_class="四荒地", end_on="2060-12-31")]).empty
    assert found("contract.term_cap", [], contracts=[contract()]).empty


def _peers(count: int) -> list[dict]:
    return [contract(f"HT-P{n}", counterparty=f"农户{n}") for n in range(count)]


def test_low_price_rule_with_peers_signal_without():
    cheap = contract("HT-X", counterparty="王五", annual_rent_fen=60_000)  # 0.3 of the median
    rule = found("contract.low_price", [], contracts=[*_peers(5), cheap])
    assert rule[["subject_id", "kind"]].values.tolist() == [["HT-X", "rule"]]
    # (200 - 60) 元 a 亩 short on 10 亩 for the three years of the term
    assert rule["amount_fen"].tolist() == [(20_000 - 6_000) * 10 * 3]
    signal = found("contract.low_price", [], contracts=[*_peers(2), cheap])
    assert signal["kind"].tolist() == ["signal"]
    somewhat = contract("HT-X", counterparty="王五", annual_rent_fen=100_000)  # 0.5: a signal
    assert found("contract.low_price", [], contracts=[*_peers(5), somewhat])["kind"].tolist() \
        == ["signal"]
    fair = contract("HT-X", counterparty="王五", annual_rent_fen=190_000)
    assert found("contract.low_price", [], contracts=[*_peers(5), fair]).empty
    below_floor = contract(floor_price_fen=250_000)
    floor = found("contract.low_price", [], contracts=[below_floor])
    assert "底价" in floor["reason"].iloc[0] and floor["amount_fen"].tolist() == [50_000]


def test_low_price_compares_the_same_kind_of_land():
    paddy = [contract(f"HT-P{n}", counterparty=f"农户{n}", contract_name="水田承包合同")
             for n in range(5)]  # 200 元 a 亩
    dry = contract("HT-X", counterparty="王五", contract_name="大坡旱地承包合同",
                   annual_rent_fen=100_000)  # 100 元: half of the 水田, both 耕地
    assert found("contract.low_price", [], contracts=[*paddy, dry]).empty
    paddy_cheap = {**dry, "contract_name": "下丘水田承包合同"}
    assert found("contract.low_price", [], contracts=[*paddy, paddy_cheap])[
        "subject_id"].tolist() == ["HT-X"]


def test_procedure():
    outsider = contract(counterparty="青石农业开发有限公司", trade_mode="直接协商",
                        filed_on="2023-01-01", annual_rent_fen=2_000_000)  # 20,000 元 a year
    reason = found("contract.procedure", [], contracts=[outsider])["reason"].iloc[0]
    assert "决议" in reason and "年租金 20,000.00 元达到进场交易标准 10,000.00 元" in reason
    unfiled = contract(trade_mode="公开竞价")
    assert "备案" in found("contract.procedure", [], contracts=[unfiled, outsider])[
        "reason"].iloc[0]
    proper = contract(counterparty="青石农业开发有限公司", trade_mode="公开竞价",
                      decision_ref="JY-2022-9", filed_on="2023-01-01")
    assert found("contract.procedure", [], contracts=[proper]).empty


def _works(**fields) -> dict:
    return contract("GC-1", category="工程建设", counterparty="桃源宏远建筑有限公司",
                    land_class="", area_mu=None, annual_rent_fen=None, amount_fen=1_000_000,
                    signed_on="2023-03-01", start_on="2023-03-15", **fields)


def _works_payment(number: int, day: str, yuan: float) -> list[dict]:
    return voucher(day[:7], number, day, "付村道硬化工程款",
                   [("154001", "在建工程-村道硬化工程", yuan, 0), ("102", "银行存款", 0, yuan)],
                   counterparty="桃源宏远建筑", contract_ref="")


def test_time_inversion():
    early = found("contract.time_inversion", _works_payment(1, "2023-02-10", 3000),
                  contracts=[_works()])
    assert early["entry_ids"].iloc[0] == ["e0000"]
    signed_late = found("contract.time_inversion", [], contracts=[contract(signed_on="2023-02-01")])
    assert "晚于起始日期" in signed_late["reason"].iloc[0]
    assert found("contract.time_inversion", _works_payment(1, "2023-03-10", 3000),
                 contracts=[_works()]).empty


def test_payments_cited_by_number_keep_the_contractors_other_work_apart():
    repair = voucher("2023-02", 9, "2023-02-01", "维修村部门窗",
                     [("541", "管理费用", 800, 0), ("102", "银行存款", 0, 800)],
                     counterparty="桃源宏远建筑")
    cited = [*_works_payment(1, "2023-03-10", 10000)]
    for row in cited:
        row["contract_ref"] = "GC-1"
    rows = [*repair, *cited]
    assert found("contract.time_inversion", rows, contracts=[_works()]).empty
    assert found("works.paid_over_contract", rows, contracts=[_works()]).empty
    uncited = [*repair, *_works_payment(1, "2023-03-10", 10000)]  # books without numbers
    assert found("works.paid_over_contract", uncited, contracts=[_works()])[
        "amount_fen"].tolist() == [80_000]


def test_works_paid_over_contract():
    rows = [*_works_payment(1, "2023-03-10", 6000), *_works_payment(2, "2023-06-10", 5000)]
    over = found("works.paid_over_contract", rows, contracts=[_works()])
    assert over["amount_fen"].tolist() == [100_000]
    assert over["entry_ids"].iloc[0] == ["e0000", "e0002"]
    assert found("works.paid_over_contract", rows[:2], contracts=[_works()]).empty


def test_one_off_rent():
    three_years = rent(1, "2023-01-05", 6000)
    booked = found("contract.one_off_rent", three_years, contracts=[contract()])
    assert booked["subject_id"].tolist() == ["HT-1"] and booked["amount_fen"].iloc[0] == 400_000
    deferred = voucher("2023-01", 1, "2023-01-05", "预收承包费",
                       [("102", "银行存款", 6000, 0), ("511", "发包及上交收入", 0, 2000),
                        ("202", "应付款", 0, 4000)], counterparty="张三")
    assert found("contract.one_off_rent", deferred, contracts=[contract()]).empty


def test_related_party():
    pay = voucher("2023-05", 1, "2023-05-05", "发放干部报酬",
                  [("541", "管理费用", 3000, 0), ("102", "银行存款", 0, 3000)], counterparty="张三")
    assert found("contract.related_party", pay, contracts=[contract()])["subject_id"].tolist() \
        == ["HT-1"]
    assert found("contract.related_party", [], contracts=[contract(counterparty="李会计")]) \
        ["reason"].str.contains("制单人").all()
    assert found("contract.related_party", [], contracts=[contract()]).empty


def test_plan_mismatch():
    plan = [{"contract_no": "HT-1", "instalment": 1, "direction": "收", "due_on": "2023-01-01",
             "amount_due_fen": 300_000}]
    assert found("contract.plan_mismatch", [], contracts=[contract()], plans=plan)[
        "amount_fen"].tolist() == [300_000]
    whole = [{**plan[0], "instalment": n, "due_on": f"{2023 + n - 1}-01-01",
              "amount_due_fen": 200_000} for n in (1, 2, 3)]
    assert found("contract.plan_mismatch", [], contracts=[contract()], plans=whole).empty


def _asset(number: str, value: int, **fields) -> dict:
    return {"asset_no": number, "asset_name": "村办公楼", "asset_class": "F020103",
            "acquired_on": "2023-05-01", "original_value_fen": value, "use_status": "自用",
            **fields}


def test_ledger_mismatch_by_year_and_by_balance():
    bought = voucher("2023-05", 1, "2023-05-01", "购入办公楼",
                     [("151", "固定资产", 5000, 0), ("102", "银行存款", 0, 5000)])
    opening = voucher("2023-01", 1, "2023-01-01", "上年结转",
                      [("151", "固定资产", 10000, 0), ("301", "资本", 0, 10000)])
    rows = [*opening, *bought]
    held = [_asset("ZC-0", 1_000_000, acquired_on="2020-01-01"), _asset("ZC-1", 500_000)]
    assert found("asset.ledger_mismatch", rows, assets=held).empty
    short = found("asset.ledger_mismatch", rows, assets=[held[1]])
    assert short[["subject_kind", "subject_id"]].values.tolist() == [["account", "151"]]
    assert "余额" in short["reason"].iloc[0]
    unbooked = found("asset.ledger_mismatch", opening, assets=held)  # the balance still agrees
    assert unbooked["reason"].str.startswith("2023 年资产台账新增资产原值 5,000.00 元").tolist() \
        == [True]


def test_idle():
    idle = found("asset.idle", [], assets=[_asset("ZC-1", 1, use_status="闲置")],
                 resources=[{"resource_no": "ZY-1", "resource_name": "西坡", "land_class": "四荒地",
                             "area_mu": 30.0, "use_mode": "闲置"}])
    assert idle[["subject_kind", "kind"]].values.tolist() == [["asset", "signal"],
                                                               ["resource", "signal"]]
    unlet = _asset("ZC-2", 1, asset_class="J020102", use_status="")
    assert found("asset.idle", [], assets=[unlet])["subject_id"].tolist() == ["ZC-2"]
    assert found("asset.idle", [], assets=[unlet],
                 contracts=[contract(category="资产租赁", subject_no="ZC-2")]).empty


def test_orphans():
    parcel = {"resource_no": "ZY-1", "resource_name": "东坝", "land_class": "耕地",
              "area_mu": 8.0, "use_mode": "发包"}
    problems = found("register.orphan", [], resources=[parcel, {**parcel, "resource_no": "ZY-2"}],
                     contracts=[contract(subject_no="ZY-1"),
                                contract("HT-2", subject_no="ZY-1", start_on="2024-01-01"),
                                contract("HT-3", subject_no="ZY-9", area_mu=1.0)])
    reasons = dict(zip(problems["subject_id"], problems["reason"], strict=True))
    assert "大于地块" in reasons["HT-1"]
    assert "期限重叠" in reasons["HT-2"]
    assert "不在本村资产台账" in reasons["HT-3"]
    assert "没有对应合同" in reasons["ZY-2"]
    assert found("register.orphan", [], resources=[parcel],
                 contracts=[contract(subject_no="ZY-1", area_mu=8.0)]).empty


def test_orphans_overlap_names_both_and_blank_numbers_link_nothing():
    parcel = {"resource_no": "ZY-1", "resource_name": "东坝", "land_class": "耕地",
              "area_mu": 10.0, "use_mode": "发包", "tenant": "李四"}
    works = _works(subject_no="")
    problems = found("register.orphan", [], resources=[parcel],
                     contracts=[contract(subject_no="ZY-1"), works,
                                contract("HT-2", subject_no="ZY-1", start_on="2024-01-01")])
    reasons = dict(zip(problems["subject_id"], problems["reason"], strict=True))
    assert "与合同 HT-2" in reasons["HT-1"] and "与合同 HT-1" in reasons["HT-2"]
    unlet = found("register.orphan", [], resources=[{**parcel, "resource_no": "ZY-2"}],
                  contracts=[works])  # no contract, though the works contract has no subject
    assert unlet["subject_id"].tolist() == ["ZY-2"]


def test_open_works_without_a_register_asset():
    paid = voucher("2024-03", 1, "2024-03-05", "支付河道清淤工程款",
                   [("153002", "在建工程-河道清淤工程", 9000, 0), ("102", "银行存款", 0, 9000)])
    missing = found("asset.ledger_mismatch", paid, as_of=dt.date(2024, 12, 31),
                    assets=[_asset("ZC-0", 1_000_000, acquired_on="2020-01-01")])
    assert missing[["subject_kind", "subject_id", "amount_fen"]].values.tolist() == [
        ["account", "153002", 900_000]]
    building = _asset("ZC-1", 900_000, asset_name="河道清淤工程", use_status="在建",
                      acquired_on="2024-03-05")
    assert found("asset.ledger_mismatch", paid, as_of=dt.date(2024, 12, 31),
                 assets=[_asset("ZC-0", 1_000_000, acquired_on="2020-01-01"), building]).empty
