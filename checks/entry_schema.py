"""The canonical journal entry (分录), as a pandera schema: the fields every export is read into
(docs/reading-exports.md lists them with the Chinese headers they come from).

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

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def _text(description: str, *checks: pa.Check, unique: bool = False) -> pa.Column:
    return pa.Column(str, list(checks), unique=unique, description=description)


def _integer(description: str, minimum: int | None = None) -> pa.Column:
    return pa.Column(np.int64, [] if minimum is None else [pa.Check.ge(minimum)],
                     description=description)


NON_EMPTY = pa.Check.str_length(min_value=1)

# The object form of a pandera schema: a ``DataFrameModel`` with ``Series[...]`` annotations
# makes pandera import its Dask typing (a second, measured, in every process that imports
# this module) only to learn that these columns are not Dask's.
JournalEntry = pa.DataFrameSchema(
    {
        "town": _text("乡镇"),
        "village": _text("村（核算单位）", NON_EMPTY),
        "org_code": _text("单位编码"),
        "period": _text("会计期间 YYYY-MM", pa.Check.str_matches(PERIOD_PATTERN)),
        "voucher_date": pa.Column(pa.DateTime, description="凭证日期"),
        "voucher_word": _text("凭证字", NON_EMPTY),
        "voucher_number": _integer("凭证号", 0),
        "voucher_no": _text("凭证字号，如 记-12"),
        "line_no": _integer("分录号", 1),
        "summary": _text("摘要"),
        "account_code": _text("科目编码", pa.Check.str_matches(r"^\d+$")),
        "account_name": _text("科目名称"),
        "debit_fen": _integer("借方金额（分）"),
        "credit_fen": _integer("贷方金额（分）"),
        "counterparty": _text("往来单位 / 收款人"),
        "settlement": _text("结算方式"),
        "attachments": pa.Column(pd.Int64Dtype, pa.Check.ge(0), nullable=True,
                                 description="附件张数"),
        "decision_ref": _text("民主决策编号"),
        "contract_ref": _text("合同编号"),
        "preparer": _text("制单人"),
        "reviewer": _text("审核人"),
        "bookkeeper": _text("记账人"),
        "source_file": _text("来源文件名", NON_EMPTY),
        "source_sheet": _text("来源工作表（CSV 为空）"),
        "source_row": _integer("来源行号（打开文件时看到的行号）", 1),
        "entry_id": _text("稳定的分录编号", unique=True),
        "content_hash": _text("分录内容指纹（更正后会变化）"),
        "extra": _text("未识别列的原始值（JSON）"),
    },
    strict=True,
    ordered=True,
    name="JournalEntry",
    description="One loaded journal line with where it came from.",
)

ENTRY_COLUMNS: list[str] = list(JournalEntry.columns)
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
