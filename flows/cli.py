"""The ``sanzi-audit`` command line.

The environment's settings are read once, when a command starts (:func:`main`), and handed to
the command. Prefect reads its settings when first imported, so every command that runs a flow
puts the project's Prefect settings into the environment before importing :mod:`flows.audit`.
A usage mistake (a missing input, no ledger files, a bad parameters file, an unknown village or
period) is told in one line with exit status 2 before Prefect starts; so is a mistake on the
command line itself, by :class:`flows.chinese_argparse.ChineseArgumentParser`.
"""

from __future__ import annotations

import argparse
import gc
import getpass
import os
import re
import secrets
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flows.chinese_argparse import EXIT_USAGE, INTEGER, NUMBER, ChineseArgumentParser
from flows.server import DEFAULT_HOST, DEFAULT_PORT  # does not import Prefect
from flows.settings import (
    PROJECT_ROOT,
    SAMPLE_SETTINGS,
    Settings,
    configure_prefect,
    is_sample,
    load_settings,
    sample_environment,
)

if TYPE_CHECKING:
    from flows.run_record import RunRecord

EXIT_OK = 0
EXIT_UNREADABLE_FILES = 3  # also: a run that loaded no entry at all
EXIT_TAMPERED = 4
# review/users.py ROLES, listed here so that parsing the command line imports no database code
USER_ROLES = ["inspector", "lead", "admin", "agency"]
SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"
DEFAULT_REVIEW_HOST, DEFAULT_REVIEW_PORT = "127.0.0.1", 8000
DEMO_USER = "demo"
PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
# pydantic's error types → what to write instead (the others keep pydantic's English words)
PARAMETER_ERRORS = {
    "extra_forbidden": "不是已知的参数（拼写有误？可用的参数见 checks/default_params.yaml）",
    "missing": "缺少此项",
    "decimal_parsing": "应为数字", "float_parsing": "应为数字", "int_parsing": "应为整数",
    "decimal_type": "应为数字", "float_type": "应为数字", "int_type": "应为整数",
    "bool_parsing": "应为 true 或 false", "bool_type": "应为 true 或 false",
    "string_type": "应为文字", "dict_type": "应为键值映射", "list_type": "应为列表",
    "literal_error": "取值不在允许的范围内",
    "greater_than": "取值太小", "greater_than_equal": "取值太小",
    "less_than": "取值太大", "less_than_equal": "取值太大",
}
# What a run writes, in the order a person should open it (flows/stages/write.py names them).
OUTPUT_GUIDE = {
    "findings_xlsx": "疑点清单（先打开这个）：每行一件疑点，按风险从高到低，附原因；"
                     "第二页是每件疑点涉及的凭证明细",
    "findings_csv": "同一份疑点清单的 CSV 版本（UTF-8），便于导入其他软件",
    "scorecards_xlsx": "村级考核计分卡：每年一页，各村收入、负债率、案件数和红黄绿预警及原因",
    "quarantine": "未能载入的行及原因，交记账中心更正导出文件",
    "run": "本次运行的记录：每个文件读了多少行、各规则违规数、参数与用时",
    "entries": "全部分录及其风险分、规则和原因（Parquet，供程序分析）",
    "findings": "疑点清单的 Parquet 版本（供程序分析）",
    "scorecards": "计分卡的 Parquet 版本（供程序分析）",
    "contracts": "读入的合同台账（Parquet）",
    "plans": "读入的收付款计划（Parquet）",
    "assets": "读入的资产台账（Parquet）",
    "resources": "读入的资源台账（Parquet）",
    "schedule": "每份合同每期应收（应付）款及账上对上的分录（Parquet）",
}


class UsageError(ValueError):
    """A mistake in how the command was called: told in one line, exit status 2."""


def _params(args: argparse.Namespace) -> Any:
    """The parameters file's values, with ``--unit`` and ``--profile`` over its ``ingest``; a
    profile is checked here, before Prefect starts, so a mistake in it is told at once."""
    params = _load_params(args.config)
    updates = {name: value for name in ("unit", "profile")
               if (value := getattr(args, name, None)) is not None}
    if updates.get("profile"):
        updates["profile"] = str(Path(updates["profile"]).expanduser().resolve())
    if updates:
        params = params.model_copy(
            update={"ingest": params.ingest.model_copy(update=updates)})
    if params.ingest.profile:
        from flows.ingest import load_profile

        load_profile(params.ingest.profile)
    return params


