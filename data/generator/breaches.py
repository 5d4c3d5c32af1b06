"""One labelled breach of each stated rule (rule ids of the rule layer).

Breaches of what a voucher contains are booked with the year's business (``BOOKED``); breaches
of numbering, dating, signing and coding are made on the posted books (``POSTED``), as a
careless export or a slipped hand would. Each function labels the lines the rule should catch
and returns the case's description.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from data.generator.accounts import BANK_CODE, CASH_CODE, other_chart_account, uses_new_chart
from data.generator.books import YUAN, VillageYear
from data.generator.cash import cash_sweep, top_up_voucher
from data.generator.vouchers import CashRole, Line, Voucher, two_line

LARGE_SPENDING = (
    ("村部屋面维修", "repairs"), ("购置办公桌椅", "office"), ("村庄亮化维护费", "public_welfare"),
)
BANNED_SUMMARIES = (
    ("招待镇检查组工作餐", 300, 1500),
    ("购春节慰问购物卡", 1000, 5000),
    ("报销烟酒款", 300, 2000),
    ("白条报销误餐费", 100, 800),
    ("购慰问礼品", 500, 3000),
)


def _bank_only(voucher: Voucher) -> bool:
    """An unlabelled 记 voucher moving the bank but not the till, with no red-ink amounts."""
    codes = [line.code for line in voucher.lines]
    return (
        voucher.word == "记"
        and not voucher.labelled
        and any(code.startswith(BANK_CODE) for code in codes)
        and not any(code.startswith(CASH_CODE) for code in codes)
        and all(line.debit >= 0 and line.credit >= 0 for line in voucher.lines)
    )


def _pick(book: VillageYear, wanted: Callable[[Voucher], bool], what: str) -> Voucher:
    candidates = [voucher for voucher in book.vouchers if wanted(voucher)]
    if not candidates:
        raise ValueError(f"{book.village.full_name}{book.year}年没有可用于注入的{what}")
    return book.rng.choice(candidates)


def _quiet_day(book: VillageYear) -> dt.date:
    """A day whose other cash vouchers are moved to the day before, so a cash breach stands
    alone at day end; days next to another cash case are avoided."""
    labelled = {v.date for v in book.vouchers if v.cash_delta and v.labelled}
    one_day = dt.timedelta(days=1)
    day = book.random_day(book.rng.randint(1, 12), 3, 24)
    while {day - one_day, day, day + one_day} & labelled:
        day = book.random_day(book.rng.randint(1, 12), 3, 24)
    for voucher in book.vouchers:
        if voucher.date == day and voucher.cash_delta:
            voucher.date = day - one_day
    return day


def _yuan(amount: int) -> str:
    return f"{amount / YUAN:,.2f}"


# Breaches booked with the year's business ------------------------------------------------------


def cash_payment_ceiling(book: VillageYear, case_id: str) -> str:
    trade = book.rng.choice(("五金店", "超市", "文具店"))
    shop = book.rng.choice(book.village.town.shops[trade])
    amount = book.fen(1000, 2800, 10)
    book.add(
        two_line(
            book.random_day(book.rng.randint(1, 12), 1, 24),
            "购维修配件" if trade == "五金店" else "购办公用品",
            book.account("repairs" if trade == "五金店" else "office"),
            book.account("cash"),
            amount,
            counterparty=shop,
            settlement="现金",
            attachments=1,
        )
    ).label(case_id)
    return f"以现金向单位{shop}支付{_yuan(amount)}元，达到对单位单笔1000元的现金支付限额"


def cash_holding_limit(book: VillageYear, case_id: str) -> str:
    day = _quiet_day(book)
    amount = book.rng.randint(6, 9) * 1000 * YUAN
    book.add(top_up_voucher(book, day, amount)).label(case_id)
    book.add(cash_sweep(book, day + dt.timedelta(days=1), keep_fen=1000 * YUAN), order=-1)
    return f"一次提取现金{_yuan(amount)}元，当日库存现金余额超过5000元限额"


def cash_negative_balance(book: VillageYear, case_id: str) -> str:
    day = _quiet_day(book)
    cadre = book.rng.choice(book.village.cadres).name
    amount = book.fen(200, 1500)
    payment = two_line(
        day,
        f"报销{cadre}外出办事差旅费",
        book.account("travel"),
        book.account("cash"),
        amount,
        counterparty=cadre,
        settlement="现金",
        attachments=2,
        cash_role=CashRole.SHORT,
    )
    book.add(payment).label(case_id)
    book.add(top_up_voucher(book, day + dt.timedelta(days=1), 3000 * YUAN), order=-1)
    return f"库存现金不足时仍以现金支付{_yuan(amount)}元，当日库存现金余额为负数"


def approval_decision_ref(book: VillageYear, case_id: str) -> str:
    summary, key = book.rng.choice(LARGE_SPENDING)
    amount = book.fen(10500, 30000, 100)
    book.add(
        two_line(
            book.random_day(book.rng.randint(1, 12)),
            summary,
            book.account(key),
            book.account("bank"),
            amount,
            counterparty=book.rng.choice(book.village.town.contractors),
            settlement="转账",
            attachments=2,
        )
    ).label(case_id)
    return f"非生产性开支{_yuan(amount)}元达到1万元审批限额，但没有村民（代表）会议决议编号"


def works_contract_ref(book: VillageYear, case_id: str) -> str:
    project = book.rng.choice(("村级综合服务中心扩建", "灌溉泵站改造", "村道拓宽"))
    amount = book.fen(120000, 300000, 100)
    book.add(
        two_line(
            book.random_day(book.rng.randint(2, 11)),
            f"支付{project}工程款",
            book.works_account(f"{project}工程"),
            book.account("bank"),
            amount,
            counterparty=book.rng.choice(book.village.town.contractors),
            settlement="转账",
            attachments=3,
            decision_ref=book.decision_ref(),
        )
    ).label(case_id)
    return f"工程款{_yuan(amount)}元达到10万元招标限额，但没有合同编号"


def works_split_payment(book: VillageYear, case_id: str) -> str:
    project = book.rng.choice(("环境整治提升", "立面改造", "沟渠硬化", "村道修补"))
    works = book.works_account(f"{project}工程")
    contractor = book.rng.choice(book.village.town.contractors)
    first = book.rng.randint(50, 95) * 1000 * YUAN
    second = book.rng.randint(max(100 - first // (1000 * YUAN), 20), 95) * 1000 * YUAN
    day = book.random_day(book.rng.randint(2, 10), 1, 10)
    decision = book.decision_ref()
    for offset, amount in ((0, first), (book.rng.randint(7, 25), second)):
        book.add(
            two_line(
                day + dt.timedelta(days=offset),
                f"支付{project}工程款",
                works,
                book.account("bank"),
                amount,
                counterparty=contractor,
                settlement="转账",
                attachments=2,
                decision_ref=decision,
            )
        ).label(case_id)
    return (
        f"拆分支付：30天内向{contractor}分两笔支付无合同工程款{_yuan(first)}元和"
        f"{_yuan(second)}元，单笔低于10万元、合计达到招标限额"
    )


def summary_banned_item(book: VillageYear, case_id: str) -> str:
    summary, low, high = book.rng.choice(BANNED_SUMMARIES)
    book.add(
        two_line(
            book.random_day(book.rng.randint(1, 12)),
            summary,
            book.account("admin_other"),
            book.account("bank"),
            book.fen(low, high, 10),
            counterparty=book.rng.choice(book.village.town.shops["超市"]),
            settlement="村务卡",
            attachments=1,
        )
    ).label(case_id)
    return f"摘要“{summary}”含禁止列支的事项"


def special_fund_cash_payout(book: VillageYear, case_id: str) -> str:
    villager = book.rng.choice(book.village.villagers)
    amount = book.fen(300, 2800, 10)
    book.add(
        two_line(
            book.random_day(book.rng.randint(1, 12), 1, 24),
            "支付专项项目零工工资",
            book.fund_account("村庄环境整治项目"),
            book.account("cash"),
            amount,
            counterparty=villager,
            settlement="现金",
            attachments=1,
        )
    ).label(case_id)
    return f"专项应付款以现金支出{_yuan(amount)}元（付给{villager}），专项资金应通过银行支付"


def line_negative_amount(book: VillageYear, case_id: str) -> str:
    amount = book.fen(50, 600)
    book.add(
        two_line(
            book.random_day(book.rng.randint(1, 12)),
            book.rng.choice(("退回多付电费", "调整电费", "电费多付退回")),
            book.account("utilities"),
            book.account("bank"),
            -amount,
            counterparty=book.village.town.power_station,
            settlement="转账",
            attachments=1,
        )
    ).label(case_id)
    return f"分录金额为负数（-{_yuan(amount)}元），摘要没有冲销/红字等说明"


# Breaches made on the posted books --------------------------------------------------------------


def voucher_balance(book: VillageYear, case_id: str) -> str:
    voucher = _pick(book, lambda v: _bank_only(v) and len(v.lines) == 2, "两行银行凭证")
    credit = next(line for line in voucher.lines if line.credit)
    wrong = credit.credit + book.rng.choice((-1, 1)) * book.rng.choice((900, 9000, 100, 1000))
    credit.credit = wrong if wrong > 0 else credit.credit * 10
    voucher.label(case_id)
    return (
        f"凭证借贷不平：借方合计{_yuan(voucher.debit_total)}元，"
        f"贷方合计{_yuan(credit.credit)}元"
    )


def line_one_sided(book: VillageYear, case_id: str) -> str:
    voucher = _pick(book, _bank_only, "银行凭证")
    model = voucher.lines[0]
    both_sides = book.export.has_amount_pair and book.rng.random() < 0.5
    amount = (model.debit or model.credit) if both_sides else 0
    line = Line(model.summary, model.code, model.name, debit=amount, credit=amount,
                counterparty=model.counterparty, case_id=case_id)
    voucher.lines.insert(1, line)
    if both_sides:
        return f"同一分录借贷双方都有金额（各{_yuan(amount)}元）"
    return "分录借贷双方金额均为零"


def _utility_bill(voucher: Voucher, book: VillageYear) -> bool:
    return _bank_only(voucher) and voucher.lines[0].code == book.account("utilities")[0]


def account_code_valid(book: VillageYear, case_id: str) -> str:
    voucher = _pick(book, lambda v: _utility_bill(v, book), "水电费凭证")
    line = voucher.lines[0]
    line.code, line.name = other_chart_account("utilities", book.year)
    line.case_id = case_id
    chart = "2023" if uses_new_chart(book.year) else "2004"
    return f"科目编码{line.code}不在{chart}年会计制度的科目表中（沿用了另一版本的编码）"


def account_name_matches(book: VillageYear, case_id: str) -> str:
    payable = book.account("wages_payable")[0]
    voucher = _pick(
        book,
        lambda v: not v.labelled and len(v.lines) == 2 and v.lines[1].code == payable,
        "计提工资凭证",
    )
    line = voucher.lines[1]
    # The other chart's code for 应付工资 is a different account in this period's chart.
    line.code, line.name = other_chart_account("wages_payable", book.year)
    line.case_id = case_id
    return f"科目名称“{line.name}”与科目编码{line.code}在本期会计制度中的名称不符"


def _numbered_months(book: VillageYear) -> list[tuple[str, list[Voucher]]]:
    """记 vouchers by period, for months still numbered 1, 2, 3 … without a break."""
    months: dict[str, list[Voucher]] = {}
    for voucher in book.vouchers:
        if voucher.word == "记":
            months.setdefault(voucher.period, []).append(voucher)
    return [
        (period, vouchers)
        for period, vouchers in sorted(months.items())
        if len(vouchers) >= 3
        and [voucher.number for voucher in vouchers] == list(range(1, len(vouchers) + 1))
    ]


def voucher_number_gap(book: VillageYear, case_id: str) -> str:
    """A number skipped; the vouchers on both sides of the gap are what an inspector checks."""
    period, vouchers = book.rng.choice(_numbered_months(book))
    position = book.rng.choice(
        [
            index
            for index in range(1, len(vouchers))
            if not vouchers[index].labelled and not vouchers[index - 1].labelled
        ]
    )
    for voucher in vouchers[position:]:
        voucher.number += 1
    vouchers[position - 1].label(case_id)
    vouchers[position].label(case_id)
    return f"{period}记字凭证断号：缺少第{position + 1}号"


def voucher_number_duplicate(book: VillageYear, case_id: str) -> str:
    period, vouchers = book.rng.choice(_numbered_months(book))
    # Neighbours of different dates: where no 分录号 is written, one number carrying two dates
    # is what shows the reuse.
    position = book.rng.choice(
        [
            index
            for index in range(1, len(vouchers))
            if not vouchers[index].labelled
            and not vouchers[index - 1].labelled
            and vouchers[index].date != vouchers[index - 1].date
        ]
    )
    for voucher in vouchers[position:]:
        voucher.number -= 1
    vouchers[position - 1].label(case_id)
    vouchers[position].label(case_id)
    return f"{period}记字第{position}号凭证号重复使用"


def voucher_date_in_period(book: VillageYear, case_id: str) -> str:
    voucher = _pick(book, lambda v: _bank_only(v) and v.date.month < 12, "银行凭证")
    voucher.date = dt.date(voucher.date.year, voucher.date.month + 1, book.rng.randint(1, 5))
    voucher.label(case_id)
    return f"凭证日期{voucher.date.isoformat()}不在会计期间{voucher.period}内"


def duties_segregation(book: VillageYear, case_id: str) -> str:
    voucher = _pick(book, lambda v: v.word == "记" and not v.labelled, "凭证")
    voucher.reviewer = voucher.preparer
    voucher.label(case_id)
    return f"制单人与审核人为同一人（{voucher.preparer}）"


def voucher_attachments(book: VillageYear, case_id: str) -> str:
    voucher = _pick(book, lambda v: _utility_bill(v, book), "水电费凭证")
    voucher.attachments = 0
    voucher.label(case_id)
    return "支出凭证附件张数为0，没有原始凭证"


# The two day-end cash breaches come last: they clear their day of other cash vouchers.
BOOKED: dict[str, Callable[[VillageYear, str], str]] = {
    "cash.payment_ceiling": cash_payment_ceiling,
    "approval.decision_ref": approval_decision_ref,
    "works.contract_ref": works_contract_ref,
    "works.split_payment": works_split_payment,
    "summary.banned_item": summary_banned_item,
    "special_fund.cash_payout": special_fund_cash_payout,
    "line.negative_amount": line_negative_amount,
    "cash.holding_limit": cash_holding_limit,
    "cash.negative_balance": cash_negative_balance,
}
POSTED: dict[str, Callable[[VillageYear, str], str]] = {
    "voucher.balance": voucher_balance,
    "line.one_sided": line_one_sided,
    "account.code_valid": account_code_valid,
    "account.name_matches": account_name_matches,
    "voucher.number_gap": voucher_number_gap,
    "voucher.number_duplicate": voucher_number_duplicate,
    "voucher.date_in_period": voucher_date_in_period,
    "duties.segregation": duties_segregation,
    "voucher.attachments": voucher_attachments,
}
