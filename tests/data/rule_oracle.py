"""An independent, plain reading of the stated rules, to check the generator against.

Not the project's rule layer (checks/ is another engineer's): a small oracle written from the
rule list alone, over the canonical frame the generator reports as ``truth``. Each rule returns
the positions of the lines it catches.
"""

from __future__ import annotations

import pandas as pd

CHART_2004 = {
    "101": "现金", "102": "银行存款", "111": "短期投资", "112": "应收款", "113": "内部往来",
    "121": "库存物资", "131": "牲畜(禽)资产", "132": "林木资产", "141": "长期投资",
    "151": "固定资产", "152": "累计折旧", "153": "固定资产清理", "154": "在建工程",
    "161": "无形资产", "201": "短期借款", "202": "应付款", "211": "应付工资", "212": "应付福利费",
    "221": "长期借款及应付款", "231": "一事一议资金", "241": "专项应付款", "301": "资本",
    "311": "公积公益金", "321": "本年收益", "322": "收益分配", "401": "生产(劳务)成本",
    "501": "经营收入", "502": "经营支出", "511": "发包及上交收入", "521": "农业税附加返还收入",
    "522": "补助收入", "531": "其他收入", "541": "管理费用", "551": "其他支出", "561": "投资收益",
}
CHART_2023 = {
    "101": "库存现金", "102": "银行存款", "111": "短期投资", "112": "应收款", "113": "内部往来",
    "121": "库存物资", "131": "消耗性生物资产", "132": "生产性生物资产",
    "133": "生产性生物资产累计折旧", "134": "公益性生物资产", "141": "长期投资",
    "151": "固定资产", "152": "累计折旧", "153": "在建工程", "154": "固定资产清理",
    "161": "无形资产", "162": "累计摊销", "171": "长期待摊费用", "181": "待处理财产损溢",
    "201": "短期借款", "211": "应付款", "212": "应付工资", "213": "应付劳务费", "214": "应交税费",
    "221": "长期借款及应付款", "231": "一事一议资金", "241": "专项应付款", "301": "资本",
    "311": "公积公益金", "321": "本年收益", "322": "收益分配", "401": "生产(劳务)成本",
    "501": "经营收入", "502": "投资收益", "503": "补助收入", "504": "其他收入", "511": "经营支出",
    "512": "税金及附加", "513": "管理费用", "514": "公益支出", "515": "其他支出",
    "521": "所得税费用",
}
EXPENSES = {False: ("502", "541", "551"), True: ("511", "512", "513", "514", "515", "521")}
NON_PRODUCTION = {False: ("541", "551"), True: ("513", "514", "515")}
WORKS = {False: "154", True: "153"}
RED_INK = "冲销|冲回|红字|冲正"
BANNED = "招待|宴请|烟酒|礼品|购物卡|白条"
ORGANISATION = r"(?:公司|厂|店|超市|合作社|中心|站|所|部|社)$"
LEVEL_SEPARATORS = r"[-_]"  # 管理费用-办公费, 管理费用_办公费
VOUCHER = ["town", "village", "period", "voucher_word", "voucher_number"]
CASH_LIMIT_FEN = 500_000
CASH_CEILING_FEN = 100_000
APPROVAL_FEN = 1_000_000
TENDER_FEN = 10_000_000
SPLIT_DAYS = 30


def _new_chart(entries: pd.DataFrame) -> pd.Series:
    return entries["period"] >= "2024-01"


def _by_chart(entries: pd.DataFrame, table: dict[bool, tuple[str, ...]]) -> pd.Series:
    first = entries["account_code"].str.slice(0, 3)
    new = _new_chart(entries)
    return (first.isin(table[True]) & new) | (first.isin(table[False]) & ~new)


def _whole_voucher(entries: pd.DataFrame, hit: pd.Series) -> pd.Series:
    return hit.groupby([entries[c] for c in VOUCHER]).transform("any")


def voucher_balance(entries: pd.DataFrame) -> pd.Series:
    grouped = entries.groupby(VOUCHER)
    return grouped["debit_fen"].transform("sum") != grouped["credit_fen"].transform("sum")


def line_one_sided(entries: pd.DataFrame) -> pd.Series:
    debit, credit = entries["debit_fen"] != 0, entries["credit_fen"] != 0
    return debit == credit


def line_negative_amount(entries: pd.DataFrame) -> pd.Series:
    negative = (entries["debit_fen"] < 0) | (entries["credit_fen"] < 0)
    return negative & ~entries["summary"].str.contains(RED_INK)


def _chart_name(entries: pd.DataFrame) -> pd.Series:
    first = entries["account_code"].str.slice(0, 3)
    return first.map(CHART_2023).where(_new_chart(entries), first.map(CHART_2004))


def account_code_valid(entries: pd.DataFrame) -> pd.Series:
    return _chart_name(entries).isna()


def account_name_matches(entries: pd.DataFrame) -> pd.Series:
    chart_name = _chart_name(entries)
    first_name = entries["account_name"].str.split(LEVEL_SEPARATORS, regex=True).str[0]
    return chart_name.notna() & (first_name != chart_name)


def voucher_number_gap(entries: pd.DataFrame) -> pd.Series:
    """Numbers not running 1, 2, 3 …: the vouchers on both sides of a gap (or a late start)."""
    vouchers = entries.drop_duplicates(VOUCHER)[VOUCHER].sort_values(VOUCHER)
    numbers = vouchers.groupby(VOUCHER[:4])["voucher_number"]
    gap_before = vouchers["voucher_number"] > numbers.shift(fill_value=0) + 1
    gap_after = numbers.shift(-1) > vouchers["voucher_number"] + 1
    around = vouchers.loc[gap_before | gap_after]
    return entries[VOUCHER].merge(around, how="left", indicator=True)["_merge"].eq("both")