def _load_params(config: Path | None) -> Any:
    """The parameters file's values; a mistake in it is one line naming the first place."""
    import yaml
    from pydantic import ValidationError

    from checks.params import load_params

    try:
        return load_params(config)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "顶层"
        what = PARAMETER_ERRORS.get(first["type"], first["msg"])
        more = f"（共 {error.error_count()} 处错误）" if error.error_count() > 1 else ""
        raise UsageError(f"参数文件 {config} 有误：{where}：{what}{more}") from None
    except ValueError as error:
        mark = getattr(error.__cause__, "problem_mark", None)
        if isinstance(error.__cause__, yaml.YAMLError) and mark is not None:
            raise UsageError(f"参数文件 {config} 不是有效的 YAML：第 {mark.line + 1} 行第 "
                             f"{mark.column + 1} 列附近有格式错误") from None
        raise UsageError(str(error)) from None


def _ledger_files(inputs: list[Path]) -> None:
    """Refuse inputs that do not exist or hold no ledger file, before Prefect starts."""
    from flows.stages.common import LEDGER_SUFFIXES
    from flows.stages.ingest import find_ledger_files

    try:
        found = find_ledger_files(inputs)
    except FileNotFoundError as error:
        raise UsageError(f"{error}（请检查 --input）") from None
    if not found:
        suffixes = "、".join(sorted(LEDGER_SUFFIXES))
        raise UsageError(f"{'、'.join(str(path) for path in inputs)} 中没有账套文件"
                         f"（{suffixes}），请检查 --input 指向的文件夹")


def _in_demo_data(settings: Settings) -> Settings:
    """The settings of the demo data directory, for this command: in the environment too, where
    the flow's entry and the worker processes read them (:func:`main` puts them back)."""
    os.environ.update(sample_environment(settings))
    return load_settings()


def _keep_samples_apart(inputs: list[Path] | None, settings: Settings) -> tuple[Settings, str]:
    """Sample ledgers are audited in the demo data directory, never into the real store;
    returns the settings to audit with and the line that says so ("" for other inputs), to
    print once the checks pass."""
    if not inputs or not is_sample(inputs):
        return settings, ""
    return _in_demo_data(settings), (
        f"输入是样例账套：结果和复核库放在演示数据目录 {settings.demo_data_dir}，"
        "不影响正式审计的复核库。")


def _dask(args: argparse.Namespace, settings: Settings) -> str | None:
    """``--dask``, else the setting ``SANZI_DASK_ADDRESS``; none: this machine's processes."""
    return args.dask or settings.dask_address


def _audit(inputs: list[Path], out: Path, params: Any, dask: str | None, settings: Settings
           ) -> RunRecord:
    """The audit flow over ``inputs`` into ``out``, under Prefect; returns the run's record."""
    prefect_ready = _start_prefect(dask, settings)
    from flows.audit import audit_ledgers
    from flows.runners import task_runner

    audit = audit_ledgers.with_options(task_runner=task_runner(dask))
    prefect_ready()
    with _flow_settings(settings.zone):
        return audit(inputs=[str(path) for path in inputs], out_dir=str(out), params=params)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    settings, apart = _keep_samples_apart(args.input, settings)
    params = _params(args)
    _ledger_files(args.input)
    if apart:
        print(apart)
    record = _audit(args.input, args.out, params, _dask(args, settings), settings)
    _print_run(record)
    return _exit_status(record)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    """Audit the bundled sample in the demo data directory, then set the review app up on it:
    a demo user with a new password, printed this once."""
    demo_dir = settings.demo_data_dir
    settings = _in_demo_data(settings)
    out = args.out or demo_dir / "runs" / "demo"
    params = _params(args)
    _ledger_files(args.input)
    record = _audit(args.input, out, params, args.dask, settings)
    _print_run(record)
    password = _reset_demo_user(settings)
    print()
    print(f"复核网站（演示数据，在 {demo_dir}，与正式审计分开）：")
    print("  启动：make review-demo（即 sanzi-audit serve-review --demo）")
    print(f"  打开：http://{DEFAULT_REVIEW_HOST}:{DEFAULT_REVIEW_PORT}")
    print(f"  登录：用户名 {DEMO_USER}，密码 {password}"
          "（只显示这一次；再运行 make demo 会换新密码）")
    return _exit_status(record)


def _reset_demo_user(settings: Settings) -> str:
    """The demo's administrator, made or given a new random password; returns the password."""
    from review.users import add_user, get_user, update_user

    store = settings.open_store()
    password = secrets.token_urlsafe(9)
    if get_user(store, username=DEMO_USER) is None:
        add_user(store, username=DEMO_USER, password=password, role="admin", actor="demo")
    else:
        update_user(store, username=DEMO_USER, actor="demo", role="admin", password=password,
                    active=True)
    store.dispose()
    return password


