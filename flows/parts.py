"""The parts store: a run's intermediate data on disk, addressed by what it was made from.

Each export's entries and each town's checks, features and scores are written once under a key
that hashes everything they depend on (the file's bytes and name, the town's files, the audit
parameters, the model, and the code itself). A part is a directory of Parquet frames plus its
*summary*, the small record the stage returned (counts, villages, where the frames are), written
in the same atomic rename. A rerun computes the same keys and takes the summaries of unchanged
inputs' parts instead of running their tasks. Workers of a cluster must all reach this
directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The code a part's content may depend on: readers, rules, features, the model, the stages,
# the output tables and the store's digest. Whole packages, so no module is forgotten; an edit
# elsewhere in them only costs one recomputation.
CODE_SOURCES = ("checks", "models", "flows", "review")
CHUNK = 1 << 20
# A column gets a dictionary page when its first rows repeat values this often (town, account,
# period); ids, hashes and amounts, nearly all distinct, are written plain, which is faster to
# write and smaller than a dictionary that overflows.
_SAMPLED_ROWS = 10_000
_DICTIONARY_BELOW = 0.5


@cache
def code_fingerprint() -> str:
    """A hash of the source and data files the parts are computed by: new code, new keys."""
    digest = hashlib.sha256()
    for source in CODE_SOURCES:
        root = PROJECT_ROOT / source
        files = [root] if root.is_file() else sorted(
            path for path in root.rglob("*")
            if path.suffix in {".py", ".yaml", ".yml", ".csv"} and "__pycache__" not in path.parts
        )
        for path in files:
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes: the same export under any name or date is the same input."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


DIGESTS_FILE = "file-digests.json"
_SETTLED_NS = 2_000_000_000  # a file unchanged this long before it was hashed can be trusted
_FORGOTTEN_NS = 30 * 24 * 3600 * 1_000_000_000  # digests of files not seen for 30 days go


def file_digests(paths: list[Path], parts_dir: Path) -> dict[Path, str]:
    """:func:`file_digest` of each file, as the parts store's keys need them.

    A file whose device, inode, size and modification and change times are those recorded
    (in ``parts_dir``) when it was last hashed keeps that digest, if it had been unchanged for
    two seconds when it was hashed: the kernel sets the change time on every write, and a
    write within the same clock tick as the hashing is what the two seconds rule out (git's
    "racy" case). The others are hashed two at a time (hashlib works without holding the
    interpreter). Re-hashing a county's exports every run took 1.4 s at 5M lines."""
    record_path = Path(parts_dir) / DIGESTS_FILE
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    now = time.time_ns()
    known, hashed = {}, []
    for path in paths:
        entry = record.get(str(Path(path).resolve()))
        if entry is not None and entry["stat"] == _stat(path) and (
                entry["stat"][4] < entry["hashed_at"] - _SETTLED_NS):
            known[path] = entry["digest"]
            entry["seen_at"] = now
        else:
            hashed.append(path)
    with ThreadPoolExecutor(max_workers=2) as hashers:
        for path, stat, digest in hashers.map(lambda path: (path, _stat(path), file_digest(path)),
                                              hashed):
            known[path] = digest
            record[str(Path(path).resolve())] = {"stat": stat, "digest": digest,
                                                 "hashed_at": now, "seen_at": now}
    record = {name: entry for name, entry in record.items()
              if entry.get("seen_at", 0) > now - _FORGOTTEN_NS}
    write_atomically(record_path, json.dumps(record, ensure_ascii=False))
    return {path: known[path] for path in paths}


def _stat(path: Path) -> list[int]:
    info = os.stat(path)
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def write_atomically(path: Path, text: str) -> Path:
    """Replace ``path`` by ``text`` (UTF-8) all at once: written to a temporary file in the
    same folder, synced, then renamed, so a reader finds the old text or the new, never half,
    and a crash leaves the old."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        with temporary.open("w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def part_key(*inputs: Any) -> str:
    """A short key naming a part by everything it is made from (JSON-serialisable values)."""
    text = json.dumps([code_fingerprint(), *inputs], ensure_ascii=False, sort_keys=True,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


SUMMARY = "summary.pickle"


def write_part(directory: Path, frames: dict[str, pd.DataFrame | pa.Table], summary: Any
               ) -> Path:
    """Write ``frames`` (DataFrames or Arrow tables) as ``<name>.parquet`` and the stage's
    ``summary`` of them into ``directory``, all or nothing.

    The frames go to a temporary sibling first and are renamed into place, so a part that
    exists is complete even if a worker died half-way; two workers writing the same part
    leave one copy.
    """
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = directory.parent / f".{directory.name}.{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        for name, frame in frames.items():
            table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(
                frame, preserve_index=False)
            _write_by_town(table, staging / f"{name}.parquet")
        (staging / SUMMARY).write_bytes(pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL))
        try:
            os.replace(staging, directory)
        except OSError:  # another worker finished the same part first
            if not directory.exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def parquet_writer(path: Path | pa.NativeFile, table: pa.Table) -> pq.ParquetWriter:
    """A zstd Parquet writer for tables like ``table``: dictionaries and min/max statistics
    only for columns whose values repeat (:func:`repeating_columns`), so row groups can still
    be skipped by town, village or period."""
    repeating = repeating_columns(table)
    return pq.ParquetWriter(path, table.schema, compression="zstd", use_dictionary=repeating,
                            write_statistics=repeating or False)


def repeating_columns(table: pa.Table) -> list[str]:
    """Columns whose first rows hold fewer than half as many distinct values as rows."""
    sample = table.slice(0, _SAMPLED_ROWS)
    if sample.num_rows == 0:
        return list(table.column_names)
    return [name for name in table.column_names
            if _distinct(sample.column(name)) < _DICTIONARY_BELOW * sample.num_rows]


def _distinct(column: pa.ChunkedArray) -> int:
    if pa.types.is_nested(column.type):  # lists of rule ids: few distinct lists
        return 0
    return pc.count_distinct(column, mode="all").as_py()


def _write_by_town(table: pa.Table, path: Path) -> None:
    """One row group per town (rows in their order within it), so that reading one town of
    a county-wide export skips the others' row groups instead of scanning the whole file."""
    with parquet_writer(path, table) as writer:
        towns = (table.column("town").unique() if "town" in table.column_names
                 else pa.array([]))
        if len(towns) < 2:
            writer.write_table(table)
            return
        rows = table.column("town").to_pandas()
        for positions in rows.groupby(rows, sort=False).indices.values():
            writer.write_table(table.take(pa.array(positions)))


