"""Evidence attached to a case: a scan of a receipt, a meeting record, a bank statement.

Files are kept under the data directory by content hash (``evidence/ab/abcdef…``), never by
the name a person gave them, and served back only to users who may see the case, always as a
download with the type decided here. Only the kinds of file inspectors hand each other are
taken (PDF, images, Word and Excel files, plain text), each checked by its first bytes, up to
:data:`MAX_BYTES`. The trail records who attached what, with its SHA-256.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.audit_trail import append_action
from review.case_work import case_town
from review.tables import case_evidence

if TYPE_CHECKING:
    from review.db import Store
    from review.users import User

MAX_BYTES = 20 * 1024 * 1024
MAX_NOTE_CHARS = 500
# extension: (content type served, first bytes it must start with; None: UTF-8 text)
KINDS: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              (b"PK\x03\x04",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    ".txt": ("text/plain; charset=utf-8", None),
}
KIND_NAMES = "PDF、JPG、PNG、Word、Excel 或文本文件"


class EvidenceError(ValueError):
    """An attachment that cannot be kept; the message is for the inspector."""


def _checked_kind(filename: str, content: bytes) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix not in KINDS:
        raise EvidenceError(f"只能上传 {KIND_NAMES}（“{filename}”不是）")
    content_type, magic = KINDS[suffix]
    if magic is None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as error:
            raise EvidenceError(f"“{filename}”不是 UTF-8 文本文件") from error
    elif not content.startswith(magic):
        raise EvidenceError(f"“{filename}”的内容与扩展名 {suffix} 不符")
    return content_type


def _clean_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip()
    return "".join(char for char in name if char.isprintable())[:200] or "附件"


def evidence_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def attach_evidence(store: Store, *, root: Path, case_id: str, filename: str, content: bytes,
                    note: str, actor: User) -> dict[str, Any]:
    """Keep ``content`` as evidence of the case; returns the stored row."""
    filename = _clean_name(filename)
    note = note.strip()
    if not content:
        raise EvidenceError("请选择要上传的文件")
    if len(content) > MAX_BYTES:
        raise EvidenceError(f"文件不能超过 {MAX_BYTES // (1024 * 1024)} MB")
    if len(note) > MAX_NOTE_CHARS:
        raise EvidenceError(f"说明不能超过 {MAX_NOTE_CHARS} 字")
    content_type = _checked_kind(filename, content)
    sha256 = hashlib.sha256(content).hexdigest()
    path = evidence_path(root, sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_bytes(content)
        os.chmod(partial, 0o600)
        partial.replace(path)
    row = {"case_id": case_id, "filename": filename, "content_type": content_type,
           "size_bytes": len(content), "sha256": sha256, "note": note,
           "uploaded_by": actor.username, "uploaded_at": datetime.now(UTC)}
    with store.engine.begin() as conn:
        town = case_town(conn, case_id)
        if town is None or not actor.may_see_town(town):
            raise EvidenceError("没有这个疑点案件")
        evidence_id = conn.execute(sa.insert(case_evidence).values(**row)
                                   .returning(case_evidence.c.evidence_id)).scalar_one()
        append_action(conn, anchor=store.trail.anchor(), actor=actor.username,
                      action="case.evidence", target=case_id,
                      after={"evidence_id": evidence_id, "filename": filename,
                             "size_bytes": len(content), "sha256": sha256})
    return {**row, "evidence_id": evidence_id}


def case_evidence_list(store: Store, *, case_id: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(case_evidence).where(case_evidence.c.case_id == case_id)
                            .order_by(case_evidence.c.evidence_id)).all()
    return [dict(row._mapping) for row in rows]


def evidence_for(store: Store, *, evidence_id: int, user: User) -> dict[str, Any] | None:
    """The evidence row if the user may see its case, else None."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(case_evidence)
                           .where(case_evidence.c.evidence_id == evidence_id)).first()
        if row is None:
            return None
        town = case_town(conn, row.case_id)
    if town is None or not user.may_see_town(town) or not user.sees_dispositions:
        return None
    return dict(row._mapping)
