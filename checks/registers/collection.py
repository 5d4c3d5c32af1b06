"""Checks of what a contract should bring in: rent overdue, income never booked, rent received
years ahead booked as one year's income, a payment plan at odds with the terms."""

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
from checks.registers.ledger import name_key, names_match
from checks.registers.schedule import PAYMENT_CATEGORIES, annual_rent_fen, terms_instalments
from checks.wording import money

OPEN = ("部分收到", "逾期未收")


def _schedule_rows(rows: pd.DataFrame) -> list[dict]:
    return rows[["instalment", "due_on", "amount_due_fen", "matched_fen", "matched_entry_ids",
                 "last_received_on", "status", "days_overdue", "origin"]].to_dict("records")


def find_rent_overdue(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
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


def _per_contract(frame: pd.DataFrame, number: str = "contract_no") -> dict[tuple, pd.DataFrame]:
    """The rows of ``frame`` per (village, contract number)."""
    return dict(iter(frame.groupby(["village", number], sort=False)))


def find_income_unbooked(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
                         params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    contracts = register(registers, "contracts")
    income = books.income.explode("contracts")
    booked: dict[tuple[str, str], set[int]] = {}
    for village, number, year in zip(income["village"], income["contracts"],
                                     pd.to_datetime(income["date"]).dt.year, strict=True):
        booked.setdefault((village, number), set()).add(year)
    due = schedule.loc[(schedule["direction"] == "收")
                       & (schedule["due_on"] <= pd.Timestamp(as_of))]
    due_years = {key: {int(year) for year in years} for key, years in due["due_on"].dt.year
                 .groupby([due["village"], due["contract_no"]]).unique().items()}
    findings = []
    for contract in contracts.to_dict("records"):
        key = (contract["village"], contract["contract_no"])
        years = books.years_until(contract["village"], as_of)
        missing = sorted(due_years.get(key, set()) & set(years) - booked.get(key, set()))
        if not missing:
            continue
        rows = due.loc[(due["village"] == key[0]) & (due["contract_no"] == key[1])]
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
    findings.extend(_resources_unbooked(registers, books, contracts, as_of))
    return findings_frame(INCOME_UNBOOKED, findings)


def _resources_unbooked(registers: Registers, books: TownBooks, contracts: pd.DataFrame,
                        as_of: dt.date) -> list[Finding]:
    """Resources let by the register, with a yearly rent and no contract in the contract
    register, whose tenant paid nothing into income in a year of the books."""
    resources = register(registers, "resources")
    let = resources.loc[resources["use_mode"].isin(("出租", "发包"))
                        & (resources["annual_rent_fen"].fillna(0) > 0)
                        & ~resources["contract_no"].isin(set(contracts["contract_no"]) - {""})]
    lines = books.lines
    credited = lines.loc[(lines["kind"] == "rent_income") & (lines["credit_fen"] != 0)]
    # per village, each payer's comparable name and the years it paid into income
    paid: dict[str, dict[str, set[int]]] = {}
    if len(let):
        for (village, key), years in credited.groupby(["village", "name_key"],
                                                      sort=False)["year"]:
            paid.setdefault(village, {})[key] = set(years)
    findings = []
    for resource in let.to_dict("records"):
        tenant = name_key(resource["tenant"])
        own = {year for key, years in paid.get(resource["village"], {}).items()
               if names_match(key, tenant) for year in years}
        missing = sorted(set(books.years_until(resource["village"], as_of)) - own)
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


def _per_year(frame: pd.DataFrame, year: pd.Series, amount: str) -> dict[tuple, list]:
    """Per (village, contract number), its (year, amount) totals in year order."""
    totals = frame.groupby([frame["village"], frame["contract_no"], year])[amount].sum()
    years: dict[tuple, list] = {}
    for (village, number, each), total in totals.items():
        years.setdefault((village, number), []).append((each, int(total)))
    return years


def find_one_off_rent(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
                      params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    contracts = register(registers, "contracts")
    income = books.income
    income = income.loc[income["contracts"].str.len() == 1].assign(
        contract_no=lambda frame: frame["contracts"].str[0],
        year=lambda frame: pd.to_datetime(frame["date"]).dt.year)
    booked_per_year = _per_year(income, income["year"], "amount_fen")
    rows_due = schedule.loc[schedule["direction"] == "收"]
    due_per_year = _per_year(rows_due, rows_due["due_on"].dt.year, "amount_due_fen")
    findings = []
    for contract in contracts.to_dict("records"):
        rent = annual_rent_fen(contract)
        key = (contract["village"], contract["contract_no"])
        booked_years = booked_per_year.get(key, [])
        if rent is None or not booked_years or contract["category"] in PAYMENT_CATEGORIES:
            continue
        dues = due_per_year.get(key, [])
        for year, _ in booked_years:
            booked = sum(amount for each, amount in booked_years if each <= year)
            owed = sum(amount for each, amount in dues if each <= year)
            if booked - owed < rent:
                continue
            own = income.loc[(income["village"] == contract["village"])
                             & (income["contract_no"] == contract["contract_no"])]
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


def find_plan_mismatch(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
                       params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    plans = register(registers, "plans")
    plans = plans.loc[plans["direction"].isin(("收", ""))]
    plans_per_contract = _per_contract(plans)
    findings = []
    for contract in register(registers, "contracts").to_dict("records"):
        planned = plans_per_contract.get((contract["village"], contract["contract_no"]))
        if planned is None:
            continue
        terms = terms_instalments(contract)
        if not terms:
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