def _start_prefect(dask_address: str | None, settings: Settings) -> Callable[[], None]:
    """Prefect's settings, its server and this machine's worker processes, made ready together;
    returns a function that waits until the server answers (call it before the flow).

    The project's resident server (``sanzi-audit prefect-server start``) is used when it runs:
    no start-up, and the run shows in its UI. Otherwise Prefect's temporary server starts in
    the background while the workers start and the pipeline is imported."""
    configure_prefect(settings)
    if not os.environ.get("PREFECT_API_URL"):  # else: the server the user points at
        from flows.server import resident_api_url

        url = resident_api_url(settings)
        if url:
            os.environ["PREFECT_API_URL"] = url
    from flows.runners import DEFAULT_PROCESSES, start_prefect_api, use_worker_processes

    server_ready = start_prefect_api()
    if not dask_address:
        use_worker_processes(DEFAULT_PROCESSES)
    return server_ready


def _flow_settings(zone: ZoneInfo) -> AbstractContextManager[Any]:
    """Prefect's settings for a flow this command runs in its own process: log times in
    ``zone`` (the settings' ``SANZI_TIMEZONE``, as the folder names and run.json), no
    heartbeats.

    A flow run's heartbeat thread sleeps a second at a time, and the flow waits for it to
    wake when it ends: about a second per flow (a rerun is two, the rerun and its audit) after
    the work is done. Heartbeats let an automation mark a run whose process died as crashed;
    this process is the operator's command, which reports its own end, and the runs of the
    served nightly deployment (``sanzi-audit serve``), run by Prefect's runner, keep them."""
    from prefect.logging.formatters import PrefectFormatter
    from prefect.settings import temporary_settings

    PrefectFormatter.converter = staticmethod(partial(zone_time, zone=zone))
    return temporary_settings(updates={"flows.heartbeat_frequency": None})


def zone_time(seconds: float | None, zone: ZoneInfo) -> time.struct_time:
    """A log record's time in ``zone`` (``logging.Formatter.converter``)."""
    moment = datetime.now(zone) if seconds is None else datetime.fromtimestamp(seconds, zone)
    return moment.timetuple()


def _print_files(record: RunRecord) -> None:
    """Per file what was read, then the files not read well enough (on standard error)."""
    from flows.reading import problem_lines, terminal_lines

    for line in terminal_lines(record.files, record.quarantine_alert_share):
        print(line)
    for line in problem_lines(record.files, record.quarantine_alert_share):
        print(line, file=sys.stderr)


def _register_rows(record: RunRecord) -> str:
    """What of the 三资 registers was read, for the run's closing line ("" without any)."""
    rows = record.registers.get("rows") or {}
    read = {"合同": rows.get("contracts", 0), "收付款计划": rows.get("plans", 0),
            "资产": rows.get("assets", 0), "资源": rows.get("resources", 0)}
    read = {name: count for name, count in read.items() if count}
    if not read:
        return ""
    return "三资台账载入" + "、".join(f"{name} {count:,} 条" for name, count in read.items()) + "。"


def _print_run(record: RunRecord) -> None:
    from flows.summary import review_line

    totals = record.totals
    _print_files(record)
    print(
        f"审计完成：{totals.files} 个文件，读取 {totals.rows_read:,} 行，"
        f"载入 {totals.loaded:,} 条分录，隔离 {totals.quarantined:,} 行，"
        f"跳过 {totals.skipped:,} 行。"
        + _register_rows(record)
    )
    print(
        f"疑点 {totals.cases:,} 件，涉及分录 {totals.flagged:,} 条；其中违反规则的 "
        f"{totals.rule_cases:,} 件（{totals.entries_with_rule_breaches:,} 条分录）全部列出，"
        f"其余由模型和疑点信号在复核预算内选出。"
        + (f"三资台账（合同、资产、资源）核对出的 {totals.register_cases:,} 件已计入。"
           if totals.register_cases else "")
    )
    if record.registers.get("towns_without_books"):
        print("这些乡镇只有三资台账、没有账套，台账未核对：" + "、".join(
            record.registers["towns_without_books"]), file=sys.stderr)
    print(review_line(record.review))
    if record.other_charts:
        units = "、".join(f"{unit.town}{unit.village}" for unit in record.other_charts)
        print("这些单位的科目编码大多不在村级科目表（2004/2023 年制度）中，可能是村办企业等采用"
              "其他会计制度的账套，依赖科目表的规则（科目编码、科目名称、现金、审批等）未检查："
              + units)
    for town, error in record.failed_towns.items():
        print(f"乡镇 {town} 未能完成：{error}", file=sys.stderr)
    if not totals.loaded:
        print(f"没有载入任何分录：{totals.files} 个文件中都没有可审计的凭证行（只有表头、"
              "都被跳过或都被隔离）。请用 sanzi-audit inspect 文件 查看文件是如何被识别的。",
              file=sys.stderr)
    print(f"结果目录：{record.out_dir}")
    for line in output_guide(record.outputs):
        print(line)


