"""Tiny canonical entry frames for tests: name only the fields a test is about."""

from __future__ import annotations

from typing import Any

import pandas as pd

from checks.entry_schema import ENTRY_COLUMNS, INTEGER_COLUMNS, TEXT_COLUMNS

DEFAULTS: dict[str, Any] = {
    "town": "青石镇",
    "village": "下坝村",
    "org_code": "",
    "period": "2023-03",
    "voucher_date": "2023-03-15",
    "voucher_word": "记",
    "voucher_number": 1,
    "line_no": 1,
    "summary": "购办公用品",
    "account_code": "541",
    "account_name": "管理费用",
    "debit_fen": 0,
    "credit_fen": 0,
    "counterparty": "",
    "settlement": "",
    "attachments": 1,
    "decision_ref": "",
    "contract_ref": "",
    "preparer": "李会计",
    "reviewer": "王主管",
    "bookkeeper": "李会计",
    "source_file": "test.csv",
    "source_sheet": "",
    "extra": "",
    "content_hash": "",
}


def make_entries(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A canonical frame from partial rows; source_row and entry_id default to the position."""
    filled = []
    for position, row in enumerate(rows):
        record = {**DEFAULTS, "source_row": position + 2, "entry_id": f"e{position:04d}", **row}
        if "voucher_no" not in row:
            record["voucher_no"] = f"{record['voucher_word']}-{record['voucher_number']}"
        filled.append(record)
    frame = pd.DataFrame(filled)
    for name in TEXT_COLUMNS:
        frame[name] = frame[name].astype("str")
    for name in INTEGER_COLUMNS:
        frame[name] = frame[name].astype("int64")
    frame["voucher_date"] = pd.to_datetime(frame["voucher_date"]).astype("datetime64[s]")
    frame["attachments"] = frame["attachments"].astype("Int64")
    return frame[ENTRY_COLUMNS]