def voucher_number_duplicate(entries: pd.DataFrame) -> pd.Series:
    """One number used by two vouchers: its lines restart at 1, or carry two dates."""
    keys = [entries[c] for c in VOUCHER]
    starts = (entries["line_no"] == 1).groupby(keys).transform("sum")
    dates = entries["voucher_date"].groupby(keys).transform("nunique")
    return (starts > 1) | (dates > 1)


def voucher_date_in_period(entries: pd.DataFrame) -> pd.Series:
    return entries["voucher_date"].dt.strftime("%Y-%m") != entries["period"]


def duties_segregation(entries: pd.DataFrame) -> pd.Series:
    return (entries["preparer"] != "") & (entries["preparer"] == entries["reviewer"])


def voucher_attachments(entries: pd.DataFrame) -> pd.Series:
    touches = entries["account_code"].str.startswith(("101", "102")) | _by_chart(entries, EXPENSES)
    hit = touches & (entries["attachments"] == 0) & (entries["voucher_word"] != "转")
    return _whole_voucher(entries, hit.fillna(False))


def cash_payment_ceiling(entries: pd.DataFrame) -> pd.Series:
    cash_out = entries["account_code"].str.startswith("101") & (
        entries["credit_fen"] >= CASH_CEILING_FEN
    )
    return cash_out & entries["counterparty"].str.contains(ORGANISATION)


def _day_end_cash(entries: pd.DataFrame) -> pd.DataFrame:
    cash = entries.loc[entries["account_code"].str.startswith("101")].copy()
    cash["delta"] = cash["debit_fen"] - cash["credit_fen"]
    cash = cash.sort_values(["town", "village", "voucher_date"], kind="stable")
    cash["balance"] = cash.groupby(["town", "village"])["delta"].cumsum()
    last = ~cash.duplicated(["town", "village", "voucher_date"], keep="last")
    return cash.loc[last]


def cash_holding_limit(entries: pd.DataFrame) -> pd.Series:
    day_end = _day_end_cash(entries)
    return entries.index.isin(day_end.index[day_end["balance"] > CASH_LIMIT_FEN])


def cash_negative_balance(entries: pd.DataFrame) -> pd.Series:
    day_end = _day_end_cash(entries)
    return entries.index.isin(day_end.index[day_end["balance"] < 0])


def approval_decision_ref(entries: pd.DataFrame) -> pd.Series:
    return (
        _by_chart(entries, NON_PRODUCTION)
        & (entries["debit_fen"] >= APPROVAL_FEN)
        & (entries["decision_ref"] == "")
    )


def _works_debits(entries: pd.DataFrame) -> pd.Series:
    code = entries["account_code"]
    new = _new_chart(entries)
    works = (code.str.startswith(WORKS[True]) & new) | (code.str.startswith(WORKS[False]) & ~new)
    return works & (entries["debit_fen"] > 0)


def works_contract_ref(entries: pd.DataFrame) -> pd.Series:
    return (
        _works_debits(entries)
        & (entries["debit_fen"] >= TENDER_FEN)
        & (entries["contract_ref"] == "")
    )


def works_split_payment(entries: pd.DataFrame) -> pd.Series:
    candidates = entries.loc[
        _works_debits(entries)
        & (entries["contract_ref"] == "")
        & (entries["debit_fen"] < TENDER_FEN)
    ]
    hits: set[int] = set()
    for _, payments in candidates.groupby(["town", "village", "counterparty"]):
        payments = payments.sort_values("voucher_date")
        days = payments["voucher_date"].tolist()
        amounts = payments["debit_fen"].tolist()
        for first in range(len(payments)):
            window = [
                other for other in range(len(payments))
                if abs((days[other] - days[first]).days) <= SPLIT_DAYS
            ]
            if len(window) >= 2 and sum(amounts[other] for other in window) >= TENDER_FEN:
                hits.update(payments.index[window])
    return entries.index.isin(sorted(hits))


def summary_banned_item(entries: pd.DataFrame) -> pd.Series:
    return entries["summary"].str.contains(BANNED)


def special_fund_cash_payout(entries: pd.DataFrame) -> pd.Series:
    fund = entries["account_code"].str.startswith("241") & (entries["debit_fen"] != 0)
    cash = entries["account_code"].str.startswith("101") & (entries["credit_fen"] != 0)
    both = _whole_voucher(entries, fund) & _whole_voucher(entries, cash)
    return both & (fund | cash)


RULES = {
    "voucher.balance": voucher_balance,
    "line.one_sided": line_one_sided,
    "line.negative_amount": line_negative_amount,
    "account.code_valid": account_code_valid,
    "account.name_matches": account_name_matches,
    "voucher.number_gap": voucher_number_gap,
    "voucher.number_duplicate": voucher_number_duplicate,
    "voucher.date_in_period": voucher_date_in_period,
    "duties.segregation": duties_segregation,
    "voucher.attachments": voucher_attachments,
    "cash.payment_ceiling": cash_payment_ceiling,
    "cash.holding_limit": cash_holding_limit,
    "cash.negative_balance": cash_negative_balance,
    "approval.decision_ref": approval_decision_ref,
    "works.contract_ref": works_contract_ref,
    "works.split_payment": works_split_payment,
    "summary.banned_item": summary_banned_item,
    "special_fund.cash_payout": special_fund_cash_payout,
}


def rule_hits(entries: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """For each rule, the (source_file, source_sheet, source_row) of the lines it catches."""
    entries = entries.reset_index(drop=True)
    where = ["source_file", "source_sheet", "source_row"]
    return {
        rule: entries.loc[pd.Series(check(entries), index=entries.index).astype(bool), where]
        for rule, check in RULES.items()
    }
