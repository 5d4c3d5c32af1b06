"""run.json: the record of one run, typed, made once when the run ends (``flows/audit.py``),
written as it is (``model_dump``, :func:`flows.outputs.write_run_record`) and read by everything
that reports on a run — the terminal, Prefect's summary, the rerun's and the nightly audit's
reports.

Its keys are what operators and their scripts read (docs/reading-exports.md, docs/registers.md):
they stay. Where a key holds words for people (a town ``checked``: 本次计算 or 沿用缓存), the
record keeps the fact beside them (``checked_now``) and the words are made from the fact, so no
reader ever parses the words back.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, computed_field

COMPUTED_WORDS = {True: "本次计算", False: "沿用缓存"}


class _Record(BaseModel):
    # read back from run.json, the words made from the facts are passed over (not extra="forbid")
    model_config = ConfigDict(frozen=True)


class TownPartition(_Record):
    """One town in this run: each of its stages computed now, or its part taken from the parts
    store as an earlier run made it."""

    town: str
    villages: list[str]
    entries: int
    checked_now: bool
    scored_now: bool
    reported_now: bool

    @computed_field
    @property
    def checked(self) -> str:
        return COMPUTED_WORDS[self.checked_now]

    @computed_field
    @property
    def scored(self) -> str:
        return COMPUTED_WORDS[self.scored_now]

    @computed_field
    @property
    def reported(self) -> str:
        return COMPUTED_WORDS[self.reported_now]

    @property
    def recomputed(self) -> bool:
        """Checked or scored again in this run (a corrected file's town)."""
        return self.checked_now or self.scored_now


class Partitions(_Record):
    """What this run computed and what it took from earlier runs, per file and per town."""

    files_read: list[str]
    files_cached: list[str]
    towns: list[TownPartition]

    @property
    def recomputed_towns(self) -> list[str]:
        return [town.town for town in self.towns if town.recomputed]

    @property
    def village_names(self) -> set[str]:
        return {village for town in self.towns for village in town.villages}


class RunTotals(_Record):
    """The run's figures: files and rows read, entries loaded, cases and flagged entries (the
    registers' cases counted in, as cases like the journal's)."""

    files: int
    files_unreadable: int
    files_with_problems: int
    rows_read: int
    loaded: int
    quarantined: int
    skipped: int
    entries_with_rule_breaches: int
    flagged: int
    cases: int
    rule_cases: int
    towns_failed: int
    register_cases: int


class Unit(_Record):
    """A town's village (an accounting unit)."""

    town: str
    village: str


class VillageCount(Unit):
    entries: int
    flagged: int


class RunRecord(_Record):
    """One run: what it read, what it found, what it wrote, how long it took (run.json)."""

    run_id: str
    started_at: str
    inputs: list[str]
    out_dir: str
    files: list[dict[str, Any]]  # each file's report, as the reader made it (reading-exports.md)
    rule_counts: dict[str, int]
    signal_counts: dict[str, int]
    model: dict[str, Any]
    thresholds: dict[str, Any]
    params: dict[str, Any]
    partitions: Partitions
    other_charts: list[Unit]
    failed_towns: dict[str, str]
    registers: dict[str, Any]
    totals: RunTotals
    finished_at: str
    review: dict[str, Any] | None  # what the run changed in the store (review.store.RunChanges)
    outputs: dict[str, str]
    villages: list[VillageCount]
    scorecards: dict[str, Any]
    timings: dict[str, float]

    @property
    def quarantine_alert_share(self) -> float:
        """The share of a file's rows quarantined above which it was not read well."""
        return self.params["ingest"]["quarantine_alert_share"]

    @property
    def failed(self) -> bool:
        """Some file was not read well, some town not finished, or nothing was loaded."""
        return bool(self.totals.files_with_problems or self.failed_towns
                    or not self.totals.loaded)


def run_totals(totals: dict[str, int], registers: dict[str, Any], towns_failed: int
               ) -> RunTotals:
    """The journal's totals (:func:`flows.stages.totals.run_totals`) with the registers' cases
    counted in, and the towns that could not be finished."""
    return RunTotals(**totals | {
        "cases": totals["cases"] + registers["cases"],
        "rule_cases": totals["rule_cases"] + registers["rule_cases"],
        "towns_failed": towns_failed, "register_cases": registers["cases"]})
