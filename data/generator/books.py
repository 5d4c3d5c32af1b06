"""The ordinary business of one village in one year, booked as clean vouchers.

Clean books break no stated rule: vouchers balance, cash is paid only to individuals or in small
sums, large non-production spending carries a villagers' decision (决议编号), every works
payment carries its contract (合同编号), and nothing banned appears in a summary. Cash top-ups,
voucher numbers, signatures and the year-end close are added later, over the whole year.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from data.generator.accounts import account, project_account
from data.generator.county import Village
from data.generator.holidays import away_from_festivals, festivals
from data.generator.layouts.assignment import Export
from data.generator.vouchers import Line, Voucher, many_to_one, two_line

YUAN = 100
WAGE_RISE_PER_YEAR = 0.03
WORKS_PROJECTS = (
    "村道硬化", "文化广场建设", "排灌渠道改造", "村部维修改造", "路灯安装", "饮水管网改造",
    "村级活动中心改建", "桥涵修复", "垃圾收集点建设", "河塘护坡",
)
SPECIAL_PROJECTS = (
    "高标准农田建设", "农村人居环境整治", "小型水利设施维修", "美丽乡村建设", "农村公路养护",
    "厕所革命奖补",
)
TRAVEL_SUMMARIES = (
    "报销{who}赴县开会差旅费", "报销{who}到镇办事交通费", "报销{who}外出培训差旅费",
    "报销{who}赴县农业农村局办事车费",
)
OFFICE_SUMMARIES = ("购办公用品", "购打印纸、墨盒", "购会议用品", "购档案盒", "购村务公开栏材料")
REPAIR_SUMMARIES = (
    "维修村部水管", "购维修材料", "修理路灯", "维修村部门窗", "维修广播设备", "更换村部灯具",
)
OPERATING_SUMMARIES = ("支付灌溉抽水电费", "购水泵配件", "村集体鱼塘清塘费用", "集体果园管护费用")
# Share of the filler vouchers by kind, in order of ``_FILLERS``.
FILLER_WEIGHTS = (35, 20, 10, 12, 8, 10, 5)
CLOSING_LINES_ESTIMATE = 24
DOUBLE_POSTING_SHARE = 0.3
MONTH_END_DEPOSIT_LINES = 24
CASH_LINES_PER_YUAN_SPENT = 2 / 2500  # a top-up (two lines) per ~2,500 yuan paid in cash


def day_in(year: int, month: int, day: int) -> dt.date:
    """The date, moved back to the month's last day if the month is shorter."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass
class VillageYear:
    """The vouchers of one village-year being booked, and its running reference numbers."""

    village: Village
    year: int
    rng: random.Random
    export: Export
    previous: VillageYear | None = None  # the same village's year before, once booked
    vouchers: list[Voucher] = field(default_factory=list)
    decisions: int = 0
    contracts: int = 0
    projects: int = 0
    funds: int = 0

    def add(self, voucher: Voucher, *, order: float | None = None) -> Voucher:
        """Book a voucher; among one day's vouchers it comes in creation order unless
        ``order`` pins it (-1: first of the day)."""
        voucher.order = len(self.vouchers) if order is None else order
        self.vouchers.append(voucher)
        return voucher

    def account(self, key: str) -> tuple[str, str]:
        return account(key, self.year)

    def decision_ref(self) -> str:
        """The next villagers' decision (民主决策) number of the year."""
        self.decisions += 1
        return f"JY-{self.year}-{self.decisions:03d}"

    def contract_ref(self) -> str:
        self.contracts += 1
        return f"HT-{self.year}-{self.contracts:03d}"

    def works_account(self, project: str) -> tuple[str, str]:
        self.projects += 1
        return project_account("works", self.year, self.projects, project)

    def fund_account(self, project: str) -> tuple[str, str]:
        self.funds += 1
        return project_account("special_fund", self.year, self.funds, project)

    def random_day(self, month: int, first: int = 1, last: int = 31) -> dt.date:
        last = min(last, calendar.monthrange(self.year, month)[1])
        return dt.date(self.year, month, self.rng.randint(min(first, last), last))

    def fen(self, low_yuan: float, high_yuan: float, step_yuan: float = 0.01) -> int:
        """A random amount in fen between the bounds, a multiple of ``step_yuan``."""
        step = round(step_yuan * YUAN)
        low, high = round(low_yuan * YUAN) // step, round(high_yuan * YUAN) // step
        return self.rng.randint(low, high) * step

    @property
    def line_count(self) -> int:
        return sum(len(voucher.lines) for voucher in self.vouchers)


