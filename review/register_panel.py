"""What the pages show of a 三资 register case: its subject (a contract, an asset, a resource or
a village's account), the subject's terms, each finding with its evidence, a contract's
schedule with what the journal paid against each amount due, and the journal lines the
findings rest on.

A register case is stored as one *subject line* (models/register_cases.py): its voucher word
is the subject's kind (合同, 资产, 资源, 科目) and its voucher number 0. The subject's page data
come from ``register_subjects`` (the run's ``RunDigest.registers``), the evidence lines from
``register_lines``, or, for a line a journal check also flagged, from its finding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from models.register_cases import SUBJECT_WORDS
from review.formatting import format_yuan
from review.tables import cases, findings, register_lines, register_subjects

if TYPE_CHECKING:
    from review.db import Store
    from review.users import User

# The queue's and the case page's words for a register subject's kind.
SUBJECT_KINDS: dict[str, str] = dict(SUBJECT_WORDS)
# Amounts due the schedule lists only on request: not yet due, or due before the books begin
# (with nothing matched to them); a long lease has dozens of them.
QUIET_STATUSES = {"未到期", "账期之前"}
SEVERITY_LABELS = {"high": "严重", "medium": "较重", "low": "一般"}
KIND_LABELS = {"rule": "违规", "signal": "疑点信号"}
# What a case's amount is, by the first of its checks found here (register cases have no
# debit or credit side: the amount is a sum due, paid or missing).
AMOUNT_SIDES = {
    "contract.rent_overdue": "应收未收",
    "contract.income_unbooked": "应收未入账",
    "works.paid_over_contract": "超付",
    "contract.time_inversion": "签约前付款",
    "contract.one_off_rent": "多计收入",
    "contract.plan_mismatch": "计划差额",
    "contract.expired_in_use": "到期后收入",
    "asset.ledger_mismatch": "账实差额",
    "contract.procedure": "合同金额",
    "contract.related_party": "合同金额",
    "contract.low_price": "合同金额",
    "contract.term_cap": "合同金额",
    "asset.idle": "原值",
}
# Evidence figures as a reader names them; money (``_fen``) is shown in yuan.
EVIDENCE_LABELS = {
    "value_fen": "应进场的金额", "line_fen": "进场交易标准", "filed_on": "备案日期",
    "problems": "问题", "cadre": "村干部", "why": "依据", "paid_fen": "账上已付合计",
    "unit_price_fen": "每亩年租金", "peer_median_fen": "同类合同每亩年租金中位数",
    "peers": "可比合同数", "latest_end": "最晚可至", "cap": "期限上限",
    "assets_or_resources_let": "仍登记为出租、发包的标的", "overlapping": "期限重叠的合同",
    "years": "涉及年度", "as_of": "审计截止日", "year": "年度", "since": "自",
    "income_booked_fen": "当年记入收入", "due_fen": "到期应收", "account": "科目",
    "assets": "涉及资产", "as_at": "截至", "opening_year": "期初余额年度",
    "land_kind": "资源类别", "yearly_shortfall_fen": "每年少收", "term_years": "合同年限",
    "account_name": "科目名称", "account_code": "科目", "floor_price_fen": "底价",
    "amount_fen": "金额", "contract_no": "合同编号", "contracts": "涉及合同",
    "subject_no": "标的编号", "subject_name": "标的名称", "register_in_progress": "台账在建资产",
    "counterparty": "对方", "signed_on": "签订日期", "start_on": "起始日期",
    "end_on": "终止日期", "status": "状态", "use_status": "使用状况", "use_mode": "经营方式",
    "area_mu": "面积（亩）", "tenant": "承租人", "annual_rent_fen": "年租金",
    "original_value_fen": "原值", "depreciation_fen": "累计折旧", "net_value_fen": "净值",
    "rent_income": "租金收入", "receivable": "应收款", "payable": "应付款",
}
# Evidence keys shown elsewhere on the panel (the terms table, the schedule, the comparison).
_SHOWN_ELSEWHERE = {"terms", "resource", "asset", "schedule", "register_added_fen",
                    "ledger_debits_fen", "ledger_balance_fen", "register_total_fen", "entries",
                    "payments", "payments_before_signing", "income_after_end", "plan",
                    "terms_schedule"}
# Evidence keys that list journal lines, with their caption.
_LINE_LISTS = {"payments": "付款", "payments_before_signing": "签约前付款",
               "income_after_end": "到期后记入的收入", "entries": "相关分录"}
_DUE_LISTS = {"plan": "收付款计划", "terms_schedule": "按合同条款应收"}


@dataclass(frozen=True)
class RegisterPanel:
    """A register case's subject as the case page shows it."""

    subject_kind: str
    kind_label: str
    subject_id: str
    name: str
    counterparty: str
    terms: dict[str, str]
    findings: list[dict[str, Any]]
    comparison: list[dict[str, Any]]  # asset.ledger_mismatch: register vs ledger, by year
    schedule: list[dict[str, Any]]
    lines: list[dict[str, Any]]  # the journal lines the findings rest on
    run_id: str


