"""Validation of entries against the canonical schema, collecting every failure (lazy)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from checks.entry_schema import ENTRY_COLUMNS, JournalEntry

SCHEMA_ERROR_COLUMNS = ["entry_id", "column", "check", "failure_case", "row"]


def missing_columns(entries: pd.DataFrame) -> list[str]:
    return [name for name in ENTRY_COLUMNS if name not in entries.columns]


def canonical_failures(entries: pd.DataFrame) -> pd.DataFrame:
    """Every failure of ``entries`` against :data:`JournalEntry`, one row per failure.

    ``row`` is the 0-based position of the failing entry (empty for whole-column failures such
    as a wrong dtype), ``entry_id`` its id where the row is known.
    """
    entries = entries.reset_index(drop=True)
    try:
        JournalEntry.validate(entries, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return pd.DataFrame({name: pd.Series(dtype="str") for name in SCHEMA_ERROR_COLUMNS})
    positions = pd.to_numeric(cases["index"], errors="coerce")
    known = positions.notna() & positions.between(0, len(entries) - 1)
    entry_ids = pd.Series("", index=cases.index, dtype="str")
    if "entry_id" in entries.columns and known.any():
        entry_ids[known] = (
            entries["entry_id"].iloc[positions[known].astype("int64")].astype("str").to_numpy()
        )
    return pd.DataFrame(
        {
            "entry_id": entry_ids,
            "column": cases["column"].astype("str").fillna(""),
            "check": cases["check"].astype("str").fillna(""),
            "failure_case": cases["failure_case"].astype("str").fillna(""),
            "row": positions.astype("Int64").astype("str").fillna(""),
        }
    ).reset_index(drop=True)
