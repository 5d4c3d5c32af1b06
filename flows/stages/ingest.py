"""Ingest, per file: an export read into canonical entries (part "files/<key>"), small files in
batches; the same books delivered twice kept once; the run's quarantine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from checks.entry_schema import empty_entries
from checks.params import AuditParams
from flows.ingest import ImportProfile, LedgerFileError, ReadOptions, read_ledger_file
from flows.ingest.registers import read_register_file, register_kind
from flows.outputs import QUARANTINE_COLUMNS
from flows.parts import part_key, read_part
from flows.stages.common import BATCH_BYTES, FILES, LEDGER_SUFFIXES, NOT_LEDGERS
from flows.supersede import Holding, supersession


def find_ledger_files(inputs: Iterable[str | Path]) -> list[Path]:
    """Input paths expanded: a folder stands for the ledger files in it and its sub-folders."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files.extend(
                sorted(
                    candidate
                    for candidate in path.rglob("*")
                    if candidate.is_file()
                    and candidate.suffix.lower() in LEDGER_SUFFIXES
                    and candidate.name not in NOT_LEDGERS
                    and not candidate.name.startswith(("~$", "."))
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"输入路径不存在：{path}")
    return files




@dataclass(frozen=True)
class FilePart:
    """One export read: its report, the towns and villages in it, where its entries are.

    ``cells`` counts its rows per (town, village, period); ``superseded`` are the cells whose
    rows a later export of the same books replaces in this run (:mod:`flows.supersede`).
    ``register`` names the register a 三资 register file holds (contracts, plans, assets,
    resources; :mod:`checks.registers`), "" for a ledger; its rows are the part's
    ``register`` frame, and it has no entries.
    """

    file: str
    key: str
    report: dict[str, Any]
    towns: dict[str, list[str]]
    part_dir: str | None
    computed_in: str
    cells: dict[tuple[str, str, str], int] = field(default_factory=dict)
    superseded: tuple[tuple[str, str, str], ...] = ()
    register: str = ""

    @property
    def readable(self) -> bool:
        return not self.report.get("error")

    def superseded_in(self, town: str) -> list[tuple[str, str]]:
        """The (village, period) pairs of ``town`` this file gives up to a later export."""
        return [(village, period) for cell_town, village, period in self.superseded
                if cell_town == town]


def with_profile_chart(params: AuditParams, profile: ImportProfile | None,
                       files: list[FilePart]) -> AuditParams:
    """The parameters with the chart the user's profile names (``chart``) for every unit its
    files hold, where ``unit_charts`` names none."""
    if profile is None or profile.chart is None:
        return params
    named = {f"{town}/{village}": profile.chart for part in files
             for town, villages in part.towns.items() for village in villages
             if not params.unit_chart(town, village)}
    if not named:
        return params
    return params.model_copy(update={"unit_charts": {**params.unit_charts, **named}})


def ingest_key(path: Path, digest: str, options: ReadOptions) -> str:
    """The file's part key: its bytes, its name (entries carry it) and how it is read."""
    return part_key("file", digest, Path(path).name, options.key())


def ingest_file(
    path: Path, *, key: str, options: ReadOptions, parts_dir: Path, run_id: str
) -> FilePart:
    """Read one export into the parts store; a file that cannot be read becomes a report
    with its error. OS errors are raised so the caller can retry them; a malformed file is
    not retried."""
    path = Path(path)
    try:
        if kind := register_kind(path):
            return _ingest_register(path, kind, key=key, options=options,
                                    parts_dir=parts_dir, run_id=run_id)
        load = read_ledger_file(path, options=options)
    except LedgerFileError as error:
        return FilePart(path.name, key, {"file": path.name, "path": str(path), "error": str(error)},
                        {}, None, run_id)
    cells = _row_counts(load.entries, ["town", "village", "period"])
    towns: dict[str, list[str]] = {}
    for town, village, _ in sorted(cells):
        if village not in towns.setdefault(town, []):
            towns[town].append(village)
    part = FilePart(path.name, key, load.report.to_dict(), towns,
                    str(FILES.directory(parts_dir, key)), run_id, cells=cells)
    FILES.write(parts_dir, key, {"entries": load.entries, "quarantine": load.quarantine}, part)
    return part