def clean_vouchers(book: VillageYear, target_lines: int) -> None:
    """Book a year of ordinary business, then fill with small expenses up to ``target_lines``."""
    for step in (
        _payroll, _utilities, _township_transfers, _interest, _rents, _group_leader_allowances,
        _cleaning, _works, _special_fund, _winter_relief, _advances,
    ):
        step(book)
    for filler in _FILLERS:  # every kind of small business happens at least once a year
        book.add(filler(book))
    lines = book.line_count
    cash_paid = 0
    budget = target_lines - CLOSING_LINES_ESTIMATE - MONTH_END_DEPOSIT_LINES
    while lines + cash_paid / YUAN * CASH_LINES_PER_YUAN_SPENT < budget:
        filler = book.rng.choices(_FILLERS, weights=FILLER_WEIGHTS)[0]
        voucher = book.add(filler(book))
        lines += len(voucher.lines)
        cash_paid -= min(voucher.cash_delta, 0)


def _wage(book: VillageYear, monthly_pay_yuan: int) -> int:
    raised = monthly_pay_yuan * (1 + WAGE_RISE_PER_YEAR * (book.year - 2023))
    return round(raised / 10) * 10 * YUAN


def _payroll(book: VillageYear) -> None:
    decision = book.decision_ref()  # the year's 干部报酬 plan, approved by the villagers
    pays = [(cadre.name, _wage(book, cadre.monthly_pay_yuan)) for cadre in book.village.cadres]
    for month in range(1, 13):
        book.add(
            two_line(
                day_in(book.year, month, 20),
                f"计提{month}月村干部报酬",
                book.account("wages"),
                book.account("wages_payable"),
                sum(pay for _, pay in pays),
                settlement="",
                attachments=1,
                decision_ref=decision,
            )
        )
        book.add(
            many_to_one(
                day_in(book.year, month, 25),
                f"发放{month}月村干部报酬",
                book.account("wages_payable"),
                pays,
                book.account("bank"),
                settlement="网银",
                attachments=2,
                decision_ref=decision,
            )
        )


def _utilities(book: VillageYear) -> None:
    town = book.village.town
    # Now and then a bill is posted twice and the copy reversed in red ink (红字冲销).
    posted_twice = book.rng.randint(1, 12) if book.rng.random() < DOUBLE_POSTING_SHARE else 0
    for month in range(1, 13):
        bill = two_line(
            book.random_day(month, 8, 15),
            f"付{month}月电费",
            book.account("utilities"),
            book.account("bank"),
            book.fen(300, 2500),
            counterparty=town.power_station,
            settlement="转账",
            attachments=book.rng.randint(1, 2),
        )
        book.add(bill)
        if month == posted_twice:
            _post_twice_and_reverse(book, bill)
        if month % 3 == 0:
            book.add(
                two_line(
                    book.random_day(month, 16, 22),
                    f"付第{month // 3}季度水费",
                    book.account("utilities"),
                    book.account("bank"),
                    book.fen(100, 800),
                    counterparty=town.water_company,
                    settlement="转账",
                    attachments=1,
                )
            )


