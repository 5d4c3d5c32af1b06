"""The booked village-years as one frame of journal lines, in the order they are exported.

The frame has the canonical entry columns (checks/entry_schema.py) that the books determine,
plus what the writers and the labels need: the case a line belongs to, the raw text written
instead of an impossible date or an unreadable amount, and which village-year it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from data.generator.books import VillageYear

TEXT_COLUMNS = [
    "town", "village", "org_code", "period", "voucher_word", "voucher_no", "summary",
    "account_code", "account_name", "counterparty", "settlement", "decision_ref",
    "contract_ref", "preparer", "reviewer", "bookkeeper", "case_id", "raw_date", "raw_amount",
]
INTEGER_COLUMNS = ["voucher_number", "line_no", "debit_fen", "credit_fen", "village_index", "year"]
COLUMNS = [
    "town", "village", "org_code", "period", "voucher_date", "voucher_word", "voucher_number",
    "voucher_no", "line_no", "summary", "account_code", "account_name", "debit_fen",
    "credit_fen", "counterparty", "settlement", "attachments", "decision_ref", "contract_ref",
    "preparer", "reviewer", "bookkeeper", "case_id", "raw_date", "raw_amount",
    "village_index", "year",
]


def journal_lines(books: Iterable[VillageYear]) -> pd.DataFrame:
    """Every line of every voucher, one row each, in book and voucher order."""
    rows = []
    for book in books:
        village = book.village
        head = (village.town.name, village.name, village.org_code)
        for voucher in book.vouchers:
            voucher_head = (
                voucher.period, voucher.date, voucher.word, voucher.number,
                f"{voucher.word}-{voucher.number}",
            )
            papers = (
                voucher.settlement, voucher.attachments, voucher.decision_ref,
                voucher.contract_ref, voucher.preparer, voucher.reviewer, voucher.bookkeeper,
            )
            for line_no, line in enumerate(voucher.lines, start=1):
                rows.append(
                    (
                        *head, *voucher_head, line_no, line.summary, line.code, line.name,
                        line.debit, line.credit, line.counterparty, *papers, line.case_id,
                        voucher.raw_date, voucher.raw_amount, village.index, book.year,
                    )
                )
    frame = pd.DataFrame.from_records(rows, columns=COLUMNS)
    for name in TEXT_COLUMNS:
        frame[name] = frame[name].astype("str")
    for name in INTEGER_COLUMNS:
        frame[name] = frame[name].astype("int64")
    frame["voucher_date"] = pd.to_datetime(frame["voucher_date"]).astype("datetime64[s]")
    frame["attachments"] = frame["attachments"].astype("Int64")
    return frame


def quarantined(lines: pd.DataFrame) -> pd.Series:
    """Lines written with an impossible date or an unreadable amount."""
    return (lines["raw_date"] != "") | (lines["raw_amount"] != "")
