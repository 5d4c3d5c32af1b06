"""The inbox: a folder the agency drops exports into, and the manifest of what was audited.

New means new content: a file counts as new when the SHA-256 of its bytes is not in the
manifest, whatever its name or modification time. The manifest (JSON, written atomically) maps
each audited content hash to when and in which run it was audited, and remembers files that could
not be read so they are not retried every night. Each audited hash is a *delivery* of the
county's books: the manifest keeps where it came from, where it is archived and which
village-periods (or which village's 三资 register) it holds, from which
:func:`flows.supersede.current_books` tells the current books. Processed files are copied to
``<archive>/<YYYY-MM-DD>/<hash8>/<name>`` (never over an existing file; the name is kept, as
entries carry it and the parts store keys on it) and only then removed from the inbox. Plain
functions, no Prefect: :mod:`flows.nightly` wires them into the flow.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from flows.parts import DIGESTS_FILE, file_digest, file_digests, write_atomically
from flows.pipeline import find_ledger_files
from flows.settings import Settings
from flows.supersede import Cell, Delivery, current_books

MANIFEST_VERSION = 2
READABLE_VERSIONS = {1, 2}  # version 1 lacks what the deliveries hold, filled in later
# China keeps no daylight saving time, so a fixed offset is exact and needs no tz database.
BEIJING = timezone(timedelta(hours=8))
_CHUNK = 1 << 20


class InboxBusy(RuntimeError):
    """Another run holds the inbox."""


@dataclass(frozen=True)
class InboxFile:
    """A ledger file in the inbox and the hash of its bytes when it was scanned."""

    path: Path
    sha256: str
    size: int
    modified: str = ""  # the modification time, as the audit orders files (flows.supersede)


@dataclass(frozen=True)
class Contents:
    """What a delivery holds, as the audit read it: ``kind`` (``ledger`` or the register's
    kind), its cells, and its modification time (which orders deliveries)."""

    kind: str
    cells: tuple[Cell, ...]
    modified: str

    def record(self) -> dict[str, Any]:
        return {"kind": self.kind, "cells": [list(cell) for cell in sorted(self.cells)],
                "modified": self.modified}


@dataclass(frozen=True)
class SettlingFile:
    """A file modified too recently: perhaps still being copied in, left for the next run."""

    path: Path
    seconds_left: float


@dataclass(frozen=True)
class InboxScan:
    """The inbox sorted by what the nightly run should do with each file.

    ``new``: one file per content never audited (audit these). ``duplicates``: further files
    with the same bytes as one in ``new``. ``known``: content audited in an earlier run.
    ``failed_before``: content that could not be read in an earlier run (left in the inbox).
    ``settling``: modified too recently, perhaps still being copied in; left for the next run.
    """

    new: list[InboxFile] = field(default_factory=list)
    duplicates: list[InboxFile] = field(default_factory=list)
    known: list[InboxFile] = field(default_factory=list)
    failed_before: list[InboxFile] = field(default_factory=list)
    settling: list[SettlingFile] = field(default_factory=list)


@dataclass(frozen=True)
class Manifest:
    """Content hashes already audited, and those that could not be read, with their details.

    An audited hash's details: ``file`` (its name), ``size``, ``run_id``, ``out_dir``, ``at``
    (when it was audited: its arrival in the books), ``inbox`` (where it lay), ``modified``,
    ``archived`` (its copy in the archive), and what it holds: ``kind`` (``ledger`` or the
    register's kind) and ``cells`` ([town, village, period or register kind], …); a delivery
    audited before version 2 of the manifest lacks ``cells`` until the next night with new
    files reads it again.
    """

    audited: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"version": MANIFEST_VERSION, "audited": self.audited, "failed": self.failed}

    def deliveries(self) -> list[Delivery]:
        """Every audited delivery, in the order they arrived."""
        found = [
            Delivery(
                sha256=sha256, file=details.get("file", ""), arrived=details.get("at", ""),
                modified=details.get("modified", ""), kind=details.get("kind", ""),
                cells=None if "cells" not in details else tuple(
                    tuple(cell) for cell in details["cells"]),
                archived=details.get("archived"),
            )
            for sha256, details in self.audited.items()
        ]
        return sorted(found, key=lambda delivery: (delivery.arrived, delivery.sha256))


def default_manifest_path(settings: Settings) -> Path:
    return settings.data_dir / "inbox" / "manifest.json"


def default_archive_dir(settings: Settings) -> Path:
    return settings.data_dir / "inbox" / "archive"


def load_manifest(path: Path) -> Manifest:
    """The manifest at ``path``; an empty one when the file does not exist yet."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Manifest()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"收件箱清单 {path} 已损坏（{error}）：请从备份恢复；"
            "删除它会让收件箱里的文件全部重新审计"
        ) from error
    if not isinstance(raw, dict) or raw.get("version") not in READABLE_VERSIONS:
        raise ValueError(f"收件箱清单 {path} 的格式不是第 {MANIFEST_VERSION} 版，无法读取")
    return Manifest(audited=dict(raw.get("audited", {})), failed=dict(raw.get("failed", {})))


