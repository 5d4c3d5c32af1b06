"""The canonical journal entry (分录) of FORMATS.md §1, as a pandera schema.

Every reader produces this frame; every later stage reads it. Conventions:
- money is integer fen (分) in ``debit_fen`` / ``credit_fen``; negative only for red-ink lines;
- missing optional text is the empty string, never NaN, so rules compare strings plainly;
- ``attachments`` is a nullable integer: unknown (no such column) is ``<NA>``, not 0;
- ``voucher_date`` is a calendar date held as ``datetime64[s]``; ``period`` is ``YYYY-MM``;
- ``entry_id`` is stable across reruns for the same town, village, period, voucher and line,
  whatever the file is called; ``content_hash`` changes when the line's content is corrected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class JournalEntry(pa.DataFrameModel):
    """One loaded journal line with where it came from."""

    town: Series[str] = pa.Field(description="乡镇")
    village: Series[str] = pa.Field(str_length={"min_value": 1}, description="村（核算单位）")
    org_code: Series[str] = pa.Field(description="单位编码")
    period: Series[str] = pa.Field(str_matches=PERIOD_PATTERN, description="会计期间 YYYY-MM")
    voucher_date: Series[pa.DateTime] = pa.Field(description="凭证日期")
    voucher_word: Series[str] = pa.Field(str_length={"min_value": 1}, description="凭证字")
    voucher_number: Series[np.int64] = pa.Field(ge=0, description="凭证号")
    voucher_no: Series[str] = pa.Field(description="凭证字号，如 记-12")
    line_no: Series[np.int64] = pa.Field(ge=1, description="分录号")
    summary: Series[str] = pa.Field(description="摘要")
    account_code: Series[str] = pa.Field(str_matches=r"^\d+$", description="科目编码")
    account_name: Series[str] = pa.Field(description="科目名称")
    debit_fen: Series[np.int64] = pa.Field(description="借方金额（分）")
    credit_fen: Series[np.int64] = pa.Field(description="贷方金额（分）")
    counterparty: Series[str] = pa.Field(description="往来单位 / 收款人")
    settlement: Series[str] = pa.Field(description="结算方式")
    attachments: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="附件张数")
    decision_ref: Series[str] = pa.Field(description="民主决策编号")
    contract_ref: Series[str] = pa.Field(description="合同编号")
    preparer: Series[str] = pa.Field(description="制单人")
    reviewer: Series[str] = pa.Field(description="审核人")
    bookkeeper: Series[str] = pa.Field(description="记账人")
    source_file: Series[str] = pa.Field(str_length={"min_value": 1}, description="来源文件名")
    source_sheet: Series[str] = pa.Field(description="来源工作表（CSV 为空）")
    source_row: Series[np.int64] = pa.Field(ge=1, description="来源行号（打开文件时看到的行号）")
    entry_id: Series[str] = pa.Field(unique=True, description="稳定的分录编号")
    content_hash: Series[str] = pa.Field(description="分录内容指纹（更正后会变化）")
    extra: Series[str] = pa.Field(description="未识别列的原始值（JSON）")

    class Config:
        strict = True
        ordered = True


ENTRY_COLUMNS: list[str] = list(JournalEntry.to_schema().columns)
INTEGER_COLUMNS: list[str] = [
    "voucher_number", "line_no", "debit_fen", "credit_fen", "source_row"
]
TEXT_COLUMNS: list[str] = [
    name
    for name in ENTRY_COLUMNS
    if name not in {"voucher_date", "attachments", *INTEGER_COLUMNS}
]


def empty_entries() -> pd.DataFrame:
    """A frame with the canonical columns and dtypes and no rows."""
    frame = pd.DataFrame({name: pd.Series(dtype="str") for name in TEXT_COLUMNS})
    frame["voucher_date"] = pd.Series(dtype="datetime64[s]")
    for name in INTEGER_COLUMNS:
        frame[name] = pd.Series(dtype="int64")
    frame["attachments"] = pd.Series(dtype="Int64")
    return frame[ENTRY_COLUMNS]
