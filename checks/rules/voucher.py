"""Rules on the voucher itself: balance, line direction, red ink, numbering, dating, papers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks import sources
from checks.context import CheckContext
from checks.prepared import CLOSING_WORD, dense_key, per_group_any, per_group_sum
from checks.rules.rule import Rule
from checks.wording import (
    account_labels,
    date_texts,
    join,
    joined_per_group,
    money_texts,
    texts,
    voucher_labels,
)


def _balance_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    key = frame["voucher_key"].to_numpy()
    return per_group_sum(frame["debit_fen"], key) == per_group_sum(frame["credit_fen"], key)


def _balance_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> np.ndarray:
    failing = frame.iloc[rows]
    totals = failing.groupby("voucher_key")[["debit_fen", "credit_fen"]].transform("sum")
    debit, credit = totals["debit_fen"].to_numpy(), totals["credit_fen"].to_numpy()
    return join(
        "凭证 ", voucher_labels(failing), " 借方合计 ", money_texts(debit), " 元，贷方合计 ",
        money_texts(credit), " 元，差额 ", money_texts(np.abs(debit - credit)), " 元",
    )


VOUCHER_BALANCE = Rule(
    id="voucher.balance",
    category="凭证",
    severity="high",
    message="借贷不平衡",
    description="同一凭证（乡镇、村、期间、凭证字、凭证号）的借方合计不等于贷方合计；标记整张凭证。",
    basis=(sources.DOUBLE_ENTRY, sources.VOUCHER_CONTENTS),
    test=_balance_test,
    explain=_balance_explain,
)


def _one_sided_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    return (frame["debit_fen"] != 0).to_numpy() != (frame["credit_fen"] != 0).to_numpy()


def _one_sided_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> np.ndarray:
    debit = frame["debit_fen"].to_numpy()[rows]
    credit = frame["credit_fen"].to_numpy()[rows]
    both = join("分录借方 ", money_texts(debit), " 元、贷方 ", money_texts(credit), " 元同时有金额")
    return np.where(debit != 0, both, "分录借贷金额均为零")


LINE_ONE_SIDED = Rule(
    id="line.one_sided",
    category="凭证",
    severity="medium",
    message="分录借贷方向不明",
    description="一条分录借方和贷方同时有金额，或两者都为零；标记该分录。",
    basis=(sources.DOUBLE_ENTRY, sources.VOUCHER_CONTENTS),
    test=_one_sided_test,
    explain=_one_sided_explain,
)


def _negative_parts(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per row: a negative amount / one its 摘要 calls a reversal (冲销, 红字 …) and that has an
    original to reverse: a line of its village on the same account and side, with a positive
    amount at least as large, dated no later."""
    debit = frame["debit_fen"].to_numpy()
    credit = frame["credit_fen"].to_numpy()
    negative = (debit < 0) | (credit < 0)
    claimed = np.flatnonzero(negative & frame["red_ink"].to_numpy())
    reverses = np.zeros(len(frame), dtype=bool)
    if not len(claimed):
        return negative, reverses
    on_debit = debit != 0
    key = dense_key(frame["village_key"].to_numpy(), frame["account_code"], on_debit)
    amount = np.where(on_debit, debit, credit)
    candidates = np.flatnonzero((amount > 0) & np.isin(key, key[claimed]))
    day = frame["voucher_date"].to_numpy().astype("datetime64[s]")
    originals = pd.DataFrame({"key": key[candidates], "day": day[candidates],
                              "amount": amount[candidates]}).sort_values("day", kind="stable")
    originals["largest"] = originals.groupby("key")["amount"].cummax()
    wanted = pd.DataFrame({"key": key[claimed], "day": day[claimed], "row": claimed,
                           "needed": -amount[claimed]}).sort_values("day", kind="stable")
    found = pd.merge_asof(wanted, originals[["key", "day", "largest"]], on="day", by="key")
    covered = found["largest"].fillna(0).to_numpy() >= found["needed"].to_numpy()
    reverses[found["row"].to_numpy()[covered]] = True
    return negative, reverses


def _negative_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    negative, reverses = _negative_parts(frame)
    return ~(negative & ~reverses)


def _negative_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> np.ndarray:
    failing = frame.iloc[rows]
    debit = failing["debit_fen"].to_numpy()
    credit = failing["credit_fen"].to_numpy()
    amount = np.minimum(debit, credit)
    side = np.where(debit < 0, "借", "贷").astype(object)
    said = join(side, "方金额为负数（", money_texts(amount), " 元），摘要“",
                texts(failing["summary"]), "”")
    unexplained = join(said, "没有冲销、红字等说明")
    nothing_to_reverse = join(
        said, "称红字冲销，但本村此前没有", side, "记 ", texts(failing["account_code"]), " ",
        texts(failing["account_name"]), " 金额不小于 ", money_texts(-amount), " 元的原分录可冲",
    )
    return np.where(failing["red_ink"].to_numpy(), nothing_to_reverse, unexplained)


