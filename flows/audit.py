"""The audit flow: ingest → check → score → report, as a Prefect flow fanned out per file and
per town.

The body reads like a table of contents; each stage is a plain function of
:mod:`flows.pipeline` wrapped as a task here. Per-file and per-town work is keyed by the content
keys of :mod:`flows.parts`: a part already made under its key is taken from the parts store and
runs no task, so a rerun after a correction runs tasks only for the changed files' towns. IO
tasks retry; a file or town that still fails is reported and the others go on. The task runner
is chosen by the caller (:mod:`flows.runners`): threads on one machine, Dask on a cluster.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.task_runners import ThreadPoolTaskRunner

from checks.params import AuditParams, load_params
from flows import pipeline
from flows.artifacts import publish_run_artifacts
from flows.ingest import ImportProfile, load_profile, reading_options
from flows.outputs import write_run_record
from flows.parts import ReadAhead, file_digests
from flows.runners import InWorkerProcess, worker_processes
from flows.settings import load_settings
from flows.summary import summary_markdown
from review.digest import RunDigest


def _keyed(function: Callable[..., Any], name: str, run_name: str | Callable[..., str]) -> Any:
    return task(InWorkerProcess(function), name=name, task_run_name=run_name, retries=2,
                retry_delay_seconds=2, cache_policy=NONE)


def _batch_name(parameters: dict[str, Any]) -> str:
    files = parameters["files"]
    first = Path(files[0][0]).name
    return f"ingest {first}" if len(files) == 1 else f"ingest {first} 等 {len(files)} 个文件"


ingest_files = _keyed(pipeline.ingest_files, "ingest-files", _batch_name)
prepare_town = _keyed(pipeline.prepare_town, "prepare-town", "check {town}")
score_town = _keyed(pipeline.score_town, "score-town", "score {town.town}")
# in a worker process, where scikit-learn is imported already (this process need not import it)
obtain_model = task(InWorkerProcess(pipeline.obtain_model), name="obtain-model",
                    cache_policy=NONE)
rank_county = task(pipeline.rank_county, name="rank-county", cache_policy=NONE)
report_town = _keyed(pipeline.report_town, "report-town", "report {town.town}")
audit_town_registers = _keyed(pipeline.audit_town_registers, "audit-registers",
                              "registers {town.town}")
town_indicators = _keyed(pipeline.town_indicators, "town-scorecards", "scorecards {town.town}")
assess_county = task(pipeline.assess_county, name="assess-county", retries=2,
                     retry_delay_seconds=5, cache_policy=NONE)
write_entries = task(InWorkerProcess(pipeline.write_entries), name="write-entries", retries=2,
                     retry_delay_seconds=2, cache_policy=NONE)
write_sheets = task(InWorkerProcess(pipeline.write_sheets), name="write-findings", retries=2,
                    retry_delay_seconds=2, cache_policy=NONE)
record_findings = task(pipeline.record_findings, name="record-findings", retries=2,
                       retry_delay_seconds=5, cache_policy=NONE)
write_record = task(write_run_record, name="write-run-record", retries=2, retry_delay_seconds=2,
                    cache_policy=NONE)


def _fan_out(
    stage: Any, kind: pipeline.PartKind | None, calls: Sequence[tuple[str, dict[str, Any]]], *,
    size: Callable[[dict[str, Any]], float], progress: Callable[..., None],
    meanwhile: Callable[[list[Any]], None] | None = None, tell_alone: bool = False,
) -> dict[str, Any]:
    """One result per (label, keyword arguments), in the calls' order: the summary of the part
    of ``kind`` already made under the call's key, or else a task submitted for it; waits for
    all of them.

    A part made earlier needs no task at all (a rerun after one correction runs tasks only for
    what changed; without a ``kind`` the caller has looked its parts up). Tasks are submitted
    largest first (by ``size`` of their arguments), so a big town does not start last and
    keep one core busy while the other waits. A call that fails after its retries maps to its
    exception, so one bad file or town does not sink the others. ``meanwhile`` is given the
    parts made earlier while the tasks run. ``tell_alone``: the stage takes an argument
    ``alone``, true when fewer tasks run than there are worker processes (a rerun after one
    correction), so that each may use a spare core.
    """
    results: dict[str, Any] = {}
    for label, arguments in calls:
        results[label] = kind and kind.summary(arguments["parts_dir"], arguments["key"])
    pending = sorted((call for call in calls if results[call[0]] is None),
                     key=lambda call: size(call[1]), reverse=True)
    if tell_alone:
        alone = len(pending) < worker_processes()
        pending = [(label, arguments | {"alone": alone}) for label, arguments in pending]
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


@flow(name="sanzi-audit", log_prints=False)
def audit_ledgers(
    inputs: list[str], out_dir: str, params: AuditParams | None = None
) -> dict[str, Any]:
    """Audit the ledger exports under ``inputs`` and write the results into ``out_dir``."""
    params = params or load_params()
    logging.getLogger("prefect.flow_runs").setLevel(logging.INFO)  # progress on the terminal
    logger = get_run_logger()
    settings = load_settings()
    started_at = datetime.now(settings.zone)  # as a person reads it
    timings = pipeline.Timings()
    run_id = str(runtime.flow_run.id or uuid.uuid4())
    parts_dir = settings.parts_dir

    with timings.stage("ingest"):
        profile = load_profile(params.ingest.profile) if params.ingest.profile else None
        paths = pipeline.find_ledger_files(inputs)
        logger.info("共 %d 个文件待审计", len(paths))
        files = pipeline.supersede_files(_ingest(paths, params, profile, parts_dir, run_id,
                                                 logger))
        params = pipeline.with_profile_chart(params, profile, files)
    with timings.stage("check"):
        by_town = pipeline.files_by_town([part for part in files if part.readable])
        prepared = _fan_out(prepare_town, pipeline.TOWNS, [
            (town, {"town": town, "files": town_files,
                    "key": pipeline.town_key(town, town_files, params), "params": params,
                    "parts_dir": parts_dir, "run_id": run_id})
            for town, town_files in by_town.items()
        ], size=lambda arguments: sum(len(part.towns[arguments["town"]])
                                      for part in arguments["files"]),  # villages
            tell_alone=True,
            progress=lambda n, total, town, part: logger.info(
            "检查乡镇 %d/%d：%s，%d 个村，%s 条分录%s", n, total, town, len(part.villages),
            f"{part.n_entries:,}", "（沿用缓存）" if part.computed_in != run_id else ""))
        towns, failed_towns = _split_failures(prepared)
    with timings.stage("model"):
        model = obtain_model(towns, params, model_dir=settings.models_dir)
    with timings.stage("score"):
        dispositions = pipeline.past_decisions()
        town_of = {town.town: town for town in towns}
        candidates: list[Any] = []  # of the towns scored earlier, worked out meanwhile
        scored = _fan_out(score_town, pipeline.SCORES, [
            (town.town, {"town": town, "key": pipeline.score_key(town, model), "model": model,
                         "parts_dir": parts_dir, "run_id": run_id})
            for town in towns
        ], size=lambda arguments: arguments["town"].n_entries, tell_alone=True,
            progress=lambda n, total, town, _part: logger.info(
                "评分乡镇 %d/%d：%s", n, total, town),
            meanwhile=lambda made: candidates.append(pipeline.prefetch_candidates(
                [(town_of[score.town], score) for score in made], params, dispositions,
                parts_dir=parts_dir)))
        scores, failed_scores = _split_failures(scored)
        towns = [town for town in towns if town.town not in failed_scores]
        failed_towns |= failed_scores
        ranking = rank_county(towns, scores, params, dispositions, parts_dir=parts_dir,
                              prefetched=candidates[0] if candidates else None)
    with timings.stage("report"):
        ahead: dict[str, ReadAhead] = {}  # read while the towns are reported
        reported = _fan_out(report_town, pipeline.REPORTS, [
            (town.town, {"town": town, "score": score, "decisions": ranking[town.town],
                         "key": pipeline.report_key(score, ranking[town.town]), "model": model,
                         "params": params, "parts_dir": parts_dir, "run_id": run_id})
            for town, score in zip(towns, scores, strict=True)
        ], size=lambda arguments: arguments["town"].n_entries, tell_alone=True,
            progress=lambda n, total, town, report: logger.info(
            "汇总乡镇 %d/%d：%s，标记复核 %d 条%s", n, total, town, report.n_flagged,
            "（沿用缓存）" if report.computed_in != run_id else ""),
            meanwhile=lambda made: ahead.update(
                digests=pipeline.prefetch_digests(made),  # of the towns reported earlier
                cases=pipeline.prefetch_known_cases((town.town for town in towns),
                                                    params.county)))
        reports, failed_reports = _split_failures(reported)
        failed_towns |= failed_reports
    with timings.stage("registers"):
        registers, without_books, failed_registers = _audit_registers(
            files, [town for town in towns if town.town not in failed_reports], params,
            parts_dir, run_id, logger)
        failed_towns |= failed_registers
    with timings.stage("scorecards"):
        indicators = _town_indicators(
            [town for town in towns if town.town not in failed_reports], registers, params,
            parts_dir, run_id, logger)
    town_names = [town.town for town in towns if town.town not in failed_reports]
    run_record = {
        "run_id": run_id,
        "started_at": started_at.isoformat(timespec="seconds"),
        "inputs": [str(item) for item in inputs],
        "out_dir": str(Path(out_dir).resolve()),
        "files": [part.report for part in files],
        "rule_counts": pipeline.count_by_id(town.rule_counts for town in towns),
        "signal_counts": pipeline.count_by_id(town.signal_counts for town in towns),
        "model": model.record if model else {"model_version": None, "note": "没有可评分的分录"},
        "thresholds": pipeline.thresholds_in_force(town_names, params),
        "params": params.record(),
        "partitions": pipeline.partition_record(files, towns, scores, reports, run_id),
        "other_charts": [{"town": town.town, "village": village}
                         for town in towns for village in town.other_charts],
        "failed_towns": failed_towns,
        "registers": pipeline.register_record(registers, without_books),
    }
    with timings.stage("write"):
        quarantine = pipeline.run_quarantine(files)
        run_record["totals"] = pipeline.run_totals(
            files, towns, reports, quarantine, params.ingest.quarantine_alert_share) | {
            "towns_failed": len(failed_towns)}
        _count_register_cases(run_record)
        run_record["finished_at"] = datetime.now(settings.zone).isoformat(timespec="seconds")
        digest, run_record["review"], run_record["outputs"] = _write_and_record(
            reports, ranking, quarantine, run_record, Path(out_dir), parts_dir, ahead, registers)
        run_record["villages"] = pipeline.village_counts(digest)
    with timings.stage("scorecards"):
        run_record["scorecards"], scorecard_files = assess_county(indicators, params, run_id,
                                                                  Path(out_dir))
        run_record["outputs"] |= scorecard_files
    run_record["timings"] = timings.seconds
    write_record(run_record, Path(out_dir))
    create_markdown_artifact(
        markdown=summary_markdown(run_record),
        key="sanzi-audit-summary",
        description="三资审计运行摘要",
    )
    publish_run_artifacts(run_record, digest.flagged)
    return run_record


def _write_and_record(
    reports: list[pipeline.TownReport], ranking: dict[str, Any], quarantine: Any,
    run_record: dict[str, Any], out_dir: Path, parts_dir: Path,
    ahead: dict[str, ReadAhead] | None = None,
    registers: list[pipeline.RegisterPart] | None = None,
) -> tuple[RunDigest, dict[str, Any], dict[str, str]]:
    """entries.parquet, the findings sheets and the store's record of the run, written side by
    side (none needs another's output) in threads of this process: the files in the worker
    processes, the run's digest and the store here (it opens the store this process's settings
    name). Always on this machine, not on a Dask cluster, whose workers need not reach the
    output directory or the store. Returns the digest, what changed since earlier runs, and
    the paths. ``ahead``: the towns' digests (``digests``) and the store's cases (``cases``)
    being read in the background; ``registers``: the towns' registers checked."""
    registers = registers or []
    with ThreadPoolTaskRunner(max_workers=2) as writers:
        sheets = writers.submit(write_sheets, {
            "reports": reports, "ranking": ranking, "quarantine": quarantine, "out_dir": out_dir,
            "parts_dir": parts_dir, "registers": registers})
        entries = writers.submit(write_entries, {
            "reports": reports, "ranking": ranking, "out_dir": out_dir})
        ahead = ahead or {}
        digest = pipeline.ranked_digest(reports, ranking, ahead.get("digests"), registers)
        cases = ahead["cases"].take("cases") if "cases" in ahead else None
        changes = record_findings(run_record, digest, quarantine, cases)
        written = {"entries": entries.result()} | sheets.result()
    paths = pipeline.output_paths(out_dir)
    listed = {name: str(written.get(name, path)) for name, path in paths.items()}
    return digest, changes, listed | {name: str(path) for name, path in written.items()
                                      if name not in listed}