def output_guide(outputs: dict[str, str]) -> list[str]:
    """Each output file with what it is, the one to open first on top."""
    listed = [name for name in OUTPUT_GUIDE if name in outputs]
    listed += [name for name in outputs if name not in OUTPUT_GUIDE]
    return [f"  {Path(outputs[name]).name}" + (f"：{OUTPUT_GUIDE[name]}" if name in OUTPUT_GUIDE
                                                 else "") for name in listed]


def _exit_status(record: RunRecord) -> int:
    return EXIT_UNREADABLE_FILES if record.failed else EXIT_OK


def _inspect(args: argparse.Namespace, _settings: Settings) -> int:
    from flows.ingest import load_profile, reading_options
    from flows.inspect import inspect_file

    params = _params(args)
    profile = load_profile(params.ingest.profile) if params.ingest.profile else None
    options = reading_options(params, profile)
    readable = True
    for number, path in enumerate(args.file):
        if not Path(path).is_file():
            raise UsageError(f"文件不存在：{path}")
        text, ok = inspect_file(Path(path), options, rows=args.rows)
        print(("\n" if number else "") + text)
        readable &= ok
    return EXIT_OK if readable else EXIT_UNREADABLE_FILES


def _check_rerun(args: argparse.Namespace, settings: Settings) -> tuple[list[Path], str]:
    """Refuse a rerun that cannot do what is asked, before Prefect starts: a period that is
    not a month, an input (or a file of the current books) gone from where it was and not in
    the archive either, inputs that hold no ledger, a store with no run to redo or a village
    it has never audited. Returns what the rerun audits (moved paths found in the archive)
    and whence (:data:`flows.rerun.INPUT_WORDS`)."""
    bad = [period for period in args.period or [] if not PERIOD.fullmatch(period)]
    if bad:
        raise UsageError(f"会计期间 {'、'.join(bad)} 无效：应为 年-月，月份 01–12，如 2024-03")
    from flows.inbox import default_archive_dir, default_manifest_path, load_manifest, rerun_inputs
    from review.changes import audited_villages, latest_run

    store = settings.open_store()
    try:
        try:
            inputs, source = rerun_inputs(
                [str(path) for path in args.input] if args.input else None,
                manifest=load_manifest(default_manifest_path(settings)),
                archive_dir=args.archive or default_archive_dir(settings),
                parts_dir=settings.parts_dir,
                last_inputs=lambda: (latest_run(store) or {}).get("inputs"))
        except (FileNotFoundError, ValueError) as error:
            raise UsageError(str(error)) from None
        unknown = sorted(set(args.village or []) - audited_villages(store))
    finally:
        store.dispose()
    located = [Path(path) for path in inputs]
    _ledger_files(located)
    if unknown:
        raise UsageError(f"以往的审计中没有这些村：{'、'.join(unknown)}（请检查村名）")
    return located, source


def _rerun(args: argparse.Namespace, settings: Settings) -> int:
    settings, apart = _keep_samples_apart(args.input, settings)
    params = _params(args)
    inputs, source = _check_rerun(args, settings)
    if apart:
        print(apart)
    dask = _dask(args, settings)
    prefect_ready = _start_prefect(dask, settings)
    from flows.rerun import CHANGE_WORDS, INPUT_WORDS, case_change_words, rerun_audit

    prefect_ready()
    with _flow_settings(settings.zone):
        report = rerun_audit(
            villages=args.village, periods=args.period, dask_address=dask,
            inputs=[str(path) for path in inputs],
            out_dir=str(args.out) if args.out else None, params=params,
            archive=str(args.archive) if args.archive else None,
        )
    seconds = sum(report["timings"].values())
    towns = "、".join(report["recomputed"]) or "无，全部沿用缓存"
    print(f"重跑完成（审计各阶段合计 {seconds:.1f} 秒）：审计{INPUT_WORDS[source]}"
          f"（{len(report['inputs'])} 项），"
          f"重新读取 {len(report['files_read'])} 个文件，重新计算的乡镇：{towns}。")
    scope = "、".join(report["villages"]) or "全部村"
    if report["periods"]:
        scope += "（" + "、".join(report["periods"]) + "）"
    print(f"{scope}疑点分录变化：" + "，".join(
        f"{CHANGE_WORDS[kind]} {count} 条" for kind, count in report["changes"].items()))
    if report["case_changes"]:
        print("本次运行的疑点（件）：" + case_change_words(report["case_changes"]))
    if report["unknown_villages"]:
        print(f"输入中没有这些村：{'、'.join(report['unknown_villages'])}", file=sys.stderr)
    print(f"结果目录：{report['out_dir']}")
    return EXIT_UNREADABLE_FILES if report["totals"]["files_with_problems"] else EXIT_OK


