"""The audit flow: ingest → check → model → score and rank → report → registers → scorecards →
write and record, as a Prefect flow fanned out per file and per town.

The flow body reads like a table of contents, one line per stage; each stage's function below
submits the plain functions of :mod:`flows.pipeline` as tasks and says how it went
(:mod:`flows.progress`). Per-file and per-town work is keyed by the content keys of
:mod:`flows.parts`: a part already made under its key is taken from the parts store and runs no
task, so a rerun after a correction runs tasks only for the changed files' towns. Tasks that
read the exports or write the outputs and the store retry; computing tasks do not (they would
fail the same way again). A file or town that fails is reported and the others go on. The run's
record (run.json, :mod:`flows.run_record`) is made once, at the end. The task runner is chosen
by the caller (:mod:`flows.runners`): threads on one machine, Dask on a cluster.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.task_runners import ThreadPoolTaskRunner

from checks.params import AuditParams, load_params
from flows import pipeline
from flows.artifacts import publish_run_artifacts
from flows.ingest import load_profile, reading_options
from flows.outputs import write_run_record
from flows.parts import ReadAhead, file_digests
from flows.progress import Progress
from flows.run_record import RunRecord, run_totals
from flows.runners import InWorkerProcess
from flows.settings import Settings, load_settings
from flows.summary import summary_markdown
from review.db import Store
from review.digest import RunDigest


def _compute(function: Callable[..., Any], name: str,
             run_name: str | Callable[..., str] | None = None) -> Any:
    """A computing stage as a task, in a worker process; no retries: it would fail the same
    way again on the same parts (a town that fails is reported, the others go on)."""
    return task(InWorkerProcess(function), name=name, task_run_name=run_name, cache_policy=NONE)


def _io(function: Callable[..., Any], name: str, run_name: str | Callable[..., str] | None = None,
        *, in_worker: bool = True) -> Any:
    """A stage that reads the exports or writes the outputs or the store, as a task: retried,
    since a share or a database may be busy for a moment."""
    return task(InWorkerProcess(function) if in_worker else function, name=name,
                task_run_name=run_name, retries=2, retry_delay_seconds=2, cache_policy=NONE)


def _batch_name(parameters: dict[str, Any]) -> str:
    files = parameters["files"]
    first = Path(files[0][0]).name
    return f"ingest {first}" if len(files) == 1 else f"ingest {first} 等 {len(files)} 个文件"


ingest_files = _io(pipeline.ingest_files, "ingest-files", _batch_name)
prepare_town = _compute(pipeline.prepare_town, "prepare-town", "check {town}")
score_town = _compute(pipeline.score_town, "score-town", "score {town.town}")
# in a worker process, where scikit-learn is imported already (this process need not import it)
obtain_model = _compute(pipeline.obtain_model, "obtain-model")
rank_county = task(pipeline.rank_county, name="rank-county", cache_policy=NONE)
report_town = _compute(pipeline.report_town, "report-town", "report {town.town}")
audit_town_registers = _compute(pipeline.audit_town_registers, "audit-registers",
                                "registers {town.town}")
town_indicators = _compute(pipeline.town_indicators, "town-scorecards", "scorecards {town.town}")
# in this process: the store is open here, and Dask's workers need not reach it
assess_county = _io(pipeline.assess_county, "assess-county", in_worker=False)
write_entries = _io(pipeline.write_entries, "write-entries")
write_sheets = _io(pipeline.write_sheets, "write-findings")
record_findings = _io(pipeline.record_findings, "record-findings", in_worker=False)
write_record = _io(write_run_record, "write-run-record", in_worker=False)


@dataclass
class AuditRun:
    """One run as its stages see it: its id and start, its settings and open store, what it
    tells the operator, how long each stage took and the towns that failed so far."""

    run_id: str
    started_at: datetime
    inputs: list[str]
    out_dir: Path
    settings: Settings
    store: Store
    progress: Progress
    timings: pipeline.Timings = field(default_factory=pipeline.Timings)
    failed_towns: dict[str, str] = field(default_factory=dict)

    @property
    def parts_dir(self) -> Path:
        return self.settings.parts_dir

    def stage(self, name: str) -> AbstractContextManager[None]:
        return self.timings.stage(name)

    def succeeded(self, results: dict[str, Any]) -> list[Any]:
        """The towns' results that are not failures, in order; the failures are kept, with
        why, as the run's failed towns."""
        self.failed_towns |= {town: f"处理失败：{result}" for town, result in results.items()
                              if isinstance(result, Exception)}
        return [result for result in results.values() if not isinstance(result, Exception)]

    def not_failed(self, towns: list[pipeline.TownPart]) -> list[pipeline.TownPart]:
        return [town for town in towns if town.town not in self.failed_towns]