LINE_NEGATIVE_AMOUNT = Rule(
    id="line.negative_amount",
    category="凭证",
    severity="medium",
    message="负数金额没有红字冲销说明",
    description=(
        "借方或贷方金额为负数，而摘要中没有冲销、红字、红冲、注销等红字冲销用词，或者摘要这样写了，"
        "本村在该日及以前却没有同一科目、同一方向、金额不小于冲销额的原分录可冲；标记该分录。"
    ),
    basis=(sources.RED_INK,),
    test=_negative_test,
    explain=_negative_explain,
    settings=("keywords.red_ink_markers",),
)


def _vouchers(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per voucher (its first line): keys, number and where it sits in its sequence."""
    first_rows = ~frame["voucher_key"].duplicated().to_numpy()
    vouchers = frame.loc[first_rows,
        ["voucher_key", "book_key", "voucher_number", "voucher_word", "period"]
    ]
    vouchers = vouchers.sort_values(["book_key", "voucher_number"], kind="stable")
    same_book = vouchers["book_key"].eq(vouchers["book_key"].shift())
    previous = vouchers["voucher_number"].shift().where(same_book, 0).astype(np.int64)
    following = vouchers["voucher_number"].shift(-1).where(
        vouchers["book_key"].eq(vouchers["book_key"].shift(-1)), -1
    ).astype(np.int64)
    return vouchers.assign(
        previous_number=previous,
        next_number=following,
        gap_before=vouchers["voucher_number"] - previous > 1,
        gap_after=(following > 0) & (following - vouchers["voucher_number"] > 1),
    )


def _gap_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    vouchers = _vouchers(frame)
    around_gap = vouchers.loc[vouchers["gap_before"] | vouchers["gap_after"], "voucher_key"]
    return ~np.isin(frame["voucher_key"].to_numpy(), around_gap.to_numpy())


def _missing(low: int, high: int) -> str:
    return f"第 {low} 号" if low == high else f"第 {low}–{high} 号"


def _gap_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> np.ndarray:
    vouchers = _vouchers(frame)
    vouchers = vouchers[vouchers["gap_before"] | vouchers["gap_after"]]
    texts_by_voucher = {}
    for key, period, word, number, previous, following, before, after in zip(
        vouchers["voucher_key"], vouchers["period"], vouchers["voucher_word"],
        vouchers["voucher_number"], vouchers["previous_number"], vouchers["next_number"],
        vouchers["gap_before"], vouchers["gap_after"], strict=True,
    ):
        sequence = f"{period} {word}字凭证"
        reasons = []
        if before and previous == 0:
            reasons.append(
                f"{sequence}未从第 1 号开始：缺{_missing(1, number - 1)}（首张为第 {number} 号）"
            )
        elif before:
            reasons.append(
                f"{sequence}断号：缺{_missing(previous + 1, number - 1)}"
                f"（第 {previous} 号与第 {number} 号之间）"
            )
        if after:
            reasons.append(
                f"{sequence}断号：缺{_missing(number + 1, following - 1)}"
                f"（第 {number} 号与第 {following} 号之间）"
            )
        texts_by_voucher[key] = "；".join(reasons)
    return frame["voucher_key"].iloc[rows].map(texts_by_voucher).to_numpy(dtype=object)


VOUCHER_NUMBER_GAP = Rule(
    id="voucher.number_gap",
    category="凭证",
    severity="medium",
    message="凭证号不连续（断号）",
    description=(
        "同一村、期间、凭证字的凭证号应从 1 号起连续；缺号时标记缺口前后两张凭证"
        "（未从 1 号起编时标记第一张）的全部分录。"
    ),
    basis=(sources.VOUCHER_NUMBERING,),
    test=_gap_test,
    explain=_gap_explain,
    links=("period", "voucher_word"),
)


def _duplicate_parts(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per row: its voucher number carries several dates / a line number used twice."""
    key = frame["voucher_key"].to_numpy()
    days = frame["voucher_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    first = np.full(key.max() + 1 if len(key) else 0, np.iinfo(np.int64).max)
    last = np.full_like(first, np.iinfo(np.int64).min)
    np.minimum.at(first, key, days)
    np.maximum.at(last, key, days)
    several_dates = first[key] != last[key]
    repeated = pd.DataFrame({"key": key, "line": frame["line_no"].to_numpy()}).duplicated(
        keep=False
    )
    return several_dates, per_group_any(repeated.to_numpy(), key)


def _duplicate_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    several_dates, repeated_lines = _duplicate_parts(frame)
    return ~(several_dates | repeated_lines)


def _duplicate_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> np.ndarray:
    failing = frame.iloc[rows]  # whole vouchers: a voucher number fails on all its lines
    several_dates, repeated_lines = _duplicate_parts(failing)
    keys = failing["voucher_key"].to_numpy()
    by_date = failing.sort_values(["voucher_key", "voucher_date"], kind="stable")
    dates = joined_per_group(by_date["voucher_key"], date_texts(by_date["voucher_date"]))
    repeated = failing[failing.duplicated(["voucher_key", "line_no"], keep=False)]
    repeated = repeated.sort_values(["voucher_key", "line_no"], kind="stable")
    lines = joined_per_group(repeated["voucher_key"], repeated["line_no"])
    date_part = np.where(several_dates, join("日期不同（", texts(dates.reindex(keys)), "）"), "")
    line_part = np.where(
        repeated_lines, join("分录号 ", texts(lines.reindex(keys)), " 重复出现"), ""
    )
    separator = np.where(several_dates & repeated_lines, "，", "")
    return join(
        "凭证号 ", voucher_labels(failing), " 被多张凭证重复使用：",
        date_part.astype(object), separator.astype(object), line_part.astype(object),
    )


VOUCHER_NUMBER_DUPLICATE = Rule(
    id="voucher.number_duplicate",
    category="凭证",
    severity="medium",
    message="凭证号重复使用",
    description=(
        "同一村、期间、凭证字下一个凭证号被两张凭证使用（同号分录日期不同，或分录号重复）；"
        "标记该凭证号下的全部分录。"
    ),
    basis=(sources.VOUCHER_NUMBERING,),
    test=_duplicate_test,
    explain=_duplicate_explain,
)


def _date_month(frame: pd.DataFrame) -> np.ndarray:
    dates = frame["voucher_date"].dt
    return (dates.year * 100 + dates.month).to_numpy(dtype=np.int64)


def _date_in_period_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    period_month = frame["year"].to_numpy() * 100 + frame["month"].to_numpy()
    return _date_month(frame) == period_month


def _date_in_period_explain(
    frame: pd.DataFrame, rows: np.ndarray, context: CheckContext
) -> np.ndarray:
    failing = frame.iloc[rows]
    return join(
        "凭证 ", voucher_labels(failing), " 的日期 ", date_texts(failing["voucher_date"]),
        " 不在会计期间 ", texts(failing["period"]), " 内",
    )


VOUCHER_DATE_IN_PERIOD = Rule(
    id="voucher.date_in_period",
    category="凭证",
    severity="medium",
    message="凭证日期不在会计期间内",
    description="凭证日期所在的年月与会计期间不一致；标记该分录。",
    basis=(sources.ACCOUNTING_YEAR, sources.PERIOD_CLOSING),
    test=_date_in_period_test,
    explain=_date_in_period_explain,
)


def _segregation_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    preparer = frame["preparer"]
    return ~((preparer == frame["reviewer"]) & (preparer != "")).to_numpy()


def _segregation_explain(
    frame: pd.DataFrame, rows: np.ndarray, context: CheckContext
) -> np.ndarray:
    failing = frame.iloc[rows]
    return join(
        "凭证 ", voucher_labels(failing), " 的制单人与审核人为同一人（",
        texts(failing["preparer"]), "）",
    )


DUTIES_SEGREGATION = Rule(
    id="duties.segregation",
    category="岗位",
    severity="medium",
    message="制单与审核为同一人",
    description="制单人与审核人相同（两者都不为空）；标记该分录。",
    basis=(sources.DUTIES_SEPARATED,),
    test=_segregation_test,
    explain=_segregation_explain,
)


def _attachment_parts(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per row: its voucher needs original papers / states it has none (0, not unknown)."""
    key = frame["voucher_key"].to_numpy()
    touches = (
        frame["is_cash"].to_numpy() | frame["is_bank"].to_numpy() | frame["is_expense"].to_numpy()
    )
    exempt = (
        (frame["voucher_word"] == CLOSING_WORD).to_numpy()
        | frame["closing_voucher"].to_numpy()
        | frame["closing_transfer"].to_numpy()
    )
    needs_papers = per_group_any(touches, key) & ~exempt
    attachments = frame["attachments"]
    known = attachments.notna().to_numpy()
    stated = attachments.fillna(0).to_numpy(dtype=np.int64)
    any_known = per_group_any(known, key)
    any_papers = per_group_any(known & (stated > 0), key)
    return needs_papers, any_known & ~any_papers


def _attachments_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    needs_papers, none_attached = _attachment_parts(frame)
    return ~(needs_papers & none_attached)


def _attachments_explain(
    frame: pd.DataFrame, rows: np.ndarray, context: CheckContext
) -> np.ndarray:
    failing = frame.iloc[rows]
    relevant = failing[failing["is_cash"] | failing["is_bank"] | failing["is_expense"]]
    accounts = joined_per_group(relevant["voucher_key"], account_labels(relevant, context))
    return join(
        "凭证 ", voucher_labels(failing), " 涉及 ",
        texts(accounts.reindex(failing["voucher_key"].to_numpy())), "，附件张数为 0",
    )


VOUCHER_ATTACHMENTS = Rule(
    id="voucher.attachments",
    category="凭证",
    severity="medium",
    message="收付款或费用凭证没有附件",
    description=(
        "凭证涉及库存现金、银行存款或费用支出科目（2004：502、541、551；2023：511–515），"
        "附件张数为 0；转账（转字）凭证和结转凭证（转入本年收益、不涉及现金和银行存款的凭证，"
        "不论摘要怎么写）除外，附件张数未知不算违规；标记整张凭证。"
    ),
    basis=(sources.VOUCHER_CONTENTS,),
    test=_attachments_test,
    explain=_attachments_explain,
)
