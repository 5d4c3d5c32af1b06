"""The inbox: a folder the agency drops exports into, and the manifest of what was audited.

New means new content: a file counts as new when the SHA-256 of its bytes is not in the
manifest, whatever its name or modification time. The manifest (JSON, written atomically) maps
each audited content hash to when and in which run it was audited, and remembers files that could
not be read so they are not retried every night. Processed files are copied to
``<archive>/<YYYY-MM-DD>/<hash8>_<name>`` (never over an existing file) and only then removed
from the inbox. Plain functions, no Prefect: :mod:`flows.nightly` wires them into the flow.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from flows.parts import file_digest, file_digests, write_atomically
from flows.pipeline import find_ledger_files
from flows.settings import Settings

MANIFEST_VERSION = 1
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
    settling: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Manifest:
    """Content hashes already audited, and those that could not be read, with their details."""

    audited: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"version": MANIFEST_VERSION, "audited": self.audited, "failed": self.failed}


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
    if not isinstance(raw, dict) or raw.get("version") != MANIFEST_VERSION:
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
    modification time is less than ``settle_seconds`` old are left for the next run: the time
    decides only when a file is looked at, never whether it is new.
    """
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"收件箱文件夹不存在：{inbox}")
    now = time.time() if now is None else now
    scan = InboxScan()
    seen: set[str] = set()
    sizes = {}  # of the settled files
    for path in find_ledger_files([inbox]):
        if _is_within(path, exclude):
            continue
        stat = path.stat()
        if now - stat.st_mtime < settle_seconds:
            scan.settling.append(path)
        else:
            sizes[path] = stat.st_size
    # recorded in the parts store, the digests spare the audit that follows a second reading
    settled = list(sizes)
    digests = (file_digests(settled, parts_dir) if parts_dir is not None
               else {path: file_digest(path) for path in settled})
    for path in settled:
        item = InboxFile(path=path.resolve(), sha256=digests[path], size=sizes[path])
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
) -> Manifest:
    """The manifest after a run: read files become audited, unreadable ones failed."""
    audited_entries = dict(manifest.audited)
    failed_entries = dict(manifest.failed)
    moment = at.isoformat(timespec="seconds")
    for item in audited:
        details = {"file": item.path.name, "size": item.size, "run_id": run_id, "at": moment}
        error = errors.get(str(item.path))
        if error is None:
            audited_entries[item.sha256] = details | {"out_dir": out_dir}
            failed_entries.pop(item.sha256, None)
        else:
            failed_entries[item.sha256] = details | {"error": error}
    return Manifest(audited=audited_entries, failed=failed_entries)


def archive_path(archive_dir: Path, item: InboxFile, day: date) -> Path:
    """``<archive>/<YYYY-MM-DD>/<hash8>_<name>``."""
    return Path(archive_dir) / day.isoformat() / f"{item.sha256[:8]}_{item.path.name}"


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
