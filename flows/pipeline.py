"""The audit's stages as plain functions, so they are tested without Prefect.

exports → canonical entries → checks → features → scores → ranking → outputs. Each function
takes what the previous one returned; :mod:`flows.audit` wires them into a Prefect flow.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import models.scoring
from checks.entry_schema import empty_entries
from checks.params import AuditParams
from checks.rules import RULES, RuleEvaluation, evaluate_rules
from checks.signals import SIGNALS
from flows.ingest import FileLoad, LedgerFileError, assign_entry_ids, read_ledger_file
from flows.outputs import QUARANTINE_COLUMNS

LEDGER_SUFFIXES = {".csv", ".xlsx", ".xls"}
# Files that travel with exports but are not ledgers (the generator's answer key, notes).
NOT_LEDGERS = {"labels.csv"}
SEVERITY_WEIGHTS = {"high": 1.0, "medium": 0.75, "low": 0.5}


@dataclass
class Ledger:
    """Every input's entries, quarantined rows and per-file reports, combined."""

    entries: pd.DataFrame
    quarantine: pd.DataFrame
    file_reports: list[dict[str, Any]]


@dataclass
class Timings:
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(
                self.seconds.get(name, 0.0) + time.perf_counter() - started, 3
            )


def find_ledger_files(inputs: Iterable[str | Path]) -> list[Path]:
    """Input paths expanded: a folder stands for the ledger files in it and its sub-folders."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files.extend(
                sorted(
                    candidate
                    for candidate in path.rglob("*")
                    if candidate.is_file()
                    and candidate.suffix.lower() in LEDGER_SUFFIXES
                    and candidate.name not in NOT_LEDGERS
                    and not candidate.name.startswith(("~$", "."))
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"输入路径不存在：{path}")
    return files


def ingest_file(path: Path, default_town: str | None) -> FileLoad | dict[str, Any]:
    """Read one export; a file that cannot be read becomes a report with its error.

    OS errors are raised so the caller can retry them; a malformed file is not retried.
    """
    try:
        return read_ledger_file(Path(path), default_town=default_town)
    except LedgerFileError as error:
        return {"file": Path(path).name, "path": str(path), "error": str(error)}


def combine_loads(loads: list[FileLoad | dict[str, Any]]) -> Ledger:
    """Concatenate files' entries (with stable entry ids) and quarantined rows."""
    reports: list[dict[str, Any]] = []
    entry_frames: list[pd.DataFrame] = []
    quarantine_frames: list[pd.DataFrame] = []
    for load in loads:
        if isinstance(load, dict):
            reports.append(load)
            continue
        reports.append(load.report.to_dict())
        entry_frames.append(load.entries)
        quarantine_frames.append(load.quarantine)
    entries = pd.concat(entry_frames, ignore_index=True) if entry_frames else empty_entries()
    quarantine = (
        pd.concat(quarantine_frames, ignore_index=True)
        if quarantine_frames
        else pd.DataFrame({name: pd.Series(dtype="str") for name in QUARANTINE_COLUMNS})
    )
    return Ledger(assign_entry_ids(entries), quarantine, reports)


def check_entries(entries: pd.DataFrame, params: AuditParams) -> RuleEvaluation:
    return evaluate_rules(entries, params)


@dataclass
class Scored:
    """Entries with their scores, flags and reasons; the model's record for run.json."""

    entries: pd.DataFrame
    model: dict[str, Any]


def past_decisions() -> pd.DataFrame:
    """Inspectors' decisions so far, for the model to learn from (empty on a new store)."""
    from review.dispositions import decisions_for_learning
    from review.store import open_store

    return decisions_for_learning(open_store())


def score_entries(
    entries: pd.DataFrame,
    evaluation: RuleEvaluation,
    params: AuditParams,
    *,
    model_dir: Path,
    dispositions: pd.DataFrame | None = None,
) -> Scored:
    """Features, forest and one ranking within the review budget, explained."""
    scoring = models.scoring.score_entries(
        entries,
        breaches=evaluation.breaches,
        signals=evaluation.signals,
        rule_weights={rule.id: SEVERITY_WEIGHTS[rule.severity] for rule in RULES},
        params=params,
        model_dir=model_dir if params.model.reuse else None,
        dispositions=dispositions,
    )
    return Scored(pd.concat([entries, scoring.ranked], axis=1), scoring.model)


def finding_titles() -> dict[str, str]:
    """Rule and signal ids → their Chinese names, for pages that show them."""
    return {rule.id: rule.message for rule in RULES} | {
        signal.id: signal.name for signal in SIGNALS
    }


def record_findings(
    run_record: dict[str, Any], scored: pd.DataFrame, quarantine: pd.DataFrame
) -> dict[str, Any]:
    """Write the run's findings to the review store; returns what changed since earlier runs."""
    from review.store import open_store, record_run

    changes = record_run(
        open_store(),
        run_id=run_record["run_id"],
        started_at=run_record["started_at"],
        finished_at=run_record["finished_at"],
        inputs=run_record["inputs"],
        out_dir=run_record["out_dir"],
        params=run_record["params"],
        entries=scored,
        quarantine=quarantine,
        rule_titles=finding_titles(),
    )
    return changes.to_dict()


def thresholds_in_force(entries: pd.DataFrame, params: AuditParams) -> dict[str, Any]:
    """The county's thresholds and each town's, as applied in this run."""
    towns = sorted(entries["town"].unique()) if not entries.empty else []
    return {
        "county": params.county,
        "default": params.thresholds.model_dump(mode="json"),
        "towns": {town: params.thresholds_for(town).model_dump(mode="json") for town in towns},
    }


def run_totals(ledger: Ledger, scored: pd.DataFrame) -> dict[str, int]:
    reports = ledger.file_reports
    return {
        "files": len(reports),
        "files_unreadable": sum(1 for report in reports if report.get("error")),
        "rows_read": sum(report.get("rows_read", 0) for report in reports),
        "loaded": len(ledger.entries),
        "quarantined": len(ledger.quarantine),
        "skipped_subtotal": sum(report.get("skipped_subtotal", 0) for report in reports),
        "entries_with_rule_breaches": int(scored["rule_ids"].list.len().gt(0).sum())
        if not scored.empty
        else 0,
        "flagged": int(scored["flagged"].sum()) if not scored.empty else 0,
    }
