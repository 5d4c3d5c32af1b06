"""Each feature's value said the way an inspector says it, with the entry's own numbers.

One function per feature, named after it and named in its declaration
(:data:`models.features.entry.DECLARED`), taking the feature's value and the entry (a row of
the canonical frame plus ``amount_fen`` and the town's thresholds, and for a feature that relates
the entry to another, ``<feature>_entry`` and ``<feature>_at`` naming that entry) and returning
Chinese text.
"""

from __future__ import annotations

import math

import numpy as np

from checks.wording import money
from models.features.amounts import round_zeros
from models.features.feature import Row
from models.features.text import RISK_TERMS


def _reference_fen(amount_fen: int, log_ratio: float) -> int:
    """Invert the amount features' log10((a + 1 元) / (m + 1 元)) to the reference m."""
    return max(round((amount_fen + 100) / 10**log_ratio - 100), 0)


def _times(amount_fen: int, reference_fen: int) -> str:
    ratio = amount_fen / max(reference_fen, 1)
    return f"{ratio:.1f} 倍" if ratio >= 1 else f"{ratio * 100:.0f}%"


def amount_vs_village_account(value: float, row: Row) -> str:
    reference = _reference_fen(row["amount_fen"], value)
    return (f"金额 {money(row['amount_fen'])} 元，为本村该科目同方向分录中位数"
            f"（{money(reference)} 元）的 {_times(row['amount_fen'], reference)}")


def amount_vs_town_peers(value: float, row: Row) -> str:
    reference = _reference_fen(row["amount_fen"], value)
    return (f"金额为本镇各村同一科目中位数（{money(reference)} 元）的 "
            f"{_times(row['amount_fen'], reference)}")


def amount_vs_payee_history(value: float, row: Row) -> str:
    reference = _reference_fen(row["amount_fen"], value)
    return (f"金额为{row['counterparty']}在本村同一科目金额中位数（{money(reference)} 元）的 "
            f"{_times(row['amount_fen'], reference)}")


def round_zeros_vs_account(value: float, row: Row) -> str:
    own, typical = _roundness(value, row)
    return f"金额 {money(row['amount_fen'])} 元为{own}，本村该科目的金额一般{typical}"


def round_zeros_vs_summary(value: float, row: Row) -> str:
    own, typical = _roundness(value, row)
    return (f"金额 {money(row['amount_fen'])} 元为{own}，本镇摘要为“{row['summary']}”的"
            f"金额一般{typical}")


# How round an amount is, by the trailing zeros of its fen (models.features.amounts).
ROUNDNESS = ("精确到分", "整角", "整元", "整十元", "整百元", "整千元", "整万元", "整十万元",
             "整百万元", "整千万元")


def _roundness(excess: float, row: Row) -> tuple[str, str]:
    """The amount's roundness, and what is usual (the median may fall between two: 不到整元)."""
    zeros = int(round_zeros(np.array([row["amount_fen"]]))[0])
    typical = max(zeros - excess, 0.0)
    if typical != int(typical):
        usual = f"不到{ROUNDNESS[min(math.ceil(typical), len(ROUNDNESS) - 1)]}"
    elif typical == 0:
        usual = ROUNDNESS[0]
    else:
        usual = f"为{ROUNDNESS[min(int(typical), len(ROUNDNESS) - 1)]}"
    return ROUNDNESS[min(zeros, len(ROUNDNESS) - 1)], usual


def below_line_closeness(value: float, row: Row) -> str:
    lines = [("审批限额", row["approval_tier_fen"]), ("招标限额", row["tender_line_fen"]),
             ("现金支付限额", row["cash_payment_ceiling_fen"])]
    name, line = min((item for item in lines if item[1] > row["amount_fen"]),
                     key=lambda item: item[1], default=lines[0])
    return (f"金额 {money(row['amount_fen'])} 元，为{name}（{money(line)} 元）的 "
            f"{row['amount_fen'] / max(line, 1) * 100:.1f}%，略低于限额")


def rent_vs_peers(value: float, row: Row) -> str:
    return f"每亩承包费仅为本镇同类土地中位数的 {10**value * 100:.0f}%"


def payee_lines(value: float, row: Row) -> str:
    return f"收款方{row['counterparty']}在本村全部账目中仅出现 {round(10**value - 1)} 次"


def payee_villages(value: float, row: Row) -> str:
    return f"收款方{row['counterparty']}在本镇仅与 {value:.0f} 个村有往来"


def days_since_payee_first_seen(value: float, row: Row) -> str:
    if value == 0:
        return f"收款方{row['counterparty']}首次出现即收付 {money(row['amount_fen'])} 元"
    return f"收款方{row['counterparty']}首次出现后第 {value:.0f} 天"


def payee_spend_share(value: float, row: Row) -> str:
    return f"收款方{row['counterparty']}占本村全部支出的 {value * 100:.1f}%"


def payee_near_line_count(value: float, row: Row) -> str:
    return f"同一收款方{row['counterparty']}本年有 {value:.0f} 笔金额略低于限额"


