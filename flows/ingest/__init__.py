"""Ingestion of ledger exports (FORMATS.md §1–§3): files in, canonical entries out.

    load = read_ledger_file(path, default_town=params.default_town)
    entries = assign_entry_ids(pd.concat([...loads' entries...], ignore_index=True))

Modules, one idea each: ``encoding`` (UTF-8 / BOM / GB18030), ``headers`` (aliases, header
row), ``titles`` (town, village, period from headings and names), ``grid`` (CSV → text grid
with line numbers), ``workbook`` (xlsx/xls → grids), ``cells`` (vectorised cell parsers),
``normalise`` (grid → entries + quarantine), ``identity`` (entry_id, content_hash), ``load``
(one file end to end).
"""

from flows.ingest.errors import LedgerFileError
from flows.ingest.identity import assign_entry_ids
from flows.ingest.load import FileLoad, FileReport, read_ledger_file

__all__ = ["FileLoad", "FileReport", "LedgerFileError", "assign_entry_ids", "read_ledger_file"]