def _post_twice_and_reverse(book: VillageYear, bill: Voucher) -> None:
    amount = bill.lines[0].debit
    book.add(two_line(bill.date, bill.lines[0].summary, book.account("utilities"),
                      book.account("bank"), amount, counterparty=bill.lines[0].counterparty,
                      settlement="转账", attachments=1))
    book.add(
        two_line(
            bill.date + dt.timedelta(days=book.rng.randint(3, 10)),
            f"红字冲销重复记账的{bill.lines[0].summary.removeprefix('付')}",
            book.account("utilities"),
            book.account("bank"),
            -amount,
            counterparty=bill.lines[0].counterparty,
            settlement="转账",
            attachments=1,
        )
    )


def _township_transfers(book: VillageYear) -> None:
    for quarter, month in enumerate((1, 4, 7, 10), start=1):
        book.add(
            two_line(
                book.random_day(month, 10, 20),
                f"收镇拨付第{quarter}季度村级组织运转经费",
                book.account("bank"),
                book.account("subsidy_income"),
                book.fen(30000, 90000, 100),
                counterparty=book.village.town.finance_office,
                settlement="转账",
                attachments=1,
            )
        )


def _interest(book: VillageYear) -> None:
    for quarter, month in enumerate((3, 6, 9, 12), start=1):
        book.add(
            two_line(
                day_in(book.year, month, 21),  # Chinese banks pay deposit interest on the 21st
                f"第{quarter}季度存款利息",
                book.account("bank"),
                book.account("other_income"),
                book.fen(20, 300),
                counterparty=book.village.town.bank,
                settlement="转账",
                attachments=1,
            )
        )


def _rents(book: VillageYear) -> None:
    for lease in book.village.leases:
        rent_receipt(book, lease.tenant, lease.land, lease.area_text, lease.yearly_rent_fen(),
                     lease.half_yearly)


