"""The audit flow: ingest → check → score → report, as a Prefect flow.

The body reads like a table of contents; each stage is a plain function of
:mod:`flows.pipeline` wrapped as a task here. Tasks are coarse (one per input file, one per
stage), IO tasks retry, and results stay in memory (DataFrames are not persisted by Prefect).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.futures import PrefectFuture

from checks.params import AuditParams, load_params
from flows import pipeline
from flows.artifacts import publish_run_artifacts
from flows.outputs import write_run_outputs, write_run_record
from flows.settings import load_settings
from flows.summary import summary_markdown

ingest_file = task(
    pipeline.ingest_file,
    name="ingest-file",
    retries=2,
    retry_delay_seconds=2,
    cache_policy=NONE,
    task_run_name="ingest {path.name}",
)
combine_loads = task(pipeline.combine_loads, name="combine-files", cache_policy=NONE)
check_entries = task(pipeline.check_entries, name="check-rules", cache_policy=NONE)
past_decisions = task(pipeline.past_decisions, name="past-decisions", cache_policy=NONE)
score_entries = task(pipeline.score_entries, name="score-entries", cache_policy=NONE)
write_outputs = task(
    write_run_outputs, name="write-outputs", retries=2, retry_delay_seconds=2, cache_policy=NONE
)
record_findings = task(
    pipeline.record_findings, name="record-findings", retries=2, retry_delay_seconds=5,
    cache_policy=NONE,
)
write_record = task(
    write_run_record, name="write-run-record", retries=2, retry_delay_seconds=2, cache_policy=NONE
)


def _load_or_failure(path: Path, future: PrefectFuture) -> Any:
    """The file's load, or a report of why it could not be read even after retries."""
    try:
        return future.result()
    except Exception as error:  # one file's failure must not sink the others
        return {"file": path.name, "path": str(path), "error": f"读取失败（已重试）：{error}"}


@flow(name="sanzi-audit", log_prints=False)
def audit_ledgers(
    inputs: list[str], out_dir: str, params: AuditParams | None = None
) -> dict[str, Any]:
    """Audit the ledger exports under ``inputs`` and write the results into ``out_dir``."""
    params = params or load_params()
    logger = get_run_logger()
    started_at = datetime.now(UTC)
    timings = pipeline.Timings()
    run_id = str(runtime.flow_run.id or uuid.uuid4())

    with timings.stage("ingest"):
        files = pipeline.find_ledger_files(inputs)
        logger.info("auditing %d files", len(files))
        futures = [ingest_file.submit(path, params.default_town) for path in files]
        loads = [
            _load_or_failure(path, future) for path, future in zip(files, futures, strict=True)
        ]
        ledger = combine_loads(loads)
    with timings.stage("check"):
        evaluation = check_entries(ledger.entries, params)
    with timings.stage("score"):
        decisions = past_decisions()
        scored = score_entries(
            ledger.entries, evaluation, params,
            model_dir=load_settings().models_dir, dispositions=decisions,
        )

    run_record = {
        "run_id": run_id,
        "started_at": started_at.isoformat(timespec="seconds"),
        "inputs": [str(item) for item in inputs],
        "out_dir": str(Path(out_dir).resolve()),
        "files": ledger.file_reports,
        "totals": pipeline.run_totals(ledger, scored.entries),
        "rule_counts": evaluation.rule_counts(),
        "signal_counts": evaluation.signals["signal_id"].value_counts().sort_index().to_dict(),
        "model": scored.model,
        "thresholds": pipeline.thresholds_in_force(ledger.entries, params),
        "params": params.record(),
        "timings": timings.seconds,
    }
    with timings.stage("write"):
        paths = write_outputs(
            scored=scored.entries, quarantine=ledger.quarantine, out_dir=Path(out_dir)
        )
    run_record["outputs"] = {name: str(path) for name, path in paths.items()}
    run_record["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    with timings.stage("store"):
        run_record["review"] = record_findings(run_record, scored.entries, ledger.quarantine)
    write_record(run_record, Path(out_dir))
    create_markdown_artifact(
        markdown=summary_markdown(run_record),
        key="sanzi-audit-summary",
        description="三资审计运行摘要",
    )
    publish_run_artifacts(run_record, scored.entries)
    return run_record
