"""Tiny literal register frames for tests: name only the fields a test is about."""

from __future__ import annotations

from typing import Any

import pandas as pd

from checks.registers.columns import COLUMNS, empty_frame
from tests.checks.books import voucher

TOWN, VILLAGE = "青石镇", "下坝村"


def register_frame(kind: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A canonical register frame of ``kind``: missing columns blank ("" for text, NA else)."""
    columns = COLUMNS[kind]
    if not rows:
        return empty_frame(columns)
    blank = {"str": "", "int64": 0}
    filled = []
    for position, row in enumerate(rows):
        record = {name: blank.get(dtype) for name, dtype in columns.items()}
        filled.append({**record, "town": TOWN, "village": VILLAGE, "source_row": position + 2,
                       **row})
    frame = pd.DataFrame(filled, columns=list(columns))
    for name, dtype in columns.items():
        if dtype == "datetime64[ns]":
            frame[name] = pd.to_datetime(frame[name])
    return frame.astype(columns)


def contract(number: str = "HT-1", **fields: Any) -> dict[str, Any]:
    """A three-year 资源发包 of 10 亩 耕地 to 张三 at 2,000 元 a year, paid yearly in advance."""
    return {
        "contract_no": number, "category": "资源发包", "counterparty": "张三",
        "land_class": "耕地", "area_mu": 10.0, "signed_on": "2022-12-20",
        "start_on": "2023-01-01", "end_on": "2025-12-31", "annual_rent_fen": 200_000,
        "collection": "按年", **fields,
    }


def registers(**kinds: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    return {kind: register_frame(kind, rows) for kind, rows in kinds.items()}


def rent(number: int, day: str, yuan: float, payer: str = "张三", **fields) -> list[dict]:
    """Rent received into the bank: 511 发包及上交收入 before 2024, 501 经营收入 after."""
    income = ("511001", "发包及上交收入-承包收入") if day < "2024" else ("501", "经营收入")
    return voucher(f"{day[:7]}", number, day, "收土地承包费",
                   [("102", "银行存款", yuan, 0), (*income, 0, yuan)],
                   counterparty=payer, **fields)
