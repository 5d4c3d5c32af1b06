"""Register misconduct the register checks look for (docs/registers.md, "三资台账的检查"),
injected into clean registers and labelled.

Each injection changes only the registers: it adds a contract, an asset or a parcel, or alters
a register's record of a lease the books already receive rent from, so the ledgers stay as they
are. A case names the register rows an inspector should see and the check that should find them.
One kind of check is not exercised: contract.one_off_rent needs a voucher receiving several years'
rent at once, which the ledgers do not have. Two kinds come from the ledger's own cases and are
labelled with the ledger's case id: a 低价发包 (low_rent) booked at a low price shows in the
register as a renewed contract at that price (contract.low_price), and a 虚构工程 (fake_works)
left open in 在建工程 has no asset in the register (asset.ledger_mismatch).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from data.generator.cases import Case
from data.generator.county import Lease
from data.generator.registers import (
    ARABLE_CAP,
    LAND_CLASSES,
    YUAN,
    Asset,
    Contract,
    Resource,
    VillageRegisters,
    group_location,
    in_progress_accounts,
    lease_trade_mode,
    ledger_facts,
    parcel_name,
    signing_papers,
)

Record = Contract | Asset | Resource


@dataclass
class RegisterCase:
    """One labelled case: the register rows it shows, each with the check that should fire."""

    case_id: str
    pattern: str
    kind: str  # register (injected into the registers) | ledger (a ledger case they reveal)
    village: str
    description: str
    nth: int = 0  # the case's number among its pattern's, from 0: picks its variant
    rows: list[tuple[Record | None, str, str, str]] = field(default_factory=list)
    # (record or None for an account, check id, subject kind, subject id)

    def show(self, record: Record | None, check_id: str, subject: tuple[str, str] = ("", "")
             ) -> None:
        if isinstance(record, Contract):
            subject = ("contract", record.contract_no)
        elif isinstance(record, Asset):
            subject = ("asset", record.asset_no)
        elif isinstance(record, Resource):
            subject = ("resource", record.resource_no)
        self.rows.append((record, check_id, *subject))


@dataclass
class Scene:
    """What an injection works on: the village's registers, the years, the leases already used."""

    books: VillageRegisters
    years: Sequence[int]
    rng: random.Random
    used: set[int]  # id() of contracts already altered or taken by a ledger case

    def lease_contracts(self, *, half_yearly: bool | None = None, land: str | None = None,
                        category: str | None = None) -> list[Contract]:
        return [
            contract for contract in self.books.contracts
            if contract.lease is not None and id(contract) not in self.used
            and contract.trade_mode != "续约"
            and len([c for c in self.books.contracts if c.lease is contract.lease]) == 1
            and (half_yearly is None or contract.lease.half_yearly == half_yearly)
            and (land is None or contract.land_class == land)
            and (category is None or contract.category == category)
        ]

    def take(self, candidates: list[Contract]) -> Contract:
        contract = self.rng.choice(candidates)
        self.used.add(id(contract))
        return contract

    def resource_of(self, contract: Contract) -> Resource | None:
        return next((r for r in self.books.resources if r.resource_no == contract.subject_no),
                    None)


Injection = Callable[[Scene, RegisterCase], str]


def _day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _yuan(fen: int) -> str:
    return f"{fen / YUAN:,.2f}"


def _new_parcel(scene: Scene, tenant: str, land: str, price_yuan: int, start: dt.date,
                end: dt.date, *, contracted: bool = True) -> tuple[Contract, Resource]:
    """A parcel let by a contract the books know nothing of."""
    books, rng = scene.books, scene.rng
    lease = Lease(tenant=tenant, land=land, area_tenths=rng.randint(50, 300),
                  yuan_per_mu=price_yuan, half_yearly=False)
    land_class = LAND_CLASSES.get(land, land)
    resource = Resource(
        resource_no=books.resource_no(), resource_name=parcel_name(rng, land),
        land_class=land_class, area_tenths=lease.area_tenths,
        location=group_location(books.village, rng),
        household_contracted="机动地" if land_class == "机动地" else "未承包到户",
        use_mode="发包", tenant=tenant, annual_rent_fen=lease.yearly_rent_fen(),
    )
    papers = signing_papers(books, start, rng)
    contract = Contract(
        contract_no=books.contract_no("FB", papers["signed_on"].year),  # type: ignore[union-attr]
        contract_name=f"{resource.resource_name}{land}承包合同", category="资源发包",
        counterparty=tenant, start_on=start, end_on=end, subject_no=resource.resource_no,
        subject_name=resource.resource_name, location=resource.location,
        area_tenths=lease.area_tenths, land_class=land_class,
        annual_rent_fen=lease.yearly_rent_fen(), unit_price_fen=price_yuan * YUAN,
        amount_fen=lease.yearly_rent_fen() * (end.year - start.year + 1), collection="按年",
        first_due_on=dt.date(start.year, 4, 30), due_day="每年4月30日前",
        trade_mode=lease_trade_mode(lease.yearly_rent_fen()),
        **papers,  # type: ignore[arg-type]
    )
    if contracted:
        resource.contract_no = contract.contract_no
        books.contracts.append(contract)
    books.resources.append(resource)
    return contract, resource