def save_manifest(manifest: Manifest, path: Path) -> Path:
    """Write the manifest atomically: a temporary file in the same folder, then a rename."""
    return write_atomically(path, json.dumps(manifest.to_dict(), ensure_ascii=False, indent=1,
                                             sort_keys=True))


@contextmanager
def inbox_lock(manifest_path: Path) -> Iterator[None]:
    """Hold the inbox for one run; a second run at the same time fails at once with InboxBusy."""
    lock_path = Path(manifest_path).with_suffix(".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise InboxBusy(
                f"另一个夜间审计正在处理这个收件箱（锁文件 {lock_path}），本次不再重复处理"
            ) from error
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _is_within(path: Path, folder: Path | None) -> bool:
    return folder is not None and path.resolve().is_relative_to(folder.resolve())


def scan_inbox(
    inbox: Path,
    manifest: Manifest,
    *,
    exclude: Path | None = None,
    settle_seconds: float = 0.0,
    retry_failed: bool = False,
    now: float | None = None,
    parts_dir: Path | None = None,
) -> InboxScan:
    """Hash every ledger file in ``inbox`` and sort it against the manifest.

    ``exclude`` is a folder to skip (the archive, should it lie inside the inbox). Files whose
    modification time is less than ``settle_seconds`` old are left for the next run, with the
    seconds they still have to wait: the time decides only when a file is looked at, never
    whether it is new.
    """
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"收件箱文件夹不存在：{inbox}")
    now = time.time() if now is None else now
    scan = InboxScan()
    seen: set[str] = set()
    stats = {}  # of the settled files
    for path in find_ledger_files([inbox]):
        if _is_within(path, exclude):
            continue
        stat = path.stat()
        if now - stat.st_mtime < settle_seconds:
            scan.settling.append(SettlingFile(path, settle_seconds - (now - stat.st_mtime)))
        else:
            stats[path] = stat
    # recorded in the parts store, the digests spare the audit that follows a second reading
    settled = list(stats)
    digests = (file_digests(settled, parts_dir) if parts_dir is not None
               else {path: file_digest(path) for path in settled})
    for path in settled:
        item = InboxFile(path=path.resolve(), sha256=digests[path], size=stats[path].st_size,
                         modified=modified_text(stats[path].st_mtime))
        if item.sha256 in manifest.audited:
            scan.known.append(item)
        elif item.sha256 in manifest.failed and not retry_failed:
            scan.failed_before.append(item)
        elif item.sha256 in seen:
            scan.duplicates.append(item)
        else:
            seen.add(item.sha256)
            scan.new.append(item)
    return scan


