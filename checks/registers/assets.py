"""Checks of the asset and resource registers against the ledger: 账实不符 and idle assets.

The journal mostly holds movements, not balances, so ``asset.ledger_mismatch`` compares what
can be compared:

- each year the village's books cover: the original values of the register's assets acquired
  that year (not 在建) against the debits to 固定资产 that year (opening-balance lines left out);
- where the books carry an opening-balance line (摘要 期初余额, 上年结转, 年初余额 …) for
  固定资产, 累计折旧 or 在建工程 (154 in the 2004 chart, 153 in the 2023 chart): the balance from
  the latest such opening through the last period up to the audit date, against the register's
  total of the assets held then (acquired by then, not disposed; 在建 ones for 在建工程): original
  values for 固定资产, accumulated depreciation for 累计折旧;
- where the books carry no opening line for 在建工程: each of its sub-accounts (153002
  在建工程-河道清淤工程) opened within the books (its first line a debit) and left with a
  balance at the audit date, against the register's 在建 assets: one of the same name (the
  sub-account's name after 在建工程-, either containing the other) or of that value must be
  there. Works begun before the books are not judged this way (their balance is unknown).
"""

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
    content_hash,
    day_text,
    findings_frame,
    register,
)
from checks.wording import money

ACCOUNT_TITLES = {"fixed_asset": "固定资产", "depreciation": "累计折旧", "works": "在建工程"}
IN_PROGRESS = "在建"
ACCOUNT_COLUMNS = ["village", "entry_id", "period", "date", "year", "kind", "code",
                   "account_code", "account_name", "debit_fen", "credit_fen", "opening"]
ASSET_COLUMNS = ["town", "village", "asset_no", "asset_name", "use_status", "acquired_on",
                 "disposed_on", "original_value_fen", "depreciation_fen"]


def _code(lines: pd.DataFrame) -> str:
    return str(lines["code"].mode().iloc[0]) if len(lines) else ""