def _count_register_cases(run_record: dict[str, Any]) -> None:
    """The register cases in the run's totals: they are cases like the journal's."""
    totals, registers = run_record["totals"], run_record["registers"]
    totals["register_cases"] = registers["cases"]
    totals["cases"] = totals.get("cases", 0) + registers["cases"]
    totals["rule_cases"] = totals.get("rule_cases", 0) + registers["rule_cases"]


def _audit_registers(
    files: list[pipeline.FilePart], towns: list[pipeline.TownPart], params: AuditParams,
    parts_dir: Path, run_id: str, logger: Any,
) -> tuple[list[pipeline.RegisterPart], list[str], dict[str, str]]:
    """Each town's registers checked against its books (a part per town, made where its
    registers or books changed); the towns whose registers came without books, and the towns
    whose registers failed."""
    by_town = pipeline.registers_by_town(files)
    books = {town.town: town for town in towns}
    audited = _fan_out(audit_town_registers, pipeline.REGISTERS, [
        (town, {"town": books[town], "files": town_files,
                "key": pipeline.register_key(books[town], town_files, params), "params": params,
                "parts_dir": parts_dir, "run_id": run_id})
        for town, town_files in by_town.items() if town in books
    ], size=lambda arguments: arguments["town"].n_entries,
        progress=lambda n, total, town, part: logger.info(
            "核对三资台账 %d/%d：%s，%d 个案件%s", n, total, town, part.n_cases,
            "（沿用缓存）" if part.computed_in != run_id else ""))
    done, failed = _split_failures(audited)
    without_books = sorted(town for town in by_town if town not in books)
    for town in without_books:
        logger.warning("乡镇「%s」只有三资台账、没有账簿，台账未核对", town)
    return done, without_books, failed


