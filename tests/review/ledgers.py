"""Small scored ledgers for the store and app tests, built from literal rows.

Two towns: 青石镇 (下坝村, 上坝村) and 白沙镇 (河口村). Each voucher has a debit line and a
credit line; the debit line of some vouchers is flagged. ``scored_frame`` adds the columns the
flow's scoring adds (risk_score, rule_ids, signals, flagged, reasons, rank).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from review import tables
from review.dispositions import record_decision
from tests.entries import make_entries

VILLAGES = [("青石镇", "下坝村"), ("青石镇", "上坝村"), ("白沙镇", "河口村")]
FLAGGED_VOUCHERS = {1, 3}  # voucher numbers whose debit line is flagged, in every village


def _hash(row: dict[str, Any]) -> str:
    text = "|".join(str(row[key]) for key in sorted(row) if key not in {"entry_id"})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def ledger_rows(
    villages: list[tuple[str, str]] = VILLAGES, vouchers: int = 4
) -> list[dict[str, Any]]:
    rows = []
    for town, village in villages:
        for number in range(1, vouchers + 1):
            amount = 1_250_000 * number + 5
            common = {
                "town": town,
                "village": village,
                "voucher_number": number,
                "voucher_date": f"2023-03-{number + 1:02d}",
                "summary": f"支付第{number}笔工程款",
                "counterparty": "张三建筑队",
                "source_file": f"{village}.xlsx",
            }
            rows.append(
                {
                    **common,
                    "line_no": 1,
                    "account_code": "541",
                    "account_name": "管理费用",
                    "debit_fen": amount,
                }
            )
            rows.append(
                {
                    **common,
                    "line_no": 2,
                    "account_code": "102",
                    "account_name": "银行存款",
                    "credit_fen": amount,
                }
            )
    for position, row in enumerate(rows):
        row["entry_id"] = (
            f"{row['town']}/{row['village']}/2023-03/记-{row['voucher_number']}/{row['line_no']}"
        )
        row["source_row"] = position + 4
    return rows


def scored_frame(rows: list[dict[str, Any]], flagged_ids: set[str] | None = None) -> pd.DataFrame:
    """Canonical entries with content hashes and score columns; flags the given entry ids
    (default: the debit line of vouchers 1 and 3)."""
    for row in rows:
        row["content_hash"] = _hash({k: v for k, v in row.items() if k != "content_hash"})
    entries = make_entries(rows)
    if flagged_ids is None:
        flagged = (entries["voucher_number"].isin(FLAGGED_VOUCHERS)) & (entries["line_no"] == 1)
    else:
        flagged = entries["entry_id"].isin(flagged_ids)
    risk = flagged.map({True: 0.9, False: 0.1}).astype(float) - entries["voucher_number"] / 100
    rules = [["cash.over_ceiling", "approval.missing_decision"] if f else [] for f in flagged]
    entries["risk_score"] = risk
    entries["rule_ids"] = pd.Series(
        pa.array(rules, type=pa.list_(pa.string())), dtype=pd.ArrowDtype(pa.list_(pa.string()))
    )
    entries["signals"] = pd.Series(
        pa.array(
            [["payee.round_amount"] if f else [] for f in flagged], type=pa.list_(pa.string())
        ),
        dtype=pd.ArrowDtype(pa.list_(pa.string())),
    )
    entries["flagged"] = flagged
    entries["reasons"] = pd.Series(
        ["单笔现金支付超过限额；无村民会议决议编号" if f else "" for f in flagged], dtype="str"
    )
    order = risk.where(flagged).rank(ascending=False, method="first")
    entries["rank"] = order.astype("Int64")
    return entries


def corrected_county() -> pd.DataFrame:
    """The agency corrects 下坝村's ledger: voucher 1's amount is fixed (content changes, still
    flagged), voucher 3 is no longer suspicious, voucher 4 now is."""
    rows = ledger_rows()
    for row in rows:
        if row["village"] == "下坝村" and row["voucher_number"] == 1:
            row["debit_fen" if row["line_no"] == 1 else "credit_fen"] = 1_200_000
    flagged = {
        f"{town}/{village}/2023-03/记-{number}/1"
        for town, village in VILLAGES
        for number in ((1, 4) if village == "下坝村" else (1, 3))
    }
    return scored_frame(rows, flagged)


def quarantined_row() -> pd.DataFrame:
    """One quarantined row of 下坝村's export, in quarantine.csv's columns."""
    return pd.DataFrame(
        {
            "source_file": ["下坝村.csv"],
            "source_sheet": [""],
            "source_row": [7],
            "column": ["凭证日期"],
            "reason": ["日期不存在：2023-02-30"],
            "raw": ['{"凭证日期": "2023-02-30"}'],
        }
    )


def decide_entry(store: Any, *, entry_id: str, **decision: Any) -> dict[str, Any]:
    """Decide the case the entry is in now (``decision``: verdict, comment, username)."""
    with store.engine.connect() as conn:
        case_id = conn.execute(sa.select(tables.cases.c.case_id)
                               .where(tables.cases.c.entry_id == entry_id)).scalar_one()
    return record_decision(store, case_id=case_id, **decision)
