"""Misconduct patterns of published discipline cases (纪委通报), booked with their papers in
order; docs/evaluation.md ("The patterns") describes each.

Each pattern breaks no written rule: every voucher balances, carries attachments and, where the
amount needs one, a decision number. Only the pattern is odd. Each function books one case into
a village-year, labels the lines an inspector should see, and returns the case's description.
"""

from __future__ import annotations

import datetime as dt

from data.generator.books import (
    YUAN,
    VillageYear,
    day_in,
    rent_receipt,
    special_fund_receipt,
)
from data.generator.county import LAND_KINDS
from data.generator.holidays import festivals
from data.generator.names import firm_name, place_name
from data.generator.vouchers import Voucher, many_to_one, two_line

APPROVAL_TIER_FEN = 10_000 * YUAN
TENDER_LINE_FEN = 100_000 * YUAN
FAKE_WORKS_SUMMARIES = (
    "支付河道清淤工程款", "支付沟渠清淤工程款", "支付山塘清淤工程款", "支付村道维修工程款",
    "支付水毁道路维修工程款",
)
SUBSIDY_SUMMARIES = ("{festival}值班补助", "{festival}节日误工补贴", "{festival}加班补助")
SPLIT_SUMMARIES = ("发放年度工作奖励", "发放工作补助", "发放返还款奖励", "发放考核奖励")
CLAIM_ACCOUNTS = ("repairs", "operating_expense", "office", "transport")
EMBEZZLEMENT_SUMMARIES = ("{who}借款", "暂付{who}往来款", "{who}借支")


def _months_apart(book: VillageYear, count: int, gap: int) -> list[int]:
    first = book.rng.randint(1, 12 - gap * (count - 1))
    return [first + gap * index for index in range(count)]


def _approval(book: VillageYear, total_fen: int) -> dict[str, str]:
    """A decision number when the amount needs one: the papers are in order."""
    return {"decision_ref": book.decision_ref()} if total_fen >= APPROVAL_TIER_FEN else {}


def fake_works(book: VillageYear, case_id: str) -> str:
    """虚报冒领: a vendor new to the county paid round sums for 清淤/维修 just under a line."""
    rng = book.rng
    vendor = firm_name(rng, place_name(rng), "水利工程有限公司")
    under_tender = rng.random() < 0.5
    if under_tender:
        debit = book.works_account("河道清淤工程")
        amounts = [rng.randint(90, 99) * 1000 * YUAN for _ in range(3)]
        line_text = "招标限额（10万元）"
    else:
        debit = book.account("repairs")
        amounts = [rng.randint(90, 99) * 100 * YUAN for _ in range(3)]
        line_text = "审批限额（1万元）"
    decision = book.decision_ref()
    # Early in months two apart: more than 30 days between payments, so no split payment.
    for month, amount in zip(_months_apart(book, 3, 2), amounts, strict=True):
        book.add(
            two_line(
                book.random_day(month, 1, 10),
                rng.choice(FAKE_WORKS_SUMMARIES),
                debit,
                book.account("bank"),
                amount,
                counterparty=vendor,
                settlement="转账",
                attachments=rng.randint(2, 4),
                decision_ref=decision,
            )
        ).label(case_id)
    paid = "、".join(f"{amount // YUAN:,}" for amount in amounts)
    return (
        f"疑似虚构工程：新出现的施工方{vendor}收到3笔整数工程款（{paid}元），"
        f"摘要反复为清淤/维修，每笔略低于{line_text}"
    )


def duplicate_claim(book: VillageYear, case_id: str) -> str:
    """重复申报: last year's claim booked again with the same summary and amount."""
    previous = book.previous
    if previous is None:
        raise ValueError("重复申报需要上一年度的账")
    claim_codes = {previous.account(key)[0]: key for key in CLAIM_ACCOUNTS}
    claims = [
        voucher
        for voucher in previous.vouchers
        if voucher.word == "记"
        and len(voucher.lines) == 2
        and not voucher.labelled
        and voucher.lines[0].code in claim_codes
    ]
    if not claims:
        raise ValueError(f"{book.village.full_name}{previous.year}年没有可重复报销的支出凭证")
    original = book.rng.choice(claims)
    moved = day_in(book.year, original.date.month, original.date.day) + dt.timedelta(
        days=book.rng.randint(-10, 10)
    )
    day = min(max(moved, dt.date(book.year, 1, 5)), dt.date(book.year, 12, 20))
    expense = original.lines[0]
    book.add(
        two_line(
            day,
            expense.summary,
            book.account(claim_codes[expense.code]),
            book.account("bank"),
            expense.debit,
            counterparty=expense.counterparty,
            settlement=original.settlement,
            attachments=original.attachments,
        )
    ).label(case_id)
    return (
        f"疑似重复报销：摘要“{expense.summary}”、金额{expense.debit / YUAN:,.2f}元、"
        f"收款方{expense.counterparty}与上年{original.period} 记-{original.number}号凭证完全相同"
    )


