"""Ingestion of ledger exports (docs/reading-exports.md): files in, canonical entries out.

    load = read_ledger_file(path, default_town=params.default_town)
    entries = assign_entry_ids(pd.concat([...loads' entries...], ignore_index=True))

Modules, one idea each: ``conventions`` (the header aliases and reading conventions of
``conventions.yaml``), ``profiles`` (import profiles, YAML), ``encoding`` (UTF-8 / BOM /
GB18030), ``headers`` (header row, columns → fields), ``titles`` (town, village, year from
headings, names and ``--unit``), ``grid`` (CSV → text grid with line numbers), ``workbook``
(xlsx/xls → rows), ``vouchers`` (printed 记账凭证 → grid), ``rows`` (rows that are not lines),
``cells`` (vectorised cell parsers), ``accounts`` (account cells → code and name),
``auxiliary`` (counterparties in 辅助核算), ``fields`` (a grid's rows → canonical fields),
``problems`` (quarantine reasons), ``normalise`` (grid → entries + quarantine), ``identity``
(entry_id, content_hash), ``load`` (one file end to end).
"""

from flows.ingest.errors import LedgerFileError
from flows.ingest.identity import assign_entry_ids
from flows.ingest.load import (
    FileLoad,
    FileReport,
    ReadOptions,
    SheetReport,
    read_ledger_file,
    reading_options,
)
from flows.ingest.profiles import ImportProfile, ProfileError, load_profile

__all__ = [
    "FileLoad", "FileReport", "ImportProfile", "LedgerFileError", "ProfileError", "ReadOptions",
    "SheetReport", "assign_entry_ids", "load_profile", "read_ledger_file", "reading_options",
]
