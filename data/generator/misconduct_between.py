"""Misconduct whose evidence lies between entries, booked only when asked (``extra_patterns``).

The patterns of :mod:`data.generator.misconduct` each leave a mark on the entry itself (a
round sum, a date before a festival, an amount under a line). These leave none: every entry
looks like the village's ordinary business, and what gives the case away is another entry —
the same person paid wages as a cadre, the same invoice paid by a neighbouring village, a
payment reversed and paid again to someone else, a sum recurring every month. Like the others
they break no written rule: vouchers balance, carry attachments, and a decision and a contract
where the amount needs them.

Each function books one case into a village-year, labels the lines an inspector should see and
returns the case's description. It may see the county (:class:`CountyBooks`): the cadres of
other villages, and vouchers it books into a later village of the town.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from data.generator.books import REPAIR_SUMMARIES, WORKS_PROJECTS, YUAN, VillageYear
from data.generator.county import Village
from data.generator.names import GIVEN_CHARACTERS, firm_name, place_name
from data.generator.vouchers import Voucher, many_to_one, two_line

SUPPLY_SUMMARIES = ("支付{who}运输费", "支付{who}挖机台班费", "购{who}苗木款", "支付{who}砂石料款")
RELIEF_SUMMARIES = ("发放临时救助金", "发放困难群众生活补助", "发放低保户慰问金")
NEPHEW_POSTS = ("协管员补贴", "临时用工工资", "信息员补助", "护林员补助")
BUILDER_TRADES = ("建筑队", "工程队", "土石方工程队")
OUTLIER_TRADES = ("建材商行", "五金机电经营部", "灯具商行")
INVOICE_SUMMARIES = ("购村务公开栏材料", "购维修材料", "维修广播设备", "购会议用品")
LATEST_TWIN_DELAY_DAYS = 25


@dataclass
class CountyBooks:
    """What a pattern sees beyond its own village-year: the county's villages, and the
    vouchers owed to a village booked later (its index and year -> vouchers)."""

    villages: tuple[Village, ...]
    owed: dict[tuple[int, int], list[Voucher]] = field(
        default_factory=lambda: defaultdict(list))

    def siblings(self, village: Village) -> list[Village]:
        """The other villages of ``village``'s town, in order."""
        return [other for other in self.villages
                if other.town.index == village.town.index and other.index != village.index]

    def later_siblings(self, village: Village) -> list[Village]:
        """The villages of the town booked after ``village``: a pattern may owe them vouchers."""
        return [other for other in self.siblings(village) if other.index > village.index]

    def book_owed(self, book: VillageYear) -> None:
        """Book the vouchers earlier villages' cases owe this village-year."""
        for voucher in self.owed.pop((book.village.index, book.year), []):
            book.add(voucher)


def _months(book: VillageYear, count: int) -> list[int]:
    return sorted(book.rng.sample(range(1, 13), count))


def _yuan(fen: int) -> str:
    return f"{fen / YUAN:,.2f}"


def cadre_as_supplier(book: VillageYear, case_id: str, county: CountyBooks) -> str:
    """村干部向本村供货: a cadre on the village's payroll paid as a supplier or hired hand."""
    rng = book.rng
    cadre = rng.choice(book.village.cadres)
    months = _months(book, rng.randint(2, 4))
    summary = rng.choice(SUPPLY_SUMMARIES).format(who=cadre.name)
    amounts = [book.fen(1500, 9500) for _ in months]
    for month, amount in zip(months, amounts, strict=True):
        book.add(
            two_line(
                book.random_day(month),
                summary,
                book.account(rng.choice(("operating_expense", "repairs"))),
                book.account("bank"),
                amount,
                counterparty=cadre.name,
                settlement=rng.choice(("转账", "网银")),
                attachments=rng.randint(1, 2),
            )
        ).label(case_id)
    return (
        f"疑似村干部向本村供货：{cadre.role}{cadre.name}以个人名义收到{len(amounts)}笔"
        f"“{summary}”共{_yuan(sum(amounts))}元，其同时在本村领取干部报酬"
    )