@flow(name="sanzi-audit", log_prints=False)
def audit_ledgers(
    inputs: list[str], out_dir: str, params: AuditParams | None = None
) -> RunRecord:
    """Audit the ledger exports under ``inputs`` and write the results into ``out_dir``."""
    with _started(inputs, out_dir) as run:
        with run.stage("ingest"):
            files, params = _read_files(run, params or load_params())
        with run.stage("check"):
            towns = _check_towns(run, files, params)
        with run.stage("model"):
            model = obtain_model(towns, params, model_dir=run.settings.models_dir)
        with run.stage("score"):
            towns, scores, ranking = _score_and_rank(run, towns, model, params)
        with run.stage("report"):
            reports, ahead = _report_towns(run, towns, scores, ranking, model, params)
        reported = run.not_failed(towns)
        with run.stage("registers"):
            registers, without_books = _audit_registers(run, files, reported, params)
        with run.stage("scorecards"):
            indicators = _town_indicators(run, reported, registers, params)
        with run.stage("write"):
            written = _write_and_record(run, files, reports, ranking, registers, params, ahead)
        with run.stage("scorecards"):
            scorecards = assess_county(run.store, indicators, params, run.run_id, run.out_dir)
        record = _run_record(run, params, files, towns, scores, reports, model,
                             registers, without_books, written, scorecards)
        _publish(run, record, written.digest)
        return record


@contextmanager
def _started(inputs: list[str], out_dir: str) -> Iterator[AuditRun]:
    """The run, with the settings read and the store open (closed when the run ends)."""
    logging.getLogger("prefect.flow_runs").setLevel(logging.INFO)  # progress on the terminal
    settings = load_settings()
    run_id = str(runtime.flow_run.id or uuid.uuid4())
    run = AuditRun(run_id, datetime.now(settings.zone), [str(item) for item in inputs],
                   Path(out_dir), settings, settings.open_store(),
                   Progress(get_run_logger(), run_id))
    try:
        yield run
    finally:
        run.store.dispose()


def _read_files(run: AuditRun, params: AuditParams
                ) -> tuple[list[pipeline.FilePart], AuditParams]:
    """Every input file's part, in order: taken from the parts store where it was made before,
    else read in batches of small files (one task per batch); what a later export supersedes
    marked; and the parameters with the chart an import profile names."""
    profile = load_profile(params.ingest.profile) if params.ingest.profile else None
    paths = pipeline.find_ledger_files(run.inputs)
    run.progress.files(len(paths))
    digests = file_digests(paths, run.parts_dir)
    options = reading_options(params, profile)
    keys = {path: pipeline.ingest_key(path, digests[path], options) for path in paths}
    results: dict[Path, Any] = {path: pipeline.FILES.summary(run.parts_dir, key)
                                for path, key in keys.items()}
    for part in results.values():
        if part is not None:
            run.progress.file_read(part)
    batches = pipeline.ingest_batches([(path, keys[path]) for path in paths
                                       if results[path] is None])
    read = _fan_out(ingest_files, None, [
        (str(number), {"files": batch, "options": options, "parts_dir": run.parts_dir,
                       "run_id": run.run_id})
        for number, batch in enumerate(batches)
    ], size=_bytes, progress=run.progress.batch_read)
    for batch, outcome in zip(batches, read.values(), strict=True):
        for number, (path, _key) in enumerate(batch):
            results[path] = outcome if isinstance(outcome, Exception) else outcome[number]
    files = pipeline.supersede_files([_file_or_failure(path, results[path]) for path in paths])
    return files, pipeline.with_profile_chart(params, profile, files)


