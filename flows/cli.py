"""The ``sanzi-audit`` command line.

Prefect reads its settings when first imported, so every command that runs a flow puts the
project's Prefect settings into the environment before importing :mod:`flows.audit`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flows.settings import configure_prefect, load_settings

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_UNREADABLE_FILES = 3


def _run(args: argparse.Namespace) -> int:
    from checks.params import load_params

    params = load_params(args.config)
    configure_prefect(load_settings())
    from flows.audit import audit_ledgers

    record = audit_ledgers(inputs=[str(path) for path in args.input], out_dir=str(args.out),
                           params=params)
    totals = record["totals"]
    print(
        f"审计完成：{totals['files']} 个文件，读取 {totals['rows_read']} 行，"
        f"载入 {totals['loaded']} 条分录，隔离 {totals['quarantined']} 行，"
        f"跳过合计行 {totals['skipped_subtotal']} 行；"
        f"{totals['entries_with_rule_breaches']} 条分录违反规则，标记复核 {totals['flagged']} 条。"
    )
    for report in record["files"]:
        if report.get("error"):
            print(f"无法读取：{report['error']}", file=sys.stderr)
    print(f"结果目录：{Path(args.out).resolve()}")
    for name, path in record["outputs"].items():
        print(f"  {name}: {path}")
    return EXIT_UNREADABLE_FILES if totals["files_unreadable"] else EXIT_OK


def _sample(args: argparse.Namespace) -> int:
    from data.generator import generate_ledgers

    result = generate_ledgers(
        Path(args.out),
        villages=args.villages,
        years=tuple(args.years),
        seed=args.seed,
        inject=not args.clean,
        lines_per_village_year=args.lines_per_year,
    )
    print(f"已生成 {len(result.files)} 个文件，共 {result.n_lines} 条分录：")
    print(f"  {Path(args.out).resolve()}")
    print(f"标注文件：{result.labels_path}")
    return EXIT_OK


def _rules(args: argparse.Namespace) -> int:
    from checks.catalogue import catalogue_markdown, catalogue_text

    from checks.params import load_params

    params = load_params(args.config)
    print(catalogue_markdown(params) if args.markdown else catalogue_text(params))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sanzi-audit", description="村集体三资账务审计：读取记账中心导出的账，找出可疑分录。"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="审计一批导出文件（Prefect 流程）")
    run.add_argument("--input", nargs="+", required=True, type=Path, metavar="PATH",
                     help="导出文件或文件夹（文件夹内的 .csv/.xlsx/.xls 均会读取）")
    run.add_argument("--out", required=True, type=Path, metavar="DIR", help="结果目录")
    run.add_argument("--config", type=Path, metavar="FILE", help="本县参数文件（YAML）")
    run.set_defaults(handler=_run)

    sample = commands.add_parser("sample", help="生成模拟村账（含标注的违规样例）")
    sample.add_argument("--out", required=True, type=Path, metavar="DIR")
    sample.add_argument("--villages", type=int, default=6)
    sample.add_argument("--years", type=int, nargs="+", default=[2023, 2024])
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--lines-per-year", type=int, default=1600,
                        help="每村每年大约的分录数")
    sample.add_argument("--clean", action="store_true", help="不注入违规样例")
    sample.set_defaults(handler=_sample)

    rules = commands.add_parser("rules", help="列出全部规则及其依据和现行阈值")
    rules.add_argument("--config", type=Path, metavar="FILE")
    rules.add_argument("--markdown", action="store_true")
    rules.set_defaults(handler=_rules)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (FileNotFoundError, ValueError) as error:
        print(f"错误：{error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