def modified_text(seconds: float) -> str:
    """A modification time as the audit orders files by it (ISO text in UTC)."""
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def failed_paths(file_reports: list[dict[str, Any]]) -> dict[str, str]:
    """Path → error of the files an audit run could not read at all (from run.json's files)."""
    return {
        str(report["path"]): str(report["error"])
        for report in file_reports
        if report.get("error") and report.get("path")
    }


def record_run(
    manifest: Manifest,
    audited: list[InboxFile],
    *,
    errors: dict[str, str],
    run_id: str,
    out_dir: str,
    at: datetime,
    contents: dict[str, Contents] | None = None,
) -> Manifest:
    """The manifest after a run: read files become audited, unreadable ones failed.

    ``contents``: what each content hash read in the run holds (new files, and deliveries
    whose contents were not known yet)."""
    audited_entries = dict(manifest.audited)
    failed_entries = dict(manifest.failed)
    moment = at.isoformat(timespec="seconds")
    for item in audited:
        details = {"file": item.path.name, "size": item.size, "run_id": run_id, "at": moment}
        error = errors.get(str(item.path))
        if error is None:
            audited_entries[item.sha256] = details | {
                "out_dir": out_dir, "inbox": str(item.path), "modified": item.modified}
            failed_entries.pop(item.sha256, None)
        else:
            failed_entries[item.sha256] = details | {"error": error}
    for sha256, held in (contents or {}).items():
        if sha256 in audited_entries:
            audited_entries[sha256] = audited_entries[sha256] | held.record()
    return Manifest(audited=audited_entries, failed=failed_entries)


def with_archived(manifest: Manifest, archived: dict[str, str]) -> Manifest:
    """The manifest with where each content hash's copy now lies in the archive."""
    audited_entries = dict(manifest.audited)
    for sha256, path in archived.items():
        if sha256 in audited_entries and not audited_entries[sha256].get("archived"):
            audited_entries[sha256] = audited_entries[sha256] | {"archived": path}
    return Manifest(audited=audited_entries, failed=dict(manifest.failed))


def archive_path(archive_dir: Path, item: InboxFile, day: date) -> Path:
    """``<archive>/<YYYY-MM-DD>/<hash8>/<name>``: the name as delivered, for the entries'
    ``source_file`` and the parts store's keys stay those of the file audited from the inbox."""
    return Path(archive_dir) / day.isoformat() / item.sha256[:8] / item.path.name


