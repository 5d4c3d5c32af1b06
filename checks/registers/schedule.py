"""Each contract's schedule of amounts due, made from its terms or taken from its payment plan.

From the terms (the contract register's columns, docs/registers.md): the rent of a year is
``annual_rent_fen`` (else unit price × area, else the contract amount spread over the term's
years), raised by the escalation clause (``按比例 5%`` compounded, or ``按固定金额 1000元``,
every N years, ``每3年``); the term is cut into periods of the collection interval (按月, 按季,
按半年, 按年; 一次性 is one period), aligned on the start date; a period's rent is its share of
the year's rent, less the share of the rent-free days (``rent_free_days`` from the start) that
fall in it. Amounts are exact: the cumulative amount due is rounded to the fen and each period
takes the difference, so the instalments add up to the total.

A period is due on ``first_due_on`` stepped by the interval, or on the first ``due_day``
(``每年1月5日前``, ``每月5日``) from the period's start, or, when neither is given, at the
period's start (rent paid in advance, the usual term of these contracts). When the terms name no
interval and no due date, 民法典 第721条 applies: a term under a year is paid when it ends, a
longer term at the end of each year of the term, the remainder at the term's end.

Works and purchase contracts (工程建设, 采购服务) have amounts due only from a payment plan
(direction 付). When a payment plan gives a contract's instalments, the plan wins; a plan that
disagrees with the terms is a finding (``contract.plan_mismatch``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pandas as pd

from checks.registers.columns import SCHEDULE_COLUMNS, empty_frame

INTERVAL_MONTHS = {"按月": 1, "按季": 3, "按半年": 6, "按年": 12}
PAYMENT_CATEGORIES = ("工程建设", "采购服务")
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                   "八": 8, "九": 9, "十": 10}
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]|百分之([\d一二两三四五六七八九十]+)")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万元|元)")
_EVERY = re.compile(r"每\s*([\d一二两三四五六七八九十]*)\s*年")
_ANNUAL_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_MONTHLY_DAY = re.compile(r"每月\s*(\d{1,2})\s*[日号]")
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Escalation:
    """A rent rise every ``every_years`` years: by ``ratio`` of the last rent, or by
    ``step_fen``."""

    ratio: Fraction = Fraction(0)
    step_fen: int = 0
    every_years: int = 1

    def rent(self, base_fen: Fraction, year: int) -> Fraction:
        """The annual rent in the contract's ``year`` (0 for the first year)."""
        steps = year // self.every_years
        return base_fen * (1 + self.ratio) ** steps + self.step_fen * steps


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[text]
    if text.startswith("十") and text[1:] in _CHINESE_DIGITS:
        return 10 + _CHINESE_DIGITS[text[1:]]
    return 1


def parse_escalation(text: str) -> Escalation:
    """The escalation clause of a contract ("每3年递增5%", "每两年增加1000元"); none when the
    text names no percentage and no amount."""
    text = text or ""
    every = _EVERY.search(text)
    every_years = max(_number(every.group(1)), 1) if every and every.group(1) else 1
    percent = _PERCENT.search(text)
    if percent:
        value = percent.group(1) or str(_number(percent.group(2)))
        return Escalation(ratio=Fraction(value) / 100, every_years=every_years)
    amount = _AMOUNT.search(text)
    if amount:
        yuan = Fraction(amount.group(1)) * (10_000 if amount.group(2) == "万元" else 1)
        return Escalation(step_fen=int(yuan * 100), every_years=every_years)
    return Escalation()


def parse_due_day(text: str) -> tuple[int | None, int] | None:
    """(month, day) of "每年1月5日前", (None, day) of "每月5日"; None when not understood."""
    text = text or ""
    monthly = _MONTHLY_DAY.search(text)
    if monthly:
        return None, int(monthly.group(1))
    annual = _ANNUAL_DAY.search(text)
    if annual:
        return int(annual.group(1)), int(annual.group(2))
    return None


