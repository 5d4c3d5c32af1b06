"""Voucher rules: each with a literal breach added to a clean book, and a clean counterpart."""

from __future__ import annotations

from tests.checks.books import clean_book, entry_ids, evaluate, hits, voucher

BANK = ("102", "银行存款")
OFFICE = ("541001", "管理费用-办公费")


def test_clean_book_breaches_no_rule():
    evaluation = evaluate(clean_book())
    assert evaluation.breaches.empty
    assert evaluation.schema_errors.empty


def _bank_payment(number: int, debit: float, credit: float, **fields) -> list[dict]:
    return voucher(
        "2023-03", number, "2023-03-20", "购打印纸",
        [(*OFFICE, debit, 0), (*BANK, 0, credit)], counterparty="青石镇文具店", **fields,
    )


def test_unbalanced_voucher_marks_all_its_lines_with_the_totals():
    book = clean_book()
    breach = _bank_payment(9, 1200, 1000)
    found = hits(book + breach, "voucher.balance")
    assert set(found) == entry_ids(breach, len(book))
    assert set(found.values()) == {
        "凭证 2023-03 记-9 借方合计 1,200.00 元，贷方合计 1,000.00 元，差额 200.00 元"
    }


def test_balanced_multi_line_voucher_is_not_a_breach():
    lines = [(*OFFICE, 300, 0), ("541003", "管理费用-水电费", 700.01, 0), (*BANK, 0, 1000.01)]
    book = clean_book() + voucher("2023-03", 9, "2023-03-20", "付杂费", lines)
    assert hits(book, "voucher.balance") == {}


def test_line_with_both_sides_or_neither_is_one_sided():
    book = clean_book()
    both = _bank_payment(9, 500, 500) + voucher(
        "2023-03", 10, "2023-03-21", "错账", [(*OFFICE, 100, 100), (*BANK, 0, 0)]
    )
    found = hits(book + both, "line.one_sided")
    assert set(found) == {f"e{len(book) + 2:04d}", f"e{len(book) + 3:04d}"}
    assert sorted(found.values()) == [
        "分录借方 100.00 元、贷方 100.00 元同时有金额",
        "分录借贷金额均为零",
    ]


def test_negative_amount_needs_a_red_ink_marker():
    book = clean_book()
    unexplained = voucher(
        "2023-03", 9, "2023-03-20", "退回多付电费",
        [("541003", "管理费用-水电费", -200, 0), (*BANK, 0, -200)],
    )
    found = hits(book + unexplained, "line.negative_amount")
    assert set(found) == entry_ids(unexplained, len(book))
    assert "借方金额为负数（-200.00 元）" in found[f"e{len(book):04d}"]
    # the clean book already holds a 红字冲销 reversal, which is not a breach
    for marker in ("冲销", "冲回", "红字", "冲正"):
        reversal = voucher(
            "2023-03", 9, "2023-03-20", f"{marker}多付电费",
            [("541003", "管理费用-水电费", -200, 0), (*BANK, 0, -200)],
        )
        assert hits(book + reversal, "line.negative_amount") == {}


def test_number_gap_marks_the_vouchers_around_it():
    book = clean_book()
    after_gap = _bank_payment(10, 100, 100)  # 记-9 is missing in 2023-03
    found = hits(book + after_gap, "voucher.number_gap")
    before_gap = {"e0014", "e0015"}  # 记-8, the last voucher before the gap
    assert set(found) == before_gap | entry_ids(after_gap, len(book))
    assert set(found.values()) == {"2023-03 记字凭证断号：缺第 9 号（第 8 号与第 10 号之间）"}


def test_numbering_not_starting_at_one_marks_the_first_voucher():
    rows = voucher("2023-05", 3, "2023-05-04", "购打印纸", [(*OFFICE, 100, 0), (*BANK, 0, 100)])
    rows += voucher("2023-05", 4, "2023-05-05", "购打印纸", [(*OFFICE, 100, 0), (*BANK, 0, 100)])
    found = hits(rows, "voucher.number_gap")
    assert set(found) == {"e0000", "e0001"}
    assert set(found.values()) == {"2023-05 记字凭证未从第 1 号开始：缺第 1–2 号（首张为第 3 号）"}


