"""Rules on the voucher itself: balance, line direction, red ink, numbering, dating, papers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.context import CheckContext
from checks.prepared import CLOSING_WORD, per_group_any, per_group_sum
from checks.rules import sources
from checks.rules.rule import Rule
from checks.wording import money, quoted_records, voucher_label


def _balance_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    key = frame["voucher_key"].to_numpy()
    return per_group_sum(frame["debit_fen"], key) == per_group_sum(frame["credit_fen"], key)


def _balance_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> list[str]:
    failing = frame.loc[rows]
    totals = failing.groupby("voucher_key")[["debit_fen", "credit_fen"]].transform("sum")
    return [
        f"凭证 {voucher_label(row)} 借方合计 {money(debit)} 元，贷方合计 {money(credit)} 元，"
        f"差额 {money(abs(debit - credit))} 元"
        for row, debit, credit in zip(
            quoted_records(failing), totals["debit_fen"], totals["credit_fen"], strict=True
        )
    ]


VOUCHER_BALANCE = Rule(
    id="voucher.balance",
    category="凭证",
    severity="high",
    message="借贷不平衡",
    description="同一凭证（乡镇、村、期间、凭证字、凭证号）的借方合计不等于贷方合计；标记整张凭证。",
    basis=(sources.ACCOUNTING_BASICS,),
    test=_balance_test,
    explain=_balance_explain,
)


def _one_sided_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    return (frame["debit_fen"] != 0).to_numpy() != (frame["credit_fen"] != 0).to_numpy()


def _one_sided_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> list[str]:
    failing = frame.loc[rows]
    return [
        f"分录借方 {money(debit)} 元、贷方 {money(credit)} 元同时有金额"
        if debit
        else "分录借贷金额均为零"
        for debit, credit in zip(failing["debit_fen"], failing["credit_fen"], strict=True)
    ]


LINE_ONE_SIDED = Rule(
    id="line.one_sided",
    category="凭证",
    severity="medium",
    message="分录借贷方向不明",
    description="一条分录借方和贷方同时有金额，或两者都为零；标记该分录。",
    basis=(sources.ACCOUNTING_BASICS,),
    test=_one_sided_test,
    explain=_one_sided_explain,
)


def _negative_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    negative = (frame["debit_fen"] < 0).to_numpy() | (frame["credit_fen"] < 0).to_numpy()
    return ~(negative & ~frame["red_ink"].to_numpy())


def _negative_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> list[str]:
    failing = frame.loc[rows]
    return [
        f"{'借' if debit < 0 else '贷'}方金额为负数（{money(min(debit, credit))} 元），"
        f"摘要“{summary}”没有冲销、红字等说明"
        for debit, credit, summary in zip(
            failing["debit_fen"], failing["credit_fen"], failing["summary"], strict=True
        )
    ]


LINE_NEGATIVE_AMOUNT = Rule(
    id="line.negative_amount",
    category="凭证",
    severity="medium",
    message="负数金额没有红字冲销说明",
    description="借方或贷方金额为负数，而摘要中没有冲销、冲回、红字、冲正等红字冲销用词；标记该分录。",
    basis=(sources.RED_INK, sources.ACCOUNTING_BASICS),
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


def _gap_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> list[str]:
    vouchers = _vouchers(frame).set_index("voucher_key")
    texts = []
    for key in frame.loc[rows, "voucher_key"]:
        voucher = vouchers.loc[key]
        sequence = f"{voucher['period']} {voucher['voucher_word']}字凭证"
        number = voucher["voucher_number"]
        reasons = []
        if voucher["gap_before"] and voucher["previous_number"] == 0:
            reasons.append(
                f"{sequence}未从第 1 号开始：缺{_missing(1, number - 1)}（首张为第 {number} 号）"
            )
        elif voucher["gap_before"]:
            previous = voucher["previous_number"]
            reasons.append(
                f"{sequence}断号：缺{_missing(previous + 1, number - 1)}"
                f"（第 {previous} 号与第 {number} 号之间）"
            )
        if voucher["gap_after"]:
            following = voucher["next_number"]
            reasons.append(
                f"{sequence}断号：缺{_missing(number + 1, following - 1)}"
                f"（第 {number} 号与第 {following} 号之间）"
            )
        texts.append("；".join(reasons))
    return texts


VOUCHER_NUMBER_GAP = Rule(
    id="voucher.number_gap",
    category="凭证",
    severity="medium",
    message="凭证号不连续（断号）",
    description=(
        "同一村、期间、凭证字的凭证号应从 1 号起连续；缺号时标记缺口前后两张凭证"
        "（未从 1 号起编时标记第一张）的全部分录。"
    ),
    basis=(sources.VOUCHER_WORDS, sources.ACCOUNTING_BASICS),
    test=_gap_test,
    explain=_gap_explain,
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


def _duplicate_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> list[str]:
    failing = frame.loc[rows]
    dates = failing.groupby("voucher_key")["voucher_date"].agg(
        lambda values: "、".join(sorted({f"{value:%Y-%m-%d}" for value in values}))
    )
    repeated = failing[failing.duplicated(["voucher_key", "line_no"], keep=False)]
    repeated_lines = repeated.groupby("voucher_key")["line_no"].agg(
        lambda values: "、".join(str(value) for value in sorted(set(values)))
    )
    texts = []
    for row in quoted_records(failing):
        key = row["voucher_key"]
        reasons = []
        if "、" in dates[key]:
            reasons.append(f"日期不同（{dates[key]}）")
        if key in repeated_lines.index:
            reasons.append(f"分录号 {repeated_lines[key]} 重复出现")
        texts.append(f"凭证号 {voucher_label(row)} 被多张凭证重复使用：{'，'.join(reasons)}")
    return texts


VOUCHER_NUMBER_DUPLICATE = Rule(
    id="voucher.number_duplicate",
    category="凭证",
    severity="medium",
    message="凭证号重复使用",
    description=(
        "同一村、期间、凭证字下一个凭证号被两张凭证使用（同号分录日期不同，或分录号重复）；"
        "标记该凭证号下的全部分录。"
    ),
    basis=(sources.VOUCHER_WORDS, sources.ACCOUNTING_BASICS),
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
) -> list[str]:
    failing = frame.loc[rows]
    return [
        f"凭证 {voucher_label(row)} 的日期 {row['voucher_date']:%Y-%m-%d} 不在会计期间 "
        f"{row['period']} 内"
        for row in quoted_records(failing)
    ]


VOUCHER_DATE_IN_PERIOD = Rule(
    id="voucher.date_in_period",
    category="凭证",
    severity="medium",
    message="凭证日期不在会计期间内",
    description="凭证日期所在的年月与会计期间不一致；标记该分录。",
    basis=(sources.MONTH_END,),
    test=_date_in_period_test,
    explain=_date_in_period_explain,
)


def _segregation_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    preparer = frame["preparer"]
    return ~((preparer == frame["reviewer"]) & (preparer != "")).to_numpy()


def _segregation_explain(
    frame: pd.DataFrame, rows: np.ndarray, context: CheckContext
) -> list[str]:
    failing = frame.loc[rows]
    return [
        f"凭证 {voucher_label(row)} 的制单人与审核人为同一人（{row['preparer']}）"
        for row in quoted_records(failing)
    ]


DUTIES_SEGREGATION = Rule(
    id="duties.segregation",
    category="岗位",
    severity="medium",
    message="制单与审核为同一人",
    description="制单人与审核人相同（两者都不为空）；标记该分录。",
    basis=(sources.PREPARER_REVIEWER, sources.AGENCY_DUTIES),
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
        | per_group_any(frame["closing_line"].to_numpy(), key)
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
) -> list[str]:
    failing = frame.loc[rows]
    relevant = failing[failing["is_cash"] | failing["is_bank"] | failing["is_expense"]]
    accounts = relevant.groupby("voucher_key").apply(
        lambda lines: "、".join(
            dict.fromkeys(
                context.chart(bool(new)).accounts[code].label()
                for new, code in zip(lines["new_chart"], lines["first_level"], strict=True)
            )
        ),
        include_groups=False,
    )
    return [
        f"凭证 {voucher_label(row)} 涉及 {accounts[row['voucher_key']]}，附件张数为 0"
        for row in quoted_records(failing)
    ]


VOUCHER_ATTACHMENTS = Rule(
    id="voucher.attachments",
    category="凭证",
    severity="medium",
    message="收付款或费用凭证没有附件",
    description=(
        "凭证涉及库存现金、银行存款或费用支出科目（2004：502、541、551；2023：511–515），"
        "附件张数为 0；转账（转字）凭证和年终结转凭证除外，附件张数未知不算违规；标记整张凭证。"
    ),
    basis=(sources.ACCOUNTING_BASICS,),
    test=_attachments_test,
    explain=_attachments_explain,
)
