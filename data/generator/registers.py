"""A village's 三资 registers (合同台账, 资产台账, 资源台账) made to agree with its written ledgers.

The registers are built *from* the journal lines already written, with their own random stream
(``random.Random(f"{seed}-registers")``), so adding them never changes a ledger byte.

Invariants of a clean county (no injection), which the register checks (docs/registers.md) rely on:

- every lease (``Lease``) has one contract per price it was booked at: 资源发包 for land, 资产租赁
  for a fish pond let with its pump house (an asset); its annual rent is area × unit price, equal
  to what the ledger credits to 承包/发包收入 from the tenant each year; collection 按年 with the
  first amount due on 4月30日 of the start year (the books receive it in January–April), or
  按半年 due 2月28日 and six months on (the books receive the halves in January–February and
  July–August), so no amount due in the books' years is unpaid or late;
- leases start on 1 January (at most four years before the books) and end on 31 December, at
  least a year after the books end, never beyond 20 years nor, for 耕地, beyond 2028-12-31;
  signed 5–25 days before the start, after 公示 and a villagers' decision (决议编号), and filed
  with the town after signing;
- every works contract is the ledger's ``contract_ref`` (合同编号) with the contractor the books
  pay; its amount equals the sum the books pay under that number (credits to 银行存款 or 库存现金
  on its vouchers); it is signed before the first payment and ends by the last year's end;
- the asset register holds one asset per debit to 固定资产 in the books, with that original value
  and date (so per year the register's acquisitions equal the ledger's 固定资产 debits), one
  在建 asset per 在建工程 sub-account left open at the books' end with its balance, and older
  assets acquired before the books (自用 offices and equipment; let fish ponds);
- the resource register holds every let parcel with its tenant, contract and annual rent, and
  机动地 the collective farms itself (集体自主经营); nothing is 闲置, and no parcel is in two
  contracts at once.

Unit prices of 山林 (30–80 元/亩) and of 旱地 beside 水田 (both 耕地) spread as the county's
rents do (they are the ledger's, so they stay): a contract's name carries its finer kind (水田,
旱地 …) for the low-price check to compare like with like, and a peer-median low-price signal can
still fire on cheap 山林 in a clean county. A lease's trade mode follows its yearly rent
(公开竞价 from 10,000 元, else 小额; 续约 for a renewal), injected ones too unless the case is
the procedure.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from data.generator.accounts import BANK_CODE, CASH_CODE, account
from data.generator.cases import Case
from data.generator.county import County, Lease, Village
from data.generator.journal import quarantined

YUAN = 100
TENDER_LINE_FEN = 100_000 * YUAN
OPEN_AUCTION_RENT_FEN = 10_000 * YUAN
ARABLE_CAP = dt.date(2028, 12, 31)  # 二轮延包 end, as contract.term_cap reads it
LAND_CLASSES = {"水田": "耕地", "旱地": "耕地", "果园": "园地", "山林": "林地", "鱼塘": "养殖水面"}
LET_AS_ASSET = "鱼塘"  # let with its pump house and banks: 资产租赁 of an asset
PARCEL_FIRST = "上下前后大小长新高老"
PARCEL_SECOND = "丘垅坡冲湾岭坝畈"
PARCEL_ENDING = {"水田": "田", "旱地": "地", "果园": "园", "山林": "山", "机动地": "地",
                 "四荒地": "荒坡"}
WORKS_PROJECT = re.compile(r"^(?:支付|拨付)(.+?)(?:项目)?工程款")
HALF_YEARLY_DUE = "每年2月底、8月底前各交半年"
YEARLY_DUE = "每年4月30日前"


@dataclass(eq=False)
class Contract:
    contract_no: str
    contract_name: str
    category: str  # 资源发包 | 资产租赁 | 工程建设
    counterparty: str
    signed_on: dt.date
    start_on: dt.date
    end_on: dt.date
    subject_no: str = ""
    subject_name: str = ""
    location: str = ""
    area_tenths: int | None = None  # 亩 × 10
    land_class: str = ""
    amount_fen: int | None = None
    annual_rent_fen: int | None = None
    unit_price_fen: int | None = None  # 元/亩/年 in fen
    collection: str = ""
    first_due_on: dt.date | None = None
    due_day: str = ""
    trade_mode: str = ""
    decision_ref: str = ""
    published_on: dt.date | None = None
    filed_on: dt.date | None = None
    status: str = "履行中"
    previous_no: str = ""
    lease: Lease | None = None  # the county's lease it lets, if any
    first_paid_on: dt.date | None = None  # works: the books' first payment


@dataclass(eq=False)
class Asset:
    asset_no: str
    asset_name: str
    class_code: str
    class_name: str
    acquired_on: dt.date
    original_value_fen: int
    use_status: str
    quantity: str = "1"
    unit: str = "项"
    location: str = ""
    contract_no: str = ""
    voucher_no: str = ""
    account_code: str = ""
    custodian: str = ""

    @property
    def operating(self) -> bool:
        """经营性 (class J…) rather than 非经营性 (F…)."""
        return self.class_code.startswith("J")


@dataclass(eq=False)
class Resource:
    resource_no: str
    resource_name: str
    land_class: str
    area_tenths: int
    location: str
    household_contracted: str  # 已承包到户 | 未承包到户 | 机动地
    use_mode: str  # 集体自主经营 | 出租 | 发包 | 闲置
    tenant: str = ""
    contract_no: str = ""
    annual_rent_fen: int | None = None


@dataclass
class VillageRegisters:
    """One village's three registers, and the running numbers they were given."""

    village: Village
    contracts: list[Contract] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    decisions: dict[int, int] = field(default_factory=dict)  # year -> last decision number

    def next_number(self, prefix: str) -> int:
        self.numbers[prefix] += 1
        return self.numbers[prefix]

    def contract_no(self, prefix: str, year: int) -> str:
        return f"{prefix}-{year}-{self.next_number(f'{prefix}{year}'):03d}"

    def resource_no(self) -> str:
        return f"{self.village.org_code}{self.next_number('DK'):04d}"

    def asset_no(self) -> str:
        return f"ZC{self.village.org_code[-5:]}{self.next_number('ZC'):03d}"

    def decision_ref(self, year: int, rng: random.Random) -> str:
        """The next villagers' decision of ``year``: after the ledger's own numbers in a booked
        year, from a random point in a year before the books."""
        if year not in self.decisions:
            self.decisions[year] = rng.randint(2, 8)
        self.decisions[year] += 1
        return f"JY-{year}-{self.decisions[year]:03d}"