def _ingest_register(path: Path, kind: str, *, key: str, options: ReadOptions,
                     parts_dir: Path, run_id: str) -> FilePart:
    """A register file's part: its rows (frame ``register``), no entries."""
    load = read_register_file(path, options=options)
    towns: dict[str, list[str]] = {}
    for town, village in sorted(set(zip(load.frame["town"], load.frame["village"],
                                        strict=True))):
        towns.setdefault(town, []).append(village)
    part = FilePart(path.name, key, load.report.to_dict() | {"register": kind}, towns,
                    str(FILES.directory(parts_dir, key)), run_id, register=kind)
    FILES.write(parts_dir, key, {"entries": empty_entries(), "quarantine": load.quarantine,
                                 "register": load.frame}, part)
    return part


def _row_counts(entries: pd.DataFrame, columns: list[str]) -> dict[tuple[str, ...], int]:
    """How many rows hold each combination of ``columns``' values (by their codes, not a
    groupby: a county's files are read one by one, and a groupby's fixed cost adds up)."""
    combined = np.zeros(len(entries), dtype=np.int64)
    labels = []
    for column in columns:
        codes, uniques = pd.factorize(entries[column])
        combined = combined * len(uniques) + codes
        labels.append(list(uniques))
    found, counts = np.unique(combined, return_counts=True)
    result: dict[tuple[str, ...], int] = {}
    for code, count in zip(found.tolist(), counts.tolist(), strict=True):
        values = []
        for names in reversed(labels):
            code, position = divmod(code, len(names))
            values.append(names[position])
        result[tuple(reversed(values))] = count
    return result


def ingest_files(
    files: list[tuple[Path, str]], *, options: ReadOptions, parts_dir: Path, run_id: str
) -> list[FilePart]:
    """:func:`ingest_file` for each (path, key) of a batch, in order."""
    return [ingest_file(path, key=key, options=options, parts_dir=parts_dir, run_id=run_id)
            for path, key in files]


def ingest_batches(
    files: list[tuple[Path, str]], batch_bytes: int = BATCH_BYTES
) -> list[list[tuple[Path, str]]]:
    """(path, key) pairs grouped for reading, largest first: a file of ``batch_bytes`` or more
    alone, smaller ones together up to about that size. A county sends hundreds of village
    files of a few thousand lines; one task each would cost more to orchestrate than to read.
    """
    sizes = {path: Path(path).stat().st_size for path, _ in files}
    batches: list[list[tuple[Path, str]]] = []
    filling: list[tuple[Path, str]] = []
    filled = 0
    for path, key in sorted(files, key=lambda item: sizes[item[0]], reverse=True):
        filling.append((path, key))
        filled += sizes[path]
        if filled >= batch_bytes:
            batches.append(filling)
            filling, filled = [], 0
    return [*batches, filling] if filling else batches


def supersede_files(files: list[FilePart]) -> list[FilePart]:
    """The files with the village-periods a later export of the same books replaces marked
    as superseded, and their reports saying so (:mod:`flows.supersede`)."""
    readable = [part for part in files if part.readable]
    holdings = [Holding(part.file, part.report.get("modified", ""), part.cells)
                for part in readable]
    decided = supersession(holdings)
    if not decided.dropped:
        return files
    marked = {id(part): replace(part, superseded=decided.cells_of(order),
                                report=decided.report_of(order, holding, part.report))
              for order, (part, holding) in enumerate(zip(readable, holdings, strict=True))}
    return [marked.get(id(part), part) for part in files]


def files_by_town(files: list[FilePart]) -> dict[str, list[FilePart]]:
    """Each town's ledger files, in input order (a town file and a village file may both
    hold it); register files are :func:`flows.stages.registers.registers_by_town`'s."""
    towns: dict[str, list[FilePart]] = {}
    for part in files:
        if part.register:
            continue
        for town in part.towns:
            towns.setdefault(town, []).append(part)
    return dict(sorted(towns.items()))


def run_quarantine(files: list[FilePart]) -> pd.DataFrame:
    """Every readable file's quarantined rows, in input order. A file whose report counts none
    is not read (most of a county's files: a city's run read 95 empty frames)."""
    frames = [read_part(part.part_dir, "quarantine") for part in files
              if part.part_dir and part.report.get("quarantined") != 0]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype="str") for name in QUARANTINE_COLUMNS}
                            ).astype({"source_row": "int64"})
    return pd.concat(frames, ignore_index=True)
