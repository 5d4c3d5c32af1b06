"""Checks of what a contract should bring in: rent overdue, income never booked, rent received
years ahead booked as one year's income, a payment plan at odds with the terms."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from checks.params import AuditParams
from checks.registers import sources
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
from checks.registers.ledger import ledger_lines, name_key, names_match
from checks.registers.matching import income_lines
from checks.registers.schedule import PAYMENT_CATEGORIES, annual_rent_fen, terms_instalments
from checks.wording import money

OPEN = ("部分收到", "逾期未收")


def _schedule_rows(rows: pd.DataFrame) -> list[dict]:
    return rows[["instalment", "due_on", "amount_due_fen", "matched_fen", "matched_entry_ids",
                 "last_received_on", "status", "days_overdue", "origin"]].to_dict("records")


def find_rent_overdue(registers: Registers, entries: pd.DataFrame, schedule: pd.DataFrame,
                      params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    settings = params.registers
    contracts = {(c["village"], c["contract_no"]): c
                 for c in register(registers, "contracts").to_dict("records")}
    late = schedule.loc[(schedule["direction"] == "收") & schedule["status"].isin(OPEN)
                        & (schedule["days_overdue"] > settings.grace_days)]
    findings = []
    for (village, number), rows in late.groupby(["village", "contract_no"], sort=True):
        contract = contracts.get((village, number), {})
        open_fen = int((rows["amount_due_fen"] - rows["matched_fen"]).sum())
        days = int(rows["days_overdue"].max())
        oldest = rows["due_on"].min()
        high = days >= settings.overdue_high_days
        findings.append(Finding(
            town=rows["town"].iloc[0], village=village, subject_id=number,
            reason=(f"合同 {number}（{contract.get('counterparty', '')}）有 {len(rows)} 期应收款共 "
                    f"{money(open_fen)} 元到期未收清，最早一期 {day_text(oldest)} 到期，至 "
                    f"{as_of:%Y-%m-%d} 已逾期 {days} 天（宽限 {settings.grace_days} 天"
                    f"{'，达到严重逾期' if high else ''}）"),
            evidence={"terms": terms_evidence(contract), "schedule": _schedule_rows(rows),
                      "as_of": as_of},
            amount_fen=open_fen, periods=[period_of(day) for day in rows["due_on"]],
            entry_ids=[entry for ids in rows["matched_entry_ids"] for entry in ids],
            severity="high" if high else "medium",
        ))
    return findings_frame(RENT_OVERDUE, findings)


def _books_years(entries: pd.DataFrame, village: str, as_of: dt.date) -> list[int]:
    """The full or current years a village's books cover up to ``as_of``."""
    periods = entries.loc[entries["village"] == village, "period"]
    return sorted({int(period[:4]) for period in periods if int(period[:4]) <= as_of.year})


