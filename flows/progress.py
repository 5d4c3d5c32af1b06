"""What a run tells the operator as it goes: one line per file and per town, on the terminal
(Prefect's flow-run log), each saying whether its part was made now or taken from the parts of
an earlier run (（沿用缓存）)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CACHED = "（沿用缓存）"


@dataclass
class Progress:
    """The lines of one run (``run_id``) for ``logger``. A town's line has its number among
    the towns of its stage; a file's, its number among the run's files (``files_total``)."""

    logger: Any
    run_id: str
    files_total: int = 0
    files_told: int = 0

    def _cached(self, part: Any) -> str:
        return CACHED if part.computed_in != self.run_id else ""

    def files(self, total: int) -> None:
        self.files_total = total
        self.logger.info("共 %d 个文件待审计", total)

    def file_read(self, part: Any) -> None:
        self.files_told += 1
        self.logger.info("读取文件 %d/%d：%s，%s 条分录%s", self.files_told, self.files_total,
                         part.file, f"{part.report.get('loaded', 0):,}", self._cached(part))

    def batch_read(self, _number: int, _total: int, _batch: str, parts: list[Any]) -> None:
        for part in parts:
            self.file_read(part)

    def town_checked(self, number: int, total: int, town: str, part: Any) -> None:
        self.logger.info("检查乡镇 %d/%d：%s，%d 个村，%s 条分录%s", number, total, town,
                         len(part.villages), f"{part.n_entries:,}", self._cached(part))

    def town_scored(self, number: int, total: int, town: str, _part: Any) -> None:
        self.logger.info("评分乡镇 %d/%d：%s", number, total, town)

    def town_reported(self, number: int, total: int, town: str, report: Any) -> None:
        self.logger.info("汇总乡镇 %d/%d：%s，标记复核 %d 条%s", number, total, town,
                         report.n_flagged, self._cached(report))

    def registers_checked(self, number: int, total: int, town: str, part: Any) -> None:
        self.logger.info("核对三资台账 %d/%d：%s，%d 个案件%s", number, total, town,
                         part.n_cases, self._cached(part))

    def registers_without_books(self, town: str) -> None:
        self.logger.warning("乡镇「%s」只有三资台账、没有账簿，台账未核对", town)

    def indicators_made(self, number: int, total: int, town: str, part: Any) -> None:
        self.logger.info("计分卡指标 %d/%d：%s%s", number, total, town, self._cached(part))

    def indicators_failed(self, town: str, why: str) -> None:
        self.logger.warning("乡镇「%s」的计分卡指标未算出：%s", town, why)