def test_numbering_per_word_is_separate():
    # 转-1 … 转-4 and 记-1 in 2023-12 are two sequences, both contiguous
    assert hits(clean_book(), "voucher.number_gap") == {}


def test_number_used_by_two_vouchers_is_a_duplicate():
    book = clean_book()
    reused = voucher(
        "2023-03", 8, "2023-03-25", "购茶叶", [(*OFFICE, 300, 0), (*BANK, 0, 300)]
    )
    found = hits(book + reused, "voucher.number_duplicate")
    assert set(found) == {"e0014", "e0015"} | entry_ids(reused, len(book))
    detail = found[f"e{len(book):04d}"]
    assert "凭证号 2023-03 记-8 被多张凭证重复使用" in detail
    assert "日期不同（2023-03-13、2023-03-25）" in detail
    assert "分录号 1、2 重复出现" in detail


def test_same_day_reuse_is_caught_by_repeated_line_numbers():
    book = clean_book()
    reused = voucher("2023-03", 8, "2023-03-13", "购茶叶", [(*OFFICE, 300, 0), (*BANK, 0, 300)])
    found = hits(book + reused, "voucher.number_duplicate")
    assert set(found) == {"e0014", "e0015"} | entry_ids(reused, len(book))


def test_voucher_date_outside_its_period():
    book = clean_book()
    late = voucher("2023-03", 9, "2023-04-02", "购打印纸", [(*OFFICE, 100, 0), (*BANK, 0, 100)])
    found = hits(book + late, "voucher.date_in_period")
    assert set(found) == entry_ids(late, len(book))
    assert set(found.values()) == {"凭证 2023-03 记-9 的日期 2023-04-02 不在会计期间 2023-03 内"}
    month_end = voucher(
        "2023-03", 9, "2023-03-31", "购打印纸", [(*OFFICE, 100, 0), (*BANK, 0, 100)]
    )
    assert hits(book + month_end, "voucher.date_in_period") == {}


def test_preparer_reviewing_own_voucher():
    book = clean_book()
    own = _bank_payment(9, 100, 100, preparer="李会计", reviewer="李会计")
    found = hits(book + own, "duties.segregation")
    assert set(found) == entry_ids(own, len(book))
    assert set(found.values()) == {"凭证 2023-03 记-9 的制单人与审核人为同一人（李会计）"}
    unsigned = _bank_payment(9, 100, 100, preparer="", reviewer="")
    assert hits(book + unsigned, "duties.segregation") == {}


def test_payment_voucher_without_attachments():
    book = clean_book()
    bare = _bank_payment(9, 100, 100, attachments=0)
    found = hits(book + bare, "voucher.attachments")
    assert set(found) == entry_ids(bare, len(book))
    assert set(found.values()) == {
        "凭证 2023-03 记-9 涉及 541 管理费用、102 银行存款，附件张数为 0"
    }


def test_attachments_unknown_or_transfer_vouchers_are_not_breaches():
    book = clean_book()
    unknown = _bank_payment(9, 100, 100, attachments=None)
    assert hits(book + unknown, "voucher.attachments") == {}
    # papers on one line of the voucher count for the whole voucher
    partly = _bank_payment(9, 100, 100)
    partly[1]["attachments"] = 0
    assert hits(book + partly, "voucher.attachments") == {}
    transfer = voucher(
        "2023-03", 1, "2023-03-31", "计提折旧",
        [("541", "管理费用", 100, 0), ("152", "累计折旧", 0, 100)], word="转", attachments=0,
    )
    assert hits(book + transfer, "voucher.attachments") == {}
    accrual = voucher(
        "2023-03", 9, "2023-03-31", "计提干部报酬",
        [("541002", "管理费用-工资", 100, 0), ("211", "应付工资", 0, 100)], attachments=0,
    )
    assert set(hits(book + accrual, "voucher.attachments")) == entry_ids(accrual, len(book))
    receivable = voucher(
        "2023-03", 9, "2023-03-31", "往来调整",
        [("112", "应收款", 100, 0), ("202", "应付款", 0, 100)], attachments=0,
    )
    assert hits(book + receivable, "voucher.attachments") == {}