def _check_towns(run: AuditRun, files: list[pipeline.FilePart], params: AuditParams
                 ) -> list[pipeline.TownPart]:
    """Each town's rule breaches, signals and features (a part per town)."""
    by_town = pipeline.files_by_town([part for part in files if part.readable])
    return run.succeeded(_fan_out(prepare_town, pipeline.TOWNS, [
        (town, {"town": town, "files": town_files,
                "key": pipeline.town_key(town, town_files, params), "params": params,
                "parts_dir": run.parts_dir, "run_id": run.run_id})
        for town, town_files in by_town.items()
    ], size=_villages, progress=run.progress.town_checked))


def _score_and_rank(
    run: AuditRun, towns: list[pipeline.TownPart], model: pipeline.ModelPart,
    params: AuditParams,
) -> tuple[list[pipeline.TownPart], list[pipeline.ScorePart], dict[str, pd.DataFrame]]:
    """Each town's scores (a part per town), then one ranking of the county within the review
    budget, with the inspectors' decisions so far; the towns scored, their scores, the
    ranking. The candidates of the towns scored earlier are worked out while the others are
    scored."""
    decisions = pipeline.past_decisions(run.store)
    by_name = {town.town: town for town in towns}
    candidates: list[ReadAhead] = []

    def meanwhile(made: list[pipeline.ScorePart]) -> None:
        candidates.append(pipeline.prefetch_candidates(
            [(by_name[score.town], score) for score in made], params, decisions,
            parts_dir=run.parts_dir))

    scores = run.succeeded(_fan_out(score_town, pipeline.SCORES, [
        (town.town, {"town": town, "key": pipeline.score_key(town, model), "model": model,
                     "parts_dir": run.parts_dir, "run_id": run.run_id})
        for town in towns
    ], size=_entries, progress=run.progress.town_scored, meanwhile=meanwhile))
    towns = run.not_failed(towns)
    ranking = rank_county(towns, scores, params, decisions, parts_dir=run.parts_dir,
                          prefetched=candidates[0] if candidates else None)
    return towns, scores, ranking


def _report_towns(
    run: AuditRun, towns: list[pipeline.TownPart], scores: list[pipeline.ScorePart],
    ranking: dict[str, pd.DataFrame], model: pipeline.ModelPart, params: AuditParams,
) -> tuple[list[pipeline.TownReport], dict[str, ReadAhead]]:
    """Each town's reasons, cases and share of the outputs (a part per town); and, read while
    the towns are reported, the digests of those reported earlier and the store's cases."""
    ahead: dict[str, ReadAhead] = {}

    def meanwhile(made: list[pipeline.TownReport]) -> None:
        ahead["digests"] = pipeline.prefetch_digests(made)
        ahead["cases"] = pipeline.prefetch_known_cases(
            run.store, [town.town for town in towns], params.county)

    reports = run.succeeded(_fan_out(report_town, pipeline.REPORTS, [
        (town.town, {"town": town, "score": score, "decisions": ranking[town.town],
                     "key": pipeline.report_key(score, ranking[town.town]), "model": model,
                     "params": params, "parts_dir": run.parts_dir, "run_id": run.run_id})
        for town, score in zip(towns, scores, strict=True)
    ], size=_entries, progress=run.progress.town_reported, meanwhile=meanwhile))
    return reports, ahead


def _audit_registers(
    run: AuditRun, files: list[pipeline.FilePart], towns: list[pipeline.TownPart],
    params: AuditParams,
) -> tuple[list[pipeline.RegisterPart], list[str]]:
    """Each town's registers checked against its books (a part per town, made where its
    registers or books changed); and the towns whose registers came without books."""
    by_town = pipeline.registers_by_town(files)
    books = {town.town: town for town in towns}
    checked = run.succeeded(_fan_out(audit_town_registers, pipeline.REGISTERS, [
        (town, {"town": books[town], "files": town_files,
                "key": pipeline.register_key(books[town], town_files, params), "params": params,
                "parts_dir": run.parts_dir, "run_id": run.run_id})
        for town, town_files in by_town.items() if town in books
    ], size=_entries, progress=run.progress.registers_checked))
    without_books = sorted(town for town in by_town if town not in books)
    for town in without_books:
        run.progress.registers_without_books(town)
    return checked, without_books


