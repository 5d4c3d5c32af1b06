"""Registers that disagree with each other (register.orphan): a contract's subject in no
register, a parcel let without a contract, one parcel in two overlapping contracts, a contract
larger than its parcel."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from checks.params import AuditParams
from checks.registers import sources
from checks.registers.books import TownBooks
from checks.registers.check import (
    Finding,
    RegisterCheck,
    Registers,
    day_text,
    findings_frame,
    period_of,
    register,
    terms_evidence,
)

AREA_SLACK_MU = 0.01  # areas converted from 平方米 or 公顷 differ in the last digits


def _contract_problems(contracts: pd.DataFrame, assets: pd.DataFrame,
                       resources: pd.DataFrame) -> list[Finding]:
    """Per contract its problems; two contracts on one subject overlapping in time are each
    found, each naming the other (which of them is wrong is for the inspector to see)."""
    problems: dict[tuple[str, str], tuple[dict, list[str], dict]] = {}
    records = dict(zip(contracts.index, contracts.to_dict("records"), strict=True))
    asset_numbers = assets["asset_no"].groupby(assets["village"]).agg(set)
    parcel_areas = {village: dict(zip(own["resource_no"], own["area_mu"], strict=True))
                    for village, own in resources[["village", "resource_no", "area_mu"]]
                    .groupby("village")}
    for village, starts in contracts["start_on"].groupby(contracts["village"]):
        own_assets = asset_numbers.get(village, set())
        parcels = parcel_areas.get(village, {})
        kept = bool(own_assets) or bool(parcels)
        earlier: dict[str, list[dict]] = {}
        for c in (records[label] for label in starts.sort_values().index):
            found, evidence = [], {"terms": terms_evidence(c)}
            problems[village, c["contract_no"]] = (c, found, evidence)
            subject = c["subject_no"]
            if subject and kept and subject not in own_assets and subject not in parcels:
                found.append(f"标的编号 {subject} 不在本村资产台账和资源台账中")
            if subject in parcels and not pd.isna(c["area_mu"]):
                parcel_area = parcels[subject]
                if not pd.isna(parcel_area) and c["area_mu"] > parcel_area + AREA_SLACK_MU:
                    found.append(f"合同面积 {c['area_mu']:g} 亩大于地块 {subject} 的登记面积 "
                                 f"{parcel_area:g} 亩")
                    evidence["parcel_area_mu"] = parcel_area
            for other in earlier.get(subject, []) if subject else []:
                if _overlap(other, c):
                    for one, two in ((c, other), (other, c)):
                        _, listed, kept_evidence = problems[village, one["contract_no"]]
                        listed.append(f"与合同 {two['contract_no']}（{two['counterparty']}，"
                                      f"{day_text(two['start_on'])} 至 {day_text(two['end_on'])}）"
                                      "同一标的、期限重叠")
                        kept_evidence.setdefault("overlapping", []).append(two["contract_no"])
            earlier.setdefault(subject, []).append(c)
    return [
        Finding(town=c["town"], village=village, subject_id=number,
                reason=f"合同 {number}（{c['counterparty']}）：" + "；".join(found),
                evidence=evidence, periods=[period_of(c["start_on"])])
        for (village, number), (c, found, evidence) in problems.items() if found
    ]


def _overlap(first: dict, second: dict) -> bool:
    if second["previous_no"] == first["contract_no"]:
        return False
    starts = [day for day in (first["start_on"], second["start_on"]) if not pd.isna(day)]
    ends = [day for day in (first["end_on"], second["end_on"]) if not pd.isna(day)]
    return len(starts) == 2 and len(ends) == 2 and max(starts) <= min(ends)


def find_orphans(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
                 params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    contracts = register(registers, "contracts")
    assets, resources = register(registers, "assets"), register(registers, "resources")
    findings = _contract_problems(contracts, assets, resources)
    if not contracts.empty:
        # a blank contract or subject number links nothing (works contracts have no subject)
        known = {(village, number) for village, number in [
            *zip(contracts["village"], contracts["contract_no"], strict=True),
            *zip(contracts["village"], contracts["subject_no"], strict=True)] if number}
        linked = pd.Series([(v, n) in known or (v, r) in known for v, n, r in zip(
            resources["village"], resources["contract_no"], resources["resource_no"],
            strict=True)], index=resources.index, dtype=bool)
        let = resources.loc[resources["use_mode"].isin(("出租", "发包")) & ~linked]
        findings += [
            Finding(town=r["town"], village=r["village"], subject_id=r["resource_no"],
                    subject_kind="resource",
                    reason=(f"资源 {r['resource_no']}（{r['resource_name']}）登记为{r['use_mode']}"
                            f"{'给 ' + r['tenant'] if r['tenant'] else ''}，合同台账中没有对应合同"
                            + (f"（登记的合同编号 {r['contract_no']} 不存在）" if r["contract_no"]
                               else "")),
                    evidence={"resource": r}, content=r["content_hash"])
            for r in let.to_dict("records")
        ]
    return findings_frame(ORPHAN, findings)


ORPHAN = RegisterCheck(
    id="register.orphan", name="台账之间不一致", kind="rule", severity="medium",
    subject_kind="contract",
    description=("合同的标的编号不在本村资产台账、资源台账中（村里登记了这两种台账时）；资源台账登记为出租、发包"
                 "却没有合同；同一地块（标的）有两份期限重叠的合同（续约的除外）；合同面积大于地块登记面积。"),
    basis=(sources.WRITTEN_LEASE, sources.ZHEJIANG_REGISTER), find=find_orphans,
)
