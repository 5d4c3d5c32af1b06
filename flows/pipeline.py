"""The audit's stages as plain functions, so they are tested without Prefect: this module is
their table of contents, each stage in its own module under ``flows/stages/``.

A county is audited town by town (a town's villages share the peer statistics the features
compare against; no rule, feature or voucher crosses a town), so memory follows the largest
town, not the county, and a correction redoes only its own town:

    stages/ingest   per file  ingest_file      export → canonical entries (part "files/<key>");
                                               small files in batches (ingest_batches)
    stages/prepare  per town  prepare_town     entry ids, rule breaches, signals, features
                                               ("towns/<key>")
    stages/model    county    obtain_model     the isolation forest, fitted on a sample of all
                                               towns
    stages/score    per town  score_town       anomaly score, its percentile, risk
                                               ("scores/<key>")
    stages/rank     county    rank_county      inspectors' decisions, one ranking within the
                                               review budget, every rule breach flagged; the
                                               entries decisions touch kept per town
                                               ("marks/<key>")
    stages/report   per town  report_town      reasons for flagged entries, their cases, the
                                               town's share of the outputs ("reports/<key>")
    stages/registers per town audit_town_registers  the town's 三资 registers against its
                                               books: amounts due, register checks, their
                                               cases ("registers/<key>")
    stages/scorecards per town town_indicators each village's indicators per year, from the
                                               town's entries and registers
                                               ("scorecards/<key>")
    stages/write    county    write_entries,   entries.parquet; findings and quarantine
                              write_sheets     (README.md 你会得到什么) from each town's rows
                                               of them ("sheets/<key>")
    stages/record   county    record_findings  the run's digest (stages/write: ranked_digest)
                                               into the review store
    stages/scorecards county  assess_county    after record: cases counted from the store's
                                               decisions, the three-colour warning;
                                               scorecards.parquet/.xlsx and the store
    stages/totals   county    run_totals, …    the run's figures for run.json and the terminal

The three county writers run side by side, as none needs another's output; each sets the
county's ranks into what it reads of the towns' reports. ``stages/common`` holds the kinds of
parts and the run's timings.

Per-file and per-town results are parts on disk (:mod:`flows.parts`) named by keys that hash
what they depend on, each with the summary its stage returned; :mod:`flows.audit` wires these
functions into a Prefect flow that runs a task only for a key whose part is not there yet. A
rerun after a correction therefore reads the corrected files again and checks, scores and
reports their towns from the start; the other towns keep their parts, and their reports unless
the county's ranking now flags other entries of theirs.
"""

from __future__ import annotations

from flows.stages.common import (
    BATCH_BYTES,
    FILES,
    LEDGER_SUFFIXES,
    NOT_LEDGERS,
    RULE_WEIGHTS,
    SCORE_COLUMNS,
    SCORES,
    SEVERITY_WEIGHTS,
    TOWNS,
    PartKind,
    Timings,
    finding_titles,
)
from flows.stages.ingest import (
    FilePart,
    files_by_town,
    find_ledger_files,
    ingest_batches,
    ingest_file,
    ingest_files,
    ingest_key,
    run_quarantine,
    supersede_files,
    with_profile_chart,
)
from flows.stages.model import ModelPart, load_model, obtain_model, training_sample
from flows.stages.prepare import TownPart, prepare_town, town_key
from flows.stages.rank import (
    MARKED,
    decision_marks,
    decisions_digest,
    prefetch_candidates,
    rank_county,
    town_candidates,
    town_ranking,
)
from flows.stages.record import past_decisions, prefetch_known_cases, record_findings
from flows.stages.registers import (
    REGISTERS,
    RegisterPart,
    audit_town_registers,
    register_key,
    register_record,
    registers_by_town,
    write_registers,
)
from flows.stages.report import REPORTS, TownReport, report_key, report_town
from flows.stages.score import ScorePart, score_key, score_town
from flows.stages.scorecards import (
    SCORECARDS,
    ScorecardPart,
    assess_county,
    scorecard_key,
    town_indicators,
)
from flows.stages.totals import (
    count_by_id,
    partition_record,
    run_totals,
    thresholds_in_force,
    village_counts,
)
from flows.stages.write import (
    SHEET_BATCH_FINDINGS,
    SHEETS,
    empty_scored,
    output_paths,
    prefetch_digests,
    ranked_digest,
    write_entries,
    write_sheets,
)

__all__ = [
    "BATCH_BYTES",
    "FILES",
    "LEDGER_SUFFIXES",
    "MARKED",
    "NOT_LEDGERS",
    "REGISTERS",
    "REPORTS",
    "RULE_WEIGHTS",
    "SCORECARDS",
    "SCORES",
    "SCORE_COLUMNS",
    "SEVERITY_WEIGHTS",
    "SHEETS",
    "SHEET_BATCH_FINDINGS",
    "TOWNS",
    "FilePart",
    "ModelPart",
    "PartKind",
    "RegisterPart",
    "ScorePart",
    "ScorecardPart",
    "Timings",
    "TownPart",
    "TownReport",
    "assess_county",
    "audit_town_registers",
    "count_by_id",
    "decision_marks",
    "decisions_digest",
    "empty_scored",
    "files_by_town",
    "find_ledger_files",
    "finding_titles",
    "ingest_batches",
    "ingest_file",
    "ingest_files",
    "ingest_key",
    "load_model",
    "obtain_model",
    "output_paths",
    "partition_record",
    "past_decisions",
    "prefetch_candidates",
    "prefetch_digests",
    "prefetch_known_cases",
    "prepare_town",
    "rank_county",
    "ranked_digest",
    "record_findings",
    "register_key",
    "register_record",
    "registers_by_town",
    "report_key",
    "report_town",
    "run_quarantine",
    "run_totals",
    "score_key",
    "score_town",
    "scorecard_key",
    "supersede_files",
    "thresholds_in_force",
    "town_candidates",
    "town_indicators",
    "town_key",
    "town_ranking",
    "training_sample",
    "village_counts",
    "with_profile_chart",
    "write_entries",
    "write_registers",
    "write_sheets",
]