def is_register_kind(subject_kind: str) -> bool:
    return subject_kind in SUBJECT_KINDS


def subject_title(subject_kind: str, subject_id: str, name: str = "") -> str:
    """``合同 FB-2019-001 · 王大虎``: the subject as the queue and the case page name it."""
    word = SUBJECT_KINDS.get(subject_kind, subject_kind)
    return f"{word} {subject_id}" + (f" · {name}" if name else "")


def amount_side(rule_ids: list[str], signals: list[str]) -> str:
    """What a register case's amount is, from its checks."""
    return next((AMOUNT_SIDES[check] for check in (*rule_ids, *signals) if check in AMOUNT_SIDES),
                "金额")


def subject_names(conn: sa.Connection, case_ids: list[str]) -> dict[str, str]:
    """Per register case, the name its queue row shows: the counterparty, else the subject's
    name."""
    if not case_ids:
        return {}
    rows = conn.execute(sa.select(register_subjects.c.case_id, register_subjects.c.name,
                                  register_subjects.c.terms)
                        .where(register_subjects.c.case_id.in_(case_ids))).all()
    return {row.case_id: _counterparty(json.loads(row.terms or "{}")) or row.name
            for row in rows}


def _counterparty(terms: dict[str, Any]) -> str:
    return str(terms.get("对方") or terms.get("承租人") or "")


def register_panel(conn: sa.Connection, *, case_id: str,
                   titles: dict[str, str]) -> RegisterPanel | None:
    """The case's register panel, or None when the store holds no subject for it (a run
    recorded before registers were kept)."""
    row = conn.execute(sa.select(register_subjects)
                       .where(register_subjects.c.case_id == case_id)).first()
    if row is None:
        return None
    terms = {str(key): str(value) for key, value in json.loads(row.terms or "{}").items()}
    found = json.loads(row.findings or "[]")
    schedule = json.loads(row.schedule or "[]")
    ids: list[str] = []
    comparison: list[dict[str, Any]] = []
    shown = []
    for item in found:
        evidence = item.get("evidence") or {}
        view = _evidence_view(evidence)
        ids.extend(item.get("entry_ids") or [])
        for block in view["line_lists"]:
            ids.extend(line["entry_id"] for line in block["lines"])
        if "ledger_debits_fen" in evidence or "ledger_balance_fen" in evidence:
            comparison.append(_compared(evidence))
        shown.append({
            "check_id": item["check_id"],
            "title": titles.get(item["check_id"], item["check_id"]),
            "kind_label": KIND_LABELS.get(item.get("kind", ""), item.get("kind", "")),
            "severity_label": SEVERITY_LABELS.get(item.get("severity", ""), ""),
            "reason": item.get("reason", ""),
            **view,
        })
    for due in schedule:
        ids.extend(due.get("matched_entry_ids") or [])
    lines = evidence_lines(conn, town=row.town, entry_ids=list(dict.fromkeys(ids)))
    for block in (block for item in shown for block in item["line_lists"]):
        for line in block["lines"]:
            line["known"] = line["entry_id"] in lines
    return RegisterPanel(
        subject_kind=row.subject_kind,
        kind_label=SUBJECT_KINDS.get(row.subject_kind, row.subject_kind),
        subject_id=row.subject_id,
        name=row.name,
        counterparty=_counterparty(terms),
        terms=terms,
        findings=shown,
        comparison=sorted(comparison, key=lambda item: item["when"]),
        schedule=[{**due, "matched": [(entry, entry in lines)
                                      for entry in due.get("matched_entry_ids") or []],
                   "quiet": due.get("status") in QUIET_STATUSES and not due.get("matched_fen")}
                  for due in schedule],
        lines=list(lines.values()),
        run_id=row.run_id,
    )


def _evidence_view(evidence: dict[str, Any]) -> dict[str, Any]:
    """A finding's evidence as figures (label, text), lists of journal lines and lists of
    amounts due."""
    facts = []
    for key, value in evidence.items():
        if key in _SHOWN_ELSEWHERE or isinstance(value, dict) or value in (None, "", []):
            continue
        facts.append((EVIDENCE_LABELS.get(key, key), _text(key, value)))
    line_lists = []
    for key, caption in _LINE_LISTS.items():
        items = evidence.get(key)
        if isinstance(items, list) and items:
            line_lists.append({"caption": caption, "lines": [_listed_line(item)
                                                              for item in items]})
    due_lists = [{"caption": caption, "items": [
        {"instalment": item.get("instalment"), "due_on": _day(item.get("due_on")),
         "amount_due_fen": item.get("amount_due_fen")} for item in evidence[key]]}
        for key, caption in _DUE_LISTS.items() if isinstance(evidence.get(key), list)]
    return {"facts": facts, "line_lists": line_lists, "due_lists": due_lists}


