"""The run's markdown summary, for the Prefect artifact, from the run's record (run.json)."""

from __future__ import annotations

from typing import Any

from flows.reading import problem, skipped_words
from flows.run_record import RunRecord


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def review_line(changes: dict[str, Any] | None) -> str:
    """What the run changed in the review store, in cases and in flagged entries."""
    if not changes:
        return "复核库：本次未写入。"
    entries = (f"新增 {changes['new']:,} 条，已消除 {changes['resolved']:,} 条，"
               f"内容更正 {changes['changed']:,} 条，未变 {changes['unchanged']:,} 条")
    cases = changes.get("cases")
    if not cases:
        return f"与以往运行相比，疑点分录：{entries}。"
    return (f"与以往运行相比：疑点新增 {cases['new']:,} 件，已消除 {cases['resolved']:,} 件，"
            f"更正或重新归并后待复核 {cases['changed']:,} 件，未变 {cases['unchanged']:,} 件"
            f"（分录：{entries}）。")


def summary_markdown(record: RunRecord) -> str:
    """A short report of one run: files, row accounting, breaches per rule, flagged, timings."""
    totals = record.totals
    parts = [
        f"# 三资审计运行 {record.run_id}",
        f"输出目录：`{record.out_dir}`",
        f"模型版本：`{record.model.get('model_version')}`",
        "## 总计",
        _table(
            ["文件", "没有读好", "读取行", "载入分录", "隔离行", "跳过行", "违规分录",
             "疑点（件）", "违反规则（件）", "疑点分录"],
            [[
                totals.files, totals.files_with_problems, totals.rows_read, totals.loaded,
                totals.quarantined, totals.skipped, totals.entries_with_rule_breaches,
                totals.cases, totals.rule_cases, totals.flagged,
            ]],
        ),
        review_line(record.review),
        "## 文件",
        _table(
            ["文件", "读取行", "载入", "隔离", "跳过", "跳过原因", "问题"],
            [
                [
                    report["file"], report.get("rows_read", 0), report.get("loaded", 0),
                    report.get("quarantined", 0), report.get("skipped", 0),
                    skipped_words(report.get("skipped_reasons") or {}),
                    problem(report, record.quarantine_alert_share),
                ]
                for report in record.files
            ],
        ),
        "## 各规则违规分录数",
        _table(
            ["规则", "分录数"],
            [[rule, count] for rule, count in record.rule_counts.items() if count],
        )
        if any(record.rule_counts.values())
        else "无违规。",
        "## 各乡镇",
        _table(
            ["乡镇", "村数", "分录", "规则检查与特征", "评分", "说明与汇总"],
            [[town.town, len(town.villages), town.entries, town.checked, town.scored,
              town.reported] for town in record.partitions.towns],
        ),
        *(["## 未能完成的乡镇", _table(["乡镇", "原因"], [
            [town, error] for town, error in record.failed_towns.items()])]
          if record.failed_towns else []),
        "## 各村标记复核数",
        _table(["乡镇", "村", "分录", "标记复核"], [
            [row.town, row.village, row.entries, row.flagged] for row in record.villages]),
        "## 各阶段用时（秒）",
        _table(["阶段", "秒"], [[stage, value] for stage, value in record.timings.items()]),
    ]
    return "\n\n".join(parts) + "\n"
