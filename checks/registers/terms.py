"""Checks of a contract's terms and how it was made: expiry, legal term caps, low price,
procedure, dates out of order, a cadre on the other side."""

from __future__ import annotations

import datetime as dt
import statistics

import pandas as pd

from checks.params import AuditParams
from checks.prepared import is_organisation
from checks.registers import sources
from checks.registers.books import TownBooks
from checks.registers.cadres import village_cadres
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
from checks.registers.ledger import name_key
from checks.registers.params import RegisterParams
from checks.registers.schedule import PAYMENT_CATEGORIES, annual_rent_fen, terms_instalments
from checks.wording import money

ENDED = ("已终止", "已到期")
LET = ("出租", "发包")


def _renewed(contracts: pd.DataFrame) -> set[str]:
    """Contract numbers a later contract renews (its 原合同编号)."""
    return set(contracts["previous_no"]) - {""}


def _leases(contracts: pd.DataFrame) -> pd.DataFrame:
    return contracts.loc[~contracts["category"].isin((*PAYMENT_CATEGORIES, "出售出让"))
                         & contracts["end_on"].notna()]


def find_expiring(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
                  params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    contracts = register(registers, "contracts")
    today = pd.Timestamp(as_of)
    horizon = today + pd.Timedelta(days=params.registers.expiring_days)
    soon = _leases(contracts)
    soon = soon.loc[(soon["end_on"] >= today) & (soon["end_on"] <= horizon)
                    & ~soon["contract_no"].isin(_renewed(contracts))
                    & ~soon["status"].isin(ENDED)]
    findings = [
        Finding(town=c["town"], village=c["village"], subject_id=c["contract_no"],
                reason=(f"合同 {c['contract_no']}（{c['counterparty']}）将于 "
                        f"{day_text(c['end_on'])} "
                        f"到期（{(c['end_on'] - today).days} 天后），台账中没有续约合同"),
                evidence={"terms": terms_evidence(c), "as_of": as_of},
                periods=[period_of(c["end_on"])])
        for c in soon.to_dict("records")
    ]
    return findings_frame(EXPIRING, findings)


def find_expired_in_use(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
                        params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    contracts = register(registers, "contracts")
    cutoff = pd.Timestamp(as_of) - pd.Timedelta(days=params.registers.expired_in_use_days)
    ended = _leases(contracts)
    ended = ended.loc[(ended["end_on"] < cutoff) & ~ended["contract_no"].isin(_renewed(contracts))]
    if ended.empty:
        return findings_frame(EXPIRED_IN_USE, [])
    income = books.income
    assets, resources = register(registers, "assets"), register(registers, "resources")
    every = contracts.to_dict("records")
    findings = []
    for c in ended.to_dict("records"):
        later = [other for other in every
                 if other["subject_no"] and other["subject_no"] == c["subject_no"]
                 and other["village"] == c["village"]
                 and other["contract_no"] != c["contract_no"]
                 and not pd.isna(other["start_on"]) and other["start_on"] > c["start_on"]]
        if later:
            continue
        signs = []
        own_assets = assets.loc[assets["village"] == c["village"]]
        own_resources = resources.loc[resources["village"] == c["village"]]
        shown = pd.concat([
            own_assets.loc[assets["use_status"].isin(LET)
                       & ((assets["contract_no"] == c["contract_no"])
                          | ((assets["asset_no"] == c["subject_no"]) & (c["subject_no"] != ""))),
                       ["asset_no"]].rename(columns={"asset_no": "no"}),
            own_resources.loc[own_resources["use_mode"].isin(LET)
                          & ((resources["contract_no"] == c["contract_no"])
                             | ((resources["resource_no"] == c["subject_no"])
                                & (c["subject_no"] != ""))),
                          ["resource_no"]].rename(columns={"resource_no": "no"}),
        ])
        if len(shown):
            signs.append(f"台账中标的 {'、'.join(shown['no'])} 仍登记为出租/发包")
        if c["status"] == "履行中":
            signs.append("合同台账状态仍为履行中")
        after = income.loc[(income["village"] == c["village"])
                           & income["contracts"].map(lambda named, n=c["contract_no"]: n in named)
                           & (income["date"] > c["end_on"])]
        if len(after):
            signs.append(f"到期后账上仍记入该合同收入 {money(int(after['amount_fen'].sum()))} 元")
        if not signs:
            continue
        findings.append(Finding(
            town=c["town"], village=c["village"], subject_id=c["contract_no"],
            reason=(f"合同 {c['contract_no']}（{c['counterparty']}）已于 "
                    f"{day_text(c['end_on'])} 到期，"
                    f"没有续约合同，但{'；'.join(signs)}（按民法典第七百三十四条成为不定期租赁）"),
            evidence={"terms": terms_evidence(c), "assets_or_resources_let": list(shown["no"]),
                      "income_after_end": after[["entry_id", "date", "amount_fen"]]
                      .to_dict("records")},
            amount_fen=int(after["amount_fen"].sum()) if len(after) else None,
            periods=[period_of(c["end_on"]), *after["period"]], entry_ids=list(after["entry_id"]),
        ))
    return findings_frame(EXPIRED_IN_USE, findings)


def _cap(contract: dict, params: AuditParams) -> tuple[pd.Timestamp, str] | None:
    """The latest lawful end date of a contract and the rule that sets it."""
    settings, start = params.registers, contract["start_on"]
    years = {"四荒地": (settings.wasteland_years, "四荒地"),
             "林地": (settings.forest_years, "林地"),
             "机动地": (settings.reserve_land_years, "机动地")}
    if contract["land_class"] == "耕地":
        return pd.Timestamp(settings.cultivated_end), "耕地二轮承包期届满日"
    limit, label = years.get(contract["land_class"], (settings.lease_years, "租赁"))
    if pd.isna(start):
        return None
    return start + pd.DateOffset(years=limit) - pd.Timedelta(days=1), f"{label}最长 {limit} 年"


def find_term_cap(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
                  params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    findings = []
    for c in _leases(register(registers, "contracts")).to_dict("records"):
        cap = _cap(c, params)
        if cap is None or c["end_on"] <= cap[0]:
            continue
        findings.append(Finding(
            town=c["town"], village=c["village"], subject_id=c["contract_no"],
            reason=(f"合同 {c['contract_no']}（{c['land_class'] or c['category']}）期限 "
                    f"{day_text(c['start_on'])} 至 {day_text(c['end_on'])}，超过{cap[1]}"
                    f"（最晚 {day_text(cap[0])}）"),
            evidence={"terms": terms_evidence(c), "latest_end": cap[0], "cap": cap[1]},
            periods=[period_of(c["signed_on"])],
        ))
    return findings_frame(TERM_CAP, findings)


# Finer kinds of land a contract's or parcel's name gives (the 地类 column says only 耕地, 园地
# …): rents of 水田 and 旱地, or of 果园 and 茶园, differ by kind more than by misconduct.
FINE_LAND_KINDS = ("水田", "旱地", "水浇地", "菜地", "果园", "茶园", "桑园", "竹林", "山林", "林场",
                   "鱼塘", "水塘", "山塘", "水库", "牧草地", "荒山", "荒坡", "厂房", "门面", "商铺")


def land_kind(contract: dict) -> str:
    """The finer kind of land its name states (:data:`FINE_LAND_KINDS`), "" when none."""
    text = f"{contract['contract_name']}{contract['subject_name']}"
    return next((kind for kind in FINE_LAND_KINDS if kind in text), "")


def _term_years(contract: dict) -> float:
    """The contract's term in years (at least one), to weigh a yearly shortfall."""
    if pd.isna(contract["start_on"]) or pd.isna(contract["end_on"]):
        return 1.0
    return max(round((contract["end_on"] - contract["start_on"]).days / 365.25), 1)


def find_low_price(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
                   params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    settings = params.registers
    contracts = register(registers, "contracts").to_dict("records")
    prices = {}
    for c in contracts:
        rent = annual_rent_fen(c)
        if c["land_class"] and not pd.isna(c["area_mu"]) and c["area_mu"] > 0 and rent:
            prices[(c["village"], c["contract_no"])] = (float(rent) / c["area_mu"], land_kind(c))
    priced: dict[str, list[dict]] = {}
    for c in contracts:
        if (c["village"], c["contract_no"]) in prices:
            priced.setdefault(c["land_class"], []).append(c)
    findings = []
    for c in contracts:
        reasons, evidence = [], {"terms": terms_evidence(c)}
        kind, amount = None, 0
        price, fine = prices.get((c["village"], c["contract_no"]), (None, ""))
        peers = [prices[(o["village"], o["contract_no"])][0]
                 for o in priced.get(c["land_class"], []) if o is not c
                 and (not fine or prices[(o["village"], o["contract_no"])][1] == fine)]
        if price is not None and peers:
            median = statistics.median(peers)
            if price < settings.low_price_share * median:
                far = price < settings.low_price_rule_share * median
                share = settings.low_price_rule_share if far else settings.low_price_share
                reasons.append(f"每亩年租金 {money(round(price))} 元，"
                               f"低于本乡镇同为{fine or c['land_class']}的 "
                               f"{len(peers)} 份合同中位数 {money(round(median))} 元的 "
                               f"{share:.0%}")
                shortfall = round((median - price) * c["area_mu"])
                years = _term_years(c)
                amount = round(shortfall * years)
                evidence |= {"unit_price_fen": round(price), "peer_median_fen": round(median),
                             "peers": len(peers), "land_kind": fine or c["land_class"],
                             "yearly_shortfall_fen": shortfall, "term_years": years}
                kind = "rule" if far and len(peers) >= settings.low_price_min_peers else "signal"
        value = c["amount_fen"] if not pd.isna(c["amount_fen"]) else c["annual_rent_fen"]
        if not pd.isna(c["floor_price_fen"]) and not pd.isna(value) \
                and value < c["floor_price_fen"]:
            reasons.append(f"成交价 {money(int(value))} 元低于台账底价（评估价、保留价）"
                           f"{money(int(c['floor_price_fen']))} 元")
            kind, amount = "rule", max(amount, int(c["floor_price_fen"] - value))
        if reasons:
            findings.append(Finding(
                town=c["town"], village=c["village"], subject_id=c["contract_no"],
                reason=f"合同 {c['contract_no']}（{c['counterparty']}）" + "；".join(reasons),
                evidence=evidence, amount_fen=amount, periods=[period_of(c["signed_on"])],
                kind=kind, severity="high" if kind == "rule" else "low",
            ))
    return findings_frame(LOW_PRICE, findings)


def find_procedure(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
                   params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    settings = params.registers
    contracts = register(registers, "contracts")
    outsider = is_organisation(contracts["counterparty"], params.keywords) \
        if len(contracts) else []
    modes_kept = bool((contracts["trade_mode"] != "").any())
    filing_kept = bool(contracts["filed_on"].notna().any())
    findings = []
    for c, organisation in zip(contracts.to_dict("records"), outsider, strict=True):
        problems = []
        if organisation and c["category"] == "资源发包" and not c["decision_ref"]:
            problems.append("发包给本集体以外的单位，没有村民会议或村民代表会议决议编号")
        value, label, line = _trade_value(c, settings)
        if modes_kept and value is not None and value >= line \
                and c["trade_mode"] not in settings.platform_trade_modes:
            problems.append(f"{label} {money(value)} 元达到进场交易标准 {money(line)} 元，"
                            f"交易方式为“{c['trade_mode'] or '未记录'}”，"
                            "未进入产权交易平台公开交易")
        if filing_kept and pd.isna(c["filed_on"]):
            problems.append("没有乡镇备案（审核）日期")
        if problems:
            findings.append(Finding(
                town=c["town"], village=c["village"], subject_id=c["contract_no"],
                reason=f"合同 {c['contract_no']}（{c['counterparty']}）：" + "；".join(problems),
                evidence={"terms": terms_evidence(c), "value_fen": value, "line_fen": line,
                          "filed_on": c["filed_on"], "problems": problems},
                amount_fen=value, periods=[period_of(c["signed_on"])],
            ))
    return findings_frame(PROCEDURE, findings)


def _trade_value(contract: dict, settings: RegisterParams) -> tuple[int | None, str, int]:
    """What the platform line is compared with: a lease's yearly rent, else the contract amount."""
    rent = annual_rent_fen(contract)
    if rent is not None and contract["category"] not in (*PAYMENT_CATEGORIES, "出售出让"):
        return round(rent), "年租金", settings.fen("platform_rent_line")
    return _contract_value(contract), "合同金额", settings.fen("platform_trade_line")


def _contract_value(contract: dict) -> int | None:
    """The contract amount, else the rent due over the whole term."""
    if not pd.isna(contract["amount_fen"]):
        return int(contract["amount_fen"])
    due = terms_instalments(contract)
    return sum(amount for _, amount in due) if due else None


def find_time_inversion(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
                        params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    contracts = register(registers, "contracts")
    flows = books.flows
    paid = flows.loc[(flows["direction"] == "付") & (flows["contracts"].str.len() == 1)]
    paid_per_contract = dict(iter(paid.groupby([paid["village"], paid["contracts"].str[0]],
                                               sort=False)))
    first_paid = {key: own["date"].min() for key, own in paid_per_contract.items()}
    none_paid = paid.iloc[:0]
    payable = set(zip(contracts["village"], contracts["contract_no"], strict=True)) - set(zip(
        contracts.loc[~contracts["category"].isin(PAYMENT_CATEGORIES), "village"],
        contracts.loc[~contracts["category"].isin(PAYMENT_CATEGORIES), "contract_no"],
        strict=True))
    findings = []
    for c in contracts.to_dict("records"):
        problems, entry_ids, periods = [], [], [period_of(c["signed_on"])]
        if not pd.isna(c["signed_on"]) and not pd.isna(c["start_on"]) \
                and c["signed_on"] > c["start_on"] and c["category"] != "出售出让":
            problems.append(f"签订日期 {day_text(c['signed_on'])} 晚于起始日期 "
                            f"{day_text(c['start_on'])}")
        key = (c["village"], c["contract_no"])
        early = none_paid
        if key in payable and not pd.isna(c["signed_on"]) \
                and first_paid.get(key, c["signed_on"]) < c["signed_on"]:
            own = paid_per_contract[key]
            early = own.loc[own["date"] < c["signed_on"]]
        if len(early):
            problems.append(f"合同签订前已付款 {len(early)} 笔共 "
                            f"{money(int(early['amount_fen'].sum()))} 元"
                            f"（最早 {day_text(early['date'].min())}）")
            entry_ids, periods = list(early["entry_id"]), [*periods, *early["period"]]
        if problems:
            findings.append(Finding(
                town=c["town"], village=c["village"], subject_id=c["contract_no"],
                reason=f"合同 {c['contract_no']}（{c['counterparty']}）" + "；".join(problems),
                evidence={"terms": terms_evidence(c),
                          "payments_before_signing": early[["entry_id", "date", "amount_fen"]]
                          .to_dict("records")},
                amount_fen=int(early["amount_fen"].sum()) if len(early) else None,
                periods=periods, entry_ids=entry_ids,
            ))
    return findings_frame(TIME_INVERSION, findings)


def find_related_party(registers: Registers, books: TownBooks, schedule: pd.DataFrame,
                       params: AuditParams, as_of: dt.date) -> pd.DataFrame:
    contracts = register(registers, "contracts")
    cadres = village_cadres(books, params)
    findings = []
    for c in contracts.to_dict("records"):
        key = name_key(c["counterparty"])
        cadre = cadres.get((c["village"], key)) or cadres.get(("", key))
        if not key or not cadre:
            continue
        shown = f"（{cadre.shown_by}）" if cadre.shown_by else ""
        findings.append(Finding(
            town=c["town"], village=c["village"], subject_id=c["contract_no"],
            reason=(f"合同 {c['contract_no']} 的对方 {c['counterparty']} {cadre.why}{shown}，"
                    "属关联交易"),
            evidence={"terms": terms_evidence(c), "cadre": c["counterparty"], "why": cadre.why},
            amount_fen=_contract_value(c), periods=[period_of(c["signed_on"])],
        ))
    return findings_frame(RELATED_PARTY, findings)


EXPIRING = RegisterCheck(
    id="contract.expiring", name="合同即将到期", kind="signal", severity="low",
    subject_kind="contract",
    description="租赁、发包合同在到期提醒天数内到期，合同台账中没有以它为原合同的续约合同。",
    basis=(sources.INDEFINITE_LEASE,), find=find_expiring, settings=("registers.expiring_days",),
)
EXPIRED_IN_USE = RegisterCheck(
    id="contract.expired_in_use", name="合同到期未续约仍在使用", kind="rule", severity="medium",
    subject_kind="contract",
    description=("租赁、发包合同到期超过规定天数，没有续约合同（原合同编号）或同一标的的新合同，而资产、资源台账"
                 "仍登记为出租/发包、合同状态仍为履行中，或到期后账上仍记入该合同的收入。"),
    basis=(sources.INDEFINITE_LEASE,), find=find_expired_in_use,
    settings=("registers.expired_in_use_days",),
)
TERM_CAP = RegisterCheck(
    id="contract.term_cap", name="合同期限超过法定上限", kind="rule", severity="high",
    subject_kind="contract",
    description=("按地类判断期限上限：耕地终止日期晚于二轮承包期届满日；四荒地、林地、机动地超过各自最长年限；"
                 "其他租赁（房屋、建设用地、园地、草地、水面等）超过租赁最长年限。"),
    basis=(sources.LEASE_CAP, sources.LAND_TERMS, sources.WASTELAND_TERM, sources.RESERVE_LAND),
    find=find_term_cap,
    settings=("registers.lease_years", "registers.cultivated_end", "registers.wasteland_years",
              "registers.forest_years", "registers.reserve_land_years"),
)
LOW_PRICE = RegisterCheck(
    id="contract.low_price", name="低价发包、出租", kind="rule", severity="high",
    subject_kind="contract",
    description=("每亩年租金与本乡镇同类土地的其他合同比较：同类指地类相同，合同名称或标的名称写明水田、旱地、"
                 "果园、山林等细类时细类也相同。低于同类中位数的疑点比例为疑点信号；低于违规比例且同类合同不少于"
                 "规定份数为违规；成交价低于台账记录的底价、评估价、保留价也为违规。涉及金额为按同类中位数"
                 "少收的年租金乘以合同年限（低于底价时为差额）。"),
    basis=(sources.COLLECTIVE_LOW_PRICE, sources.ZHEJIANG_RESERVE_PRICE), find=find_low_price,
    settings=("registers.low_price_share", "registers.low_price_rule_share",
              "registers.low_price_min_peers"),
)
PROCEDURE = RegisterCheck(
    id="contract.procedure", name="合同程序缺失", kind="rule", severity="medium",
    subject_kind="contract",
    description=("资源发包给本集体以外的单位而没有民主决策编号；发包、出租合同的年租金或其他合同的金额"
                 "达到进场交易标准而交易方式不是平台公开交易方式；合同没有乡镇备案日期。交易方式、备案日期两项只在台账记录了"
                 "这一栏时检查。"),
    basis=(sources.OUTSIDER_CONTRACTING, sources.ZHEJIANG_PLATFORM), find=find_procedure,
    settings=("registers.platform_trade_line", "registers.platform_rent_line",
              "registers.platform_trade_modes",
              "keywords.organisation_suffixes"),
)
TIME_INVERSION = RegisterCheck(
    id="contract.time_inversion", name="合同时间倒置", kind="rule", severity="medium",
    subject_kind="contract",
    description="合同签订日期晚于起始日期；或账上付给工程、采购合同对方的款项早于合同签订日期。",
    basis=(sources.CONTRACT_FORMED,), find=find_time_inversion,
)
RELATED_PARTY = RegisterCheck(
    id="contract.related_party", name="合同对方为本村干部", kind="rule", severity="high",
    subject_kind="contract",
    description=("合同对方的姓名与本村干部相同：本县提供的干部名单；账上领取干部报酬的人，即借方分录的"
                 "收款人是个人（不是单位），且该分录借记应付工资，或摘要、科目名称既有报酬用词（如工资、"
                 "误工补贴）又有干部用词（如干部、两委、书记）——只有工资、补贴等用词不算；本村账套的"
                 "制单人、审核人、记账人。说明中写明据以认定的第一笔分录。"),
    basis=(sources.COLLECTIVE_DUTY, sources.COLLECTIVE_LOW_PRICE), find=find_related_party,
    settings=("registers.cadres", "registers.cadre_pay_terms", "registers.cadre_titles",
              "keywords.organisation_suffixes"),
)