def part_exists(directory: Path | str | None, names: Iterable[str]) -> bool:
    return directory is not None and all(
        (Path(directory) / file).exists() for file in [*(f"{name}.parquet" for name in names),
                                                       SUMMARY])


def part_summary(directory: Path | str, names: Iterable[str]) -> Any | None:
    """The summary of the part in ``directory`` if it is complete (every frame named and its
    summary), else None: the stage must run."""
    if not part_exists(directory, names):
        return None
    return pickle.loads((Path(directory) / SUMMARY).read_bytes())


def _list_dtype(arrow_type: pa.DataType) -> pd.ArrowDtype | None:
    """List columns (rule ids, signals) come back as Arrow-backed lists, as they were written."""
    return pd.ArrowDtype(arrow_type) if pa.types.is_list(arrow_type) else None


def read_table(path: Path | str, columns: list[str] | None = None) -> pa.Table:
    """One Parquet file as an Arrow table, as ``pq.read_table`` reads it but without the
    dataset layer that function puts around a file (discovery, fragments), which cost several
    times the reading of a small frame: a rerun reads hundreds of them."""
    with pq.ParquetFile(path) as source:
        return source.read(columns=columns)


def read_part(
    directory: Path | str, name: str, *, columns: list[str] | None = None,
    town: str | None = None,
) -> pd.DataFrame:
    """One frame of a part, optionally only some columns or one town's rows (their row
    groups, through Arrow's dataset layer)."""
    path = Path(directory) / f"{name}.parquet"
    if town is None:
        return _frame(read_table(path, columns))
    return _frame(pq.read_table(path, columns=columns, filters=[("town", "==", town)]))


def read_parts(directories: Iterable[Path | str], name: str,
               prefetched: ReadAhead | None = None) -> pd.DataFrame:
    """One frame of several parts, stacked in their order: as ``pd.concat`` of their
    :func:`read_part`, but stacked by Arrow and converted once. Tables ``prefetched`` has
    read already (:func:`read_ahead_tables`) are taken from it."""
    directories = list(directories)
    tables = [prefetched.take((str(directory), name)) if prefetched else None
              for directory in directories]
    tables = [table if table is not None else read_table(Path(directory) / f"{name}.parquet")
              for table, directory in zip(tables, directories, strict=True)]
    return _frame(pa.concat_tables(tables, promote_options="default"))


class ReadAhead:
    """Works ``work(key)`` out for each key in a background thread while the caller waits for
    other work: after one correction, a rerun reads the unchanged towns' parts while the
    corrected town is being worked on (Arrow reads without holding the interpreter, and the
    waiting thread holds nothing). :meth:`take` hands each value over once."""

    def __init__(self, work: Callable[[Hashable], Any], keys: Iterable[Hashable]) -> None:
        self._values: dict[Hashable, Any] = {}
        wanted = list(keys)

        def run() -> None:
            for key in wanted:
                try:
                    self._values[key] = work(key)
                except Exception:
                    continue

        self._thread = threading.Thread(target=run, name="read-ahead", daemon=True)
        self._thread.start()

    def take(self, key: Hashable) -> Any | None:
        """The value worked out for ``key`` (waiting for the thread to finish), else None."""
        self._thread.join()
        return self._values.pop(key, None)


def read_ahead_tables(directories: Iterable[Path | str], names: Iterable[str]) -> ReadAhead:
    """Read the frames ``names`` of the parts in ``directories`` ahead, for :func:`read_parts`."""
    names = list(names)
    return ReadAhead(lambda key: read_table(Path(key[0]) / f"{key[1]}.parquet"),
                     [(str(directory), name) for directory in directories for name in names])


def _frame(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas(types_mapper=_list_dtype)
    # Parquet keeps dates in milliseconds; the canonical entry has them in seconds.
    if "voucher_date" in frame.columns:
        frame["voucher_date"] = frame["voucher_date"].astype("datetime64[s]")
    return frame
