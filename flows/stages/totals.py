"""The run's figures for run.json and the terminal: totals, per village counts, thresholds in
force, what was computed and what was taken from earlier runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from checks.params import AuditParams
from flows.reading import problem_files
from flows.stages.ingest import FilePart
from flows.stages.prepare import TownPart
from flows.stages.report import TownReport
from flows.stages.score import ScorePart
from review.digest import RunDigest


def village_counts(digest: RunDigest) -> list[dict[str, Any]]:
    """Entries and flagged entries per village, for run.json and the operator's summary."""
    per_village = digest.scope.groupby(["town", "village"], sort=True)[
        ["n_entries", "n_findings"]].sum().reset_index()
    return [{"town": row.town, "village": row.village, "entries": int(row.n_entries),
             "flagged": int(row.n_findings)} for row in per_village.itertuples()]


def thresholds_in_force(towns: list[str], params: AuditParams) -> dict[str, Any]:
    """The county's thresholds and each town's, as applied in this run."""
    return {
        "county": params.county,
        "default": params.thresholds.model_dump(mode="json"),
        "towns": {town: params.thresholds_for(town).model_dump(mode="json") for town in towns},
    }


def count_by_id(parts: Iterable[dict[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for counts in parts:
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + int(value)
    return dict(sorted(totals.items()))


def run_totals(
    files: list[FilePart], towns: list[TownPart], reports: list[TownReport],
    quarantine: pd.DataFrame, quarantine_alert_share: float,
) -> dict[str, int]:
    file_reports = [part.report for part in files]
    return {
        "files": len(files),
        "files_unreadable": sum(1 for report in file_reports if report.get("error")),
        "files_with_problems": len(problem_files(file_reports, quarantine_alert_share)),
        "rows_read": sum(report.get("rows_read", 0) for report in file_reports),
        "loaded": sum(town.n_entries for town in towns),
        "quarantined": len(quarantine),
        "skipped": sum(report.get("skipped", 0) for report in file_reports),
        "entries_with_rule_breaches": sum(report.n_with_breaches for report in reports),
        "flagged": sum(report.n_flagged for report in reports),
        "cases": sum(report.n_cases for report in reports),
        "rule_cases": sum(report.n_rule_cases for report in reports),
    }


def partition_record(
    files: list[FilePart], towns: list[TownPart], scores: list[ScorePart],
    reports: list[TownReport], run_id: str,
) -> dict[str, Any]:
    """What this run computed and what it took from earlier runs, per file and per town
    (:class:`flows.run_record.Partitions`: the words people read are made from these facts)."""
    reported = {report.town: report.computed_in for report in reports}
    return {
        "files_read": [part.file for part in files if part.computed_in == run_id],
        "files_cached": [part.file for part in files if part.computed_in != run_id],
        "towns": [
            {"town": town.town, "villages": town.villages, "entries": town.n_entries,
             "checked_now": town.computed_in == run_id,
             "scored_now": score.computed_in == run_id,
             "reported_now": reported.get(town.town) == run_id}
            for town, score in zip(towns, scores, strict=True)
        ],
    }
