"""The nightly audit of the inbox, and its Prefect deployment on a cron schedule.

Each night: hash the inbox, audit only content never audited before (one ``sanzi-audit`` subflow
over all new files), record the hashes in the manifest, then move processed files to the
archive. A night with nothing new does no audit work and says so in a short artifact.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prefect import flow, get_run_logger, serve, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.schedules import Cron, Schedule
from prefect.types.entrypoint import EntrypointType

from checks.params import AuditParams, load_params
from flows.audit import audit_ledgers
from flows.inbox import (
    InboxFile,
    InboxScan,
    Manifest,
    archive_file,
    default_archive_dir,
    default_manifest_path,
    failed_paths,
    inbox_lock,
    load_manifest,
    record_run,
    save_manifest,
    scan_inbox,
)
from flows.reading import problem
from flows.runners import task_runner
from flows.settings import load_settings

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

FLOW_NAME = "sanzi-nightly"
DEPLOYMENT_NAME = "nightly"
DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Asia/Shanghai"
NIGHTLY_ARTIFACT_KEY = "sanzi-nightly"
# A file modified less than this long ago may still be being copied into the inbox.
DEFAULT_SETTLE_SECONDS = 60.0

scan_files = task(
    scan_inbox, name="scan-inbox", retries=2, retry_delay_seconds=5, cache_policy=NONE
)
write_manifest = task(
    save_manifest, name="write-manifest", retries=2, retry_delay_seconds=2,
    cache_policy=NONE,
)
archive_one = task(
    archive_file, name="archive-file", retries=2, retry_delay_seconds=2, cache_policy=NONE,
    task_run_name="archive {item.path.name}",
)


def run_directory(out_root: Path, started: datetime) -> Path:
    """A new folder ``<out_root>/<YYYY-MM-DD_HHMMSS>`` (in the zone of ``started``), suffixed
    if taken."""
    out_root.mkdir(parents=True, exist_ok=True)
    stem = started.strftime("%Y-%m-%d_%H%M%S")
    candidate, number = out_root / stem, 1
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            number += 1
            candidate = out_root / f"{stem}_{number}"


def processed_files(scan: InboxScan, manifest: Manifest) -> list[InboxFile]:
    """Inbox files whose content the manifest now counts as audited: these can be archived."""
    candidates = scan.new + scan.duplicates + scan.known
    return [item for item in candidates if item.sha256 in manifest.audited]


def _archive_all(
    files: list[InboxFile], archive_dir: Path, day: date
) -> tuple[list[str], dict[str, str]]:
    """Archive each file; one file's failure (after retries) does not stop the others."""
    futures = [archive_one.submit(item, archive_dir, day) for item in files]
    archived: list[str] = []
    left: dict[str, str] = {}
    for item, future in zip(files, futures, strict=True):
        try:
            target = future.result()
        except Exception as error:
            left[str(item.path)] = f"归档失败（已重试），文件仍在收件箱：{error}"
            continue
        if target is None:
            left[str(item.path)] = "审计后文件内容又有变化，留在收件箱，下次作为新文件审计"
        else:
            archived.append(str(target))
    return archived, left


def nightly_report(
    scan: InboxScan,
    record: dict[str, Any] | None,
    archived: list[str],
    left: dict[str, str],
) -> dict[str, Any]:
    """What the night did, as a JSON-ready dict (the flow's return value)."""
    errors = failed_paths(record["files"]) if record else {}
    share = record["params"]["ingest"]["quarantine_alert_share"] if record else 1.0
    poorly = {report["path"]: why for report in (record["files"] if record else [])
              if not report.get("error") and (why := problem(report, share))}
    return {
        "status": "audited" if record else "no-new-files",
        "run_id": record["run_id"] if record else None,
        "out_dir": record["out_dir"] if record else None,
        "new": [str(item.path) for item in scan.new],
        "unreadable": errors,
        "not_read_well": poorly,
        "duplicates": [str(item.path) for item in scan.duplicates],
        "known": [str(item.path) for item in scan.known],
        "failed_before": [str(item.path) for item in scan.failed_before],
        "settling": [str(path) for path in scan.settling],
        "archived": archived,
        "left_in_inbox": left,
    }


def _bullets(title: str, lines: list[str]) -> list[str]:
    return [f"## {title}", *(f"- {line}" for line in lines)] if lines else []


def nightly_markdown(report: dict[str, Any]) -> str:
    """The night's report for the Prefect artifact, in Chinese."""
    if report["status"] == "no-new-files":
        parts = ["# 夜间审计：无新文件", "收件箱里没有新的或内容有变化的账套文件，本次未进行审计。"]
    else:
        parts = [
            f"# 夜间审计：审计了 {len(report['new'])} 个新文件",
            f"审计运行：`{report['run_id']}`，结果目录：`{report['out_dir']}`",
            *_bullets("新文件", [Path(path).name for path in report["new"]]),
            *_bullets(
                "无法读取（留在收件箱，内容不变则不再重试）",
                [f"{Path(path).name}：{error}" for path, error in report["unreadable"].items()],
            ),
            *_bullets(
                "没有读好（已审计并归档，请查看隔离原因）",
                [f"{Path(path).name}：{why}" for path, why in report["not_read_well"].items()],
            ),
        ]
    parts += [
        *_bullets(
            "内容与已审计文件相同，未重新审计",
            [Path(path).name for path in report["known"] + report["duplicates"]],
        ),
        *_bullets(
            "以前无法读取，内容未变，未重试",
            [Path(path).name for path in report["failed_before"]],
        ),
        *_bullets("刚修改过（可能仍在复制），留到下次", [
            Path(path).name for path in report["settling"]
        ]),
        *_bullets("已归档", report["archived"]),
        *_bullets(
            "留在收件箱",
            [f"{Path(path).name}：{reason}" for path, reason in report["left_in_inbox"].items()],
        ),
    ]
    return "\n\n".join(parts)