def _town_indicators(
    run: AuditRun, towns: list[pipeline.TownPart], registers: list[pipeline.RegisterPart],
    params: AuditParams,
) -> list[pipeline.ScorecardPart]:
    """Each town's village indicators (a part per town, made where its books or registers
    changed); a town whose indicators failed is left out of the scorecards and named."""
    checked = {part.town: part for part in registers}
    made = _fan_out(town_indicators, pipeline.SCORECARDS, [
        (town.town, {"town": town, "registers": checked.get(town.town),
                     "key": pipeline.scorecard_key(town, checked.get(town.town), params),
                     "params": params, "parts_dir": run.parts_dir, "run_id": run.run_id})
        for town in towns
    ], size=_entries, progress=run.progress.indicators_made)
    for town, result in made.items():
        if isinstance(result, Exception):
            run.progress.indicators_failed(town, f"处理失败：{result}")
    return [result for result in made.values() if not isinstance(result, Exception)]


@dataclass(frozen=True)
class Written:
    """What the write stage did: the outputs' paths, the run's digest and what the store
    changed, with the run's quarantined rows and the time the run finished."""

    quarantine: pd.DataFrame
    finished_at: datetime
    digest: RunDigest
    review: dict[str, Any]
    outputs: dict[str, str]


def _write_and_record(
    run: AuditRun, files: list[pipeline.FilePart], reports: list[pipeline.TownReport],
    ranking: dict[str, pd.DataFrame], registers: list[pipeline.RegisterPart],
    params: AuditParams, ahead: dict[str, ReadAhead],
) -> Written:
    """entries.parquet, the findings sheets and the store's record of the run, written side by
    side (none needs another's output) in threads of this process: the files in the worker
    processes, the run's digest and the store here. Always on this machine, not on a Dask
    cluster, whose workers need not reach the output directory or the store. ``ahead``: the
    towns' digests (``digests``) and the store's cases (``cases``) being read in the
    background."""
    quarantine = pipeline.run_quarantine(files)
    finished_at = datetime.now(run.settings.zone)
    with ThreadPoolTaskRunner(max_workers=2) as writers:
        sheets = writers.submit(write_sheets, {
            "reports": reports, "ranking": ranking, "quarantine": quarantine,
            "out_dir": run.out_dir, "parts_dir": run.parts_dir, "registers": registers})
        entries = writers.submit(write_entries, {
            "reports": reports, "ranking": ranking, "out_dir": run.out_dir})
        digest = pipeline.ranked_digest(reports, ranking, ahead.get("digests"), registers)
        review = record_findings(
            run.store, run_id=run.run_id, started_at=_stamp(run.started_at),
            finished_at=_stamp(finished_at), inputs=run.inputs, out_dir=str(run.out_dir.resolve()),
            params=params.record(), digest=digest, quarantine=quarantine,
            known_cases=ahead["cases"].take("cases") if "cases" in ahead else None)
        written = {"entries": entries.result()} | sheets.result()
    paths = pipeline.output_paths(run.out_dir)
    listed = {name: str(written.get(name, path)) for name, path in paths.items()}
    return Written(quarantine, finished_at, digest, review, listed | {
        name: str(path) for name, path in written.items() if name not in listed})


def _run_record(
    run: AuditRun, params: AuditParams, files: list[pipeline.FilePart],
    towns: list[pipeline.TownPart], scores: list[pipeline.ScorePart],
    reports: list[pipeline.TownReport], model: pipeline.ModelPart | None,
    registers: list[pipeline.RegisterPart], without_books: list[str], written: Written,
    scorecards: tuple[dict[str, Any], dict[str, str]],
) -> RunRecord:
    """The run's record (run.json), made once from what its stages returned."""
    register_record = pipeline.register_record(registers, without_books)
    journal_totals = pipeline.run_totals(files, towns, reports, written.quarantine,
                                         params.ingest.quarantine_alert_share)
    return RunRecord(
        run_id=run.run_id,
        started_at=_stamp(run.started_at),
        inputs=run.inputs,
        out_dir=str(run.out_dir.resolve()),
        files=[part.report for part in files],
        rule_counts=pipeline.count_by_id(town.rule_counts for town in towns),
        signal_counts=pipeline.count_by_id(town.signal_counts for town in towns),
        model=model.record if model else {"model_version": None, "note": "没有可评分的分录"},
        thresholds=pipeline.thresholds_in_force([report.town for report in reports], params),
        params=params.record(),
        partitions=pipeline.partition_record(files, towns, scores, reports, run.run_id),
        other_charts=[{"town": town.town, "village": village}
                      for town in towns for village in town.other_charts],
        failed_towns=run.failed_towns,
        registers=register_record,
        totals=run_totals(journal_totals, register_record, len(run.failed_towns)),
        finished_at=_stamp(written.finished_at),
        review=written.review,
        outputs=written.outputs | scorecards[1],
        villages=pipeline.village_counts(written.digest),
        scorecards=scorecards[0],
        timings=run.timings.seconds,
    )


