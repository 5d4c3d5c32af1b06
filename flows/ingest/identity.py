"""Stable entry ids and content fingerprints for canonical entries.

``entry_id`` names a journal line by where it sits in the books — town, village, period,
voucher word and number, line — so a rerun, a renamed file or a moved row keeps the id.
``content_hash`` fingerprints what the line says, so a corrected line is recognised as changed.
Both are 64-bit hashes (``pandas.util.hash_pandas_object`` with a fixed key over the canonical
dtypes) written as 16 hex digits; a test pins known values so a change of algorithm is noticed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

ENTRY_KEY_COLUMNS = ["town", "village", "period", "voucher_word", "voucher_number", "line_no"]
CONTENT_COLUMNS = [
    "voucher_date", "summary", "account_code", "account_name", "debit_fen", "credit_fen",
    "counterparty", "settlement", "attachments", "decision_ref", "contract_ref",
    "preparer", "reviewer", "bookkeeper",
]
SOURCE_ORDER = ["source_file", "source_sheet", "source_row"]
# Changing the key changes every id ever issued; it is part of the id's definition.
HASH_KEY = "sanzi-audit-id-1"


def assign_entry_ids(entries: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``entries`` with ``entry_id`` and ``content_hash`` filled in.

    Run it on all files of a run together: when two lines get the same id (a voucher number
    used twice), the later ones in (source_file, source_sheet, source_row) order get -2, -3 ….
    """
    hashes = row_hashes(entries[ENTRY_KEY_COLUMNS])
    ids = hex_digests(hashes, entries.index)
    repeated = pd.Series(hashes).duplicated(keep=False).to_numpy()
    if repeated.any():
        ids = _suffix_repeats(ids, entries, repeated)
    result = entries.copy()
    result["entry_id"] = ids.array
    result["content_hash"] = hex_digests(row_hashes(entries[CONTENT_COLUMNS]), entries.index).array
    return result


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """One unsigned 64-bit hash per row of the given columns, independent of other rows."""
    canonical = {}
    for name, values in frame.items():
        if pd.api.types.is_datetime64_any_dtype(values):
            canonical[name] = values.astype("datetime64[s]").astype("int64")
        elif pd.api.types.is_integer_dtype(values):
            canonical[name] = values.astype("Int64").fillna(-1).astype("int64")
        else:
            canonical[name] = values.astype("str")
    hashed = pd.util.hash_pandas_object(
        pd.DataFrame(canonical, index=frame.index), index=False, hash_key=HASH_KEY
    )
    return hashed.to_numpy(dtype=np.uint64)


def hex_digests(hashes: np.ndarray, index: pd.Index) -> pd.Series:
    """16 lower-case hex digits per hash, built in one pass over the bytes."""
    count = len(hashes)
    digits = hashes.astype(">u8").tobytes().hex().encode("ascii")
    offsets = np.arange(0, 16 * (count + 1), 16, dtype=np.int32)
    text = pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(digits))
    return text.to_pandas().set_axis(index)


def _suffix_repeats(ids: pd.Series, entries: pd.DataFrame, repeated: np.ndarray) -> pd.Series:
    """Keep the first of each repeated id in source order; suffix the later ones -2, -3 …."""
    positions = np.flatnonzero(repeated)
    subset = (
        entries.iloc[positions][SOURCE_ORDER]
        .reset_index(drop=True)
        .assign(entry_id=ids.iloc[positions].to_numpy(), position=positions)
        .sort_values(SOURCE_ORDER, kind="stable")
    )
    rank = subset.groupby("entry_id", sort=False).cumcount() + 1
    later = subset[rank > 1]
    suffixed = ids.copy()
    suffixed.iloc[later["position"].to_numpy()] = (
        later["entry_id"] + "-" + rank[rank > 1].astype("str")
    ).to_numpy()
    return suffixed
