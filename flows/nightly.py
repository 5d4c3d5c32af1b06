"""The nightly audit of the inbox, and its Prefect deployment on a cron schedule.

Each night: hash the inbox; when it holds content never audited before, audit the county's
current books with the new deliveries (one ``sanzi-audit`` subflow: a correction is a rerun of
its town, every unchanged file and town comes from the parts store), record in the manifest
what each delivery holds, report what changed for the villages delivered, then move processed
files to the archive. A night with nothing new does no audit work and says so in a short
artifact. Files modified less than ``settle_seconds`` ago may still be being copied and wait
for the next run, named with the time they have left; ``now`` takes them at once.
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
from flows import pipeline
from flows.audit import audit_ledgers
from flows.inbox import (
    Contents,
    InboxFile,
    InboxScan,
    Manifest,
    archive_file,
    default_archive_dir,
    default_manifest_path,
    failed_paths,
    inbox_lock,
    load_manifest,
    locate_delivery,
    modified_text,
    record_run,
    save_manifest,
    scan_inbox,
    with_archived,
)
from flows.ingest import load_profile, reading_options
from flows.reading import problem
from flows.rerun import CHANGE_WORDS, change_table, rerun_deployment, with_saved_model
from flows.run_record import RunRecord
from flows.runners import task_runner
from flows.settings import Settings, load_settings
from flows.supersede import LEDGER, REGISTER_WORDS, Books, current_books, periods_words

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
) -> tuple[dict[str, str], dict[str, str]]:
    """Archive each file; one file's failure (after retries) does not stop the others.
    Returns content hash → archived copy, and the files left in the inbox with why."""
    futures = [archive_one.submit(item, archive_dir, day) for item in files]
    archived: dict[str, str] = {}
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
            archived.setdefault(item.sha256, str(target))
    return archived, left


def books_on_file(manifest: Manifest, archive_dir: Path) -> tuple[dict[str, Path], list[str]]:
    """The current books' files to audit beside the night's new ones (content hash → where
    its bytes are), and the current deliveries whose bytes are nowhere (named)."""
    located: dict[str, Path] = {}
    gone: list[str] = []
    for delivery in current_books(manifest.deliveries()).current():
        path = locate_delivery(delivery, archive_dir)
        if path is None:
            gone.append(delivery.archived or delivery.file)
        else:
            located[delivery.sha256] = path
    return located, gone


def delivery_contents(files: dict[str, Path], params: AuditParams, parts_dir: Path
                      ) -> dict[str, Contents]:
    """What each file an audit read holds (content hash → contents), from its part in the
    parts store; files that could not be read hold nothing and are left out."""
    profile = load_profile(params.ingest.profile) if params.ingest.profile else None
    options = reading_options(params, profile)
    contents = {}
    for sha256, path in files.items():
        part = pipeline.FILES.summary(parts_dir, pipeline.ingest_key(path, sha256, options))
        if part is None or not part.readable:
            continue
        cells = tuple(part.cells) if not part.register else tuple(
            (town, village, part.register)
            for town, villages in part.towns.items() for village in villages)
        contents[sha256] = Contents(part.register or LEDGER, cells,
                                    modified_text(path.stat().st_mtime))
    return contents


def corrections(books: Books, new: set[str]) -> list[str]:
    """What the night's deliveries superseded, per village: 青石镇坳山村 账套 2024-01～2024-12
    （12 个期间）."""
    by_village: dict[tuple[str, str], list[str]] = {}
    registers: dict[tuple[str, str], list[str]] = {}
    for replaced in books.replaced.values():
        for (town, village, held), successor in replaced.items():
            if successor not in new:
                continue
            kind = next(delivery.kind for delivery in books.deliveries
                        if delivery.sha256 == successor)
            target = by_village if kind == LEDGER else registers
            target.setdefault((town, village), []).append(held)
    words = []
    for town, village in sorted(set(by_village) | set(registers)):
        held = ([f"账套 {periods_words(sorted(set(by_village[(town, village)])))}"]
                if (town, village) in by_village else [])
        held += sorted({_register_word(kind) for kind in registers.get((town, village), [])})
        words.append(f"{town}{village} {'、'.join(held)}")
    return words


def _register_word(kind: str) -> str:
    return REGISTER_WORDS.get(kind, kind)


def night_changes(settings: Settings, run_id: str, villages: list[str]) -> dict[str, Any]:
    """What the night's run changed for the villages delivered: totals and the cells where
    something changed (as ``rerun`` reports them), from the store the settings name."""
    from review.changes import change_totals, run_changes

    store = settings.open_store()
    try:
        changes = run_changes(store, run_id=run_id, villages=villages)
    finally:
        store.dispose()
    return {"totals": change_totals(changes),
            "by_cell": changes[changes["change"] != "unchanged"].to_dict("records")}


def nightly_report(
    scan: InboxScan,
    record: RunRecord | None,
    archived: dict[str, str],
    left: dict[str, str],
    *,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    night: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the night did, as a JSON-ready dict (the flow's return value). ``night``: the
    audit's books (``books_read``, ``books_gone``), the villages delivered, what the new
    deliveries superseded and what the run changed for those villages."""
    # of the night's new files: the books' were judged on their own nights, and an earlier
    # export whose every period a correction supersedes loads nothing, as it should
    new = {str(item.path) for item in scan.new}
    files = [report for report in (record.files if record else [])
             if report.get("path") in new]
    errors = failed_paths(files)
    share = record.quarantine_alert_share if record else 1.0
    poorly = {report["path"]: why for report in files
              if not report.get("error") and (why := problem(report, share))}
    night = night or {}
    return {
        "status": "audited" if record else "no-new-files",
        "run_id": record.run_id if record else None,
        "out_dir": record.out_dir if record else None,
        "new": [str(item.path) for item in scan.new],
        "books_read": night.get("books_read", 0),
        "books_gone": night.get("books_gone", []),
        "recomputed": record.partitions.recomputed_towns if record else [],
        "villages": night.get("villages", []),
        "corrections": night.get("corrections", []),
        "changes": night.get("changes"),
        "unreadable": errors,
        "not_read_well": poorly,
        "duplicates": [str(item.path) for item in scan.duplicates],
        "known": [str(item.path) for item in scan.known],
        "failed_before": [str(item.path) for item in scan.failed_before],
        "settle_seconds": settle_seconds,
        "settling": [{"path": str(item.path), "seconds_left": round(item.seconds_left, 1)}
                     for item in scan.settling],
        "archived": list(archived.values()),
        "left_in_inbox": left,
    }


