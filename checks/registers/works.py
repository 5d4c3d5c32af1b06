"""Works and purchase contracts paid beyond their amount (工程付款超合同)."""

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
    findings_frame,
    register,
    terms_evidence,
)
from checks.registers.schedule import PAYMENT_CATEGORIES
from checks.wording import money


def find_paid_over_contract(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
                            params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    contracts = register(registers, "contracts")
    works = contracts.loc[contracts["category"].isin(PAYMENT_CATEGORIES)
                          & contracts["amount_fen"].notna()]
    if works.empty:
        return findings_frame(PAID_OVER_CONTRACT, [])
    flows = books.flows
    paid = flows.loc[(flows["direction"] == "付") & (flows["contracts"].str.len() == 1)
                     & (flows["date"] <= pd.Timestamp(as_of))]
    per_contract = paid.groupby([paid["village"], paid["contracts"].str[0]], sort=False)
    totals = per_contract["amount_fen"].sum().to_dict()
    tolerance = params.registers.fen("works_tolerance")
    findings = []
    for c in works.to_dict("records"):
        key = (c["village"], c["contract_no"])
        total = int(totals.get(key, 0))
        over = total - int(c["amount_fen"])
        if over <= tolerance:
            continue
        own = per_contract.get_group(key).sort_values("date") if key in totals \
            else paid.iloc[:0]
        findings.append(Finding(
            town=c["town"], village=c["village"], subject_id=c["contract_no"],
            reason=(f"{c['category']}合同 {c['contract_no']}（{c['counterparty']}）合同金额 "
                    f"{money(int(c['amount_fen']))} 元，账上已付 {len(own)} 笔共 "
                    f"{money(total)} 元，"
                    f"超付 {money(over)} 元"),
            evidence={"terms": terms_evidence(c), "paid_fen": total,
                      "payments": own[["entry_id", "date", "amount_fen"]].to_dict("records")},
            amount_fen=over, periods=list(own["period"]), entry_ids=list(own["entry_id"]),
        ))
    return findings_frame(PAID_OVER_CONTRACT, findings)


PAID_OVER_CONTRACT = RegisterCheck(
    id="works.paid_over_contract", name="工程（采购）付款超过合同金额", kind="rule",
    severity="high", subject_kind="contract",
    description=("工程建设、采购服务合同：账上贷记现金或银行存款的凭证中，借记在建工程、应付款、费用等科目并"
                 "按合同编号或施工方（供应商）名称对上该合同的付款，累计超过合同金额（加容差）。"),
    basis=(sources.FULL_PERFORMANCE, sources.ZHEJIANG_AUDIT), find=find_paid_over_contract,
    settings=("registers.works_tolerance",),
)
