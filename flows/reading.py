"""What a run says about the files it read (docs/reading-exports.md 终端和 `run.json`
报告什么): per file, loaded, quarantined and skipped with the main reason, and which files
were not read well enough to trust.

A file that could not be read, has a journal sheet that could not be read, or had more of its
rows quarantined than ``ingest.quarantine_alert_share`` is a problem file: the run names it and
exits non-zero. The words are here once, for the terminal and the run's summary.
"""

from __future__ import annotations

from typing import Any

from flows.ingest.conventions import SKIP_REASONS

MANY_FILES = 20  # beyond this, the terminal lists only the files with something to say


def quarantine_share(report: dict[str, Any]) -> float:
    read = report.get("rows_read", 0)
    return report.get("quarantined", 0) / read if read else 0.0


def problem(report: dict[str, Any], alert_share: float) -> str:
    """Why a file was not read well enough to trust ("" when it was)."""
    if report.get("error"):
        return f"无法读取：{report['error']}"
    errors = report.get("sheet_errors") or {}
    if errors:
        return "有工作表无法读取：" + "；".join(errors.values())
    if report.get("rows_read", 0) and report.get("loaded", 0) == 0:
        return "没有载入任何分录"
    share = quarantine_share(report)
    if share > alert_share:
        return (f"隔离的行占 {share:.0%}，超过 {alert_share:.0%}；请查看 quarantine.csv，"
                f"或用 sanzi-audit inspect {report['file']} 查看文件的识别结果")
    return ""


def problem_files(reports: list[dict[str, Any]], alert_share: float) -> dict[str, str]:
    """File name → why it is a problem, for the files that are."""
    found = {report["file"]: problem(report, alert_share) for report in reports}
    return {file: why for file, why in found.items() if why}


def skipped_words(reasons: dict[str, int]) -> str:
    """合计、小计或累计行 12，签字行 3."""
    return "，".join(f"{SKIP_REASONS.get(reason, reason)} {count:,}"
                    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]))


def file_line(report: dict[str, Any]) -> str:
    """文件「x.csv」：读取 2,241 行，载入 2,229 条，隔离 0 行，跳过 12 行（合计、小计或累计行
    12）."""
    if report.get("error"):
        return f"文件「{report['file']}」：无法读取"
    text = (f"文件「{report['file']}」：读取 {report.get('rows_read', 0):,} 行，"
            f"载入 {report.get('loaded', 0):,} 条，隔离 {report.get('quarantined', 0):,} 行")
    reasons = report.get("quarantine_reasons") or {}
    if reasons:
        reason, count = next(iter(reasons.items()))
        text += f"（最多：{reason} {count:,} 行）"
    skipped = report.get("skipped", 0)
    text += f"，跳过 {skipped:,} 行"
    if skipped:
        text += f"（{skipped_words(report.get('skipped_reasons') or {})}）"
    if report.get("balanced_vouchers"):
        text += (f"；没有凭证号列，按日期、凭证字和借贷平衡划分出 "
                 f"{report['balanced_vouchers']:,} 张凭证")
    if report.get("profile"):
        text += f"；导入配置：{report['profile']}"
    return text


def sheet_lines(report: dict[str, Any]) -> list[str]:
    """The sheets a file's reading passed over, and what superseded its rows."""
    lines = [f"  工作表「{sheet}」已跳过：{reason}"
             for sheet, reason in (report.get("skipped_sheets") or {}).items()]
    lines += [f"  {text}" for text in report.get("superseded_by", [])]
    return lines


def terminal_lines(reports: list[dict[str, Any]], alert_share: float) -> list[str]:
    """Per file what was read (every file of a small run; of a large one, those with
    quarantined or skipped rows, passed-over sheets, or a problem), then the problems."""
    lines: list[str] = []
    for report in reports:
        noteworthy = (report.get("error") or report.get("quarantined") or report.get("skipped")
                      or report.get("skipped_sheets") or report.get("sheet_errors"))
        if len(reports) <= MANY_FILES or noteworthy:
            lines.append(file_line(report))
            lines += sheet_lines(report)
    return lines


def problem_lines(reports: list[dict[str, Any]], alert_share: float) -> list[str]:
    problems = problem_files(reports, alert_share)
    if not problems:
        return []
    return [f"{len(problems)} 个文件没有读好（退出状态非零）："] + [
        f"  {file}：{why}" for file, why in problems.items()]
