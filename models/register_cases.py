"""Cases of the registers' findings: one case per subject — a contract, an asset, a resource,
a village's account — holding every check that found something about it (docs/registers.md,
结果、案件与重新运行).

A subject's case is raised by the rules that found it (always reported, like a journal
breach) or by signals alone; its risk is the noisy-OR of the journal's cases
(:func:`models.ranking.combined_risk`): its strongest rule's severity, its signals counted up to
three. ``case_id`` is a hash of the subject, so the case keeps its id across reruns while the
subject is the same; its ``content_hash`` (the subject's register rows and the checks that
found it) changes when the agency corrects the register or another check fires, and reopens a
decision made on the case as it was.

For the review store, each case is also one *subject line*: a flagged row in the entries'
columns that stands for the subject (its entry id ``town/village/合同:HT-1``, its register
file and row, its counterparty and reason), so decisions, changes and resolution work for
register cases as they do for journal lines; the journal lines a finding rests on are in the
case's ``entry_ids`` in findings.parquet.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import numpy as np
import pandas as pd

from checks.rules.rule import SEVERITY_WEIGHTS
from models.cases import CASE_COLUMNS, empty_cases
from models.ranking import REASON_SEPARATOR, combined_risk

HASH_KEY = "sanzi-audit-register-case-1"
# What a person calls each kind of subject, as the word of its subject line.
SUBJECT_WORDS = {"contract": "合同", "asset": "资产", "resource": "资源", "account": "科目"}
# The review store's columns of a subject line, beside the entries' canonical ones.
SUBJECT_KEY = ["town", "village", "subject_kind", "subject_id"]
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def subject_entry_id(town: str, village: str, subject_kind: str, subject_id: str) -> str:
    """The subject line's id: never a journal line's (those hold a period and a voucher)."""
    return f"{town}/{village}/{SUBJECT_WORDS.get(subject_kind, subject_kind)}:{subject_id}"


def register_cases(findings: pd.DataFrame) -> pd.DataFrame:
    """One case per subject of ``findings`` (rows of ``REGISTER_FINDING_COLUMNS``), in
    :data:`models.cases.CASE_COLUMNS` and a ``content_hash``, strongest first. A town has a few
    hundred findings: one pass over them as records costs less than a groupby's per-group
    frames."""
    if findings.empty:
        return empty_cases().assign(content_hash=pd.Series(dtype="str"))
    subjects: dict[tuple[str, ...], list[dict]] = {}
    for finding in findings.to_dict("records"):
        key = tuple(str(finding[name]) for name in SUBJECT_KEY)
        subjects.setdefault(key, []).append(finding)
    rows = [_case(key, subjects[key]) for key in sorted(subjects)]
    cases = pd.DataFrame(rows, columns=[*CASE_COLUMNS, "content_hash"])
    return cases.sort_values(["risk_score", "amount_fen"], ascending=False,
                             kind="stable").reset_index(drop=True)


def _case(key: tuple[str, ...], found: list[dict]) -> dict:
    """One subject's case from its findings (in the findings' order)."""
    town, village, subject_kind, subject_id = key
    rules = [item for item in found if item["kind"] == "rule"]
    signals = [item for item in found if item["kind"] != "rule"]
    rule_strength = max((SEVERITY_WEIGHTS.get(str(item["severity"]), 1.0) for item in rules),
                        default=0.0)
    risk = combined_risk(np.array([rule_strength]), np.array([min(1.0, len(signals) / 3)]),
                         np.zeros(1))[0]
    ordered = sorted(found, key=lambda item: (item["kind"] != "rule") * 10
                     + _SEVERITY_ORDER.get(item["severity"], 3))  # stable: findings' order
    amounts = [int(item["amount_fen"]) for item in found if not pd.isna(item["amount_fen"])]
    return {
        "case_id": _case_id(town, village, subject_kind, subject_id),
        "subject_kind": subject_kind, "subject_id": subject_id, "town": town,
        "village": village,
        "periods": sorted({period for item in found for period in item["periods"] if period}),
        "rule_ids": list(dict.fromkeys(item["check_id"] for item in rules)),
        "signals": list(dict.fromkeys(item["check_id"] for item in signals)),
        "risk_score": round(float(risk), 4),
        "raised_by": "both" if rules and signals else "rule" if rules else "model",
        "amount_fen": max(amounts, default=0),
        "reasons": list(dict.fromkeys(item["reason"] for item in ordered)),
        "entry_ids": list(dict.fromkeys(entry for item in ordered for entry in item["entry_ids"])),
        "content_hash": _content_hash(found),
    }


def subject_lines(cases: pd.DataFrame, subjects: pd.DataFrame,
                  last_periods: Mapping[tuple[str, str], str]) -> pd.DataFrame:
    """One flagged line per register case, for the review store.

    ``subjects``: per subject (:data:`SUBJECT_KEY`), its register row's ``name``,
    ``counterparty``, ``source_file``, ``source_sheet``, ``source_row`` and ``terms`` (a
    dict of Chinese field names → text, shown as the line's original cells); ``last_periods``:
    the last period of each (town, village)'s books in the run — a subject line sits there,
    so the run that loads that village decides whether it is still found."""
    if cases.empty:
        return pd.DataFrame()
    known = subjects.set_index(SUBJECT_KEY) if not subjects.empty else None
    rows = []
    for case in cases.itertuples(index=False):
        key = (case.town, case.village, case.subject_kind, case.subject_id)
        subject = (known.loc[key].to_dict()
                   if known is not None and key in known.index else {})
        period = last_periods.get((case.town, case.village)) or max(case.periods, default="")
        word = SUBJECT_WORDS.get(case.subject_kind, case.subject_kind)
        amount = int(case.amount_fen or 0)
        rows.append({
            "town": case.town, "village": case.village, "org_code": "", "period": period,
            "voucher_date": pd.Timestamp(f"{period}-01") if period else pd.NaT,
            "voucher_word": word, "voucher_number": 0,
            "voucher_no": f"{word} {case.subject_id}", "line_no": 1,
            "summary": str(subject.get("name") or next(iter(case.reasons), "")),
            "account_code": "", "account_name": f"{word}台账",
            "debit_fen": 0, "credit_fen": amount,
            "counterparty": str(subject.get("counterparty") or ""), "settlement": "",
            "attachments": pd.NA, "decision_ref": "",
            "contract_ref": case.subject_id if case.subject_kind == "contract" else "",
            "preparer": "", "reviewer": "", "bookkeeper": "",
            "source_file": str(subject.get("source_file") or ""),
            "source_sheet": str(subject.get("source_sheet") or ""),
            "source_row": int(subject.get("source_row") or 0),
            "entry_id": subject_entry_id(*key),
            "content_hash": case.content_hash,
            "extra": json.dumps(subject.get("terms") or {}, ensure_ascii=False),
            "risk_score": case.risk_score,
            "rule_ids": list(case.rule_ids), "signals": list(case.signals),
            "flagged": True,
            "reasons": REASON_SEPARATOR.join(case.reasons),
            "case_id": case.case_id,
        })
    return pd.DataFrame(rows)


def _case_id(*subject: str) -> str:
    text = "\x1f".join([HASH_KEY, *subject])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _content_hash(found: list[dict]) -> str:
    parts = sorted(f"{item['check_id']}\x1f{item['content_hash']}" for item in found)
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:16]
