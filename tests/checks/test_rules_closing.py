"""Postings into closed periods: after the year-end close, and after a town's stated close."""

from __future__ import annotations

import datetime as dt

from checks.params import load_params
from tests.checks.books import clean_book, entry_ids, hits, voucher

BANK = ("102", "银行存款")
OFFICE = ("541001", "管理费用-办公费")


def _town_closed(through: str, on: dt.date | None = None):
    override = {"closed_through": through} | ({"closed_on": on} if on else {})
    return load_params().model_copy(update={"town_overrides": {"青石镇": override}})


def test_clean_close_with_distribution_after_it_is_fine():
    # the clean book closes 2023 with 转-1 … 转-3 and distributes profit in 转-4 afterwards
    assert hits(clean_book(), "period.closed") == {}


def test_transfer_voucher_numbered_after_the_close():
    book = clean_book()
    late = voucher(
        "2023-12", 5, "2023-12-31", "补提折旧",
        [("541", "管理费用", 300, 0), ("152", "累计折旧", 0, 300)], word="转", attachments=0,
    )
    found = hits(book + late, "period.closed")
    assert set(found) == entry_ids(late, len(book))
    assert set(found.values()) == {
        "下坝村2023 年已于 2023-12-31 年终结转（转-1、转-2、转-3），凭证 2023-12 转-5 "
        "编号在最后一张结转凭证第 3 号之后"
    }


def test_voucher_dated_after_the_close():
    book = clean_book()
    early_close = [
        {**row, "voucher_date": "2023-12-28"} if row["voucher_word"] == "转" else row
        for row in book
    ]
    late = voucher("2023-12", 2, "2023-12-30", "购打印纸", [(*OFFICE, 100, 0), (*BANK, 0, 100)])
    found = hits(early_close + late, "period.closed")
    assert set(found) == entry_ids(late, len(book))
    assert "凭证 2023-12 记-2 的日期 2023-12-30 在结转之后" in found[f"e{len(book):04d}"]
    on_close_day = voucher(
        "2023-12", 2, "2023-12-28", "购打印纸", [(*OFFICE, 100, 0), (*BANK, 0, 100)]
    )
    assert hits(early_close + on_close_day, "period.closed") == {}


def test_years_without_a_closing_voucher_are_not_judged():
    open_year = [row for row in clean_book() if row["voucher_word"] != "转"]
    late = voucher("2023-12", 2, "2023-12-31", "购打印纸", [(*OFFICE, 100, 0), (*BANK, 0, 100)])
    assert hits(open_year + late, "period.closed") == {}


def test_entries_of_a_closed_period_dated_after_the_town_close():
    book = clean_book()
    backdated = voucher(
        "2023-03", 9, "2023-04-18", "补记办公费", [(*OFFICE, 100, 0), (*BANK, 0, 100)]
    )
    found = hits(book + backdated, "period.closed", _town_closed("2023-03", dt.date(2023, 4, 15)))
    assert set(found) == entry_ids(backdated, len(book))
    assert set(found.values()) == {
        "青石镇已结账至 2023-03（结账日期 2023-04-15），本分录属 2023-03 期间，日期 2023-04-18 "
        "晚于结账日期"
    }
    before_close = voucher(
        "2023-03", 9, "2023-04-10", "补记办公费", [(*OFFICE, 100, 0), (*BANK, 0, 100)]
    )
    params = _town_closed("2023-03", dt.date(2023, 4, 15))
    assert hits(book + before_close, "period.closed", params) == {}


def test_town_close_date_defaults_to_the_month_end_and_applies_to_its_town_only():
    book = clean_book()
    backdated = voucher(
        "2023-03", 9, "2023-04-01", "补记办公费", [(*OFFICE, 100, 0), (*BANK, 0, 100)]
    )
    assert len(hits(book + backdated, "period.closed", _town_closed("2023-03"))) == 2
    assert hits(book + backdated, "period.closed", _town_closed("2023-02")) == {}
    elsewhere = [{**row, "town": "白沙镇"} for row in book + backdated]
    assert hits(elsewhere, "period.closed", _town_closed("2023-03")) == {}
