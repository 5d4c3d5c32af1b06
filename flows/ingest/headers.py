"""Header aliases of FORMATS.md §1, finding the header row, and mapping columns to fields."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from flows.ingest.errors import where

HEADER_SEARCH_ROWS = 10

# Canonical field -> Chinese headers seen in exports, preferred first. When two columns match
# one field (e.g. 凭证日期 and 记账日期), the earlier alias wins and the other column is kept
# as an unknown column in ``extra``.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "town": ("乡镇", "镇", "所属乡镇", "街道"),
    "village": ("单位名称", "单位", "村名", "核算单位", "账套名称"),
    "org_code": ("单位编码", "单位代码"),
    "period": ("会计期间", "期间"),
    "voucher_date": ("凭证日期", "日期", "制单日期", "记账日期", "业务日期"),
    "voucher_no": ("凭证号", "凭证字号", "凭证编号", "凭证号数"),
    "voucher_word": ("凭证字",),
    "line_no": ("分录号", "序号"),
    "summary": ("摘要",),
    "account_code": ("科目编码", "科目代码", "科目"),
    "account_name": ("科目名称",),
    "debit": ("借方金额", "借方发生额", "借方"),
    "credit": ("贷方金额", "贷方发生额", "贷方"),
    "direction": ("方向", "借贷方向"),
    "amount": ("金额", "发生额"),
    "counterparty": ("往来单位", "对方单位", "收款单位", "收款人", "客户", "供应商"),
    "settlement": ("结算方式",),
    "attachments": ("附件张数", "附单据数", "附件数"),
    "decision_ref": ("决议编号", "民主决策编号", "会议记录号"),
    "contract_ref": ("合同编号",),
    "preparer": ("制单人", "制单"),
    "reviewer": ("审核人", "审核", "复核人"),
    "bookkeeper": ("记账人", "记账", "过账人"),
}
_ALIAS_RANK: dict[str, tuple[str, int]] = {
    alias: (field, rank)
    for field, aliases in FIELD_ALIASES.items()
    for rank, alias in enumerate(aliases)
}
# A trailing unit such as （元） and a leading required-field star are decoration.
_DECORATION = re.compile(r"^\*|\((?:元|人民币|人民币元|张|号)\)$")


def header_key(text: str) -> str:
    """A header as compared with the aliases: NFKC width, no whitespace, no unit suffix."""
    folded = "".join(unicodedata.normalize("NFKC", text).split())
    return _DECORATION.sub("", folded)


def field_of(text: str) -> str | None:
    """The canonical field a header names, or None for a column we do not know."""
    match = _ALIAS_RANK.get(header_key(text))
    return match[0] if match else None


def find_header_row(rows: Sequence[Sequence[str]]) -> int | None:
    """Index of the first row naming a voucher date and a voucher number, among the first 10."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        fields = {field_of(cell) for cell in row}
        if {"voucher_date", "voucher_no"} <= fields:
            return index
    return None


def header_expectation() -> str:
    """What a header row must contain, for error messages."""
    dates = "/".join(FIELD_ALIASES["voucher_date"])
    numbers = "/".join(FIELD_ALIASES["voucher_no"])
    return f"需要有一行同时包含日期列（{dates}）和凭证号列（{numbers}）"


@dataclass(frozen=True)
class ColumnMap:
    """Which column holds which canonical field; the rest are unknown columns for ``extra``.

    ``labels`` are the headers as written (surrounding spaces removed), made unique (an empty
    header becomes 第N列, a repeated one gets its column number); reasons and JSON keys use them.
    """

    fields: dict[str, int]
    unknown: list[int]
    labels: list[str]

    def label(self, field: str) -> str:
        return self.labels[self.fields[field]]

    def missing_required(self) -> list[str]:
        """Required fields without a column, each with the headers that would satisfy it."""
        missing = [
            f"{'/'.join(FIELD_ALIASES[field])}"
            for field in ("voucher_date", "voucher_no", "summary", "account_code")
            if field not in self.fields
        ]
        has_pair = "debit" in self.fields or "credit" in self.fields
        has_direction = "direction" in self.fields and "amount" in self.fields
        if not has_pair and not has_direction:
            missing.append(
                f"金额列（{'/'.join(FIELD_ALIASES['debit'])} 与 "
                f"{'/'.join(FIELD_ALIASES['credit'])}，或 方向 + 金额）"
            )
        return missing


def map_columns(headers: Sequence[str]) -> ColumnMap:
    """Assign each canonical field the column whose header is its most preferred alias."""
    labels = _labels(headers)
    best: dict[str, tuple[int, int]] = {}
    for position, header in enumerate(headers):
        match = _ALIAS_RANK.get(header_key(header))
        if match is None:
            continue
        field, rank = match
        if field not in best or rank < best[field][0]:
            best[field] = (rank, position)
    fields = {field: position for field, (_, position) in best.items()}
    if "debit" in fields or "credit" in fields:
        # A debit/credit pair wins over 方向 + 金额; those stay as unknown columns.
        fields.pop("direction", None)
        fields.pop("amount", None)
    used = set(fields.values())
    unknown = [position for position in range(len(headers)) if position not in used]
    return ColumnMap(fields=fields, unknown=unknown, labels=labels)


def _labels(headers: Sequence[str]) -> list[str]:
    stripped = [header.strip() for header in headers]
    labels: list[str] = []
    for position, text in enumerate(stripped):
        if not text:
            labels.append(f"第{position + 1}列")
        elif text in stripped[:position]:
            labels.append(f"{text}（第{position + 1}列）")
        else:
            labels.append(text)
    return labels


def no_header_message(file: str, sheet: str = "") -> str:
    """What to say when no row of the first 10 looks like a header."""
    return (
        f"{where(file, sheet)}：在前 {HEADER_SEARCH_ROWS} 行中未找到表头："
        f"{header_expectation()}。请确认导出的是凭证明细（序时账），表头位于前 "
        f"{HEADER_SEARCH_ROWS} 行内，并使用上述列名之一。"
    )