def find_ledger_mismatch(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
                         params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    assets = register(registers, "assets")
    if assets.empty or books.entries.empty:
        return findings_frame(LEDGER_MISMATCH, [])
    tolerance = params.registers.fen("ledger_tolerance")
    lines = books.lines
    kept = (lines["date"] <= pd.Timestamp(as_of)).to_numpy()
    villages = lines["village"][kept]
    ends = lines["date"][kept].groupby(villages).max()
    years = lines["year"][kept].groupby(villages).unique()
    # only the columns read below: a frame of fewer columns is quicker to cut
    accounts = lines.loc[kept & lines["kind"].isin(ACCOUNT_TITLES).to_numpy(), ACCOUNT_COLUMNS]
    assets = assets.loc[assets["village"].isin(ends.index), ASSET_COLUMNS]
    towns = assets.groupby("village")["town"].first()
    opened = accounts.loc[accounts["opening"]].groupby(["village", "kind"])["year"].max()
    findings = [*_yearly_additions(towns, assets, accounts, years, tolerance),
                *_balances(towns, assets, accounts, ends, opened, tolerance),
                *_open_works(towns, assets, accounts, opened, tolerance)]
    # village by village (in name order), as the books of each are compared
    return findings_frame(LEDGER_MISMATCH, sorted(findings, key=lambda item: item.village))


def _yearly_additions(towns: pd.Series, assets: pd.DataFrame, accounts: pd.DataFrame,
                      years: pd.Series, tolerance: int) -> list[Finding]:
    """Per village and year of its books (``years``), the register's additions against the
    debits to 固定资产 among its asset account lines (``accounts``)."""
    fixed_lines = accounts.loc[accounts["kind"] == "fixed_asset"]
    fixed = fixed_lines.loc[~fixed_lines["opening"] & (fixed_lines["debit_fen"] != 0)]
    built = assets.loc[assets["use_status"] != IN_PROGRESS]
    built_in = built["acquired_on"].dt.year
    debited = fixed.groupby(["village", "year"])["debit_fen"].sum().to_dict()
    registered = built["original_value_fen"].fillna(0).groupby(
        [built["village"], built_in]).sum().to_dict()
    findings = []
    for village, town in towns.items():
        for year in sorted(years[village]):
            ledger = int(debited.get((village, year), 0))
            held = int(registered.get((village, year), 0))
            if abs(ledger - held) <= tolerance:
                continue
            debits = fixed.loc[(fixed["village"] == village) & (fixed["year"] == year)]
            added = built.loc[(built["village"] == village) & (built_in == year)]
            code = _code(debits) or _code(fixed_lines.loc[fixed_lines["village"] == village]) \
                or "151"
            compared = {"year": int(year), "account": code, "register_added_fen": held,
                        "ledger_debits_fen": ledger, "assets": list(added["asset_no"]),
                        "entries": list(debits["entry_id"])}
            findings.append(Finding(
                town=town, village=village, subject_id=code, subject_kind="account",
                reason=(f"{year} 年资产台账新增资产原值 {money(held)} 元（{len(added)} 项），"
                        f"账上借记 {code} 固定资产 {money(ledger)} 元，相差 "
                        f"{money(held - ledger)} 元"),
                evidence=compared, amount_fen=abs(held - ledger),
                periods=list(debits["period"]) or [f"{year}-12"],
                entry_ids=list(debits["entry_id"]), content=content_hash(village, compared),
            ))
    return findings


def _balances(towns: pd.Series, assets: pd.DataFrame, accounts: pd.DataFrame,
              ends: pd.Series, opened: pd.Series, tolerance: int) -> list[Finding]:
    """Per village, the balances of the asset accounts (their lines: ``accounts``) from their
    latest opening line (the year ``opened``) to the books' last day (``ends``), against the
    register's totals of the assets held then."""
    end = assets["village"].map(ends)
    held = (assets["acquired_on"].isna() | (assets["acquired_on"] <= end)) \
        & (assets["disposed_on"].isna() | (assets["disposed_on"] > end))
    building = assets["use_status"] == IN_PROGRESS
    register_values = {"fixed_asset": (held & ~building, "original_value_fen"),
                       "depreciation": (held & ~building, "depreciation_fen"),
                       "works": (held & building, "original_value_fen")}
    since = opened.reindex(pd.MultiIndex.from_arrays([accounts["village"], accounts["kind"]])
                           ).to_numpy()
    counted = accounts.loc[(accounts["year"] >= since)
                           & (~accounts["opening"] | (accounts["year"] == since))]
    balances = (counted["debit_fen"] - counted["credit_fen"]).groupby(
        [counted["village"], counted["kind"]]).sum().to_dict()
    findings = []
    for village, town in towns.items():
        for kind, (mask, column) in register_values.items():
            if (village, kind) not in opened.index:
                continue
            balance = int(balances.get((village, kind), 0))
            if kind == "depreciation":
                balance = -balance
            values = assets.loc[mask & (assets["village"] == village), column]
            total = int(values.fillna(0).sum())
            if abs(balance - total) <= tolerance:
                continue
            account = accounts.loc[(accounts["village"] == village) & (accounts["kind"] == kind)]
            code, day = _code(account), ends[village]
            compared = {"account": code, "as_at": day, "ledger_balance_fen": balance,
                        "register_total_fen": total,
                        "opening_year": int(opened[(village, kind)]), "assets": len(values)}
            findings.append(Finding(
                town=town, village=village, subject_id=code, subject_kind="account",
                reason=(f"截至 {day_text(day)}，{code} {ACCOUNT_TITLES[kind]}账面余额 "
                        f"{money(balance)} 元，"
                        f"资产台账合计 {money(total)} 元（{len(values)} 项），相差 "
                        f"{money(total - balance)} 元"),
                evidence=compared, amount_fen=abs(total - balance),
                periods=[f"{day:%Y-%m}"],
                entry_ids=list(account.loc[account["opening"], "entry_id"]),
                content=content_hash(village, compared),
            ))
    return findings


def _open_works(towns: pd.Series, assets: pd.DataFrame, accounts: pd.DataFrame,
                opened: pd.Series, tolerance: int) -> list[Finding]:
    """In villages whose books carry no opening line for 在建工程: its sub-accounts begun
    within the books and open at their end with no 在建 asset of the same name or value in the
    register (module docstring)."""
    works = accounts.loc[(accounts["kind"] == "works")
                         & accounts["village"].isin(set(towns.index))].sort_values(
        "date", kind="stable")
    works = works.loc[~works["village"].isin(
        {village for village, kind in opened.index if kind == "works"})]
    sub_accounts = works.assign(moved=works["debit_fen"] - works["credit_fen"]).groupby(
        ["village", "account_code", "account_name"], sort=True).agg(
        balance=("moved", "sum"), first_debit=("debit_fen", "first"))
    candidates = sub_accounts.loc[(sub_accounts["balance"] != 0)
                                  & (sub_accounts["first_debit"] > 0)]
    findings = []
    for (village, code, account), balance in candidates["balance"].items():
        if len(str(code)) <= 3:
            continue
        balance = int(balance)
        building = assets.loc[(assets["village"] == village)
                              & (assets["use_status"] == IN_PROGRESS)]
        names = [str(name) for name in building["asset_name"] if name]
        values = building["original_value_fen"].dropna().astype("int64").tolist()
        name = str(account).split("-", 1)[-1]
        if any(name in held or held in name for held in names) \
                or any(abs(value - balance) <= tolerance for value in values):
            continue
        lines = works.loc[(works["village"] == village) & (works["account_code"] == code)
                          & (works["account_name"] == account)]
        compared = {"account": code, "account_name": account, "ledger_balance_fen": balance,
                    "since": lines["date"].iloc[0], "register_in_progress": names}
        findings.append(Finding(
            town=towns[village], village=village, subject_id=str(code), subject_kind="account",
            reason=(f"{code} {account} 自 {day_text(lines['date'].iloc[0])} 起在账，余额 "
                    f"{money(balance)} 元，资产台账中没有对应的在建资产（名称或金额相同的）"),
            evidence=compared, amount_fen=balance, periods=list(lines["period"]),
            entry_ids=list(lines["entry_id"]), content=content_hash(village, compared),
        ))
    return findings


def _fen(value: object) -> int:
    return 0 if pd.isna(value) else int(value)


def _operating(assets: pd.DataFrame) -> pd.Series:
    classes = assets["asset_class"]
    return (classes.str.startswith("J") | classes.str.contains("经营性")) \
        & ~classes.str.contains("非经营性")


def find_idle(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
              params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    months = params.registers.idle_months
    since = pd.Timestamp(as_of) - pd.DateOffset(months=months)
    contracts = register(registers, "contracts")
    active = contracts.loc[(contracts["end_on"].isna() | (contracts["end_on"] >= since))
                           & (contracts["start_on"].isna()
                              | (contracts["start_on"] <= pd.Timestamp(as_of)))]
    covered = {(village, key) for village, subject, number in
               zip(active["village"], active["subject_no"], active["contract_no"], strict=True)
               for key in (subject, number) if key}
    assets, resources = register(registers, "assets"), register(registers, "resources")
    marked = assets["use_status"] == "闲置"
    unlet = _operating(assets) & assets["use_status"].isin(("", "出租", "发包")) \
        & ~pd.Series([(v, n) in covered or (v, k) in covered for v, n, k in zip(
            assets["village"], assets["asset_no"], assets["contract_no"], strict=True)],
            index=assets.index, dtype=bool)
    findings = [
        Finding(town=a["town"], village=a["village"], subject_id=a["asset_no"],
                subject_kind="asset",
                reason=(f"资产 {a['asset_no']}（{a['asset_name']}，原值 "
                        f"{money(_fen(a['original_value_fen']))} 元）"
                        + ("在台账中登记为闲置" if is_marked else
                           f"是经营性资产，近 {months} 个月没有有效的出租、发包合同")),
                evidence={"asset": a, "since": since},
                amount_fen=None if pd.isna(a["original_value_fen"]) else
                int(a["original_value_fen"]),
                content=a["content_hash"])
        for a, is_marked in zip(assets.loc[marked | unlet].to_dict("records"),
                                marked[marked | unlet], strict=True)
    ]
    findings += [
        Finding(town=r["town"], village=r["village"], subject_id=r["resource_no"],
                subject_kind="resource",
                reason=(f"资源 {r['resource_no']}（{r['resource_name']}，{r['land_class']} "
                        f"{r['area_mu']:g} 亩）在台账中登记为闲置"),
                evidence={"resource": r}, content=r["content_hash"])
        for r in resources.loc[resources["use_mode"] == "闲置"].to_dict("records")
    ]
    return findings_frame(IDLE, findings)


LEDGER_MISMATCH = RegisterCheck(
    id="asset.ledger_mismatch", name="资产台账与账面不符", kind="rule", severity="high",
    subject_kind="account",
    description=("逐年比较资产台账当年新增资产原值与账上当年借记固定资产的金额；账上有期初余额（上年结转）"
                 "分录时，再比较截至账套最后期间的固定资产、累计折旧、在建工程（2004 年制度 154，"
                 "2023 年制度 153）余额与台账中当时在账资产的原值、累计折旧、在建资产合计；"
                 "没有在建工程期初分录时，账套期间内开始、期末仍有余额的在建工程明细科目，"
                 "台账中须有名称或金额相同的在建资产。"),
    basis=(sources.ZHEJIANG_REGISTER, sources.COLLECTIVE_PROPERTY), find=find_ledger_mismatch,
    settings=("registers.ledger_tolerance",),
)
IDLE = RegisterCheck(
    id="asset.idle", name="资产资源闲置", kind="signal", severity="low", subject_kind="asset",
    description=("资产、资源台账登记为闲置；或经营性资产（分类代码 J 或类别含“经营性”）没有登记为"
                 "自用等用途，近规定月数内没有以它为标的的有效合同。"),
    basis=(sources.COLLECTIVE_PROPERTY,), find=find_idle, settings=("registers.idle_months",),
)
