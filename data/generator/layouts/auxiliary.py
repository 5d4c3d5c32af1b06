"""Counterparties as accounting software files them: auxiliary items (辅助核算) of a kind, with a
code, beside the account (docs/reading-exports.md).

A person is filed as 个人 (职员 in an import template), a firm as 供应商, or as 客户 on a voucher
that brings money in. Codes number each kind's names in their order in the file (``S0012``,
``C0003``, ``P003``). 管理费用 lines with a counterparty also carry the department (部门:村委会),
an item that is no counterparty, so it never stands alone on a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

PERSON = "个人"
SUPPLIER = "供应商"
CUSTOMER = "客户"
CODE_PREFIXES = {SUPPLIER: ("S", 4), CUSTOMER: ("C", 4), PERSON: ("P", 3)}
DEPARTMENT_KIND, DEPARTMENT_CODE, DEPARTMENT = "部门", "D01", "村委会"
DEPARTMENT_ACCOUNT = "管理费用"
MAX_PERSON_NAME = 4  # 2–3 characters, 4 with a double surname
ORGANISATION = re.compile(r"(?:公司|厂|店|超市|合作社|中心|站|所|社|队|农场|银行|支行|局)$")
MONEY_ACCOUNTS = ("101", "102")  # 现金/库存现金, 银行存款


@dataclass(frozen=True)
class AuxiliaryItems:
    """Per line: the counterparty's kind and code ("" without one), and whether the line also
    names the department."""

    kind: pd.Series
    code: pd.Series
    department: pd.Series


def auxiliary_items(lines: pd.DataFrame) -> AuxiliaryItems:
    """The auxiliary items of one file's lines."""
    name = lines["counterparty"]
    named = name != ""
    person = named & (name.str.len() <= MAX_PERSON_NAME) & ~name.str.contains(ORGANISATION)
    voucher = (lines["line_no"] == 1).cumsum()
    money_in = lines["account_code"].str.startswith(MONEY_ACCOUNTS) & (lines["debit_fen"] > 0)
    receipt = money_in.groupby(voucher).transform("any")
    kind = pd.Series(
        np.select([person, named & receipt, named], [PERSON, CUSTOMER, SUPPLIER], ""),
        index=lines.index, dtype="str",
    )
    code = pd.Series("", index=lines.index, dtype="str")
    for wanted, (prefix, digits) in CODE_PREFIXES.items():
        rows = kind == wanted
        if rows.any():
            numbers, _ = pd.factorize(name[rows])
            code[rows] = prefix + pd.Series(numbers + 1, index=name.index[rows]).astype(
                "str").str.zfill(digits)
    department = named & lines["account_name"].str.startswith(DEPARTMENT_ACCOUNT)
    return AuxiliaryItems(kind=kind, code=code, department=department)


def coded_names(items: AuxiliaryItems, names: pd.Series) -> pd.Series:
    """``S0012_某县建筑工程公司``; "" on lines without a counterparty."""
    return (items.code + "_" + names).where(items.kind != "", "")


def auxiliary_cells(items: AuxiliaryItems, names: pd.Series, *, department: bool) -> pd.Series:
    """The items in one cell: ``供应商:S0012_某县建筑工程公司``, with ``；部门:村委会`` where the
    line names the department and ``department`` asks for it."""
    cells = (items.kind + ":" + coded_names(items, names)).where(items.kind != "", "")
    if department:
        cells = cells.where(~items.department, cells + f"；{DEPARTMENT_KIND}:{DEPARTMENT}")
    return cells
