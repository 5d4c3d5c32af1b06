"""The canonical columns of the registers (合同台账, 收付款计划, 资产台账, 资源台账), of a
contract's schedule of amounts due, and of a register finding.

Money is integer fen (nullable ``Int64`` where a register may leave it blank); dates are
``datetime64[ns]`` (NaT when blank); areas are in 亩 (``float64``; the unit the file used is kept
in ``area_unit``); every other field is text (pandas' default ``str``, "" when blank).
Each register row keeps where it came from (``source_file``, ``source_sheet``, ``source_row``:
the row number a person sees in the file), the cells no field took (``extra``, a JSON object of
header → text) and ``content_hash`` (a hash of its canonical fields, for decisions that survive
reruns while the row is unchanged).
"""

from __future__ import annotations

import pandas as pd

REGISTER_KINDS = ("contracts", "plans", "assets", "resources")
# Chinese names of the register kinds, for what a person reads.
REGISTER_TITLES = {
    "contracts": "合同台账",
    "plans": "收付款计划",
    "assets": "资产台账",
    "resources": "资源台账",
}

SOURCE = ("source_file", "source_sheet", "source_row", "extra", "content_hash")
_SOURCE_TYPES = {"source_file": "str", "source_sheet": "str", "source_row": "int64",
                 "extra": "str", "content_hash": "str"}

CONTRACT_CATEGORIES = ("资源发包", "资产租赁", "工程建设", "采购服务", "出售出让", "其他")
LAND_CLASSES = ("耕地", "园地", "林地", "草地", "养殖水面", "四荒地", "机动地",
                "集体经营性建设用地", "房屋", "其他")
COLLECTIONS = ("按月", "按季", "按半年", "按年", "一次性")
ASSET_USES = ("自用", "出租", "发包", "闲置", "报废", "处置中", "在建")
RESOURCE_USES = ("集体自主经营", "出租", "发包", "闲置", "其他")
HOUSEHOLD_CONTRACTED = ("已承包到户", "未承包到户", "机动地")

# column → dtype ("str", "Int64" fen or count, "datetime64[ns]", "float64")
CONTRACT_COLUMNS: dict[str, str] = {
    "town": "str", "village": "str", "contract_no": "str", "contract_name": "str",
    "category": "str", "counterparty": "str", "counterparty_id": "str",
    "subject_no": "str", "subject_name": "str", "location": "str",
    "area_mu": "float64", "area_unit": "str", "land_class": "str",
    "signed_on": "datetime64[ns]", "start_on": "datetime64[ns]", "end_on": "datetime64[ns]",
    "amount_fen": "Int64", "annual_rent_fen": "Int64", "unit_price_fen": "Int64",
    "collection": "str", "first_due_on": "datetime64[ns]", "due_day": "str",
    "escalation": "str", "rent_free_days": "Int64", "deposit_fen": "Int64",
    "floor_price_fen": "Int64", "trade_mode": "str", "decision_ref": "str",
    "published_on": "datetime64[ns]", "filed_on": "datetime64[ns]", "status": "str",
    "previous_no": "str",
    **_SOURCE_TYPES,
}
PLAN_COLUMNS: dict[str, str] = {
    "town": "str", "village": "str", "contract_no": "str", "instalment": "Int64",
    "direction": "str",  # 收 or 付
    "due_on": "datetime64[ns]", "amount_due_fen": "Int64", "amount_received_fen": "Int64",
    "received_on": "datetime64[ns]", "voucher_no": "str",
    **_SOURCE_TYPES,
}
ASSET_COLUMNS: dict[str, str] = {
    "town": "str", "village": "str", "asset_no": "str", "asset_name": "str",
    "asset_class": "str", "acquired_on": "datetime64[ns]", "original_value_fen": "Int64",
    "depreciation_fen": "Int64", "net_value_fen": "Int64", "quantity": "str", "unit": "str",
    "location": "str", "use_status": "str", "contract_no": "str", "voucher_no": "str",
    "account_code": "str", "custodian": "str", "disposed_on": "datetime64[ns]",
    **_SOURCE_TYPES,
}
RESOURCE_COLUMNS: dict[str, str] = {
    "town": "str", "village": "str", "resource_no": "str", "resource_name": "str",
    "land_class": "str", "area_mu": "float64", "area_unit": "str", "location": "str",
    "household_contracted": "str", "use_mode": "str", "tenant": "str", "contract_no": "str",
    "annual_rent_fen": "Int64",
    **_SOURCE_TYPES,
}
COLUMNS: dict[str, dict[str, str]] = {
    "contracts": CONTRACT_COLUMNS, "plans": PLAN_COLUMNS,
    "assets": ASSET_COLUMNS, "resources": RESOURCE_COLUMNS,
}
# Each register's id column: unique within a village.
ID_COLUMNS = {"contracts": "contract_no", "assets": "asset_no", "resources": "resource_no"}

# One amount due under a contract, and what of the journal was matched to it.
SCHEDULE_COLUMNS: dict[str, str] = {
    "town": "str", "village": "str", "contract_no": "str", "instalment": "Int64",
    "direction": "str",  # 收 (rent due to the village) or 付 (a works payment due)
    "due_on": "datetime64[ns]", "amount_due_fen": "Int64",
    "origin": "str",  # terms (made from the contract) or plan (the payment plan)
    "matched_fen": "Int64", "matched_entry_ids": "object",  # list of entry ids
    "last_received_on": "datetime64[ns]",
    "status": "str",  # 已收清, 部分收到, 逾期未收, 未到期, 账期之前 (before the books: not judged)
    "days_overdue": "Int64",
}

# One finding of a register check, before findings become cases (docs/registers.md, "结果、案件与
# 重新运行": subject_kind contract, asset, resource or account; subject_id the register's id or
# the account code).
REGISTER_FINDING_COLUMNS: dict[str, str] = {
    "town": "str", "village": "str", "subject_kind": "str", "subject_id": "str",
    "check_id": "str", "kind": "str",  # rule or signal
    "severity": "str", "periods": "object",  # list of "YYYY-MM"
    "amount_fen": "Int64", "reason": "str",  # one Chinese sentence with the figures
    "entry_ids": "object",  # list: the journal lines that are evidence, empty for an absence
    "evidence": "str",  # JSON: terms, schedule rows, balances compared
    "content_hash": "str",  # the subject's register row(s) content, for decisions
}


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """A frame with no rows and ``columns``' dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