def _exclusive_target(target: Path) -> tuple[Path, Any]:
    """Open the first free name among target, target_2, target_3, … for writing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    candidate, number = target, 1
    while True:
        try:
            return candidate, candidate.open("xb")
        except FileExistsError:
            number += 1
            candidate = target.with_name(f"{target.stem}_{number}{target.suffix}")


def archive_file(item: InboxFile, archive_dir: Path, day: date) -> Path | None:
    """Copy an audited file into the archive, then remove it from the inbox.

    Returns the archived copy, or None when the file's bytes changed since they were hashed
    (it stays in the inbox and is audited as new content next time). Never overwrites.
    """
    if file_digest(item.path) != item.sha256:
        return None
    kept = archive_path(archive_dir, item, day)
    if kept.is_file() and file_digest(kept) == item.sha256:  # a copy archived the same day
        item.path.unlink()
        return kept
    target, stream = _exclusive_target(archive_path(archive_dir, item, day))
    try:
        with stream, item.path.open("rb") as source:
            shutil.copyfileobj(source, stream, _CHUNK)
            stream.flush()
            os.fsync(stream.fileno())
        shutil.copystat(item.path, target)
        if file_digest(target) != item.sha256:
            raise OSError(f"归档副本 {target} 与收件箱文件 {item.path} 内容不一致")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    item.path.unlink()
    return target


def find_in_archive(archive_dir: Path, sha256: str) -> Path | None:
    """The archived copy of the content ``sha256``, wherever it lies in the archive (even
    where someone reorganised its folders): in a folder named by the hash's first eight
    digits, or a file named ``<hash8>_<name>`` as archived before deliveries were recorded;
    checked by its hash. None when the archive holds no such bytes."""
    archive_dir = Path(archive_dir)
    if not archive_dir.is_dir():
        return None
    for found in sorted(archive_dir.rglob(f"{sha256[:8]}*")):
        for path in sorted(found.iterdir()) if found.is_dir() else [found]:
            if path.is_file() and file_digest(path) == sha256:
                return path
    return None


def locate_delivery(delivery: Delivery, archive_dir: Path) -> Path | None:
    """Where a delivery's bytes are now: its recorded archive copy while it holds them, else
    found in the archive by the content hash; None when they are gone."""
    if delivery.archived and Path(delivery.archived).is_file() and (
            file_digest(Path(delivery.archived)) == delivery.sha256):
        return Path(delivery.archived)
    return find_in_archive(archive_dir, delivery.sha256)


def known_digest(path: Path, manifest: Manifest, parts_dir: Path | None) -> str | None:
    """The content hash last seen at ``path`` (a file since moved): from the manifest's
    deliveries that lay there, else the digests the parts store kept (30 days)."""
    where = str(Path(path).expanduser().resolve())
    for sha256, details in manifest.audited.items():
        if details.get("inbox") == where:
            return sha256
    if parts_dir is None:
        return None
    try:
        record = json.loads((Path(parts_dir) / DIGESTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return (record.get(where) or {}).get("digest")


def locate_inputs(
    inputs: list[str], manifest: Manifest, archive_dir: Path, parts_dir: Path | None
) -> tuple[list[str], list[str]]:
    """The inputs with each path that no longer exists replaced by its archived copy (found
    by the content hash it had); and the paths whose bytes are nowhere to be found."""
    located, gone = [], []
    for item in inputs:
        path = Path(item)
        if path.exists():
            located.append(item)
            continue
        sha256 = known_digest(path, manifest, parts_dir)
        moved = find_in_archive(archive_dir, sha256) if sha256 else None
        if moved is None:
            gone.append(item)
        else:
            located.append(str(moved))
    return located, gone


def rerun_inputs(
    inputs: list[str] | None,
    *,
    manifest: Manifest,
    archive_dir: Path,
    parts_dir: Path | None,
    last_inputs: Callable[[], list[str] | None],
) -> tuple[list[str], str]:
    """What a rerun audits, and whence: the ``inputs`` given (``given``), else the county's
    current books (``books``), else the last recorded run's inputs (``last run``, for
    counties that audit with ``run`` and keep no inbox). A path that has moved is replaced by
    its archived copy, found by the content hash it had. Raises FileNotFoundError naming the
    files whose bytes are nowhere, ValueError when there is nothing to rerun."""
    if not inputs:
        books = current_books(manifest.deliveries()).current()
        if books:
            located = {delivery: locate_delivery(delivery, archive_dir) for delivery in books}
            gone = [delivery.archived or delivery.file
                    for delivery, path in located.items() if path is None]
            if gone:
                raise FileNotFoundError(
                    f"现行账套的文件不见了，归档目录 {archive_dir} 中也找不到同样内容的文件："
                    f"{'、'.join(gone)}（请从备份恢复到归档目录，或用 --input 指定要审计的文件）")
            return [str(path) for path in located.values()], "books"
    chosen = inputs or last_inputs()
    if not chosen:
        raise ValueError("复核库中还没有审计记录，无从重跑：请先用 sanzi-audit run 或 nightly "
                         "审计，或用 --input 指定要审计的文件或文件夹")
    located_inputs, gone = locate_inputs(chosen, manifest, archive_dir, parts_dir)
    if gone:
        raise FileNotFoundError(
            f"输入文件不存在，归档目录 {archive_dir} 中也找不到同样内容的文件：{'、'.join(gone)}"
            "（请检查路径，或从备份恢复）")
    return located_inputs, "given" if inputs else "last run"