def _publish(run: AuditRun, record: RunRecord, digest: RunDigest) -> None:
    """run.json, and the run's summary, top findings and review-app link in Prefect."""
    write_record(record.model_dump(), run.out_dir)
    create_markdown_artifact(markdown=summary_markdown(record), key="sanzi-audit-summary",
                             description="三资审计运行摘要")
    publish_run_artifacts(record.run_id, digest.flagged, run.settings.review_url)


def _fan_out(
    stage: Any, kind: pipeline.PartKind | None, calls: Sequence[tuple[str, dict[str, Any]]], *,
    size: Callable[[dict[str, Any]], float], progress: Callable[..., None],
    meanwhile: Callable[[list[Any]], None] | None = None,
) -> dict[str, Any]:
    """One result per (label, keyword arguments), in the calls' order: the summary of the part
    of ``kind`` already made under the call's key, or else a task submitted for it; waits for
    all of them.

    A part made earlier needs no task at all (a rerun after one correction runs tasks only for
    what changed; without a ``kind`` the caller has looked its parts up). Tasks are submitted
    largest first (by ``size`` of their arguments), so a big town does not start last and
    keep one core busy while the other waits. A call that fails maps to its exception, so one
    bad file or town does not sink the others. ``meanwhile`` is given the parts made earlier
    while the tasks run; ``progress`` is told of each result (not of a failure) in order.
    """
    results: dict[str, Any] = {}
    for label, arguments in calls:
        results[label] = kind and kind.summary(arguments["parts_dir"], arguments["key"])
    pending = sorted((call for call in calls if results[call[0]] is None),
                     key=lambda call: size(call[1]), reverse=True)
    futures = {label: stage.submit(**arguments) for label, arguments in pending}
    if meanwhile:
        meanwhile([result for result in results.values() if result is not None])
    for number, label in enumerate(results, start=1):
        if label in futures:
            try:
                results[label] = futures[label].result()
            except Exception as error:  # reported by the caller; the others go on
                results[label] = error
                continue
        progress(number, len(results), label, results[label])
    return results


def _bytes(arguments: dict[str, Any]) -> float:
    """The size of an ingest task: its files' bytes."""
    return sum(Path(path).stat().st_size for path, _ in arguments["files"])


def _villages(arguments: dict[str, Any]) -> float:
    """The size of a town's check: its villages."""
    return sum(len(part.towns[arguments["town"]]) for part in arguments["files"])


def _entries(arguments: dict[str, Any]) -> float:
    """The size of a town's task after its check: its entries."""
    return arguments["town"].n_entries


def _stamp(moment: datetime) -> str:
    """A time as run.json and the store keep it: to the second, in the settings' zone."""
    return moment.isoformat(timespec="seconds")


def _file_or_failure(path: Path, result: Any) -> pipeline.FilePart:
    """The file's part, or a report of why it could not be read even after retries.

    A cached part may have been read from the same bytes under the same name elsewhere; its
    report names the path of this run's file."""
    if isinstance(result, pipeline.FilePart):
        # UTC: files are ordered by this text (flows/supersede.py), which needs one offset
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()
        return replace(result, report=result.report | {"path": str(path), "modified": modified})
    return pipeline.FilePart(path.name, "", {
        "file": path.name, "path": str(path), "error": f"读取失败（已重试）：{result}"}, {}, None,
        "")