def _town_indicators(
    towns: list[pipeline.TownPart], registers: list[pipeline.RegisterPart],
    params: AuditParams, parts_dir: Path, run_id: str, logger: Any,
) -> list[pipeline.ScorecardPart]:
    """Each town's village indicators (a part per town, made where its books or registers
    changed); a town whose indicators failed is left out of the scorecards and named."""
    checked = {part.town: part for part in registers}
    made = _fan_out(town_indicators, pipeline.SCORECARDS, [
        (town.town, {"town": town, "registers": checked.get(town.town),
                     "key": pipeline.scorecard_key(town, checked.get(town.town), params),
                     "params": params, "parts_dir": parts_dir, "run_id": run_id})
        for town in towns
    ], size=lambda arguments: arguments["town"].n_entries,
        progress=lambda n, total, town, part: logger.info(
            "计分卡指标 %d/%d：%s%s", n, total, town,
            "（沿用缓存）" if part.computed_in != run_id else ""))
    done, failed = _split_failures(made)
    for town, why in failed.items():
        logger.warning("乡镇「%s」的计分卡指标未算出：%s", town, why)
    return done


def _ingest(paths: list[Path], params: AuditParams, profile: ImportProfile | None,
            parts_dir: Path, run_id: str, logger: Any) -> list[pipeline.FilePart]:
    """Every file's part, in the order of ``paths``: taken from the parts store where it was
    made before, else read in batches of small files (one task per batch)."""
    digests = file_digests(paths, parts_dir)
    options = reading_options(params, profile)
    keys = {path: pipeline.ingest_key(path, digests[path], options) for path in paths}
    results: dict[Path, Any] = {path: pipeline.FILES.summary(parts_dir, key)
                                for path, key in keys.items()}
    batches = pipeline.ingest_batches([(path, keys[path]) for path in paths
                                       if results[path] is None])
    done = iter(range(1, len(paths) + 1))

    def report(part: pipeline.FilePart) -> None:
        logger.info("读取文件 %d/%d：%s，%s 条分录%s", next(done), len(paths), part.file,
                    f"{part.report.get('loaded', 0):,}",
                    "（沿用缓存）" if part.computed_in != run_id else "")

    for part in results.values():
        if part is not None:
            report(part)
    read = _fan_out(ingest_files, None, [
        (str(number), {"files": batch, "options": options, "parts_dir": parts_dir,
                       "run_id": run_id})
        for number, batch in enumerate(batches)
    ], size=lambda arguments: sum(Path(path).stat().st_size for path, _ in arguments["files"]),
        progress=lambda _n, _total, _label, parts: [report(part) for part in parts])
    for batch, outcome in zip(batches, read.values(), strict=True):
        for number, (path, _key) in enumerate(batch):
            results[path] = outcome if isinstance(outcome, Exception) else outcome[number]
    return [_file_or_failure(path, results[path]) for path in paths]


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


def _split_failures(results: dict[str, Any]) -> tuple[list[Any], dict[str, str]]:
    """Results in order, and the labels that failed after retries with why."""
    done = [result for result in results.values() if not isinstance(result, Exception)]
    failed = {label: f"处理失败（已重试）：{result}" for label, result in results.items()
              if isinstance(result, Exception)}
    return done, failed