def relief_to_cadres(book: VillageYear, case_id: str, county: CountyBooks) -> str:
    """优亲厚友: a relief roster that pays cadres of the village or of a neighbouring one."""
    rng = book.rng
    siblings = county.siblings(book.village)
    source = rng.choice(siblings) if siblings and rng.random() < 0.5 else book.village
    cadres = rng.sample(source.cadres, rng.randint(1, 2))
    households = rng.sample(book.village.villagers[3:], rng.randint(3, 5))
    names = [*households, *(cadre.name for cadre in cadres)]
    rng.shuffle(names)
    each = book.fen(300, 1000, 100)
    voucher = book.add(
        many_to_one(
            book.random_day(rng.randint(3, 11)),
            rng.choice(RELIEF_SUMMARIES),
            book.account("public_welfare"),
            [(name, each) for name in names],
            book.account("bank"),
            settlement="网银",
            attachments=1,
        )
    )
    listed = {cadre.name for cadre in cadres}
    for line in voucher.lines:
        if line.counterparty in listed:
            line.case_id = case_id
    where = "本村" if source is book.village else source.full_name
    who = "、".join(f"{where}{cadre.role}{cadre.name}" for cadre in cadres)
    return (
        f"疑似优亲厚友：救助名单{len(names)}人中有{who}，"
        f"各领{_yuan(each)}元，其在{where}账上领取干部报酬"
    )


def cross_village_invoice(book: VillageYear, case_id: str, county: CountyBooks) -> str:
    """同一发票两村报销: one shop's bill paid in full here and in a later village of the town."""
    rng = book.rng
    partner = rng.choice(county.later_siblings(book.village))
    town = book.village.town
    shop = rng.choice((*town.shops["文具店"], *town.shops["五金店"], *town.shops["超市"]))
    summary = rng.choice(INVOICE_SUMMARIES)
    amount = book.fen(2000, 9000)
    day = book.random_day(rng.randint(1, 11))
    later = day + dt.timedelta(days=rng.randint(3, LATEST_TWIN_DELAY_DAYS))
    account = book.account(rng.choice(("office", "repairs")))

    def payment(on: dt.date) -> Voucher:
        voucher = two_line(on, summary, account, book.account("bank"), amount,
                           counterparty=shop, settlement="转账", attachments=1)
        voucher.label(case_id)
        return voucher

    book.add(payment(day))
    county.owed[partner.index, book.year].append(payment(later))
    return (
        f"疑似同一发票两村重复报销：{shop}的“{summary}”{_yuan(amount)}元，"
        f"{book.village.name}于{day:%m月%d日}、{partner.name}于{later:%m月%d日}各全额支付一次"
    )


def related_firm_works(book: VillageYear, case_id: str, county: CountyBooks) -> str:
    """关联方承揽工程: a small works contract awarded to a builder bearing a cadre's name."""
    rng = book.rng
    cadre = rng.choice(book.village.cadres[:2])
    builder = f"{cadre.name}{rng.choice(BUILDER_TRADES)}"
    project = rng.choice(WORKS_PROJECTS)
    contract_fen = book.fen(30000, 95000, 1000)
    works = book.works_account(f"{project}工程")
    papers = {"decision_ref": book.decision_ref(), "contract_ref": book.contract_ref()}
    start = rng.randint(2, 8)
    first = contract_fen * 6 // 10
    for stage, (offset, amount) in enumerate(((0, first), (2, contract_fen - first))):
        day = book.random_day(start + offset)
        book.add(
            two_line(
                day,
                f"支付{project}工程款（第{stage + 1}期）",
                works,
                book.account("bank"),
                amount,
                counterparty=builder,
                settlement="转账",
                attachments=rng.randint(2, 5),
                **papers,
            )
        ).label(case_id)
    book.add(two_line(day, f"{project}工程竣工验收转固定资产", book.account("fixed_assets"),
                      works, contract_fen, attachments=2, **papers))
    return (
        f"疑似关联方承揽工程：{project}工程（合同{_yuan(contract_fen)}元）由{builder}承建，"
        f"施工方名称含本村{cadre.role}{cadre.name}的姓名"
    )


def _relative_name(book: VillageYear, surname: str) -> str:
    village = book.village
    known = {*village.villagers, *village.group_leaders, *(c.name for c in village.cadres)}
    while True:
        name = surname + "".join(book.rng.choices(GIVEN_CHARACTERS, k=2))
        if name not in known:
            return name


