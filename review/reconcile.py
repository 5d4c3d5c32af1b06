"""What a run changes for the findings already in the store: new, changed, unchanged, resolved.

Per flagged entry (``entry_id``, the store's ``cases`` rows): open until a run that loaded its
village and period no longer flags it; changed when its content hash differs. Per case (the
entries a run groups, ``case_id``): new when none of its lines was open before, unchanged when
it is the same case with the same content, changed otherwise (a line corrected, or the lines
grouped differently), resolved when a run no longer flags any of its open lines. Decisions
follow from these elsewhere (review/dispositions.py); nothing here touches them.
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
    stored so far (at least those of the run's towns), and ``in_county`` where the store knows
    which of them the run's county owns; ``findings`` the flagged entries of this run;
    ``scope`` the cells the run loaded. Only open cases inside ``scope`` (and of the county)
    can be resolved, so a run over one town never resolves another town's findings, nor a
    county's run another county's.
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
    if "in_county" in in_scope:
        in_scope = in_scope.loc[in_scope["in_county"].astype("bool")]
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


CASE_CHANGES = ("new", "resolved", "changed", "unchanged")


def case_changes(
    *, known_cases: pd.DataFrame, findings: pd.DataFrame, changes: pd.DataFrame
) -> dict[str, int]:
    """How many of the run's cases are new, changed or unchanged, and how many stored open
    cases it resolved (every open line of them resolved by this run).

    ``known_cases``: the stored entries as :func:`classify_changes` takes them, with their
    ``case_id``; ``findings``: the run's flagged entries with their ``case_id``; ``changes``:
    what :func:`classify_changes` made of them."""
    open_before = known_cases.loc[known_cases["status"] == "open", ["entry_id", "case_id"]]
    change = changes.set_index("entry_id")["change"]
    lines = findings[["entry_id", "case_id"]].assign(
        was_open=among(findings["entry_id"], open_before["entry_id"]),
        same=findings["entry_id"].map(change).eq("unchanged").to_numpy(),
        known=among(findings["case_id"], open_before["case_id"]),
    )
    per_case = lines.groupby("case_id").agg(
        was_open=("was_open", "any"), same=("same", "all"), known=("known", "first"))
    new = int((~per_case["was_open"]).sum())
    unchanged = int((per_case["was_open"] & per_case["same"] & per_case["known"]).sum())
    gone = open_before.assign(resolved=open_before["entry_id"].map(change).eq("resolved"))
    resolved = int(gone.groupby("case_id")["resolved"].all().sum()) if len(gone) else 0
    return {"new": new, "resolved": resolved, "changed": len(per_case) - new - unchanged,
            "unchanged": unchanged}