def _outsider(scene: Scene) -> str:
    taken = {c.counterparty for c in scene.books.contracts}
    return scene.rng.choice([name for name in scene.books.village.villagers[10:]
                             if name not in taken])


def rent_unbooked(scene: Scene, case: RegisterCase) -> str:
    """收入不入账: a parcel let by a contract whose rent the books never receive."""
    start = dt.date(min(scene.years) - scene.rng.randint(0, 2), 1, 1)
    contract, _ = _new_parcel(scene, _outsider(scene), scene.rng.choice(("水田", "旱地")),
                              scene.rng.randint(50, 75) * 10, start,
                              dt.date(max(scene.years) + 3, 12, 31))
    case.show(contract, "contract.rent_overdue")
    case.show(contract, "contract.income_unbooked")
    return (f"承包合同{contract.contract_no}（{contract.counterparty}，年承包费"
            f"{_yuan(contract.annual_rent_fen or 0)}元）在账上没有任何收款")


def rent_partly_booked(scene: Scene, case: RegisterCase) -> str:
    """Part of the rent kept off the books: the contract's rent above what the books receive."""
    contract = scene.take(scene.lease_contracts(half_yearly=False))
    booked = contract.annual_rent_fen or 0
    price = (contract.unit_price_fen or 0) // YUAN
    price += max(10, price * scene.rng.randint(20, 50) // 100 // 10 * 10)
    contract.unit_price_fen = price * YUAN
    contract.annual_rent_fen = contract.lease.yearly_rent_fen(price)  # type: ignore[union-attr]
    contract.trade_mode = lease_trade_mode(contract.annual_rent_fen)  # let at that rent
    contract.amount_fen = contract.annual_rent_fen * (contract.end_on.year
                                                      - contract.start_on.year + 1)
    resource = scene.resource_of(contract)
    if resource is not None:
        resource.annual_rent_fen = contract.annual_rent_fen
    case.show(contract, "contract.rent_overdue")
    return (f"合同{contract.contract_no}约定年租金{_yuan(contract.annual_rent_fen)}元，"
            f"账上每年只收到{_yuan(booked)}元")


def expired_in_use(scene: Scene, case: RegisterCase) -> str:
    """Ended without renewal, the land still let and its rent still booked."""
    contract = scene.take(scene.lease_contracts())
    end_year = max(scene.years) - 1
    start_year = min(contract.start_on.year, end_year - 2)
    if start_year != contract.start_on.year:
        contract.start_on = dt.date(start_year, 1, 1)
        for name, value in signing_papers(scene.books, contract.start_on, scene.rng).items():
            setattr(contract, name, value)
    contract.end_on = dt.date(end_year, 12, 31)
    contract.first_due_on = contract.first_due_on.replace(year=start_year)  # type: ignore[union-attr]
    contract.amount_fen = (contract.annual_rent_fen or 0) * (end_year - start_year + 1)
    case.show(contract, "contract.expired_in_use")
    return (f"合同{contract.contract_no}已于{_day(contract.end_on)}到期且未续约，"
            f"{contract.counterparty}仍在使用，{max(scene.years)}年仍收其租金")


def term_cap(scene: Scene, case: RegisterCase) -> str:
    """A lease beyond its legal term: 耕地 for 30 years, 林地 for 75."""
    land = ("耕地", "林地")[case.nth % 2]
    candidates = scene.lease_contracts(land=land) or scene.lease_contracts()
    contract = scene.take(candidates)
    # beyond the caps (70 years for 林地, the 二轮 end for 耕地) yet ending before 2100, as
    # dates a reader accepts
    years = 75 if contract.land_class == "林地" else 30
    contract.end_on = dt.date(contract.start_on.year + years - 1, 12, 31)
    contract.amount_fen = (contract.annual_rent_fen or 0) * years
    case.show(contract, "contract.term_cap")
    return (f"{contract.land_class}承包合同{contract.contract_no}期限{years}年"
            f"（{_day(contract.start_on)}至{_day(contract.end_on)}），超过法定上限")


def procedure(scene: Scene, case: RegisterCase) -> str:
    """Let without a villagers' decision, 公示 or filing, by direct negotiation."""
    contract = scene.take(scene.lease_contracts())
    contract.decision_ref, contract.published_on, contract.filed_on = "", None, None
    contract.trade_mode = "直接协商"
    case.show(contract, "contract.procedure")
    return (f"合同{contract.contract_no}（{contract.counterparty}）直接协商签订，"
            f"无民主决策编号、未公示、未报乡镇备案")


def time_inversion(scene: Scene, case: RegisterCase) -> str:
    """Signed after its start (a lease), or after the books first paid it (works)."""
    works = [c for c in scene.books.contracts
             if c.category == "工程建设" and id(c) not in scene.used]
    if works and (case.nth % 2 == 0 or not scene.lease_contracts()):
        contract = scene.take(works)
        first_paid = contract.first_paid_on or contract.start_on
        contract.signed_on = first_paid + dt.timedelta(days=scene.rng.randint(5, 30))
        contract.filed_on = contract.signed_on + dt.timedelta(days=scene.rng.randint(3, 10))
        case.show(contract, "contract.time_inversion")
        return (f"工程合同{contract.contract_no}签订于{_day(contract.signed_on)}，"
                f"晚于开工日期和账上首笔付款（{_day(first_paid)}）")
    contract = scene.take(scene.lease_contracts())
    contract.signed_on = contract.start_on + dt.timedelta(days=scene.rng.randint(20, 70))
    contract.filed_on = contract.signed_on + dt.timedelta(days=scene.rng.randint(3, 10))
    case.show(contract, "contract.time_inversion")
    return (f"合同{contract.contract_no}签订于{_day(contract.signed_on)}，"
            f"晚于起始日期{_day(contract.start_on)}")


def works_over_contract(scene: Scene, case: RegisterCase) -> str:
    """The books pay a works contract more than the register's contract amount."""
    contract = scene.take([c for c in scene.books.contracts
                           if c.category == "工程建设" and id(c) not in scene.used])
    paid = contract.amount_fen or 0
    contract.amount_fen = paid * scene.rng.randint(60, 85) // 100 // (100 * YUAN) * (100 * YUAN)
    case.show(contract, "works.paid_over_contract")
    return (f"工程合同{contract.contract_no}合同金额{_yuan(contract.amount_fen)}元，"
            f"账上已付{_yuan(paid)}元")


def related_party(scene: Scene, case: RegisterCase) -> str:
    """机动地 let to one of the village's own cadres from next year."""
    cadre = scene.rng.choice(scene.books.village.cadres[:2])
    after = max(scene.years) + 1
    contract, resource = _new_parcel(scene, cadre.name, "机动地", scene.rng.randint(40, 60) * 10,
                                     dt.date(after, 1, 1), dt.date(after + 2, 12, 31))
    resource.use_mode, resource.tenant, resource.contract_no = "集体自主经营", "", ""
    resource.annual_rent_fen = None
    case.show(contract, "contract.related_party")
    return f"机动地承包合同{contract.contract_no}的承包方是本村{cadre.role}{cadre.name}"


def asset_mismatch(scene: Scene, case: RegisterCase) -> str:
    """A built asset registered at another value than the ledger's 固定资产 debit."""
    built = [a for a in scene.books.assets if a.account_code and a.use_status == "自用"
             and id(a) not in scene.used]
    asset = scene.rng.choice(built)
    scene.used.add(id(asset))
    booked = asset.original_value_fen
    step = scene.rng.choice((-1, 1)) * scene.rng.randint(5, 30) * 1000 * YUAN
    asset.original_value_fen = max(booked + step, booked // 2)
    case.show(asset, "asset.ledger_mismatch")
    return (f"资产{asset.asset_no}（{asset.asset_name}）台账原值{_yuan(asset.original_value_fen)}"
            f"元，账上{asset.acquired_on.year}年固定资产借方{_yuan(booked)}元")


def idle(scene: Scene, case: RegisterCase) -> str:
    """A 经营性 warehouse, or a parcel of 四荒地, lying 闲置."""
    books, rng = scene.books, scene.rng
    if case.nth % 2 == 0:
        asset = Asset(
            asset_no=books.asset_no(), asset_name="村集体仓库", class_code="J02011901",
            class_name="经营性固定资产（仓库）",
            acquired_on=dt.date(rng.randint(2008, 2018), rng.randint(1, 12), rng.randint(1, 28)),
            original_value_fen=rng.randint(60, 250) * 1000 * YUAN, use_status="闲置",
            unit="栋", location=group_location(books.village, rng),
            custodian=books.village.cadres[1].name,
        )
        books.assets.append(asset)
        case.show(asset, "asset.idle")
        return f"经营性资产{asset.asset_no}（村集体仓库）闲置，无合同、无收益"
    resource = Resource(
        resource_no=books.resource_no(), resource_name=parcel_name(rng, "四荒地"),
        land_class="四荒地", area_tenths=rng.randint(100, 800),
        location=group_location(books.village, rng), household_contracted="未承包到户",
        use_mode="闲置",
    )
    books.resources.append(resource)
    case.show(resource, "asset.idle")
    return f"资源{resource.resource_no}（四荒地{resource.area_tenths / 10}亩）闲置"


def orphan_resource(scene: Scene, case: RegisterCase) -> str:
    """A parcel shown let (出租) to someone, with no contract anywhere."""
    _, resource = _new_parcel(scene, _outsider(scene), scene.rng.choice(("旱地", "果园")),
                              scene.rng.randint(30, 50) * 10,
                              dt.date(min(scene.years), 1, 1), dt.date(max(scene.years) + 2, 12,
                                                                        31), contracted=False)
    resource.use_mode, resource.annual_rent_fen = "出租", None
    case.show(resource, "register.orphan")
    return f"资源{resource.resource_no}登记为出租给{resource.tenant}，但没有任何合同"


def orphan_subject(scene: Scene, case: RegisterCase) -> str:
    """A contract whose parcel no register holds."""
    contract = scene.take(scene.lease_contracts(category="资源发包"))
    resource = scene.resource_of(contract)
    if resource is not None:
        scene.books.resources.remove(resource)
    contract.subject_no = f"{scene.books.village.org_code}9{scene.rng.randint(100, 999)}"
    case.show(contract, "register.orphan")
    return f"合同{contract.contract_no}的标的{contract.subject_no}不在资源台账或资产台账中"


def overlapping_contracts(scene: Scene, case: RegisterCase) -> str:
    """A second contract on a parcel already let, overlapping the first from next year."""
    first = scene.take(scene.lease_contracts(category="资源发包"))
    after = max(scene.years) + 1
    lease = Lease(tenant=_outsider(scene), land=first.lease.land,  # type: ignore[union-attr]
                  area_tenths=first.area_tenths or 0,
                  yuan_per_mu=(first.unit_price_fen or 0) // YUAN, half_yearly=False)
    end = dt.date(after + 4, 12, 31)
    if first.land_class == "耕地":  # within the legal cap, as a clean contract would be
        end = min(end, ARABLE_CAP)
    papers = signing_papers(scene.books, dt.date(after, 1, 1), scene.rng)
    second = Contract(
        contract_no=scene.books.contract_no("FB", papers["signed_on"].year),  # type: ignore[union-attr]
        contract_name=first.contract_name, category="资源发包", counterparty=lease.tenant,
        start_on=dt.date(after, 1, 1), end_on=end,
        subject_no=first.subject_no, subject_name=first.subject_name, location=first.location,
        area_tenths=first.area_tenths, land_class=first.land_class,
        annual_rent_fen=lease.yearly_rent_fen(), unit_price_fen=first.unit_price_fen,
        amount_fen=lease.yearly_rent_fen() * (end.year - after + 1), collection="按年",
        first_due_on=dt.date(after, 4, 30), due_day="每年4月30日前",
        trade_mode=lease_trade_mode(lease.yearly_rent_fen()),
        **papers,  # type: ignore[arg-type]
    )
    scene.books.contracts.append(second)
    case.show(first, "register.orphan")
    case.show(second, "register.orphan")
    return (f"地块{first.subject_no}同时在合同{first.contract_no}（至{first.end_on:%Y年}）和"
            f"{second.contract_no}（自{after}年起，{second.counterparty}）中")


def _eligible(name: str, scene: Scene) -> bool:
    if name in ("rent_partly_booked",):
        return bool(scene.lease_contracts(half_yearly=False))
    if name in ("expired_in_use", "term_cap", "procedure"):
        return bool(scene.lease_contracts())
    if name == "time_inversion":
        return bool(scene.lease_contracts()) or any(
            c.category == "工程建设" and id(c) not in scene.used for c in scene.books.contracts)
    if name in ("orphan_subject", "overlapping_contracts"):
        return bool(scene.lease_contracts(category="资源发包"))
    if name == "works_over_contract":
        return any(c.category == "工程建设" and id(c) not in scene.used
                   for c in scene.books.contracts)
    if name == "asset_mismatch":
        return any(a.account_code and a.use_status == "自用" and id(a) not in scene.used
                   for a in scene.books.assets)
    return True


REGISTER_MISCONDUCT: dict[str, Injection] = {
    "rent_unbooked": rent_unbooked,
    "rent_partly_booked": rent_partly_booked,
    "expired_in_use": expired_in_use,
    "term_cap": term_cap,
    "procedure": procedure,
    "time_inversion": time_inversion,
    "works_over_contract": works_over_contract,
    "related_party": related_party,
    "asset_mismatch": asset_mismatch,
    "idle": idle,
    "orphan_resource": orphan_resource,
    "orphan_subject": orphan_subject,
    "overlapping_contracts": overlapping_contracts,
}


def ledger_cases(registers: Sequence[VillageRegisters], placed: pd.DataFrame,
                 cases: Sequence[Case]) -> list[RegisterCase]:
    """The ledger's cases the registers reveal: low-priced renewals and unregistered works."""
    by_id = {case.case_id: case for case in cases}
    found: list[RegisterCase] = []
    for books in registers:
        facts = ledger_facts(placed, books.village, cases)
        for contract in books.contracts:
            lease = contract.lease
            if lease is None or contract.unit_price_fen == lease.yuan_per_mu * YUAN:
                continue
            case_id = next(case for year, (price, case) in facts.low_rent_years[
                lease.tenant].items() if contract.start_on.year <= year <= contract.end_on.year)
            case = RegisterCase(case_id, "low_price", "ledger", books.village.name,
                                by_id[case_id].description)
            case.show(contract, "contract.low_price")
            found.append(case)
        for row in in_progress_accounts(facts.lines).itertuples(index=False):
            invented = [by_id[c] for c in str(row.cases).split("|")
                        if c in by_id and by_id[c].pattern == "fake_works"]
            if invented:
                case = RegisterCase(invented[0].case_id, "unregistered_works", "ledger",
                                    books.village.name,
                                    f"在建工程{row.account_code}余额{_yuan(int(row.balance))}元，"
                                    f"资产台账中没有对应资产；{invented[0].description}")
                case.show(None, "asset.ledger_mismatch",
                          ("account", f"{row.account_code} {row.account_name}"))
                found.append(case)
    return found


def inject_registers(
    registers: Sequence[VillageRegisters], years: Sequence[int], rate: float,
    rng: random.Random,
) -> list[RegisterCase]:
    """Each pattern into ``rate`` of the villages where it fits (at least one)."""
    used: set[int] = {id(c) for books in registers for c in books.contracts
                      if c.lease is not None and c.unit_price_fen != c.lease.yuan_per_mu * YUAN}
    for books in registers:  # a lease with a low-priced renewal stays as the ledger shows it
        leases = {id(c.lease) for c in books.contracts if id(c) in used}
        used |= {id(c) for c in books.contracts if id(c.lease) in leases}
    scenes = [Scene(books, years, rng, used) for books in registers]
    cases: list[RegisterCase] = []
    counters = {id(books): 0 for books in registers}
    for name, inject in REGISTER_MISCONDUCT.items():
        eligible = [scene for scene in scenes if _eligible(name, scene)]
        count = min(len(eligible), max(1, round(rate * len(scenes))))
        for nth, scene in enumerate(rng.sample(eligible, count)):
            counters[id(scene.books)] += 1
            village = scene.books.village
            case = RegisterCase(f"{village.org_code}-R{counters[id(scene.books)]:02d}", name,
                                "register", village.name, "", nth)
            case.description = inject(scene, case)
            cases.append(case)
    return cases