def _books(args: argparse.Namespace, settings: Settings) -> int:
    """The county's current books: per village, the current delivery of each period and
    register, and the earlier deliveries with what superseded them."""
    from flows.inbox import default_manifest_path, load_manifest
    from flows.supersede import current_books

    path = default_manifest_path(settings)
    books = current_books(load_manifest(path).deliveries())
    if not books.deliveries:
        print(f"还没有收到任何交付（收件箱清单 {path} 不存在或为空）：夜间审计"
              "（sanzi-audit nightly）审计并归档收件箱里的文件后，这里列出现行账套。")
        return EXIT_OK
    held = {cell[1] for delivery in books.deliveries for cell in delivery.cells or ()}
    unknown = sorted(set(args.village or []) - held)
    if unknown:
        raise UsageError(f"现行账套中没有这些村：{'、'.join(unknown)}（请检查村名）")
    print(f"现行账套（收件箱清单 {path}）：{len(held)} 个村，{len(books.deliveries)} 次交付，"
          f"其中 {len(books.replaced)} 次的部分或全部内容已被后来的交付取代。")
    for line in books.lines(args.village):
        print(line)
    return EXIT_OK


def _sample(args: argparse.Namespace, _settings: Settings) -> int:
    from data.generator import generate_ledgers

    result = generate_ledgers(
        Path(args.out),
        villages=args.villages,
        years=tuple(args.years),
        seed=args.seed,
        inject=not args.clean,
        lines_per_village_year=args.lines_per_year,
        injection_rate=args.injection_rate,
        vendor=args.vendor,
    )
    print(f"已生成 {len(result.files)} 个文件，共 {result.n_lines} 条分录：")
    print(f"  {Path(args.out).resolve()}")
    print(f"标注文件：{result.labels_path}")
    return EXIT_OK


def _rules(args: argparse.Namespace, _settings: Settings) -> int:
    from checks.catalogue import catalogue_markdown, catalogue_text

    params = _load_params(args.config)
    print(catalogue_markdown(params) if args.markdown else catalogue_text(params))
    return EXIT_OK


def _serve_review(args: argparse.Namespace, settings: Settings) -> int:
    from flows.review_app import serve_review
    from review.db import SQLITE_FILE

    if args.demo:
        settings = _in_demo_data(settings)
        if not (settings.data_dir / SQLITE_FILE).is_file():
            raise UsageError("还没有演示数据：请先运行 make demo")

    serve_review(settings, host=args.host, port=args.port)
    return EXIT_OK


