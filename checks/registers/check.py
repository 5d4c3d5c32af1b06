"""What a register check is, and how its findings are written.

A register check (docs/registers.md, "三资台账的检查") looks across one town's registers and
journal: it is a function of the registers (``contracts``, ``plans``, ``assets``,
``resources``), the town's books (its canonical entries and what the checks read of them,
prepared once: :class:`checks.registers.books.TownBooks`), the schedule of amounts due with what
was matched to it (:mod:`checks.registers.matching`), the audit parameters (their ``registers``
already those of the town) and the audit date, and returns rows of
``REGISTER_FINDING_COLUMNS``. A finding names its subject (a contract, an asset, a resource or a
village's account) because an absence — rent never booked — has no journal line to point at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from checks.params import AuditParams
from checks.registers.books import TownBooks
from checks.registers.columns import COLUMNS, REGISTER_FINDING_COLUMNS, empty_frame
from checks.rules.rule import Basis, Severity

SubjectKind = Literal["contract", "asset", "resource", "account"]
Registers = Mapping[str, pd.DataFrame]
Find = Callable[[Registers, TownBooks, pd.DataFrame, AuditParams, dt.date], pd.DataFrame]


@dataclass(frozen=True)
class RegisterCheck:
    """One check across registers and ledger, declared like :class:`checks.rules.rule.Rule`:
    ``kind`` rule (a breach) or signal (a matter to look at); ``severity`` the default of its
    findings (a finding may be graded higher, as rent long overdue is); ``settings`` the
    ``registers.*`` parameters it reads."""

    id: str
    name: str
    kind: Literal["rule", "signal"]
    severity: Severity
    subject_kind: SubjectKind
    description: str
    basis: tuple[Basis, ...]
    find: Find
    settings: tuple[str, ...] = ()


@dataclass
class Finding:
    """One finding before it becomes a row; ``check`` fills check_id, kind and severity."""

    town: str
    village: str
    subject_id: str
    reason: str
    evidence: dict[str, Any]
    amount_fen: int | None = None
    periods: Sequence[str] = ()
    entry_ids: Sequence[str] = ()
    content: str = ""
    severity: Severity | None = None
    kind: Literal["rule", "signal"] | None = None
    subject_kind: SubjectKind | None = None


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | pd.Timestamp):
        return "" if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def evidence_json(evidence: Mapping[str, Any]) -> str:
    return json.dumps(evidence, ensure_ascii=False, default=_json_default, sort_keys=False)


def content_hash(*parts: Any) -> str:
    """A short stable hash of a subject's content, for decisions that survive reruns."""
    text = json.dumps(parts, ensure_ascii=False, default=_json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def findings_frame(check: RegisterCheck, findings: Iterable[Finding]) -> pd.DataFrame:
    """The rows of ``REGISTER_FINDING_COLUMNS`` of one check's findings."""
    rows = [
        {
            "town": item.town, "village": item.village,
            "subject_kind": item.subject_kind or check.subject_kind,
            "subject_id": item.subject_id, "check_id": check.id,
            "kind": item.kind or check.kind, "severity": item.severity or check.severity,
            "periods": sorted(set(item.periods)),
            "amount_fen": item.amount_fen, "reason": item.reason,
            "entry_ids": list(dict.fromkeys(item.entry_ids)),
            "evidence": evidence_json(item.evidence),
            "content_hash": item.content or content_hash(check.id, item.subject_id,
                                                         item.evidence),
        }
        for item in findings
    ]
    if not rows:
        return empty_frame(REGISTER_FINDING_COLUMNS)
    frame = pd.DataFrame(rows, columns=list(REGISTER_FINDING_COLUMNS))
    return frame.astype(REGISTER_FINDING_COLUMNS)


def period_of(day: Any) -> str:
    """"YYYY-MM" of a date ("" when there is none)."""
    return "" if day is None or pd.isna(day) else f"{pd.Timestamp(day):%Y-%m}"


def day_text(day: Any) -> str:
    return "" if day is None or pd.isna(day) else f"{pd.Timestamp(day):%Y-%m-%d}"


def register(registers: Registers, kind: str) -> pd.DataFrame:
    """One register of the town, an empty frame with its columns when the town has none."""
    frame = registers.get(kind)
    return frame if frame is not None else empty_frame(COLUMNS[kind])


def terms_evidence(contract: Mapping[str, Any]) -> dict[str, Any]:
    """The contract terms an inspector needs beside any finding on it."""
    keys = ("contract_no", "contract_name", "category", "counterparty", "subject_no",
            "land_class", "area_mu", "signed_on", "start_on", "end_on", "amount_fen",
            "annual_rent_fen", "unit_price_fen", "collection", "trade_mode", "decision_ref",
            "status", "source_file", "source_row")
    return {key: contract.get(key) for key in keys if key in contract}
