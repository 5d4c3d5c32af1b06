"""What ties the audit trail to something outside the database: a key and an anchor file.

The hash chain (review/audit_trail.py) shows a row changed on its own, but anyone who can
write to the database can rewrite the trail from some row on and recompute every hash after
it. Two things kept in the data directory, never in the database, stop that:

- the **trail key** (the setting ``SANZI_TRAIL_KEY``, else the file ``trail_key``, made on first
  use with mode 600): each new row's ``seal`` is an HMAC-SHA256 of its hash under this key. A
  row's hash covers the previous row's hash, so one valid seal vouches for every row before it;
  without the key nobody can seal a rewritten row. Back the key up with the database: a store whose
  key is lost can no longer be verified. Every process that writes the trail (the web app,
  the pipeline and its workers) must see the same key: the same data directory, or the same
  ``SANZI_TRAIL_KEY``.
- the **anchor file** ``trail_anchors.log``: one line ``<store> <chain> <seq> <hash>``
  appended for the trail's head each time an action is appended after it, and when the trail
  is checked. It catches rows deleted from the end (a shorter chain is still a valid chain),
  rewrites of rows written before the seals existed, and a trail replaced from its first row
  by rows without seals (the store has anchors of another chain). ``<store>`` is a digest of
  the database URL (without password), ``<chain>`` the start of the first row's hash, so several
  stores can share one data directory. Lines are only ever appended (``O_APPEND``, one short
  write each, so several processes may append at once). The file may be copied and rotated
  away by an operator; a store restored from an older backup shows as rows deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

KEY_FILE = "trail_key"
ANCHOR_FILE = "trail_anchors.log"
KEY_VARIABLE = "SANZI_TRAIL_KEY"
CHAIN_ID_CHARS = 16
_SEAL_CONTEXT = b"sanzi-audit-trail-seal-1\x1f"

logger = logging.getLogger(__name__)


class TrailKeyMissing(RuntimeError):
    """No trail key where one is expected: the seals cannot be checked."""


@dataclass(frozen=True)
class TrailAnchor:
    """The key that seals rows (None: none found, only when checking) and the anchor file."""

    key: bytes | None
    anchor_path: Path

    def seal(self, row_hash: str) -> str:
        if self.key is None:
            raise TrailKeyMissing(f"没有审计日志密钥：请设置 {KEY_VARIABLE} 或恢复 {KEY_FILE}")
        digest = hmac.new(self.key, _SEAL_CONTEXT + row_hash.encode("ascii"), hashlib.sha256)
        return digest.hexdigest()

    def seal_valid(self, row_hash: str, seal: str) -> bool:
        return hmac.compare_digest(self.seal(row_hash), seal)

    def anchor(self, store_id: str, first_hash: str, seq: int, row_hash: str) -> None:
        """Append the head ``(seq, row_hash)`` of the chain starting with ``first_hash`` of the
        store ``store_id``; a failure is logged, not raised (the action itself is sealed)."""
        line = f"{store_id} {first_hash[:CHAIN_ID_CHARS]} {seq} {row_hash}\n".encode("ascii")
        try:
            self.anchor_path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.anchor_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(descriptor, line)
            finally:
                os.close(descriptor)
        except OSError as error:
            logger.warning("审计日志锚点未能写入 %s：%s", self.anchor_path, error)

    def anchors(self, store_id: str, first_hash: str) -> tuple[dict[int, set[str]], bool]:
        """The hashes anchored for each sequence number of the store's chain starting with
        ``first_hash`` (a set: a tampered file may say two things of one row), and whether
        the store has anchors of another chain."""
        chain = first_hash[:CHAIN_ID_CHARS]
        found: dict[int, set[str]] = {}
        other_chains = False
        if not self.anchor_path.exists():
            return found, other_chains
        with self.anchor_path.open(encoding="ascii", errors="replace") as lines:
            for line in lines:
                parts = line.split()
                if len(parts) != 4 or not parts[2].isdigit():
                    continue
                if parts[1] == chain:
                    found.setdefault(int(parts[2]), set()).add(parts[3])
                elif parts[0] == store_id:
                    other_chains = True
        return found, other_chains


def store_id(url: sa.URL) -> str:
    """A short digest of a database URL without its password: whose anchors are whose."""
    text = url.render_as_string(hide_password=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:CHAIN_ID_CHARS]


def load_trail_key(data_dir: Path, *, create: bool) -> bytes | None:
    """The key file in ``data_dir``: made (mode 600) when ``create`` and missing, else None."""
    path = data_dir / KEY_FILE
    if not path.exists():
        if not create:
            return None
        _create_key_file(path)
    return path.read_text(encoding="ascii").strip().encode("ascii")


def _create_key_file(path: Path) -> None:
    """Write a new key beside ``path`` and link it into place: another process sees no file
    or the whole key, and if one made it a moment ago, theirs stays."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


@dataclass(frozen=True)
class TrailKeys:
    """Where a store's trail is sealed and anchored: the data directory (its key file and
    anchor file), and the key the settings give (``SANZI_TRAIL_KEY``), which wins over the
    file."""

    data_dir: Path
    key: str | None = field(default=None, repr=False)

    def anchor(self, *, create: bool = True) -> TrailAnchor:
        """The key and anchor file; without a key given, the key file is made when ``create``
        (to seal), else only read (to check: a missing key is then told, not replaced)."""
        key = (self.key.encode("utf-8") if self.key
               else load_trail_key(self.data_dir, create=create))
        return TrailAnchor(key=key, anchor_path=self.data_dir / ANCHOR_FILE)