@dataclass(frozen=True)
class LedgerFacts:
    """What the registers must agree with, read from one village's written journal lines."""

    lines: pd.DataFrame  # the village's loadable lines
    low_rent_years: dict[str, dict[int, tuple[int, str]]]  # tenant -> year -> (price, case)


def as_of(years: Sequence[int]) -> dt.date:
    """The date the registers are drawn up to: the books' last day."""
    return dt.date(max(years), 12, 31)


def ledger_facts(placed: pd.DataFrame, village: Village, cases: Sequence[Case]) -> LedgerFacts:
    lines = placed.loc[(placed["village_index"] == village.index) & ~quarantined(placed)]
    low_rent = {case.case_id for case in cases if case.pattern == "low_rent"}
    by_tenant: dict[str, dict[int, tuple[int, str]]] = defaultdict(dict)
    areas = {lease.tenant: lease.area_tenths for lease in village.leases}
    hit = lines.loc[lines["case_id"].isin(low_rent) & (lines["credit_fen"] > 0)]
    for (tenant, year, case_id), paid in hit.groupby(
        ["counterparty", "year", "case_id"])["credit_fen"].sum().items():
        by_tenant[tenant][int(year)] = (int(paid) // (areas[tenant] * 10), case_id)
    return LedgerFacts(lines=lines, low_rent_years=dict(by_tenant))


def build_registers(
    county: County, placed: pd.DataFrame, cases: Sequence[Case], years: Sequence[int],
    rng: random.Random,
) -> list[VillageRegisters]:
    """Clean registers of every village, agreeing with its written ledger."""
    registers = []
    for village in county.villages:
        facts = ledger_facts(placed, village, cases)
        books = VillageRegisters(village=village)
        for year, refs in _ledger_decisions(facts.lines).items():
            books.decisions[year] = refs
        _office_assets(books, years, rng)
        for lease in village.leases:
            _lease_contracts(books, lease, facts, years, rng)
        _farmed_parcels(books, rng)
        _works_contracts(books, facts, rng)
        _fixed_assets(books, facts)
        _works_in_progress(books, facts, cases)
        registers.append(books)
    return registers


def _ledger_decisions(lines: pd.DataFrame) -> dict[int, int]:
    refs = lines.loc[lines["decision_ref"].str.match(r"^JY-\d{4}-\d+$"), "decision_ref"]
    numbers = refs.str.extract(r"^JY-(\d{4})-(\d+)$").astype("int64")
    return {int(year): int(top) for year, top in numbers.groupby(0)[1].max().items()}


def parcel_name(rng: random.Random, kind: str) -> str:
    return rng.choice(PARCEL_FIRST) + rng.choice(PARCEL_SECOND) + PARCEL_ENDING.get(kind, "地")


def group_location(village: Village, rng: random.Random) -> str:
    return f"{village.name}{rng.randint(1, 9)}组"


def lease_term(land_class: str, years: Sequence[int], rng: random.Random) -> tuple[int, int]:
    """Start and end year of a clean lease: within the caps, ending after the books."""
    start = min(years) - rng.choice((0, 0, 1, 2, 3, 4))
    after_books = max(years) + 1
    if land_class == "耕地":
        end = rng.randint(after_books, max(after_books, ARABLE_CAP.year))
    else:
        end = max(start + rng.randint(5, 15) - 1, after_books + rng.randint(0, 3))
    return start, min(end, start + 19)


def signing_papers(
    books: VillageRegisters, start: dt.date, rng: random.Random
) -> dict[str, object]:
    """Decision, 公示, signing and filing dates in order before (and just after) ``start``."""
    signed = start - dt.timedelta(days=rng.randint(5, 25))
    return {
        "signed_on": signed,
        "published_on": signed - dt.timedelta(days=rng.randint(7, 15)),
        "filed_on": signed + dt.timedelta(days=rng.randint(3, 20)),
        "decision_ref": books.decision_ref(signed.year, rng),
    }


def lease_trade_mode(annual_rent_fen: int, *, renewal: bool = False) -> str:
    """How a clean lease was let: renewed (续约), at auction on the platform when its yearly rent
    reaches the platform line (公开竞价), else a small direct let (小额)."""
    if renewal:
        return "续约"
    return "公开竞价" if annual_rent_fen >= OPEN_AUCTION_RENT_FEN else "小额"


def lease_contract(
    books: VillageRegisters, lease: Lease, start: dt.date, end: dt.date, price_yuan: int,
    subject: tuple[str, str, str], rng: random.Random, *, previous: Contract | None = None,
) -> Contract:
    """The contract letting ``lease``'s land (or pond) from ``start`` to ``end`` at a price;
    ``subject`` is (number, name, location) of the parcel or asset."""
    as_asset = lease.land == LET_AS_ASSET
    category = "资产租赁" if as_asset else "资源发包"
    annual = lease.yearly_rent_fen(price_yuan)
    papers = signing_papers(books, start, rng)
    verb = "租赁" if as_asset else "承包"
    return Contract(
        contract_no=books.contract_no("ZL" if as_asset else "FB", papers["signed_on"].year),
        contract_name=f"{subject[1]}{lease.land}{verb}合同",
        category=category,
        counterparty=lease.tenant,
        subject_no=subject[0],
        subject_name=subject[1],
        location=subject[2],
        area_tenths=lease.area_tenths,
        land_class=LAND_CLASSES[lease.land],
        annual_rent_fen=annual,
        unit_price_fen=price_yuan * YUAN,
        amount_fen=annual * (end.year - start.year + 1),
        collection="按半年" if lease.half_yearly else "按年",
        first_due_on=dt.date(start.year, 2, 28) if lease.half_yearly else dt.date(start.year,
                                                                                   4, 30),
        due_day=HALF_YEARLY_DUE if lease.half_yearly else YEARLY_DUE,
        trade_mode=lease_trade_mode(annual, renewal=previous is not None),
        previous_no=previous.contract_no if previous is not None else "",
        lease=lease,
        start_on=start,
        end_on=end,
        **papers,  # type: ignore[arg-type]
    )


def _price_spans(
    lease: Lease, facts: LedgerFacts, start: int, end: int
) -> list[tuple[int, int, int, str]]:
    """(first year, last year, price, ledger case) of each contract the lease had: one, unless
    the books received some years' rent at another price (a 低价发包 case of the ledger)."""
    booked = facts.low_rent_years.get(lease.tenant, {})
    spans: list[tuple[int, int, int, str]] = []
    for year in range(start, end + 1):
        price, case_id = booked.get(year, (lease.yuan_per_mu, ""))
        if spans and spans[-1][2] == price:
            first, _, _, case = spans[-1]
            spans[-1] = (first, year, price, case)
        else:
            spans.append((year, year, price, case_id))
    return spans


def _lease_contracts(
    books: VillageRegisters, lease: Lease, facts: LedgerFacts, years: Sequence[int],
    rng: random.Random,
) -> None:
    village = books.village
    location = group_location(village, rng)
    name = parcel_name(rng, lease.land)
    start, end = lease_term(LAND_CLASSES[lease.land], years, rng)
    if lease.land == LET_AS_ASSET:
        subject = (books.asset_no(), f"{name}集体鱼塘", location)
        books.assets.append(Asset(
            asset_no=subject[0], asset_name=f"{name}集体鱼塘（含泵房、塘埂）",
            class_code="J02012002", class_name="经营性固定资产（养殖场）",
            acquired_on=dt.date(rng.randint(2005, 2015), rng.randint(1, 12), rng.randint(1, 28)),
            original_value_fen=rng.randint(40, 200) * 1000 * YUAN, use_status="出租",
            quantity=lease.area_text, unit="亩", location=location,
            custodian=village.cadres[1].name,
        ))
    else:
        subject = (books.resource_no(), name, location)
    previous = None
    for first, last, price, _ in _price_spans(lease, facts, start, end):
        contract = lease_contract(
            books, lease, dt.date(first, 1, 1), dt.date(last, 12, 31), price, subject, rng,
            previous=previous,
        )
        if contract.end_on < as_of(years):
            contract.status = "已到期"
        books.contracts.append(contract)
        previous = contract
    if lease.land == LET_AS_ASSET:
        books.assets[-1].contract_no = previous.contract_no  # type: ignore[union-attr]
        return
    books.resources.append(Resource(
        resource_no=subject[0], resource_name=name, land_class=LAND_CLASSES[lease.land],
        area_tenths=lease.area_tenths, location=location,
        household_contracted="未承包到户", use_mode="出租" if lease.half_yearly else "发包",
        tenant=lease.tenant, contract_no=previous.contract_no,  # type: ignore[union-attr]
        annual_rent_fen=previous.annual_rent_fen,  # type: ignore[union-attr]
    ))


def _farmed_parcels(books: VillageRegisters, rng: random.Random) -> None:
    """机动地 the collective keeps and farms itself: no tenant, no contract."""
    for _ in range(rng.randint(1, 2)):
        books.resources.append(Resource(
            resource_no=books.resource_no(), resource_name=parcel_name(rng, "机动地"),
            land_class="机动地", area_tenths=rng.randint(20, 150),
            location=group_location(books.village, rng), household_contracted="机动地",
            use_mode="集体自主经营",
        ))


def _office_assets(books: VillageRegisters, years: Sequence[int], rng: random.Random) -> None:
    village = books.village
    first = min(years)
    owned = [("村部办公楼", "F020103", "非经营性固定资产（行政单位用房）", (300, 900), "栋",
              (2006, 2016))]
    if rng.random() < 0.6:
        owned.append(("村文化活动室", "F020104", "非经营性固定资产（体育、娱乐用房）",
                      (80, 300), "间", (2010, first - 2)))
    owned.append(("办公电脑及打印机", "F020201", "非经营性固定资产（办公设备）", (8, 30), "套",
                  (first - 5, first - 1)))
    for name, code, class_name, (low, high), unit, (since, until) in owned:
        books.assets.append(Asset(
            asset_no=books.asset_no(), asset_name=name, class_code=code, class_name=class_name,
            acquired_on=dt.date(rng.randint(since, until), rng.randint(1, 12),
                                rng.randint(1, 28)),
            original_value_fen=rng.randint(low, high) * 1000 * YUAN, use_status="自用",
            unit=unit, location=f"{village.name}村部", custodian=village.cadres[2].name,
        ))


def _works_contracts(books: VillageRegisters, facts: LedgerFacts, rng: random.Random) -> None:
    """One 工程建设 contract per contract_ref in the books, for what the books pay under it."""
    lines = facts.lines
    refs = lines.loc[lines["contract_ref"] != ""]
    for ref, voucher_lines in refs.groupby("contract_ref", sort=True):
        paid = voucher_lines.loc[voucher_lines["account_code"].isin((BANK_CODE, CASH_CODE))]
        if paid.empty:
            continue
        payee = voucher_lines.loc[voucher_lines["debit_fen"] > 0].iloc[0]
        project = WORKS_PROJECT.match(payee["summary"])
        name = project.group(1) if project else payee["summary"]
        first_paid = paid["voucher_date"].min().date()
        last_paid = paid["voucher_date"].max().date()
        signed = first_paid - dt.timedelta(days=rng.randint(10, 40))
        amount = int(paid["credit_fen"].sum())
        books.contracts.append(Contract(
            contract_no=str(ref), contract_name=f"{name}工程施工合同", category="工程建设",
            counterparty=payee["counterparty"], signed_on=signed,
            start_on=signed + dt.timedelta(days=rng.randint(1, 7)),
            end_on=min(last_paid + dt.timedelta(days=rng.randint(0, 30)),
                       dt.date(last_paid.year, 12, 31)),
            amount_fen=amount, trade_mode="招标" if amount >= TENDER_LINE_FEN else "小额",
            decision_ref=payee["decision_ref"],
            published_on=signed - dt.timedelta(days=rng.randint(7, 15)),
            filed_on=signed + dt.timedelta(days=rng.randint(3, 15)), status="已到期",
            location=group_location(books.village, rng), first_paid_on=first_paid,
        ))


def _fixed_assets(books: VillageRegisters, facts: LedgerFacts) -> None:
    """One asset per debit to 固定资产 (151), with its value, date and voucher."""
    lines = facts.lines
    code = account("fixed_assets", 2024)[0]
    added = lines.loc[(lines["account_code"] == code) & (lines["debit_fen"] > 0)]
    works = {contract.contract_no: contract for contract in books.contracts
             if contract.category == "工程建设"}
    for line in added.itertuples(index=False):
        asset = Asset(
            asset_no=books.asset_no(),
            asset_name=str(line.summary).split("竣工")[0],
            class_code="F029900", class_name="非经营性固定资产（公益设施）",
            acquired_on=line.voucher_date.date(), original_value_fen=int(line.debit_fen),
            use_status="自用", location=books.village.name, voucher_no=str(line.voucher_no),
            account_code=code, custodian=books.village.cadres[1].name,
        )
        books.assets.append(asset)
        contract = works.get(str(line.contract_ref))
        if contract is not None:
            contract.subject_no, contract.subject_name = asset.asset_no, asset.asset_name


def in_progress_accounts(lines: pd.DataFrame) -> pd.DataFrame:
    """在建工程 sub-accounts left open at the books' end: code, name, balance, first date and the
    ledger cases on their lines."""
    works = lines.loc[lines["account_name"].str.startswith("在建工程-")]
    open_ = works.groupby(["account_code", "account_name"], sort=True).agg(
        balance=("debit_fen", "sum"), credit=("credit_fen", "sum"),
        first=("voucher_date", "min"), cases=("case_id", lambda ids: "|".join(sorted(set(ids)))),
    ).reset_index()
    open_["balance"] = open_["balance"] - open_["credit"]
    return open_.loc[open_["balance"] != 0]


def _works_in_progress(books: VillageRegisters, facts: LedgerFacts,
                       cases: Sequence[Case]) -> None:
    """An 在建 asset per open 在建工程 sub-account, except works a ledger case made up (虚构工程:
    nobody registers those, which the asset check then sees)."""
    invented = {case.case_id for case in cases if case.pattern == "fake_works"}
    for row in in_progress_accounts(facts.lines).itertuples(index=False):
        if set(str(row.cases).split("|")) & invented:
            continue
        books.assets.append(Asset(
            asset_no=books.asset_no(), asset_name=str(row.account_name).removeprefix("在建工程-"),
            class_code="F029900", class_name="在建工程", acquired_on=row.first.date(),
            original_value_fen=int(row.balance), use_status="在建",
            location=books.village.name, account_code=str(row.account_code),
        ))

