"""Everything the entry page shows about one finding: its reasons and content, the whole
voucher, the payee's history in the town, the original file and row, and its past."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.dispositions import disposition_history
from review.findings import entry_findings_query, finding_record, rule_title_map
from review.register_panel import evidence_lines, is_register_kind
from review.store import lines_run, unchanged_findings
from review.tables import (
    cases,
    finding_changes,
    findings,
    payee_periods,
    run_cases,
    runs,
    voucher_lines,
)

if TYPE_CHECKING:
    from review.db import Store
    from review.users import User

CHANGE_LABELS = {"new": "新增", "changed": "内容更正", "unchanged": "未变", "resolved": "已消除"}
# Fields an inspector compares when a corrected entry comes back.
COMPARED_FIELDS = {
    "voucher_date": "凭证日期",
    "summary": "摘要",
    "account_code": "科目编码",
    "account_name": "科目名称",
    "debit_fen": "借方金额",
    "credit_fen": "贷方金额",
    "counterparty": "往来单位",
    "settlement": "结算方式",
    "attachments": "附件张数",
    "decision_ref": "决议编号",
    "contract_ref": "合同编号",
}
PAYEE_HISTORY_LIMIT = 120
# The payee history's totals: what moved (paid, received, booked without cash) and its lines.
PAYEE_SUMS = ("paid_fen", "received_fen", "transfer_fen", "n_vouchers", "n_lines",
              "debit_fen", "credit_fen")
OTHER_FINDINGS_LIMIT = 20
# How a reason names another entry of the town (models/wording.py, ENTRY_MARK).
ENTRY_MARK = re.compile(r"〔分录 ([^〕]+)〕")


@dataclass(frozen=True)
class EntryDetail:
    finding: dict[str, Any]
    voucher: list[dict[str, Any]]
    payee_history: list[dict[str, Any]]
    payee_totals: dict[str, int]
    payee_findings: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    corrections: list[dict[str, Any]]
    dispositions: list[dict[str, Any]]
    extra: dict[str, str]
    subject_kind: str = ""  # a register case's subject line: the kind of its subject
    linked: frozenset[str] = frozenset()  # entries its reasons name that have a page here


def linked_entries(conn: sa.Connection, *, town: str, reasons: Iterable[str]
                   ) -> frozenset[str]:
    """The entries ``reasons`` name (〔分录 …〕) that the store can show (a flagged entry or a
    register's evidence line, :func:`review.register_panel.evidence_lines`): only those are
    linked, the others stay text naming their voucher. One query for them all."""
    named = [entry for reason in reasons for entry in ENTRY_MARK.findall(reason or "")]
    if not named:
        return frozenset()
    return frozenset(evidence_lines(conn, town=town, entry_ids=list(dict.fromkeys(named))))


def _subject_kind(conn: sa.Connection, finding: dict[str, Any]) -> str:
    """The subject kind of the case whose subject line ``finding`` is, else "" (a journal
    line: register subject lines are a case's only line, numbered 0)."""
    if finding["voucher_number"] != 0:
        return ""
    kind = conn.execute(sa.select(run_cases.c.subject_kind).where(
        run_cases.c.run_id == finding["run_id"],
        run_cases.c.case_id == finding["case_id"])).scalar()
    return kind if kind and is_register_kind(kind) else ""


def extra_cells(text: str) -> dict[str, str]:
    """The unrecognised columns of the original row (a JSON object), for display."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"原始内容": text}
    if isinstance(value, dict):
        return {str(key): "" if cell is None else str(cell) for key, cell in value.items()}
    return {"原始内容": text}


def _corrections(conn: sa.Connection, finding: dict[str, Any]) -> list[dict[str, Any]]:
    """Fields that differ from the content an earlier run flagged, if the entry was corrected."""
    earlier = conn.execute(
        sa.select(findings)
        .join(runs, runs.c.run_id == findings.c.run_id)
        .where(
            findings.c.entry_id == finding["entry_id"],
            findings.c.content_hash != finding["content_hash"],
        )
        .order_by(runs.c.started_at.desc())
        .limit(1)
    ).first()
    if earlier is None:
        return []
    return [
        {"field": label, "before": getattr(earlier, name), "after": finding[name], "name": name}
        for name, label in COMPARED_FIELDS.items()
        if getattr(earlier, name) != finding[name]
    ]


def entry_detail(store: Store, *, user: User, entry_id: str) -> EntryDetail | None:
    """The entry's page data, or None when it is no finding or not in the user's towns."""
    query = entry_findings_query(user)
    with store.engine.connect() as conn:
        row = conn.execute(query.where(cases.c.entry_id == entry_id)).first()
        if row is None:
            return None
        finding = finding_record(row, rule_title_map(conn))
        voucher = conn.execute(
            sa.select(voucher_lines)
            .where(
                voucher_lines.c.run_id == lines_run(finding["run_id"], finding["town"]),
                voucher_lines.c.town == finding["town"],
                voucher_lines.c.village == finding["village"],
                voucher_lines.c.period == finding["period"],
                voucher_lines.c.voucher_word == finding["voucher_word"],
                voucher_lines.c.voucher_number == finding["voucher_number"],
            )
            .order_by(voucher_lines.c.line_no)
        ).all()
        payee = finding["counterparty"]
        history: list[Any] = []
        totals: dict[str, Any] = dict.fromkeys((*PAYEE_SUMS, "known"), 0)
        payee_findings: list[Any] = []
        if payee:
            in_town = [
                payee_periods.c.town == finding["town"],
                payee_periods.c.counterparty == payee,
            ]
            history = conn.execute(
                sa.select(payee_periods)
                .where(*in_town)
                .order_by(payee_periods.c.period.desc(), payee_periods.c.village)
                .limit(PAYEE_HISTORY_LIMIT)
            ).all()
            sums = [sa.func.coalesce(sa.func.sum(payee_periods.c[name]), 0).label(name)
                    for name in PAYEE_SUMS]
            known = sa.func.count(payee_periods.c.paid_fen).label("known")
            totals = dict(conn.execute(sa.select(*sums, known).where(*in_town)).one()._mapping)
            others = entry_findings_query(user, town=finding["town"])
            payee_findings = conn.execute(
                others.where(findings.c.counterparty == payee, cases.c.entry_id != entry_id)
                .order_by(findings.c.risk_score.desc())
                .limit(OTHER_FINDINGS_LIMIT)
            ).all()
        changed = (
            sa.select(finding_changes.c.run_id, finding_changes.c.change)
            .where(finding_changes.c.entry_id == entry_id)
        )
        unchanged = unchanged_findings(
            findings.c.run_id, sa.literal("unchanged", sa.String(16)).label("change")
        ).where(findings.c.entry_id == entry_id)
        by_run = sa.union_all(changed, unchanged).subquery()
        changes = conn.execute(
            sa.select(by_run.c.run_id, by_run.c.change, runs.c.started_at)
            .join(runs, runs.c.run_id == by_run.c.run_id)
            .order_by(runs.c.started_at.desc())
        ).all()
        corrections = _corrections(conn, finding)
        titles = rule_title_map(conn)
        subject_kind = _subject_kind(conn, finding)
        linked = linked_entries(conn, town=finding["town"], reasons=[finding["reasons"] or ""])
    return EntryDetail(
        finding=finding,
        voucher=[dict(line._mapping) for line in voucher],
        payee_history=[dict(item._mapping) for item in history],
        payee_totals={key: int(value) for key, value in totals.items()},
        payee_findings=[finding_record(item, titles) for item in payee_findings],
        changes=[{**change._mapping, "label": CHANGE_LABELS[change.change]} for change in changes],
        corrections=corrections,
        dispositions=disposition_history(store, entry_id=entry_id)
        if user.sees_dispositions
        else [],
        extra=extra_cells(finding["extra"]),
        subject_kind=subject_kind,
        linked=linked,
    )