def monthly_round_payee(book: VillageYear, case_id: str, county: CountyBooks) -> str:
    """虚设岗位: a round sum every month to one person with the secretary's surname, for a post
    the payroll decision does not list."""
    rng = book.rng
    secretary = book.village.cadres[0]
    person = _relative_name(book, secretary.name[0])
    post = rng.choice(NEPHEW_POSTS)
    each = rng.choice((1000, 1500, 2000, 2500, 3000)) * YUAN
    first = rng.randint(1, 5)
    months = range(first, first + rng.randint(6, 13 - first))
    account = book.account(rng.choice(("admin_other", "allowance")))
    for month in months:
        book.add(
            two_line(
                book.random_day(month, 1, 28),
                f"支付{person}{post}",
                account,
                book.account("bank"),
                each,
                counterparty=person,
                settlement="网银",
                attachments=1,
            )
        ).label(case_id)
    return (
        f"疑似虚设岗位按月发放：{person}（与{secretary.role}{secretary.name}同姓）自{first}月起"
        f"连续{len(months)}个月每月收到{_yuan(each)}元“{post}”，不在干部报酬名单上"
    )


def town_outlier_supplier(book: VillageYear, case_id: str, county: CountyBooks) -> str:
    """一村独家高价: a supplier no other village of the town uses, paid several times what the
    town's villages pay for the same repairs."""
    rng = book.rng
    vendor = firm_name(rng, place_name(rng), rng.choice(OUTLIER_TRADES))
    months = _months(book, rng.randint(2, 4))
    amounts = [book.fen(12000, 28000) for _ in months]
    for month, amount in zip(months, amounts, strict=True):
        book.add(
            two_line(
                book.random_day(month),
                rng.choice(REPAIR_SUMMARIES),
                book.account("repairs"),
                book.account("bank"),
                amount,
                counterparty=vendor,
                settlement="转账",
                attachments=rng.randint(1, 3),
                decision_ref=book.decision_ref(),
            )
        ).label(case_id)
    paid = "、".join(_yuan(amount) for amount in amounts)
    return (
        f"疑似一村独家高价采购：{vendor}只在本村出现，{len(amounts)}笔维修开支（{paid}元）"
        f"为本镇各村同类开支常见金额的数倍"
    )


def reversal_rebooked(book: VillageYear, case_id: str, county: CountyBooks) -> str:
    """红字冲销后改付他人: a shop's bill reversed in red ink as an error, then booked again with
    the same amount paid to a person instead."""
    rng = book.rng
    town = book.village.town
    shop = rng.choice((*town.shops["五金店"], town.contractors[-1]))
    person = rng.choice((*(cadre.name for cadre in book.village.cadres),
                         *book.village.villagers[:10]))
    summary = rng.choice(REPAIR_SUMMARIES)
    amount = book.fen(2000, 9000)
    repairs, bank = book.account("repairs"), book.account("bank")
    paid = book.random_day(rng.randint(1, 11), 1, 15)
    book.add(two_line(paid, summary, repairs, bank, amount, counterparty=shop,
                      settlement="转账", attachments=rng.randint(1, 2)))
    reversed_on = paid + dt.timedelta(days=rng.randint(3, 12))
    book.add(
        two_line(reversed_on, f"红字冲销{paid.month}月{summary}（错账）", repairs, bank,
                 -amount, counterparty=shop, settlement="转账", attachments=1)
    ).label(case_id)
    book.add(
        two_line(reversed_on + dt.timedelta(days=rng.randint(0, 2)), f"重新入账：{summary}",
                 repairs, bank, amount, counterparty=person, settlement="网银", attachments=1)
    ).label(case_id)
    return (
        f"疑似以红字冲销改变收款人：{paid:%m月%d日}付{shop}“{summary}”{_yuan(amount)}元，"
        f"{reversed_on:%m月%d日}以错账为由红字冲销，随即以同额重新入账付给个人{person}"
    )


MISCONDUCT_BETWEEN: dict[str, Callable[[VillageYear, str, CountyBooks], str]] = {
    "cadre_as_supplier": cadre_as_supplier,
    "relief_to_cadres": relief_to_cadres,
    "cross_village_invoice": cross_village_invoice,
    "related_firm_works": related_firm_works,
    "monthly_round_payee": monthly_round_payee,
    "town_outlier_supplier": town_outlier_supplier,
    "reversal_rebooked": reversal_rebooked,
}
