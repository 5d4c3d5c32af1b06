"""On-demand rerun after the agency corrects a ledger: the same audit, only changed parts redone.

The rerun audits the county's current books (the inbox's deliveries, :mod:`flows.inbox`; or,
without an inbox, the last run's inputs; or the ones given) with the saved model, so every file
and town whose content is unchanged comes from the cache (:mod:`flows.parts`) and only the
corrected files' towns are checked and scored again. A path that has moved is found in the
archive by its content hash. It then reports, for the villages and periods the operator names,
which findings are new, resolved or changed.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.deployments.runner import RunnerDeployment
from prefect.types.entrypoint import EntrypointType

from checks.params import AuditParams, load_params
from flows.audit import audit_ledgers
from flows.inbox import default_archive_dir, default_manifest_path, load_manifest, rerun_inputs
from flows.runners import task_runner
from flows.settings import load_settings

FLOW_NAME = "sanzi-rerun"
DEPLOYMENT_NAME = "rerun"
CHANGE_WORDS = {"new": "新增", "resolved": "已消除", "changed": "更正后变化", "unchanged": "未变"}
INPUT_WORDS = {"books": "现行账套", "given": "指定的输入", "last run": "上一次审计的输入"}
CASE_CHANGE_WORDS = {"new": "新增", "resolved": "已消除", "changed": "更正或重新归并后待复核",
                     "unchanged": "未变"}


def with_saved_model(params: AuditParams) -> AuditParams:
    """The parameters with ``model.reuse`` on: unchanged towns keep their scores."""
    return params.model_copy(update={"model": params.model.model_copy(update={"reuse": True})})


@flow(name=FLOW_NAME, log_prints=False)
def rerun_audit(
    villages: list[str] | None = None,
    periods: list[str] | None = None,
    inputs: list[str] | None = None,
    out_dir: str | None = None,
    config: str | None = None,
    params: AuditParams | None = None,
    archive: str | None = None,
    manifest: str | None = None,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Re-audit after a correction and report the change for ``villages`` and ``periods``
    (all when not given). ``inputs`` default to the current books (``manifest`` and
    ``archive`` default to the data directory's), else to the last recorded run's;
    ``dask_address`` chooses where the audit's tasks run (:mod:`flows.runners`)."""
    from review.changes import change_totals, latest_run, run_changes

    settings = load_settings()
    store = settings.open_store()
    inputs, source = rerun_inputs(
        inputs, manifest=load_manifest(Path(manifest) if manifest
                                       else default_manifest_path(settings)),
        archive_dir=Path(archive) if archive else default_archive_dir(settings),
        parts_dir=settings.parts_dir,
        last_inputs=lambda: (latest_run(store) or {}).get("inputs"))
    out = Path(out_dir) if out_dir else (
        settings.runs_dir / f"rerun-{datetime.now(settings.zone):%Y%m%d-%H%M%S}")
    audit = audit_ledgers.with_options(task_runner=task_runner(dask_address))
    record = audit(inputs=list(inputs), out_dir=str(out),
                   params=with_saved_model(params or load_params(config)))
    changes = run_changes(store, run_id=record.run_id, villages=villages, periods=periods)
    store.dispose()
    report = {
        "run_id": record.run_id,
        "out_dir": record.out_dir,
        "inputs": list(inputs),
        "input_source": source,
        "villages": villages or [],
        "periods": periods or [],
        "unknown_villages": sorted(set(villages or []) - record.partitions.village_names),
        "recomputed": record.partitions.recomputed_towns,
        "files_read": record.partitions.files_read,
        "changes": change_totals(changes),
        # the cases of the whole run (a case's lines may lie in several periods)
        "case_changes": (record.review or {}).get("cases"),
        # the cells where something changed (every cell of a county is thousands of rows)
        "by_cell": changes[changes["change"] != "unchanged"].to_dict("records"),
        "timings": record.timings,
        "totals": record.totals.model_dump(),
    }
    create_markdown_artifact(markdown=rerun_markdown(report), key="sanzi-rerun",
                             description="更正后重跑：疑点变化")
    return report


def rerun_deployment(
    *, config: str | Path | None = None, archive: str | Path | None = None,
    dask_address: str | None = None,
) -> RunnerDeployment:
    """The ``sanzi-rerun/rerun`` deployment: no schedule, run on demand with parameters
    (``villages``, ``periods``, ``inputs``, ``out_dir``, ``dask_address``), one at a time;
    by default it audits the current books of the nightly run's ``archive``."""
    parameters: dict[str, Any] = {}
    if config:
        parameters["config"] = str(Path(config).expanduser().resolve())
    if archive:
        parameters["archive"] = str(Path(archive).expanduser().resolve())
    if dask_address:
        parameters["dask_address"] = dask_address
    return rerun_audit.to_deployment(
        name=DEPLOYMENT_NAME, parameters=parameters, concurrency_limit=1,
        description="记账中心更正账套后重跑：默认审计现行账套，只重算内容有变化的文件和乡镇，"
                    "报告疑点变化",
        tags=["sanzi-audit"], entrypoint_type=EntrypointType.MODULE_PATH,
    )


def case_change_words(cases: dict[str, int]) -> str:
    return "，".join(f"{CASE_CHANGE_WORDS[kind]} {count:,} 件" for kind, count in cases.items())


def rerun_markdown(report: dict[str, Any]) -> str:
    scope = "、".join(report["villages"]) or "全部村"
    if report["periods"]:
        scope += "（" + "、".join(report["periods"]) + "）"
    lines = [
        f"# 更正后重跑：{scope}",
        "",
        f"- 审计的输入：{INPUT_WORDS[report['input_source']]}（{len(report['inputs'])} 项）",
        f"- 重新读取的文件：{len(report['files_read'])} 个"
        + (f"（{'、'.join(report['files_read'])}）" if report["files_read"] else ""),
        f"- 重新计算的乡镇：{'、'.join(report['recomputed']) or '无（全部沿用缓存）'}",
        "- 疑点分录变化：" + "，".join(
            f"{CHANGE_WORDS[kind]} {count} 条" for kind, count in report["changes"].items()),
    ]
    if report.get("case_changes"):
        lines.append("- 本次运行的疑点（件）：" + case_change_words(report["case_changes"]))
    if report["unknown_villages"]:
        lines.append(f"- 输入中没有这些村：{'、'.join(report['unknown_villages'])}")
    if report["by_cell"]:
        lines += ["", change_table(report["by_cell"])]
    return "\n".join(lines)


def change_table(by_cell: list[dict[str, Any]]) -> str:
    """The cells where findings changed, as a markdown table (town, village, period)."""
    return "\n".join([
        "| 乡镇 | 村 | 期间 | 变化 | 条数 |", "|---|---|---|---|---|",
        *(f"| {row['town']} | {row['village']} | {row['period']} | "
          f"{CHANGE_WORDS[row['change']]} | {row['n']} |" for row in by_cell)])
