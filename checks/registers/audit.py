"""The register stage for one town: schedule the amounts due, match them to the journal, run
every check (docs/registers.md, "三资台账的检查"; checks/RULES.md).

``REGISTER_CHECKS`` is the catalogue (its order is the catalogue's, :mod:`checks.catalogue`);
:func:`audit_registers` is the one entry point. Nothing here opens a file, and no input frame is
changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from checks.params import AuditParams
from checks.registers.assets import IDLE, LEDGER_MISMATCH
from checks.registers.books import town_books
from checks.registers.check import RegisterCheck, register
from checks.registers.collection import INCOME_UNBOOKED, ONE_OFF_RENT, PLAN_MISMATCH, RENT_OVERDUE
from checks.registers.columns import (
    ID_COLUMNS,
    REGISTER_FINDING_COLUMNS,
    REGISTER_KINDS,
    empty_frame,
)
from checks.registers.matching import match_schedule
from checks.registers.orphans import ORPHAN
from checks.registers.schedule import build_schedule
from checks.registers.terms import (
    EXPIRED_IN_USE,
    EXPIRING,
    LOW_PRICE,
    PROCEDURE,
    RELATED_PARTY,
    TERM_CAP,
    TIME_INVERSION,
)
from checks.registers.works import PAID_OVER_CONTRACT

REGISTER_CHECKS: tuple[RegisterCheck, ...] = (
    RENT_OVERDUE,
    INCOME_UNBOOKED,
    EXPIRING,
    EXPIRED_IN_USE,
    TERM_CAP,
    LOW_PRICE,
    PROCEDURE,
    TIME_INVERSION,
    PAID_OVER_CONTRACT,
    ONE_OFF_RENT,
    RELATED_PARTY,
    PLAN_MISMATCH,
    LEDGER_MISMATCH,
    IDLE,
    ORPHAN,
)


SUBJECT_REGISTERS = {"contract": "contracts", "asset": "assets", "resource": "resources"}


@dataclass(frozen=True)
class RegisterAudit:
    """A town's schedule of amounts due with what was matched to each, and its findings."""

    schedule: pd.DataFrame
    findings: pd.DataFrame


def _town(registers: Mapping[str, pd.DataFrame], entries: pd.DataFrame) -> str:
    towns = {town for frame in (*registers.values(), entries) for town in frame["town"].unique()}
    towns.discard("")
    if len(towns) > 1:
        raise ValueError(
            f"audit_registers 一次只审计一个乡镇，收到了 {sorted(towns)}；请按乡镇分别调用")
    return next(iter(towns), "")


def audit_registers(
    registers: Mapping[str, pd.DataFrame],
    entries: pd.DataFrame,
    params: AuditParams,
    as_of: dt.date,
    checks: tuple[RegisterCheck, ...] = REGISTER_CHECKS,
) -> RegisterAudit:
    """Schedule, match and check one town's registers (keyed by ``REGISTER_KINDS``; a missing
    register counts as empty) against its canonical journal ``entries``, as of ``as_of``."""
    unknown = set(registers) - set(REGISTER_KINDS)
    if unknown:
        raise ValueError(f"不认识的台账种类 {sorted(unknown)}；应为 {', '.join(REGISTER_KINDS)}")
    registers = {kind: register(registers, kind).copy() for kind in REGISTER_KINDS}
    town = _town(registers, entries)
    params = params.model_copy(update={"registers": params.registers.for_town(town)})
    contracts = registers["contracts"]
    books = town_books(entries, contracts, params)
    schedule = match_schedule(build_schedule(contracts, registers["plans"]), books.flows, as_of,
                              books.starts)
    found = [check.find(registers, books, schedule, params, as_of) for check in checks]
    found = [frame for frame in found if len(frame)]
    findings = pd.concat(found, ignore_index=True).astype(REGISTER_FINDING_COLUMNS) if found \
        else empty_frame(REGISTER_FINDING_COLUMNS)
    return RegisterAudit(schedule=schedule, findings=_subject_content(findings, registers))


def _subject_content(findings: pd.DataFrame, registers: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Findings whose subject is a register row carry that row's content hash, so a decision
    holds while the row is unchanged (account findings keep the hash of the figures compared)."""
    findings = findings.copy()
    for subject, kind in SUBJECT_REGISTERS.items():
        rows = registers[kind]
        known = dict(zip(zip(rows["village"], rows[ID_COLUMNS[kind]], strict=True),
                         rows["content_hash"], strict=True))
        mask = findings["subject_kind"] == subject
        hashes = [known.get(key, "") for key in
                  zip(findings.loc[mask, "village"], findings.loc[mask, "subject_id"],
                      strict=True)]
        findings.loc[mask, "content_hash"] = [
            given or kept for given, kept in zip(hashes, findings.loc[mask, "content_hash"],
                                                 strict=True)]
    return findings