def rent_receipt(
    book: VillageYear, tenant: str, land: str, area: str, yearly_fen: int, half_yearly: bool
) -> list[Voucher]:
    """The year's rent from one lease: once in spring, or in two halves."""
    if half_yearly:
        parts = [("上半年", book.random_day(book.rng.randint(1, 2)), yearly_fen // 2),
                 ("下半年", book.random_day(book.rng.randint(7, 8)), yearly_fen - yearly_fen // 2)]
    else:
        parts = [("", book.random_day(book.rng.randint(1, 4)), yearly_fen)]
    return [
        book.add(
            two_line(
                day,
                f"收{tenant}{book.year}年{half}{land}承包费（{area}亩）",
                book.account("bank"),
                book.account("contract_income"),
                amount,
                counterparty=tenant,
                settlement="转账",
                attachments=1,
            )
        )
        for half, day, amount in parts
    ]


def _group_leader_allowances(book: VillageYear) -> None:
    each = book.fen(300, 800, 50)
    payees = [(leader, each) for leader in book.village.group_leaders]
    for quarter, month in enumerate((3, 6, 9, 12), start=1):
        book.add(
            many_to_one(
                away_from_festivals(day_in(book.year, month, 10)),
                f"发放第{quarter}季度村民小组长误工补贴",
                book.account("allowance"),
                payees,
                book.account("bank"),
                settlement="网银",
                attachments=1,
            )
        )


def _cleaning(book: VillageYear) -> None:
    cleaner = book.rng.choice(book.village.villagers[:3])
    pay = book.fen(1200, 2000, 100)
    for month in range(1, 13):
        book.add(
            two_line(
                book.random_day(month, 26, 30),
                f"支付{month}月村庄保洁费",
                book.account("public_welfare"),
                book.account("bank"),
                pay,
                counterparty=cleaner,
                settlement="网银",
                attachments=1,
            )
        )


def _works(book: VillageYear) -> None:
    rng = book.rng
    for project in rng.sample(WORKS_PROJECTS, rng.choices((0, 1, 2), weights=(2, 5, 3))[0]):
        contract_fen = book.fen(50000, 380000, 1000)
        start = rng.randint(2, 7)
        works = book.works_account(f"{project}工程")
        papers = {
            "decision_ref": book.decision_ref(),
            "contract_ref": book.contract_ref(),
            "settlement": "转账",
        }
        contractor = rng.choice(book.village.town.contractors)
        shares = (contract_fen * 3 // 10, contract_fen * 4 // 10)
        instalments = [*shares, contract_fen - sum(shares)]
        for stage, amount in enumerate(instalments):
            day = book.random_day(start + 2 * stage)
            book.add(
                two_line(
                    day,
                    f"支付{project}工程款（第{stage + 1}期）",
                    works,
                    book.account("bank"),
                    amount,
                    counterparty=contractor,
                    attachments=rng.randint(2, 6),
                    **papers,
                )
            )
        book.add(
            two_line(
                day,
                f"{project}工程竣工验收转固定资产",
                book.account("fixed_assets"),
                works,
                contract_fen,
                attachments=2,
                decision_ref=papers["decision_ref"],
                contract_ref=papers["contract_ref"],
            )
        )


def special_fund_receipt(
    book: VillageYear, project: str, amount: int, month: int
) -> tuple[tuple[str, str], str]:
    """A 专项 grant received by bank; returns its sub-account and the project's decision."""
    fund = book.fund_account(f"{project}项目")
    decision = book.decision_ref()
    book.add(
        two_line(
            book.random_day(month),
            f"收到{project}项目专项资金",
            book.account("bank"),
            fund,
            amount,
            counterparty=book.village.town.finance_office,
            settlement="转账",
            attachments=1,
            decision_ref=decision,
        )
    )
    return fund, decision


def _special_fund(book: VillageYear) -> None:
    rng = book.rng
    if rng.random() < 0.5:
        return
    project = rng.choice(SPECIAL_PROJECTS)
    month = rng.randint(3, 6)
    amount = book.fen(60000, 200000, 1000)
    fund, decision = special_fund_receipt(book, project, amount, month)
    contractor = rng.choice(book.village.town.contractors)
    contract = book.contract_ref()
    first = amount * 6 // 10
    for offset, part in ((1, first), (3, amount - first)):
        book.add(
            two_line(
                book.random_day(month + offset),
                f"拨付{project}项目工程款",
                fund,
                book.account("bank"),
                part,
                counterparty=contractor,
                settlement="转账",
                attachments=rng.randint(2, 5),
                decision_ref=decision,
                contract_ref=contract,
            )
        )


def _winter_relief(book: VillageYear) -> None:
    if book.rng.random() < 0.5:
        return
    spring_festival = festivals(book.year)[0][1]
    each = book.fen(200, 500, 100)
    households = book.rng.sample(book.village.villagers[3:], book.rng.randint(3, 6))
    book.add(
        many_to_one(
            spring_festival - dt.timedelta(days=book.rng.randint(3, 8)),
            "春节慰问困难群众",
            book.account("public_welfare"),
            [(household, each) for household in households],
            book.account("bank"),
            settlement="网银",
            attachments=1,
        )
    )


def _advances(book: VillageYear) -> None:
    rng = book.rng
    for _ in range(rng.randint(0, 2)):
        cadre = rng.choice(book.village.cadres).name
        amount = book.fen(1000, 3000, 100)
        lent = book.random_day(rng.randint(2, 11), 1, 15)
        book.add(
            two_line(
                lent,
                f"{cadre}预借外出考察费",
                book.account("receivable_person"),
                book.account("bank"),
                amount,
                counterparty=cadre,
                settlement="网银",
                attachments=1,
            )
        )
        book.add(
            two_line(
                lent + dt.timedelta(days=rng.randint(5, 14)),
                f"{cadre}报销考察费冲预借款",
                book.account("travel"),
                book.account("receivable_person"),
                amount,
                counterparty=cadre,
                attachments=3,
            )
        )


def _travel_claim(book: VillageYear) -> Voucher:
    cadre = book.rng.choice(book.village.cadres).name
    return two_line(
        book.random_day(book.rng.randint(1, 12)),
        book.rng.choice(TRAVEL_SUMMARIES).format(who=cadre),
        book.account("travel"),
        book.account("cash"),
        book.fen(60, 1500),
        counterparty=cadre,
        settlement="现金",
        attachments=book.rng.randint(1, 4),
    )


def _office_purchase(book: VillageYear) -> Voucher:
    rng = book.rng
    shop = rng.choice(book.village.town.shops[rng.choice(("文具店", "超市"))])
    day = book.random_day(rng.randint(1, 12))
    summary = rng.choice(OFFICE_SUMMARIES)
    papers = {"settlement": rng.choice(("村务卡", "转账")), "attachments": rng.randint(1, 3)}
    if rng.random() < 0.25:
        office, other = book.fen(100, 2000), book.fen(50, 800)
        return Voucher(
            date=day,
            lines=[
                Line(summary, *book.account("office"), debit=office, counterparty=shop),
                Line("购会议用茶水", *book.account("admin_other"), debit=other, counterparty=shop),
                Line(summary, *book.account("bank"), credit=office + other, counterparty=shop),
            ],
            **papers,
        )
    return two_line(day, summary, book.account("office"), book.account("bank"),
                    book.fen(200, 3000), counterparty=shop, **papers)


def _cash_purchase(book: VillageYear) -> Voucher:
    shop = book.rng.choice(book.village.town.shops["文具店"])
    return two_line(
        book.random_day(book.rng.randint(1, 12)),
        book.rng.choice(OFFICE_SUMMARIES),
        book.account("office"),
        book.account("cash"),
        book.fen(30, 900),
        counterparty=shop,
        settlement="现金",
        attachments=1,
    )


def _repair(book: VillageYear) -> Voucher:
    rng = book.rng
    payee = rng.choice((*book.village.town.shops["五金店"], book.village.town.contractors[-1]))
    return two_line(
        book.random_day(rng.randint(1, 12)),
        rng.choice(REPAIR_SUMMARIES),
        book.account("repairs"),
        book.account("bank"),
        book.fen(300, 8000),
        counterparty=payee,
        settlement="转账",
        attachments=rng.randint(1, 3),
    )


def _fuel(book: VillageYear) -> Voucher:
    return two_line(
        book.random_day(book.rng.randint(1, 12)),
        "村巡逻车加油",
        book.account("transport"),
        book.account("bank"),
        book.fen(200, 800),
        counterparty=book.village.town.shops["加油站"][0],
        settlement="村务卡",
        attachments=1,
    )


def _operating(book: VillageYear) -> Voucher:
    rng = book.rng
    summary = rng.choice(OPERATING_SUMMARIES)
    payee = (book.village.town.power_station if "电费" in summary
             else rng.choice(book.village.town.shops["五金店"]))
    return two_line(
        book.random_day(rng.randint(4, 10)),
        summary,
        book.account("operating_expense"),
        book.account("bank"),
        book.fen(500, 5000),
        counterparty=payee,
        settlement="转账",
        attachments=rng.randint(1, 2),
    )


def _bank_charges(book: VillageYear) -> Voucher:
    return two_line(
        book.random_day(book.rng.randint(1, 12)),
        book.rng.choice(("支付银行账户管理费", "支付网银服务费", "支付转账手续费")),
        book.account("other_expense"),
        book.account("bank"),
        book.fen(10, 300),
        counterparty=book.village.town.bank,
        settlement="转账",
        attachments=1,
    )


_FILLERS: tuple[Callable[[VillageYear], Voucher], ...] = (
    _travel_claim, _office_purchase, _cash_purchase, _repair, _fuel, _operating, _bank_charges,
)
