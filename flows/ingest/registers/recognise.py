"""Which register a file or sheet is, by its header row, and which column is which field.

A header row is looked for in the first rows of a sheet, as a journal's is; it is a register's
when it names the fields of that register's signature (:data:`~.aliases.SIGNATURES`) and does
not look like a journal's header. :func:`register_kind` reads only the head of a file, so a
run can sort its inputs into journals and registers cheaply.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from checks.registers.columns import REGISTER_KINDS
from flows.ingest.encoding import to_utf8
from flows.ingest.errors import LedgerFileError
from flows.ingest.headers import (
    HEADER_SEARCH_ROWS,
    ColumnMap,
    field_aliases,
    header_fields,
    looks_like_header,
    map_columns,
)
from flows.ingest.load import CSV_SUFFIXES, WORKBOOK_SUFFIXES
from flows.ingest.profiles import ImportProfile
from flows.ingest.registers.aliases import FIELD_ALIASES, SIGNATURES, header_parts
from flows.ingest.registers.sheet_heads import xlsx_heads
from flows.ingest.workbook import cell_text

HEAD_BYTES = 65536  # the head of a CSV file that holds its header row
DELIMITERS = (",", "\t", ";")
XLSX_SUFFIXES = {".xlsx", ".xlsm"}  # zipped XML, whose first rows can be read alone


@dataclass(frozen=True)
class RegisterHeader:
    """A register's header row understood: its kind, each field's columns (a journal
    :class:`~flows.ingest.headers.ColumnMap`, so rows are skipped, kept in ``extra`` and
    quarantined as a journal's are) and the unit each column's header names (``万元``, ``亩``)."""

    kind: str
    columns: ColumnMap
    units: dict[int, str]


def register_kind(path: Path) -> str | None:
    """``contracts``, ``plans``, ``assets`` or ``resources`` when a sheet of the file has a
    register's header row in its first rows; None for anything else (a journal, a file that
    cannot be read). Reads the head of a CSV file, the first rows of a workbook's sheets."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in CSV_SUFFIXES:
            heads = [[cells for _, cells in csv_head(path)]]
        elif suffix in WORKBOOK_SUFFIXES:
            heads = _workbook_heads(path)
        else:
            return None
    except (LedgerFileError, OSError, CalamineError, csv.Error):
        return None
    for rows in heads:
        found = find_register_header(rows)
        if found is not None:
            return found[1]
    return None


def find_register_header(
    rows: Sequence[Sequence[str]], profile: ImportProfile | None = None
) -> tuple[int, str] | None:
    """(index of the header row, register kind) among the first rows, or None."""
    journal = {alias: name for name, keys in field_aliases(profile).items() for alias in keys}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [header_parts(cell)[0] for cell in row]
        for kind in REGISTER_KINDS:
            if _has_signature(kind, keys) and not looks_like_header(header_fields(row, journal)):
                return index, kind
    return None


def map_register_columns(
    kind: str, headers: Sequence[str], profile: ImportProfile | None = None
) -> RegisterHeader:
    """Each field's columns, by the rank of their header among the field's aliases; a
    profile's ``columns`` for the fields a journal shares with registers (town, village,
    counterparty, decision_ref) come first, and its ``ignore`` headers are no field."""
    parts = [header_parts(header) for header in headers]
    aliases = _aliases(kind, profile)
    ignored = {header_parts(text)[0] for text in profile.ignore} if profile else set()
    rank = {alias: (name, order) for name, keys in reversed(list(aliases.items()))
            for order, alias in enumerate(keys)}
    found: dict[str, list[tuple[int, int]]] = {}
    for position, (key, _) in enumerate(parts):
        if key in rank and key not in ignored:
            name, order = rank[key]
            found.setdefault(name, []).append((order, position))
    fields = {name: tuple(position for _, position in sorted(columns))
              for name, columns in found.items()}
    # the journal's labels: headers as written, an empty one 第N列, a repeated one numbered
    labels = map_columns(headers).labels
    columns = ColumnMap(fields=fields, labels=labels, profile=profile.name if profile else "")
    return RegisterHeader(kind=kind, columns=columns,
                          units={position: unit for position, (_, unit) in enumerate(parts)
                                 if unit})


def _aliases(kind: str, profile: ImportProfile | None) -> dict[str, tuple[str, ...]]:
    own = FIELD_ALIASES[kind]
    if profile is None:
        return own
    shared = {name: tuple(header_parts(alias)[0] for alias in profile.columns[name])
              for name in own if name in profile.columns}
    return {name: tuple(dict.fromkeys([*shared.get(name, ()), *keys]))
            for name, keys in own.items()}


def _has_signature(kind: str, keys: list[str]) -> bool:
    owner = {alias: name for name, aliases in FIELD_ALIASES[kind].items() for alias in aliases}
    named = {owner[key] for key in keys if key in owner}
    every, some = SIGNATURES[kind]
    return every <= named and bool(some & named)


def csv_head(path: Path) -> list[tuple[int, list[str]]]:
    """The first records of a CSV file with the line each starts on, read from its first bytes
    only; the separator is the one (comma, tab, semicolon) that makes the most cells."""
    with path.open("rb") as file:
        data = file.read(HEAD_BYTES)
        more = bool(file.read(1))
    if more and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]  # no character cut in two at the end
    body, _ = to_utf8(data, file=path.name)
    text = body.decode("utf-8")
    heads = [_records(text, delimiter) for delimiter in DELIMITERS]
    return max(heads, key=lambda records: sum(len(cells) for _, cells in
                                               records[:HEADER_SEARCH_ROWS]))


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = []
    line = 1
    for cells in reader:
        records.append((line, cells))
        line = reader.line_num + 1
    return records


def _workbook_heads(path: Path) -> list[list[list[str]]]:
    if path.suffix.lower() in XLSX_SUFFIXES:
        heads = xlsx_heads(path, HEADER_SEARCH_ROWS)
        if heads is not None:
            return heads
    workbook = CalamineWorkbook.from_path(str(path))
    heads = []
    for name in workbook.sheet_names:
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False,
                                                          nrows=HEADER_SEARCH_ROWS)
        heads.append([[cell_text(value) for value in row] for row in rows])
    return heads