def retention(book: VillageYear, case_id: str) -> str:
    """截留: a special fund emptied at project end by equal round 劳务费 to many individuals."""
    rng = book.rng
    project = rng.choice(("农田水利设施修复", "村庄环境整治", "防汛抗旱设施维修", "农村公路养护"))
    workers = rng.sample(book.village.villagers, rng.randint(8, 20))
    each = rng.randint(2, 6) * 500 * YUAN
    contract_fen = rng.randint(40, 150) * 1000 * YUAN
    month = rng.randint(3, 8)
    fund, decision = special_fund_receipt(book, project, contract_fen + each * len(workers), month)
    book.add(
        two_line(
            book.random_day(month + 1),
            f"拨付{project}项目工程款",
            fund,
            book.account("bank"),
            contract_fen,
            counterparty=rng.choice(book.village.town.contractors),
            settlement="转账",
            attachments=3,
            decision_ref=decision,
            contract_ref=book.contract_ref(),
        )
    )
    book.add(
        many_to_one(
            book.random_day(month + 4, 20),
            f"支付{project}项目劳务费",
            fund,
            [(worker, each) for worker in workers],
            book.account("bank"),
            settlement="网银",
            attachments=1,
            decision_ref=decision,
        )
    ).label(case_id)
    return (
        f"疑似截留专项资金：{project}项目结束时以劳务费名义向{len(workers)}名个人各支付"
        f"{each // YUAN:,}元，共{each * len(workers) // YUAN:,}元，专项余额归零"
    )


def embezzlement(book: VillageYear, case_id: str) -> str:
    """挪用: a large bank outflow to a cadre's receivable, never repaid."""
    rng = book.rng
    cadre = rng.choice(book.village.cadres[:3])
    amount = rng.randint(50, 300) * 1000 * YUAN + rng.choice((0, rng.randint(1, 999) * YUAN))
    receivable = book.account(rng.choice(("receivable_person", "internal")))
    book.add(
        two_line(
            book.random_day(rng.randint(1, 10)),
            rng.choice(EMBEZZLEMENT_SUMMARIES).format(who=cadre.name),
            receivable,
            book.account("bank"),
            amount,
            counterparty=cadre.name,
            settlement="网银",
            attachments=1,
        )
    ).label(case_id)
    return (
        f"疑似挪用：银行存款{amount / YUAN:,.2f}元转入{cadre.role}{cadre.name}的"
        f"{receivable[1]}，年内未归还"
    )


def cadre_subsidy(book: VillageYear, case_id: str) -> str:
    """违规发放补贴: equal sums to several cadres on one date just before a festival."""
    rng = book.rng
    festival, day = rng.choice(festivals(book.year))
    cadres = rng.sample(book.village.cadres, rng.randint(3, len(book.village.cadres)))
    each = rng.randint(5, 30) * 100 * YUAN
    payees = [(cadre.name, each) for cadre in cadres]
    book.add(
        many_to_one(
            day - dt.timedelta(days=rng.randint(1, 5)),
            rng.choice(SUBSIDY_SUMMARIES).format(festival=festival),
            book.account("allowance"),
            payees,
            book.account("bank"),
            settlement="网银",
            attachments=1,
            **_approval(book, each * len(payees)),
        )
    ).label(case_id)
    return f"疑似违规发放节日补贴：{festival}前向{len(payees)}名村干部各发{each // YUAN:,}元"


