"""The same books delivered twice (FORMATS.md §2.3): each village-period is loaded from one file.

The agency re-exports a village after correcting it, and the old and the new export may both
be among a run's inputs. Where two files hold the same village's same period, the file
modified later supersedes the other for that period (the later in input order when both were
modified at the same moment); the superseded file's rows of that period are skipped with the
reason, and the run names which file superseded which. Decided from what each file's reading
recorded (its villages' periods and row counts), before any town is checked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

Cell = tuple[str, str, str]  # town, village, period


@dataclass(frozen=True)
class Holding:
    """What one readable file holds: rows per (town, village, period), and when it was
    modified (ISO text, comparable)."""

    file: str
    modified: str
    cells: dict[Cell, int]


@dataclass
class Supersession:
    """Per file (its place among the holdings), the cells whose rows are dropped and the file
    that supersedes them. Places, not keys: two copies of one file have the same key."""

    dropped: dict[int, dict[Cell, str]] = field(default_factory=dict)

    def cells_of(self, order: int) -> tuple[Cell, ...]:
        """The (town, village, period) cells whose rows the file gives up, sorted."""
        return tuple(sorted(self.dropped.get(order, {})))

    def report_of(self, order: int, holding: Holding, report: dict[str, Any]
                  ) -> dict[str, Any]:
        """The file's report with its superseded rows moved from loaded to skipped, and
        sentences naming what superseded them."""
        dropped = self.dropped.get(order)
        if not dropped:
            return report
        rows = sum(holding.cells[cell] for cell in dropped)
        reasons = dict(report.get("skipped_reasons") or {})
        reasons["superseded"] = reasons.get("superseded", 0) + rows
        by_winner: dict[str, list[Cell]] = defaultdict(list)
        for cell, winner in dropped.items():
            by_winner[winner].append(cell)
        sentences = [
            f"{_cells_words(cells)} 共 {sum(holding.cells[cell] for cell in cells):,} 行"
            f"被较新的文件「{winner}」取代，未载入"
            for winner, cells in sorted(by_winner.items())
        ]
        return report | {
            "loaded": report.get("loaded", 0) - rows,
            "skipped": report.get("skipped", 0) + rows,
            "skipped_reasons": reasons,
            "superseded_by": sentences,
        }


def supersession(holdings: list[Holding]) -> Supersession:
    """Which file keeps each village-period held by more than one file."""
    holders: dict[Cell, list[tuple[str, int]]] = defaultdict(list)
    for order, holding in enumerate(holdings):
        for cell in holding.cells:
            holders[cell].append((holding.modified, order))
    result = Supersession()
    for cell, files in holders.items():
        if len(files) < 2:
            continue
        _, winner = max(files)
        for _, order in files:
            if order != winner:
                result.dropped.setdefault(order, {})[cell] = holdings[winner].file
    return result


def _cells_words(cells: list[Cell]) -> str:
    """青石镇下坝村 2023-01～2023-12: the periods of each village, as a range where possible."""
    by_village: dict[tuple[str, str], list[str]] = defaultdict(list)
    for town, village, period in cells:
        by_village[(town, village)].append(period)
    words = []
    for (town, village), periods in sorted(by_village.items()):
        periods.sort()
        span = periods[0] if len(periods) == 1 else f"{periods[0]}～{periods[-1]}"
        words.append(f"{town}{village} {span}（{len(periods)} 个期间）"
                     if len(periods) > 1 else f"{town}{village} {span}")
    return "、".join(words)