def _read_password(args: argparse.Namespace) -> str:
    """From standard input when piped (scripts), else asked twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码：")
    if first != getpass.getpass("再次输入密码："):
        raise ValueError("两次输入的密码不一致")
    return first


def _users(args: argparse.Namespace, settings: Settings) -> int:
    from review.users import add_user, update_user

    store = settings.open_store()
    if args.users_command == "add":
        add_user(store, username=args.username, password=_read_password(args),
                 role=args.role, towns=args.towns, actor="cli")
        print(f"已添加用户 {args.username}（{args.role}）")
    else:
        new_password = args.password or args.password_stdin
        update_user(store, username=args.username, actor="cli", role=args.role,
                    towns=args.towns, password=_read_password(args) if new_password else None,
                    active=None if args.active is None else args.active == "yes")
        print(f"已更新用户 {args.username}")
    return EXIT_OK


def _verify_trail(_args: argparse.Namespace, settings: Settings) -> int:
    from review.audit_trail import verify_audit_trail

    verification = verify_audit_trail(settings.open_store())
    print(verification.message())
    return EXIT_OK if verification.ok else EXIT_TAMPERED


def _nightly(args: argparse.Namespace, settings: Settings) -> int:
    params = _params(args)
    if not args.inbox.is_dir():
        raise UsageError(f"收件箱文件夹不存在：{args.inbox}（请检查 --inbox）")
    if args.now and args.settle_seconds is not None:
        raise UsageError("--now 与 --settle-seconds 只能用一个：--now 即不等待（0 秒）")
    dask = _dask(args, settings)
    prefect_ready = _start_prefect(dask, settings)
    from flows.nightly import (
        DEFAULT_SETTLE_SECONDS,
        change_words,
        nightly_audit,
        settling_title,
        settling_words,
    )

    prefect_ready()
    with _flow_settings(settings.zone):
        report = nightly_audit(
            inbox=str(args.inbox), out_root=str(args.out),
            archive=str(args.archive) if args.archive else None, params=params,
            settle_seconds=DEFAULT_SETTLE_SECONDS if args.settle_seconds is None
            else args.settle_seconds, now=args.now,
            retry_failed=args.retry_failed, dask_address=dask,
        )
    if report["status"] == "no-new-files":
        print("收件箱里没有新的或内容有变化的文件，本次未审计。")
    else:
        books = (f"连同现行账套的 {report['books_read']} 个文件，" if report["books_read"]
                 else "")
        print(f"审计了 {len(report['new'])} 个新文件（{books}重新计算的乡镇："
              f"{'、'.join(report['recomputed']) or '无'}），结果目录：{report['out_dir']}")
    for words in report["corrections"]:
        print(f"更正：{words}（取代此前交付的，旧文件留在归档中）")
    if report["changes"]:
        print(f"{'、'.join(report['villages'])}疑点分录变化：{change_words(report['changes'])}")
    if report["settling"]:
        print(settling_title(report) + "：" + "；".join(settling_words(report)))
    for name in report["books_gone"]:
        print(f"现行账套的文件找不到了（未审计）：{name}", file=sys.stderr)
    for path, error in report["unreadable"].items():
        print(f"无法读取（留在收件箱，内容不变则不再重试）：{path}：{error}", file=sys.stderr)
    for path, why in report["not_read_well"].items():
        print(f"没有读好（已审计并归档）：{path}：{why}", file=sys.stderr)
    if report["failed_before"]:
        print(f"以前无法读取、内容未变的文件 {len(report['failed_before'])} 个，未重试"
              "（可用 --retry-failed 重试）。", file=sys.stderr)
    for path, reason in report["left_in_inbox"].items():
        print(f"留在收件箱：{path}：{reason}", file=sys.stderr)
    print(f"已归档 {len(report['archived'])} 个文件。")
    problems = (report["unreadable"] or report["not_read_well"] or report["left_in_inbox"]
                or report["books_gone"])
    return EXIT_UNREADABLE_FILES if problems else EXIT_OK


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    _load_params(args.config)  # read again each night; a mistake is told now
    if not os.environ.get("PREFECT_API_URL"):  # else: the server the user points at
        from flows.server import api_url, start_server

        pid = start_server(settings, host=args.prefect_host, port=args.prefect_port)
        os.environ["PREFECT_API_URL"] = api_url(args.prefect_host, args.prefect_port)
        print(f"Prefect 服务在运行（进程 {pid}）：{os.environ['PREFECT_API_URL']}")
    configure_prefect(settings)
    from flows.nightly import DEFAULT_CRON, DEFAULT_TIMEZONE, nightly_schedule, serve_nightly

    cron, timezone = args.cron or DEFAULT_CRON, args.timezone or DEFAULT_TIMEZONE
    nightly_schedule(cron, timezone)  # refuse a bad schedule before serving
    print(f"夜间审计按计划 {cron}（{timezone}）运行，按 Ctrl+C 停止。")
    serve_nightly(inbox=args.inbox, out_root=args.out, archive=args.archive,
                  config=args.config, cron=cron, timezone=timezone,
                  dask_address=_dask(args, settings))
    return EXIT_OK


def _prefect_server(args: argparse.Namespace, settings: Settings) -> int:
    from flows.server import api_url, server_status, start_server, stop_server

    if args.action == "start":
        port = args.port or DEFAULT_PORT
        pid = start_server(settings, host=args.host, port=port)
        print(f"Prefect 服务在运行（进程 {pid}）：{api_url(args.host, port)}")
        print("本项目的 run、rerun、nightly 命令会自动使用它（不再启动临时服务）；"
              f"其他 Prefect 命令请设置：export PREFECT_API_URL={api_url(args.host, port)}")
    elif args.action == "stop":
        stopped = stop_server(settings)
        print("已停止 Prefect 服务。" if stopped else "没有本项目启动的 Prefect 服务。")
    else:
        print(server_status(settings, host=args.host, port=args.port))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="sanzi-audit", description="村集体三资账务审计：读取记账中心导出的账，找出可疑分录。"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令",
                                     title="命令")

    run = commands.add_parser("run", help="审计一批导出文件（Prefect 流程）")
    run.add_argument("--input", nargs="+", required=True, type=Path, metavar="PATH",
                     help="导出文件或文件夹（文件夹内的 .csv/.xlsx/.xls 均会读取）")
    run.add_argument("--out", required=True, type=Path, metavar="DIR", help="结果目录")
    run.add_argument("--config", type=Path, metavar="FILE", help="本县参数文件（YAML）")
    run.set_defaults(handler=_run)

    demo = commands.add_parser(
        "demo", help="演示：在单独的演示数据目录审计随附的样例账套，并准备好复核网站（make demo）")
    demo.add_argument("--input", nargs="+", type=Path, default=[SAMPLE_DIR], metavar="PATH",
                      help="样例账套（默认 data/sample）")
    demo.add_argument("--out", type=Path, metavar="DIR",
                      help="结果目录（默认：演示数据目录/runs/demo）")
    demo.add_argument("--config", type=Path, metavar="FILE", help="本县参数文件（YAML）")
    demo.set_defaults(handler=_demo, dask=None)

    rerun = commands.add_parser(
        "rerun", help="记账中心更正账套后重跑：只重算内容有变化的文件和乡镇，报告疑点变化")
    rerun.add_argument("--village", nargs="+", metavar="VILLAGE", help="报告这些村的疑点变化")
    rerun.add_argument("--period", nargs="+", metavar="YYYY-MM", help="只报告这些会计期间")
    rerun.add_argument("--input", nargs="+", type=Path, metavar="PATH",
                       help="导出文件或文件夹（默认：现行账套，即夜间审计收到的各村现行文件；"
                            "没有收件箱时为上一次审计的输入）")
    rerun.add_argument("--archive", type=Path, metavar="DIR",
                       help="归档目录，在其中按内容找已移走的文件（默认：数据目录/inbox/archive）")
    rerun.add_argument("--out", type=Path, metavar="DIR",
                       help="结果目录（默认：数据目录/runs/rerun-时间）")
    rerun.add_argument("--config", type=Path, metavar="FILE", help="本县参数文件（YAML）")
    rerun.set_defaults(handler=_rerun)
    books = commands.add_parser(
        "books", help="列出现行账套：每个村各期间和三资台账的现行文件，以及被更正取代的此前交付")
    books.add_argument("--village", nargs="+", metavar="VILLAGE", help="只列这些村")
    books.set_defaults(handler=_books)

    sample = commands.add_parser("sample", help="生成模拟村账（含标注的违规样例）")
    sample.add_argument("--out", required=True, type=Path, metavar="DIR", help="输出目录")
    sample.add_argument("--villages", type=INTEGER, default=8, metavar="N",
                        help="村数（默认 8）")
    sample.add_argument("--years", type=INTEGER, nargs="+", default=[2023, 2024],
                        metavar="YEAR", help="年份（默认 2023 2024）")
    sample.add_argument("--seed", type=INTEGER, default=7, help="随机种子（默认 7）")
    sample.add_argument("--lines-per-year", type=INTEGER, default=1600, metavar="N",
                        help="每村每年大约的分录数（默认 1600）")
    sample.add_argument("--injection-rate", type=NUMBER, default=0.2, metavar="SHARE",
                        help="每类违规样例注入的村年比例（默认 0.2）")
    sample.add_argument("--clean", action="store_true", help="不注入违规样例")
    sample.add_argument(
        "--vendor", action="store_true",
        help="每个乡镇的部分村改用财务软件的导出格式（金蝶凭证、导入模板、标准凭证导出 CSV、"
             "记账凭证打印样式；12 个村及以上四种齐全）",
    )
    sample.set_defaults(handler=_sample)

    inspect = commands.add_parser(
        "inspect",
        help="查看导出文件如何被识别（表头、列与字段、单位、前几条分录、隔离原因），不审计")
    inspect.add_argument("file", nargs="+", type=Path, metavar="FILE", help="导出文件")
    inspect.add_argument("--rows", type=INTEGER, default=5, metavar="N",
                         help="每个工作表显示前几条分录（默认 5）")
    inspect.add_argument("--config", type=Path, metavar="FILE", help="本县参数文件（YAML）")
    inspect.set_defaults(handler=_inspect)

    rules = commands.add_parser("rules", help="列出全部规则及其依据和现行阈值")
    rules.add_argument("--config", type=Path, metavar="FILE", help="本县参数文件（YAML）")
    rules.add_argument("--markdown", action="store_true",
                       help="输出 Markdown 表格（即 checks/RULES.md）")
    rules.set_defaults(handler=_rules)

    serve_review = commands.add_parser("serve-review", help="启动复核网站（纪委、监委会使用）")
    serve_review.add_argument("--host", default=DEFAULT_REVIEW_HOST,
                              help=f"监听地址（默认 {DEFAULT_REVIEW_HOST}，仅本机；"
                                   "对外提供请放在 HTTPS 反向代理之后）")
    serve_review.add_argument("--port", type=INTEGER, default=DEFAULT_REVIEW_PORT,
                              help=f"端口（默认 {DEFAULT_REVIEW_PORT}）")
    serve_review.add_argument("--demo", action="store_true",
                              help="打开 make demo 的演示数据（演示数据目录），"
                                   "而非正式审计的复核库")
    serve_review.set_defaults(handler=_serve_review)

    users = commands.add_parser("users", help="管理复核网站的用户")
    users_commands = users.add_subparsers(dest="users_command", required=True, metavar="操作",
                                          title="操作")
    add = users_commands.add_parser("add", help="添加用户")
    add.add_argument("username", metavar="NAME", help="用户名")
    add.add_argument("--role", required=True, choices=USER_ROLES,
                     help="inspector 纪检复核员（只看分配的乡镇）、lead 纪检组长（另可分派案件）、"
                          "admin 管理员、agency 记账中心")
    add.add_argument("--towns", nargs="*", default=[], metavar="TOWN", help="可查看的乡镇")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    add.set_defaults(handler=_users)
    update = users_commands.add_parser("update", help="修改用户的角色、乡镇、密码或启用状态")
    update.add_argument("username", metavar="NAME", help="用户名")
    update.add_argument("--role", choices=USER_ROLES, help="新角色")
    update.add_argument("--towns", nargs="*", metavar="TOWN", help="可查看的乡镇（替换原有的）")
    update.add_argument("--password", action="store_true", help="设置新密码")
    update.add_argument("--password-stdin", action="store_true", help="从标准输入读取新密码")
    update.add_argument("--active", choices=["yes", "no"], help="启用（yes）或停用（no）")
    update.set_defaults(handler=_users)

    verify = commands.add_parser(
        "verify-trail",
        help="校验复核操作日志：哈希链、密钥印章、链外锚点，以及复核结论是否与日志一致")
    verify.set_defaults(handler=_verify_trail)


    nightly = commands.add_parser(
        "nightly", help="审计收件箱中新的或内容有变化的文件，然后归档（运行一次）"
    )
    serve = commands.add_parser(
        "serve", help="按计划每晚审计收件箱（需要常驻的 Prefect 服务，会自动启动）"
    )
    for command in (nightly, serve):
        command.add_argument("--inbox", required=True, type=Path, metavar="DIR",
                             help="收件箱：记账中心放导出文件的文件夹")
        command.add_argument("--out", required=True, type=Path, metavar="DIR",
                             help="结果根目录，每次运行写入其下按时间命名的子目录")
        command.add_argument("--archive", type=Path, metavar="DIR",
                             help="归档目录（默认：数据目录/inbox/archive）")
        command.add_argument("--config", type=Path, metavar="FILE", help="本县参数文件（YAML）")
    nightly.add_argument("--settle-seconds", type=NUMBER, metavar="SECONDS",
                         help="修改时间不足此秒数的文件可能仍在复制，留到下次（默认 60）")
    nightly.add_argument("--now", action="store_true",
                         help="不等待：刚复制完的文件也立即审计（手动运行、确认已复制完时用）")
    nightly.add_argument("--retry-failed", action="store_true",
                         help="重新尝试以前无法读取的文件")
    nightly.set_defaults(handler=_nightly)
    serve.add_argument(
        "--cron", help="cron 表达式：分 时 日 月 星期（默认 \"0 2 * * *\"，每天 2 点）"
    )
    serve.add_argument("--timezone", help="时区（默认 Asia/Shanghai）")
    serve.add_argument("--prefect-host", default=DEFAULT_HOST,
                       help=f"常驻 Prefect 服务的地址（默认 {DEFAULT_HOST}）")
    serve.add_argument("--prefect-port", type=INTEGER, default=DEFAULT_PORT,
                       help=f"常驻 Prefect 服务的端口（默认 {DEFAULT_PORT}）")
    serve.set_defaults(handler=_serve)

    for command in (run, rerun, nightly, inspect):  # serve: ingest.unit/profile in --config
        command.add_argument(
            "--unit", metavar="NAME",
            help="文件中、标题和文件名都没有写明单位（村）时，账套所属的单位，如“青石镇 下坝村”")
        command.add_argument(
            "--profile", metavar="FILE",
            help="导入配置（YAML），说明如何读取某种导出格式；不设则按表头自动识别")
    for command in (run, rerun, nightly, serve):
        command.add_argument(
            "--dask", metavar="ADDRESS",
            help="在 Dask 集群上运行：调度器地址（tcp://主机:8786），或 local 启动本机临时集群"
                 "（默认取环境变量 SANZI_DASK_ADDRESS；不设则在本机多进程运行）")

    server = commands.add_parser("prefect-server", help="启动、停止或查看常驻的 Prefect 服务")
    server.add_argument("action", choices=["start", "stop", "status"],
                        help="start 启动、stop 停止、status 查看")
    server.add_argument("--host", default=DEFAULT_HOST, help=f"地址（默认 {DEFAULT_HOST}）")
    server.add_argument("--port", type=INTEGER, default=None,
                        help=f"start：端口（默认 {DEFAULT_PORT}）；"
                             "status：默认查看本项目服务启动时的地址")
    server.set_defaults(handler=_prefect_server)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # a demo or a sample's audit moves to the demo data directory for this command only
    moved = {name: os.environ.get(name) for name in SAMPLE_SETTINGS}
    try:
        return args.handler(args, load_settings())
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print("错误：" + " ".join(str(error).split()), file=sys.stderr)  # one line
        return EXIT_USAGE
    finally:
        for name, value in moved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def entry() -> None:
    """The ``sanzi-audit`` program: :func:`main`, then exit with its status.

    What a run made is garbage by then, and the interpreter's final collection of it took
    about 2 s after a county's run; ``gc.freeze`` leaves it to the operating system. Exit
    handlers (Prefect's last logs and events, the worker processes' shutdown) still run."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    entry()
