"""Layout A: the county platform's CSV export, many villages per file (平台导出 CSV in
docs/reading-exports.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from data.generator.layouts.formatting import amount_columns, hyphen_voucher_numbers, iso_dates

HEADER_ROWS = 1


def platform_file_name(town: str, years: list[int]) -> str:
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
    return f"{town}_{span}.csv"


def write_platform_csv(lines: pd.DataFrame, path: Path, *, variant: int) -> np.ndarray:
    """Write ``lines`` as a platform CSV; returns each line's 1-based row in the file.

    Variant 0 is UTF-8 with BOM and periods ``2023-11``; variant 1 has no BOM and periods
    ``2023年11月``.
    """
    debit, credit = amount_columns(lines, thousands=False, zero="0.00")
    period = lines["period"]
    if variant == 1:
        period = period.str.slice(0, 4) + "年" + period.str.slice(5, 7) + "月"
    table = pd.DataFrame(
        {
            "乡镇": lines["town"],
            "单位名称": lines["village"],
            "单位编码": lines["org_code"],
            "会计期间": period,
            "凭证日期": iso_dates(lines),
            "凭证号": hyphen_voucher_numbers(lines),
            "分录号": lines["line_no"],
            "摘要": lines["summary"],
            "科目编码": lines["account_code"],
            "科目名称": lines["account_name"],
            "借方金额": debit,
            "贷方金额": credit,
            "往来单位": lines["counterparty"],
            "结算方式": lines["settlement"],
            "附件张数": lines["attachments"],
            "决议编号": lines["decision_ref"],
            "合同编号": lines["contract_ref"],
            "制单人": lines["preparer"],
            "审核人": lines["reviewer"],
            "记账人": lines["bookkeeper"],
        }
    )
    table.to_csv(
        path, index=False, encoding="utf-8-sig" if variant == 0 else "utf-8", lineterminator="\n"
    )
    return np.arange(HEADER_ROWS + 1, HEADER_ROWS + 1 + len(lines))