@flow(name=FLOW_NAME, log_prints=False)
def nightly_audit(
    inbox: str,
    out_root: str,
    archive: str | None = None,
    params: AuditParams | None = None,
    config: str | None = None,
    manifest: str | None = None,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    retry_failed: bool = False,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Audit what is new in ``inbox`` into ``<out_root>/<time>``, then archive it.

    ``params`` wins over ``config`` (a county parameters file, read at run time so an edit
    applies from the next night); ``archive`` and ``manifest`` default to the data directory;
    ``dask_address`` chooses where the audit's tasks run (:mod:`flows.runners`).
    """
    settings = load_settings()
    manifest_path = Path(manifest) if manifest else default_manifest_path(settings)
    archive_dir = Path(archive) if archive else default_archive_dir(settings)
    started = datetime.now(settings.zone)
    logger = get_run_logger()
    with inbox_lock(manifest_path):
        audited = load_manifest(manifest_path)
        scan = scan_files(
            Path(inbox), audited, exclude=archive_dir, settle_seconds=settle_seconds,
            retry_failed=retry_failed, parts_dir=settings.parts_dir,
        )
        record = None
        if scan.new:
            logger.info("auditing %d new files", len(scan.new))
            audit = audit_ledgers.with_options(task_runner=task_runner(dask_address))
            record = audit(
                inputs=[str(item.path) for item in scan.new],
                out_dir=str(run_directory(Path(out_root), started)),
                params=params or load_params(config),
            )
            audited = record_run(
                audited, scan.new, errors=failed_paths(record["files"]),
                run_id=record["run_id"], out_dir=record["out_dir"],
                at=datetime.now(settings.zone),
            )
            write_manifest(audited, manifest_path)
        archived, left = _archive_all(processed_files(scan, audited), archive_dir, started.date())
    report = nightly_report(scan, record, archived, left)
    create_markdown_artifact(
        markdown=nightly_markdown(report), key=NIGHTLY_ARTIFACT_KEY, description="夜间审计收件箱"
    )
    return report


def deployment_parameters(
    *,
    inbox: str | Path,
    out_root: str | Path,
    archive: str | Path | None = None,
    config: str | Path | None = None,
    manifest: str | Path | None = None,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """The deployment's parameters with absolute paths (the runner may start elsewhere)."""
    def absolute(path: str | Path | None) -> str | None:
        return None if path is None else str(Path(path).expanduser().resolve())

    parameters = {
        "inbox": absolute(inbox),
        "out_root": absolute(out_root),
        "archive": absolute(archive),
        "config": absolute(config),
        "manifest": absolute(manifest),
        "dask_address": dask_address or None,
    }
    return {name: value for name, value in parameters.items() if value is not None}


def nightly_schedule(cron: str = DEFAULT_CRON, timezone: str = DEFAULT_TIMEZONE) -> Schedule:
    """The cron schedule in ``timezone``; a wrong cron string or time zone is refused here."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"时区 {timezone!r} 无效，应为 IANA 名称，如 Asia/Shanghai") from error
    try:
        return Cron(cron, timezone=timezone)
    except ValueError as error:
        raise ValueError(
            f"cron 表达式 {cron!r} 无效，应为五段：分 时 日 月 星期，如 \"0 2 * * *\""
        ) from error


def nightly_deployment(
    *,
    inbox: str | Path,
    out_root: str | Path,
    archive: str | Path | None = None,
    config: str | Path | None = None,
    manifest: str | Path | None = None,
    cron: str = DEFAULT_CRON,
    timezone: str = DEFAULT_TIMEZONE,
    dask_address: str | None = None,
) -> RunnerDeployment:
    """The ``sanzi-nightly/nightly`` deployment: one run at a time, on ``cron`` in ``timezone``."""
    if config is not None and not Path(config).is_file():
        raise ValueError(f"参数文件不存在：{config}")
    return nightly_audit.to_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[nightly_schedule(cron, timezone)],
        parameters=deployment_parameters(
            inbox=inbox, out_root=out_root, archive=archive, config=config,
            manifest=manifest, dask_address=dask_address,
        ),
        concurrency_limit=1,
        description="每晚审计收件箱中新的或内容有变化的账套文件，并归档已处理的文件",
        tags=["sanzi-audit"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def serve_nightly(
    *,
    inbox: str | Path,
    out_root: str | Path,
    archive: str | Path | None = None,
    config: str | Path | None = None,
    cron: str = DEFAULT_CRON,
    timezone: str = DEFAULT_TIMEZONE,
    dask_address: str | None = None,
) -> None:
    """Register the nightly deployment and the on-demand rerun deployment with the Prefect
    server and run their runs until stopped (the nightly one on its schedule).

    Needs a running Prefect server (``PREFECT_API_URL``): see :mod:`flows.server`.
    """
    from flows.rerun import rerun_deployment

    serve(
        nightly_deployment(
            inbox=inbox, out_root=out_root, archive=archive, config=config, cron=cron,
            timezone=timezone, dask_address=dask_address,
        ),
        rerun_deployment(config=config, dask_address=dask_address),
        limit=1,
    )