def find_income_unbooked(registers: Registers, entries: pd.DataFrame, schedule: pd.DataFrame,
                         params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    contracts = register(registers, "contracts")
    lines = ledger_lines(entries, params)
    income = income_lines(lines, contracts).explode("contracts")
    booked = set(zip(income["village"], income["contracts"],
                     pd.to_datetime(income["date"]).dt.year, strict=True))
    due = schedule.loc[(schedule["direction"] == "收")
                       & (schedule["due_on"] <= pd.Timestamp(as_of))]
    findings = []
    for contract in contracts.to_dict("records"):
        rows = due.loc[(due["village"] == contract["village"])
                       & (due["contract_no"] == contract["contract_no"])]
        years = _books_years(entries, contract["village"], as_of)
        missing = sorted({day.year for day in rows["due_on"]} & set(years)
                         - {year for village, number, year in booked
                            if (village, number) == (contract["village"], contract["contract_no"])})
        if not missing:
            continue
        owed = int(rows.loc[rows["due_on"].dt.year.isin(missing), "amount_due_fen"].sum())
        findings.append(Finding(
            town=contract["town"], village=contract["village"],
            subject_id=contract["contract_no"],
            reason=(f"合同 {contract['contract_no']}（{contract['counterparty']}）在 "
                    f"{'、'.join(map(str, missing))} 年应收 {money(owed)} 元，账上这些年没有记入"
                    "对应的收入（按合同编号和对方名称查找）"),
            evidence={"terms": terms_evidence(contract), "years": missing,
                      "schedule": _schedule_rows(rows.loc[rows["due_on"].dt.year.isin(missing)])},
            amount_fen=owed, periods=[f"{year}-12" for year in missing],
        ))
    findings.extend(_resources_unbooked(registers, entries, lines, contracts, as_of))
    return findings_frame(INCOME_UNBOOKED, findings)


def _resources_unbooked(registers: Registers, entries: pd.DataFrame, lines: pd.DataFrame,
                        contracts: pd.DataFrame, as_of: dt.date) -> list[Finding]:
    """Resources let by the register, with a yearly rent and no contract in the contract
    register, whose tenant paid nothing into income in a year of the books."""
    resources = register(registers, "resources")
    let = resources.loc[resources["use_mode"].isin(("出租", "发包"))
                        & (resources["annual_rent_fen"].fillna(0) > 0)
                        & ~resources["contract_no"].isin(set(contracts["contract_no"]) - {""})]
    credited = lines.loc[(lines["kind"] == "rent_income") & (lines["credit_fen"] != 0)]
    findings = []
    for resource in let.to_dict("records"):
        tenant = name_key(resource["tenant"])
        own = credited.loc[(credited["village"] == resource["village"])
                           & credited["name_key"].map(lambda key, t=tenant: names_match(key, t))]
        missing = sorted(set(_books_years(entries, resource["village"], as_of))
                         - set(own["year"]))
        if not tenant or not missing:
            continue
        owed = int(resource["annual_rent_fen"]) * len(missing)
        findings.append(Finding(
            town=resource["town"], village=resource["village"],
            subject_id=resource["resource_no"], subject_kind="resource",
            reason=(f"资源 {resource['resource_no']}（{resource['resource_name']}）登记为"
                    f"{resource['use_mode']}给 {resource['tenant']}，年租金 "
                    f"{money(int(resource['annual_rent_fen']))} 元，{'、'.join(map(str, missing))} "
                    "年账上没有该承租人的收入"),
            evidence={"resource": resource, "years": missing},
            amount_fen=owed, periods=[f"{year}-12" for year in missing],
            content=resource["content_hash"],
        ))
    return findings


def find_one_off_rent(registers: Registers, entries: pd.DataFrame, schedule: pd.DataFrame,
                      params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    contracts = register(registers, "contracts")
    income = income_lines(ledger_lines(entries, params), contracts)
    income = income.loc[income["contracts"].str.len() == 1].assign(
        contract_no=lambda frame: frame["contracts"].str[0],
        year=lambda frame: pd.to_datetime(frame["date"]).dt.year)
    rows_due = schedule.loc[schedule["direction"] == "收"]
    findings = []
    for contract in contracts.to_dict("records"):
        rent = annual_rent_fen(contract)
        own = income.loc[(income["village"] == contract["village"])
                         & (income["contract_no"] == contract["contract_no"])]
        if rent is None or own.empty or contract["category"] in PAYMENT_CATEGORIES:
            continue
        dues = rows_due.loc[(rows_due["village"] == contract["village"])
                            & (rows_due["contract_no"] == contract["contract_no"])]
        for year in sorted(own["year"].unique()):
            booked = int(own.loc[own["year"] <= year, "amount_fen"].sum())
            owed = int(dues.loc[dues["due_on"].dt.year <= year, "amount_due_fen"].sum())
            if booked - owed < rent:
                continue
            lines = own.loc[own["year"] == year]
            findings.append(Finding(
                town=contract["town"], village=contract["village"],
                subject_id=contract["contract_no"],
                reason=(f"合同 {contract['contract_no']}（{contract['counterparty']}）"
                        f"到 {year} 年底"
                        f"累计记入收入 {money(booked)} 元，超过到期应收 {money(owed)} 元达 "
                        f"{money(booked - owed)} 元（年租金约 {money(int(rent))} 元），多年租金"
                        "一次计入当年收益，未分摊到各收益年度"),
                evidence={"terms": terms_evidence(contract), "year": int(year),
                          "income_booked_fen": booked, "due_fen": owed,
                          "entries": lines[["entry_id", "date", "amount_fen"]].to_dict("records")},
                amount_fen=booked - owed, periods=list(lines["period"]),
                entry_ids=list(lines["entry_id"]),
            ))
            break
    return findings_frame(ONE_OFF_RENT, findings)


def find_plan_mismatch(registers: Registers, entries: pd.DataFrame, schedule: pd.DataFrame,
                       params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    plans = register(registers, "plans")
    plans = plans.loc[plans["direction"].isin(("收", ""))]
    findings = []
    for contract in register(registers, "contracts").to_dict("records"):
        planned = plans.loc[(plans["village"] == contract["village"])
                            & (plans["contract_no"] == contract["contract_no"])]
        terms = terms_instalments(contract)
        if planned.empty or not terms:
            continue
        plan_total = int(planned["amount_due_fen"].fillna(0).sum())
        terms_total = sum(amount for _, amount in terms)
        outside = planned.loc[(planned["due_on"] < contract["start_on"] - pd.Timedelta(days=366))
                              | (planned["due_on"] > contract["end_on"])]
        if plan_total == terms_total and outside.empty:
            continue
        findings.append(Finding(
            town=contract["town"], village=contract["village"],
            subject_id=contract["contract_no"],
            reason=(f"合同 {contract['contract_no']} 的收款计划应收合计 {money(plan_total)} 元"
                    f"（{len(planned)} 期），按合同条款应收 {money(terms_total)} 元"
                    f"（{len(terms)} 期）"
                    + (f"；{len(outside)} 期应收日期在合同期限之外" if len(outside) else "")),
            evidence={"terms": terms_evidence(contract),
                      "plan": planned[["instalment", "due_on", "amount_due_fen"]]
                      .to_dict("records"),
                      "terms_schedule": [{"due_on": due, "amount_due_fen": amount}
                                         for due, amount in terms]},
            amount_fen=abs(plan_total - terms_total),
            periods=[period_of(day) for day in planned["due_on"]],
        ))
    return findings_frame(PLAN_MISMATCH, findings)


RENT_OVERDUE = RegisterCheck(
    id="contract.rent_overdue", name="合同应收租金逾期未收", kind="rule", severity="medium",
    subject_kind="contract",
    description=("按合同条款（或收款计划）生成每期应收款，与序时账中贷记收入或应收款、同时借记现金或银行存款"
                 "的收款分录按合同编号和对方名称匹配，先到期的先冲抵；到期超过宽限天数仍未收清的合同列出，"
                 "逾期达到严重逾期天数的为高风险。"),
    basis=(sources.RENT_DUE_DATES, sources.RENT_ARREARS),
    find=find_rent_overdue, settings=("registers.grace_days", "registers.overdue_high_days"),
)
INCOME_UNBOOKED = RegisterCheck(
    id="contract.income_unbooked", name="合同或出租资源收入未入账", kind="rule", severity="high",
    subject_kind="contract",
    description=("合同在某一年有到期应收款，而本村当年账上（账套覆盖的年份）没有任何记入该合同或对方的收入；"
                 "资源台账登记为出租、发包并有年租金、却不在合同台账中的地块，账上某年没有承租人的收入，也列出。"),
    basis=(sources.COLLECTIVE_DUTY, sources.ZHEJIANG_REGISTER),
    find=find_income_unbooked,
)
ONE_OFF_RENT = RegisterCheck(
    id="contract.one_off_rent", name="多年租金一次计入当年收入", kind="rule", severity="medium",
    subject_kind="contract",
    description=("合同截至某年底累计记入收入（经营收入、发包及上交收入、其他收入）的金额，超过截至该年底"
                 "到期的应收款至少一年的租金：预收的以后年度租金没有挂往来、分年确认，而是一次计入当年收益。"),
    basis=(sources.SPREAD_ONE_OFF_INCOME,),
    find=find_one_off_rent,
)
PLAN_MISMATCH = RegisterCheck(
    id="contract.plan_mismatch", name="收款计划与合同条款不符", kind="rule", severity="low",
    subject_kind="contract",
    description=("合同有收款计划时以计划为准生成应收款；计划的应收合计与按合同条款（年租金、收款方式、递增、"
                 "免租期）算出的不同，或有应收日期在合同期限之外，列出。"),
    basis=(sources.FULL_PERFORMANCE, sources.ZHEJIANG_AUDIT),
    find=find_plan_mismatch,
)