def settling_words(report: dict[str, Any]) -> list[str]:
    """Each file held back, with the time it still has to wait: 村账.csv：还需等 42 秒."""
    return [f"{Path(item['path']).name}：还需等 {max(1, round(item['seconds_left']))} 秒"
            for item in report["settling"]]


def settling_title(report: dict[str, Any]) -> str:
    return (f"修改不到 {report['settle_seconds']:g} 秒、可能仍在复制的文件，留到下次"
            "（已复制完的可用 nightly --now 或部署参数 now=true 立即审计）")


def change_words(changes: dict[str, Any]) -> str:
    """新增 3 条，已消除 1 条，更正后变化 0 条，未变 12 条."""
    return "，".join(f"{CHANGE_WORDS[kind]} {count} 条"
                    for kind, count in changes["totals"].items())


def _bullets(title: str, lines: list[str]) -> list[str]:
    return [f"## {title}", *(f"- {line}" for line in lines)] if lines else []


def nightly_markdown(report: dict[str, Any]) -> str:
    """The night's report for the Prefect artifact, in Chinese."""
    if report["status"] == "no-new-files":
        parts = ["# 夜间审计：无新文件", "收件箱里没有新的或内容有变化的账套文件，本次未进行审计。"]
    else:
        parts = [
            f"# 夜间审计：审计了 {len(report['new'])} 个新文件",
            f"审计运行：`{report['run_id']}`，结果目录：`{report['out_dir']}`；"
            + (f"连同现行账套的 {report['books_read']} 个文件一起审计，"
               if report["books_read"] else "")
            + f"重新计算的乡镇：{'、'.join(report['recomputed']) or '无（全部沿用缓存）'}",
            *_bullets("新文件", [Path(path).name for path in report["new"]]),
            *_bullets("更正（新文件取代了此前交付的账套或台账）", report["corrections"]),
            *([f"## 送来的村（{'、'.join(report['villages'])}）疑点分录变化",
               change_words(report["changes"]),
               *([change_table(report["changes"]["by_cell"])]
                 if report["changes"]["by_cell"] else [])]
              if report["changes"] else []),
            *_bullets(
                "现行账套中找不到的文件（未审计，请从备份恢复到归档目录）", report["books_gone"]),
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
        *_bullets(settling_title(report), settling_words(report)),
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
    now: bool = False,
    retry_failed: bool = False,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Audit what is new in ``inbox`` with the current books into ``<out_root>/<time>``, then
    archive it.

    ``params`` wins over ``config`` (a county parameters file, read at run time so an edit
    applies from the next night); ``archive`` and ``manifest`` default to the data directory;
    ``now`` takes files however recently modified (a person has finished copying them);
    ``dask_address`` chooses where the audit's tasks run (:mod:`flows.runners`).
    """
    settings = load_settings()
    manifest_path = Path(manifest) if manifest else default_manifest_path(settings)
    archive_dir = Path(archive) if archive else default_archive_dir(settings)
    settle_seconds = 0.0 if now else settle_seconds
    started = datetime.now(settings.zone)
    logger = get_run_logger()
    with inbox_lock(manifest_path):
        audited = load_manifest(manifest_path)
        scan = scan_files(
            Path(inbox), audited, exclude=archive_dir, settle_seconds=settle_seconds,
            retry_failed=retry_failed, parts_dir=settings.parts_dir,
        )
        for item in scan.settling:
            logger.info("%s 可能仍在复制，留到下次（还需等 %.0f 秒）", item.path.name,
                        item.seconds_left)
        record, night = None, {}
        if scan.new:
            record, audited, night = _audit_with_books(
                scan.new, audited, archive_dir, Path(out_root), started,
                params or load_params(config), dask_address, logger, settings)
            write_manifest(audited, manifest_path)
        archived, left = _archive_all(processed_files(scan, audited), archive_dir, started.date())
        if archived:
            write_manifest(with_archived(audited, archived), manifest_path)
    report = nightly_report(scan, record, archived, left, settle_seconds=settle_seconds,
                            night=night)
    create_markdown_artifact(
        markdown=nightly_markdown(report), key=NIGHTLY_ARTIFACT_KEY, description="夜间审计收件箱"
    )
    return report


def _audit_with_books(
    new: list[InboxFile], audited: Manifest, archive_dir: Path, out_root: Path,
    started: datetime, params: AuditParams, dask_address: str | None, logger: Any,
    settings: Settings,
) -> tuple[RunRecord, Manifest, dict[str, Any]]:
    """The night's audit: the current books with the new deliveries, as a rerun (the saved
    model, unchanged files and towns from the parts store) once the books hold any. Returns
    the run's record, the manifest with the new deliveries and what each holds, and what the
    night adds to its report."""
    books, gone = books_on_file(audited, archive_dir)
    for name in gone:
        logger.warning("现行账套的文件找不到了：%s", name)
    logger.info("审计 %d 个新文件，连同现行账套的 %d 个文件", len(new), len(books))
    audit = audit_ledgers.with_options(task_runner=task_runner(dask_address))
    record = audit(
        inputs=[*(str(path) for path in books.values()), *(str(item.path) for item in new)],
        out_dir=str(run_directory(out_root, started)),
        params=with_saved_model(params) if books else params,
    )
    unknown = {delivery.sha256 for delivery in audited.deliveries() if delivery.cells is None}
    read = {sha256: path for sha256, path in books.items() if sha256 in unknown} | {
        item.sha256: item.path for item in new}
    contents = delivery_contents(read, params, settings.parts_dir)
    audited = record_run(
        audited, new, errors=failed_paths(record.files), run_id=record.run_id,
        out_dir=record.out_dir, at=datetime.now(settings.zone), contents=contents,
    )
    delivered = {item.sha256 for item in new if item.sha256 in audited.audited}
    villages = sorted({cell[1] for sha256 in delivered
                       for cell in (contents[sha256].cells if sha256 in contents else ())})
    return record, audited, {
        "books_read": len(books), "books_gone": gone, "villages": villages,
        "corrections": corrections(current_books(audited.deliveries()), delivered),
        "changes": night_changes(settings, record.run_id, villages) if villages else None,
    }


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
    """Register the nightly deployment and the on-demand rerun deployment (which audits the
    current books of the same archive) with the Prefect server and run their runs until
    stopped (the nightly one on its schedule).

    Needs a running Prefect server (``PREFECT_API_URL``): see :mod:`flows.server`.
    """
    serve(
        nightly_deployment(
            inbox=inbox, out_root=out_root, archive=archive, config=config, cron=cron,
            timezone=timezone, dask_address=dask_address,
        ),
        rerun_deployment(config=config, archive=archive, dask_address=dask_address),
        limit=1,
    )