def payee_window_total(value: float, row: Row) -> str:
    total = round(value * row["approval_tier_fen"])
    return (f"同一收款方{row['counterparty']}前后 {row['split_window_days']} 天内付款合计 "
            f"{money(total)} 元")


def same_payee_amount_nearby(value: float, row: Row) -> str:
    return (f"同一收款方同一金额 {money(row['amount_fen'])} 元在 {row['duplicate_window_days']}"
            f" 天内另有 {value:.0f} 笔")


def repeat_other_year(value: float, row: Row) -> str:
    return (f"摘要“{row['summary']}”、金额 {money(row['amount_fen'])} 元、收款方"
            f"{row['counterparty']}与另外 {value:.0f} 个年度的分录完全相同")


def receivable_outstanding(value: float, row: Row) -> str:
    return (f"转给{row['counterparty']}的 {money(row['amount_fen'])} 元至账末仍有 "
            f"{value * 100:.0f}% 未归还")


def equal_amount_lines(value: float, row: Row) -> str:
    return f"同一凭证中另有 {value:.0f} 行金额同为 {money(row['amount_fen'])} 元"


def voucher_people(value: float, row: Row) -> str:
    return f"同一凭证向 {value:.0f} 名个人付款"


def regular_payees_off_account(value: float, row: Row) -> str:
    return f"同一凭证向 {value:.0f} 名按月领取报酬的人员（如村干部）在报酬科目之外另行付款"


def account_pair_rarity(value: float, row: Row) -> str:
    return f"该借贷科目组合在本村仅出现 {round(10**value - 1)} 张凭证"


def days_before_holiday(value: float, row: Row) -> str:
    return "记账日期为法定节假日首日" if value == 0 else f"记账日期在法定节假日前 {value:.0f} 天"


def rest_day(value: float, row: Row) -> str:
    """Nothing: the rest-day signal (signal.weekend) already names the day and the holiday."""
    return ""


def days_to_month_end(value: float, row: Row) -> str:
    return "记账日期为月末最后一天" if value == 0 else f"记账日期距月末仅 {value:.0f} 天"


def summary_rarity(value: float, row: Row) -> str:
    return f"摘要“{row['summary']}”在本镇仅出现 {round(10**value - 1)} 次"


def summary_risk_terms(value: float, row: Row) -> str:
    terms = "、".join(term for term in RISK_TERMS if term in row["summary"])
    return f"摘要“{row['summary']}”含“{terms}”"


# Roles an entry of the town shows a person in (models.features.people), as a sentence ends.
ROLE_WORDS = {"paid": "领取报酬", "preparer": "制单", "reviewer": "审核", "bookkeeper": "记账"}
ENTRY_MARK = "〔分录 {}〕"  # the review app links an entry id so marked (review/templates)


def _other(row: Row, name: str) -> str:
    """The other entry the feature ``name`` rests on: its village (本村 for the entry's own),
    period and voucher, then its id marked for a link; "" when the row does not name one."""
    entry_id = row.get(f"{name}_entry", "")
    if not entry_id:
        return ""
    at = str(row[f"{name}_at"])
    own = f"{row.get('village', '')} "
    where = f"本村 {at.removeprefix(own)}" if at.startswith(own) else at
    return f"凭证 {where}{ENTRY_MARK.format(entry_id)}"


def _insider(row: Row, name: str) -> str:
    """How the other entry shows the person: 在凭证 本村 … 领取报酬 / 为凭证 … 的制单人."""
    other = _other(row, name)
    role = ROLE_WORDS.get(str(row.get(f"{name}_role", "")), "")
    if not other:
        return "为本镇按月领取报酬或在凭证上签字的人员"
    return f"在{other}{role}" if role == ROLE_WORDS["paid"] else f"为{other}的{role}人"


def insider_as_supplier(value: float, row: Row) -> str:
    return (f"收款人「{row['counterparty']}」{_insider(row, 'insider_as_supplier')}，此笔却在"
            f"本镇 {value * 100:.0f}% 付给单位的科目上作为供应方收款 {money(row['amount_fen'])} 元")


def insider_on_roster(value: float, row: Row) -> str:
    return (f"发放名单上的「{row['counterparty']}」{_insider(row, 'insider_on_roster')}"
            f"（本名单共 {value:.0f} 名此类人员）")


def payee_named_after_insider(value: float, row: Row) -> str:
    who = row.get("payee_named_after_insider_who", "")
    named = f"以「{who}」的姓名开头，{who}" if who else "以本镇人员的姓名开头，此人"
    return (f"收款方「{row['counterparty']}」{named}"
            f"{_insider(row, 'payee_named_after_insider')}")


def same_bill_other_village(value: float, row: Row) -> str:
    other = _other(row, "same_bill_other_village")
    example = f"，如{other}" if other else ""
    return (f"同一收款方「{row['counterparty']}」同一金额 {money(row['amount_fen'])} 元"
            f"另在本镇 {value:.0f} 个村支付{example}")


def rebooked_after_reversal(value: float, row: Row) -> str:
    other = _other(row, "rebooked_after_reversal") or "本村一笔分录"
    return (f"{other}以红字冲销同额 {money(row['amount_fen'])} 元后，"
            f"此笔改付「{row['counterparty']}」重新入账")

