"""findings.parquet: the run's cases, one row per case, in the county's order (README.md,
你会得到什么).

Each town's cases are made with its report (:func:`models.cases.town_cases`, kept in the
town's report part); the county's file puts them in one order — strongest case first, ties by
the county's rank of their first entry — and numbers them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from checks.registers.audit import REGISTER_CHECKS
from checks.rules import RULES
from checks.signals import SIGNALS
from flows.parts import parquet_writer, read_parts
from review.digest import CASE_LINKS as CASE_LINKS  # declared with the store's digest

# Rule and signal ids → their Chinese names, for what a person reads.
FINDING_TITLES: dict[str, str] = {rule.id: rule.message for rule in RULES} | {
    signal.id: signal.name for signal in SIGNALS} | {
    check.id: check.name for check in REGISTER_CHECKS}
_TEXTS = pa.list_(pa.string())
CASES_SCHEMA = pa.schema([
    ("case_id", pa.string()), ("subject_kind", pa.string()), ("subject_id", pa.string()),
    ("town", pa.string()), ("village", pa.string()), ("periods", _TEXTS),
    ("rule_ids", _TEXTS), ("signals", _TEXTS), ("risk_score", pa.float64()),
    ("raised_by", pa.string()), ("amount_fen", pa.int64()), ("reasons", _TEXTS),
    ("entry_ids", _TEXTS),
])
FINDINGS_SCHEMA = CASES_SCHEMA.insert(
    CASES_SCHEMA.get_field_index("risk_score") + 1, pa.field("rank", pa.int64()))


def cases_table(cases: pd.DataFrame) -> pa.Table:
    """A town's cases as its report part keeps them."""
    return _table(cases, CASES_SCHEMA)


def _table(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """``frame``'s columns in ``schema``'s types, without pandas' metadata (which names the
    list columns' pandas types, unreadable back by pandas itself)."""
    return pa.table({field.name: pa.array(frame[field.name].tolist(), type=field.type)
                     for field in schema}, schema=schema)


def county_cases(part_dirs: list[str], entry_ranks: pd.Series) -> pd.DataFrame:
    """The towns' cases in one order with their ``rank``: by risk, then by the county's rank
    of their first entry (``entry_ranks``: entry_id → rank of the flagged entries)."""
    if not part_dirs:
        return pd.DataFrame({field.name: pd.Series(dtype="object")
                             for field in FINDINGS_SCHEMA})
    cases = read_parts(part_dirs, "cases")
    first = [min((int(entry_ranks.get(entry_id, np.iinfo(np.int64).max))
                  for entry_id in entry_ids), default=np.iinfo(np.int64).max)
             for entry_ids in cases["entry_ids"]]
    cases = cases.assign(first=first).sort_values(
        ["risk_score", "first"], ascending=[False, True], kind="stable")
    cases["rank"] = np.arange(1, len(cases) + 1)
    return cases.drop(columns="first").reset_index(drop=True)


def write_findings_parquet(cases: pd.DataFrame, path: Path) -> Path:
    """findings.parquet, one row per case (:data:`FINDINGS_SCHEMA`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = _table(cases, FINDINGS_SCHEMA)
    with parquet_writer(path, table) as writer:
        writer.write_table(table)
    return path