def _round(value: Fraction) -> int:
    """Half-up rounding of a non-negative amount to whole fen."""
    return int((2 * value.numerator + value.denominator) // (2 * value.denominator))


def _month_end(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _add_months(day: dt.datetime, months: int) -> dt.datetime:
    """``day`` moved by ``months``, its day clipped to the month's end (as ``pd.DateOffset``)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return day.replace(year=year, month=month + 1,
                       day=min(day.day, _month_end(year, month + 1)))


def _next_day_on(start: dt.datetime, due: tuple[int | None, int]) -> dt.datetime:
    """The first day on or after ``start`` that is the due day (day clipped to the month)."""
    month, day = due
    candidates = []
    for year in (start.year, start.year + 1):
        months = [month] if month else list(range(1, 13))
        for each in months:
            candidates.append(dt.datetime(year, each, min(day, _month_end(year, each))))
    return min(candidate for candidate in candidates if candidate >= start)


def annual_rent_fen(contract: dict[str, Any]) -> Fraction | None:
    """The first year's rent: annual rent, else unit price × area, else the contract amount over
    the term's years; None when the terms give no money."""
    if not pd.isna(contract.get("annual_rent_fen")):
        return Fraction(int(contract["annual_rent_fen"]))
    price, area = contract.get("unit_price_fen"), contract.get("area_mu")
    if not pd.isna(price) and not pd.isna(area) and area > 0:
        return Fraction(int(price)) * Fraction(str(area))
    amount = contract.get("amount_fen")
    start, end = contract.get("start_on"), contract.get("end_on")
    if pd.isna(amount) or pd.isna(start) or pd.isna(end) or end < start:
        return None
    days = (end - start).days + 1
    return Fraction(int(amount)) * Fraction(365, days)


def _periods(start: dt.datetime, end: dt.datetime, months: int
             ) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """(year index, first day, last day) of each period of ``months`` from ``start``."""
    periods = []
    index = 0
    while True:
        first = _add_months(start, index * months)
        if first > end:
            return periods
        last = min(_add_months(start, (index + 1) * months) - ONE_DAY, end)
        periods.append((index * months // 12, first, last))
        index += 1


def terms_instalments(contract: dict[str, Any]) -> list[tuple[pd.Timestamp, int]]:
    """(due date, amount due in fen) of each instalment a contract's terms make."""
    start, end = contract.get("start_on"), contract.get("end_on")
    if contract.get("category") in PAYMENT_CATEGORIES:
        return []
    if contract.get("category") == "出售出让" or contract.get("collection") == "一次性":
        return _one_off(contract)
    rent = annual_rent_fen(contract)
    if rent is None or pd.isna(start) or pd.isna(end) or end < start:
        return []
    # plain datetimes: their arithmetic is many times quicker than pandas' (same dates)
    start, end = pd.Timestamp(start).to_pydatetime(), pd.Timestamp(end).to_pydatetime()
    collection = contract.get("collection") or ""
    first_due, due_day = contract.get("first_due_on"), parse_due_day(contract.get("due_day"))
    statutory = collection not in INTERVAL_MONTHS and pd.isna(first_due) and due_day is None
    months = INTERVAL_MONTHS.get(collection, 12)
    escalation = parse_escalation(contract.get("escalation"))
    free_days = 0 if pd.isna(contract.get("rent_free_days")) else int(contract["rent_free_days"])
    free_until = start + dt.timedelta(days=free_days)
    instalments, cumulative, booked = [], Fraction(0), 0
    for number, (year, first, last) in enumerate(_periods(start, end, months)):
        full_last = _add_months(start, (number + 1) * months) - ONE_DAY
        full_days = (full_last - first).days + 1
        charged = (last - max(first, free_until)).days + 1
        cumulative += escalation.rent(rent, year) * Fraction(months, 12) * \
            Fraction(max(charged, 0), full_days)
        amount, booked = _round(cumulative) - booked, _round(cumulative)
        if amount <= 0:
            continue
        if statutory:
            due = last
        elif not pd.isna(first_due):
            due = _add_months(pd.Timestamp(first_due).to_pydatetime(), number * months)
        elif due_day is not None:
            due = _next_day_on(first, due_day)
        else:
            due = max(first, free_until)
        instalments.append((pd.Timestamp(due), amount))
    return instalments


def _one_off(contract: dict[str, Any]) -> list[tuple[pd.Timestamp, int]]:
    amount = contract.get("amount_fen")
    if pd.isna(amount):
        rent = annual_rent_fen(contract)
        start, end = contract.get("start_on"), contract.get("end_on")
        if rent is None or pd.isna(start) or pd.isna(end):
            return []
        amount = _round(rent * Fraction((end - start).days + 1, 365))
    candidates = [contract.get(key) for key in ("first_due_on", "start_on", "signed_on")]
    due = next((day for day in candidates if not pd.isna(day)), None)
    return [] if due is None or int(amount) <= 0 else [(pd.Timestamp(due), int(amount))]


def build_schedule(contracts: pd.DataFrame, plans: pd.DataFrame) -> pd.DataFrame:
    """The amounts due of every contract over its whole term (plan instalments where a plan
    gives them), in ``SCHEDULE_COLUMNS`` with nothing matched yet."""
    planned = set(plans["contract_no"]) if len(plans) else set()
    rows: list[dict[str, Any]] = []
    for contract in contracts.to_dict("records"):
        if contract["contract_no"] in planned:
            continue
        for number, (due, amount) in enumerate(terms_instalments(contract), start=1):
            rows.append({"town": contract["town"], "village": contract["village"],
                         "contract_no": contract["contract_no"], "instalment": number,
                         "direction": "收", "due_on": due, "amount_due_fen": amount,
                         "origin": "terms"})
    for plan in plans.to_dict("records"):
        if pd.isna(plan["amount_due_fen"]) or pd.isna(plan["due_on"]):
            continue
        rows.append({"town": plan["town"], "village": plan["village"],
                     "contract_no": plan["contract_no"], "instalment": plan["instalment"],
                     "direction": plan["direction"] or "收", "due_on": plan["due_on"],
                     "amount_due_fen": int(plan["amount_due_fen"]), "origin": "plan"})
    if not rows:
        return empty_frame(SCHEDULE_COLUMNS)
    schedule = pd.DataFrame(rows)
    for name, dtype in SCHEDULE_COLUMNS.items():
        if name not in schedule:
            schedule[name] = pd.Series([None] * len(schedule), dtype="object") \
                if dtype == "object" else pd.Series(pd.NA, index=schedule.index)
    schedule["matched_entry_ids"] = [[] for _ in range(len(schedule))]
    schedule["status"] = schedule["status"].fillna("")
    schedule = schedule[list(SCHEDULE_COLUMNS)].astype(SCHEDULE_COLUMNS)
    return schedule.sort_values(["village", "contract_no", "direction", "due_on"],
                                kind="stable").reset_index(drop=True)