def private_split(book: VillageYear, case_id: str) -> str:
    """私分: payouts to the cadres on one date, graded by rank."""
    rng = book.rng
    step = rng.choice((500, 1000)) * YUAN
    top = rng.randint(4, 8) * 1000 * YUAN
    cadres = book.village.cadres
    payees = [(cadre.name, max(top - rank * step, step)) for rank, cadre in enumerate(cadres)]
    total = sum(amount for _, amount in payees)
    book.add(
        many_to_one(
            book.random_day(rng.choice((1, 6, 12))),
            rng.choice(SPLIT_SUMMARIES),
            book.account(rng.choice(("other_expense", "allowance"))),
            payees,
            book.account("bank"),
            settlement="网银",
            attachments=1,
            **_approval(book, total),
        )
    ).label(case_id)
    grades = "、".join(f"{cadre.role}{amount // YUAN:,}元" for cadre, (_, amount)
                      in zip(cadres, payees, strict=True))
    return f"疑似私分：同日按职务高低向村干部发放奖励/补助（{grades}）"


def near_threshold(book: VillageYear, case_id: str) -> str:
    """Repeated amounts at 90–99.9 % of the approval tier: spending kept under the decision."""
    rng = book.rng
    base = rng.randint(950, 999) * 10 * YUAN
    payee = rng.choice((*book.village.town.shops["五金店"], *book.village.town.contractors))
    months = _months_apart(book, rng.randint(3, 4), 2)
    amounts = [base if rng.random() < 0.6 else rng.randint(9000, 9990) * YUAN for _ in months]
    for month, amount in zip(months, amounts, strict=True):
        book.add(
            two_line(
                book.random_day(month),
                rng.choice(("村部维修材料款", "购置办公设备", "村内道路修补")),
                book.account(rng.choice(("repairs", "office"))),
                book.account("bank"),
                amount,
                counterparty=payee,
                settlement="转账",
                attachments=rng.randint(1, 2),
            )
        ).label(case_id)
    paid = "、".join(f"{amount / YUAN:,.2f}" for amount in amounts)
    return f"疑似规避审批：{len(amounts)}笔非生产性开支（{paid}元）均略低于1万元的审批限额"


def low_rent(book: VillageYear, case_id: str) -> str:
    """低价发包: one lease's rent far below what peers pay for the same land."""
    rng = book.rng
    lease = rng.choice([lease for lease in book.village.leases if not lease.half_yearly])
    market_low = next(prices[0] for land, _, prices in LAND_KINDS if land == lease.land)
    price = max(market_low * rng.randint(8, 25) // 100, 1)
    book.vouchers = [
        voucher for voucher in book.vouchers
        if not (voucher.lines[0].counterparty == lease.tenant
                and "承包费" in voucher.lines[0].summary)
    ]
    for voucher in rent_receipt(book, lease.tenant, lease.land, lease.area_text,
                                lease.yearly_rent_fen(price), half_yearly=False):
        voucher.label(case_id)
    return (
        f"疑似低价发包：{lease.tenant}承包{lease.land}{lease.area_text}亩，年承包费"
        f"{lease.yearly_rent_fen(price) / YUAN:,.2f}元（每亩{price}元），"
        f"同类土地每亩约{lease.yuan_per_mu}元"
    )


def hospitality_disguised(book: VillageYear, case_id: str) -> str:
    """公款吃喝 booked as 办公用品: round sums at month end, sometimes to an eatery."""
    rng = book.rng
    town = book.village.town
    vendors = [*town.shops["超市"], f"{town.stem}{rng.choice('山水农')}家乐"]
    months = rng.sample(range(1, 13), rng.randint(3, 5))
    total = 0
    for month in sorted(months):
        amount = rng.randint(10, 40) * 100 * YUAN
        total += amount
        voucher: Voucher = two_line(
            book.random_day(month, 29),
            "购办公用品",
            book.account("office"),
            book.account("bank"),
            amount,
            counterparty=rng.choice(vendors),
            settlement="村务卡",
            attachments=1,
        )
        book.add(voucher).label(case_id)
    return (
        f"疑似以办公用品名义报销吃喝：{len(months)}笔月末整数金额“购办公用品”，"
        f"共{total // YUAN:,}元"
    )


MISCONDUCT = {
    "fake_works": fake_works,
    "duplicate_claim": duplicate_claim,
    "retention": retention,
    "embezzlement": embezzlement,
    "cadre_subsidy": cadre_subsidy,
    "private_split": private_split,
    "near_threshold": near_threshold,
    "low_rent": low_rent,
    "hospitality_disguised": hospitality_disguised,
}
