"""What a run changes for the cases already in the store: new, changed, unchanged, resolved.

A case is one flagged entry (``entry_id``), open until a run that loaded its village and period
no longer flags it. Decisions are keyed by ``entry_id`` + ``content_hash`` elsewhere, so here a
changed hash is all it takes to reopen a decided case; nothing in this module touches decisions.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CELL = ["town", "village", "period"]
CHANGE_COLUMNS = ["entry_id", "town", "village", "change", "previous_hash", "content_hash"]


def among(values: pd.Series, candidates: Iterable[str] | pd.Series | pd.Index) -> np.ndarray:
    """``values.isin(candidates)`` for texts such as entry ids, matched by Arrow: pandas 3
    turns each candidate into a Python object first, seconds for a city's findings."""
    return pc.is_in(_texts(values), value_set=_texts(candidates)).to_numpy(zero_copy_only=False)


def _texts(values: Iterable[str] | pd.Series | pd.Index) -> pa.Array:
    return pa.array(pd.Series(values, dtype="str").array).cast(pa.large_string())


def run_scope(entries: pd.DataFrame) -> pd.DataFrame:
    """The (town, village, period) cells a run loaded, with entries and findings per cell."""
    return (
        entries.groupby(CELL, sort=True)
        .agg(n_entries=("entry_id", "size"), n_findings=("flagged", "sum"))
        .reset_index()
        .astype({"n_entries": "int64", "n_findings": "int64"})
    )


def classify_changes(
    *, known_cases: pd.DataFrame, findings: pd.DataFrame, scope: pd.DataFrame
) -> pd.DataFrame:
    """One row per case the run touches: ``change`` is new, changed, unchanged or resolved.

    ``known_cases`` has entry_id, town, village, period, content_hash and status of the cases
    stored so far (at least those of the run's towns); ``findings`` the flagged entries of this
    run; ``scope`` the cells the run loaded. Only open cases inside ``scope`` can be resolved,
    so a run over one town never resolves another town's findings.
    """
    open_cases = known_cases.loc[known_cases["status"] == "open"]
    previous = open_cases.set_index("entry_id")["content_hash"]
    flagged = findings[["entry_id", "town", "village", "content_hash"]].copy()
    flagged["previous_hash"] = flagged["entry_id"].map(previous)
    flagged["change"] = np.select(
        [flagged["previous_hash"].isna(), flagged["previous_hash"] != flagged["content_hash"]],
        ["new", "changed"],
        "unchanged",
    )
    in_scope = open_cases.merge(scope[CELL], on=CELL, how="inner")
    gone = in_scope.loc[~among(in_scope["entry_id"], flagged["entry_id"])]
    resolved = pd.DataFrame(
        {
            "entry_id": gone["entry_id"],
            "town": gone["town"],
            "village": gone["village"],
            "change": "resolved",
            "previous_hash": gone["content_hash"],
            "content_hash": pd.Series(pd.NA, index=gone.index, dtype="str"),
        }
    )
    changes = pd.concat([flagged[CHANGE_COLUMNS], resolved[CHANGE_COLUMNS]], ignore_index=True)
    return changes.astype({"change": "str"})