def _listed_line(item: Any) -> dict[str, Any]:
    """A journal line an evidence list names: by its id alone, or with its date and amount."""
    if not isinstance(item, dict):
        return {"entry_id": str(item), "date": "", "amount_fen": None}
    return {"entry_id": str(item.get("entry_id", "")), "date": _day(item.get("date")),
            "amount_fen": item.get("amount_fen")}


def _compared(evidence: dict[str, Any]) -> dict[str, Any]:
    """An asset mismatch's figures: the register's and the ledger's, and what differs."""
    if "ledger_debits_fen" in evidence:
        when = f"{evidence.get('year', '')} 年新增"
        held, ledger = evidence.get("register_added_fen") or 0, evidence["ledger_debits_fen"]
        basis = "本年新增原值 / 本年借方发生额"
    else:
        when = f"截至 {_day(evidence.get('as_at'))}"
        held, ledger = evidence.get("register_total_fen") or 0, evidence["ledger_balance_fen"]
        basis = "台账合计 / 账面余额"
    return {"when": when, "account": str(evidence.get("account", "")), "basis": basis,
            "register_fen": int(held), "ledger_fen": int(ledger),
            "difference_fen": int(held) - int(ledger)}


def _day(value: Any) -> str:
    text = "" if value is None else str(value)
    return text[:10]


def _text(key: str, value: Any) -> str:
    if key.endswith("_fen") and isinstance(value, int | float):
        return f"{format_yuan(int(value))} 元"
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    if key in {"as_of", "as_at", "filed_on", "since", "latest_end", "signed_on", "start_on",
               "end_on"}:
        return _day(value)
    return str(value)


_LINE_FIELDS = ("entry_id", "village", "period", "voucher_date", "voucher_no", "line_no",
                "summary", "account_code", "account_name", "debit_fen", "credit_fen",
                "counterparty", "contract_ref", "source_file", "source_sheet", "source_row")


def evidence_lines(conn: sa.Connection, *, town: str,
                   entry_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The journal lines of ``town`` named by ``entry_ids``, in that order: as the registers
    stored them, or as a journal finding holds a line also flagged by the journal's checks
    (``flagged``: it has a case of its own)."""
    if not entry_ids:
        return {}
    kept = {row.entry_id: {**row._mapping, "flagged": False} for row in conn.execute(
        sa.select(*(register_lines.c[name] for name in _LINE_FIELDS))
        .where(register_lines.c.town == town, register_lines.c.entry_id.in_(entry_ids)))}
    flagged = conn.execute(
        sa.select(*(findings.c[name] for name in _LINE_FIELDS), cases.c.case_id)
        .join(cases, sa.and_(cases.c.entry_id == findings.c.entry_id,
                             cases.c.last_run_id == findings.c.run_id))
        .where(cases.c.town == town, findings.c.entry_id.in_(entry_ids))).all()
    for row in flagged:
        kept[row.entry_id] = {**row._mapping, "flagged": True}
    return {entry: kept[entry] for entry in entry_ids if entry in kept}


def register_line_detail(store: Store, *, user: User, entry_id: str) -> dict[str, Any] | None:
    """An evidence line no journal check flagged, as its entry page shows it, with the
    register cases resting on it; None when it is no such line in the user's towns."""
    query = sa.select(register_lines).where(register_lines.c.entry_id == entry_id)
    if not user.sees_all_towns:
        query = query.where(register_lines.c.town.in_(user.towns))
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
        if row is None:
            return None
        naming = conn.execute(
            sa.select(register_subjects.c.case_id, register_subjects.c.subject_kind,
                      register_subjects.c.subject_id, register_subjects.c.name)
            .where(register_subjects.c.town == row.town,
                   sa.or_(register_subjects.c.findings.contains(f'"{entry_id}"',
                                                                autoescape=True),
                          register_subjects.c.schedule.contains(f'"{entry_id}"',
                                                                autoescape=True)))
            .order_by(register_subjects.c.subject_id)).all()
    return {"line": dict(row._mapping), "cases": [
        {"case_id": item.case_id,
         "title": subject_title(item.subject_kind, item.subject_id, item.name)}
        for item in naming]}
