"""The same books delivered twice (docs/reading-exports.md 同一份账交了两次): each
village-period is loaded from one file.

The agency re-exports a village after correcting it, and the old and the new export may both
be among a run's inputs. Where two files hold the same village's same period, the file
modified later supersedes the other for that period (the later in input order when both were
modified at the same moment); the superseded file's rows of that period are skipped with the
reason, and the run names which file superseded which. Decided from what each file's reading
recorded (its villages' periods and row counts), before any town is checked.

The same rule, applied across nights, makes the county's *current books*: every delivery the
inbox received (:class:`Delivery`, kept in the inbox's manifest) holds village-periods, or a
village's 三资 register of one kind; for each, the delivery modified last (the later arrival
when modified at the same moment) is current, and the earlier ones are kept with what
superseded them (:func:`current_books`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

Cell = tuple[str, str, str]  # town, village, period (or a register's kind)
LEDGER = "ledger"
REGISTER_WORDS = {"contracts": "合同台账", "plans": "合同收付款计划", "assets": "资产台账",
                  "resources": "资源台账"}


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
    return "、".join(f"{town}{village} {periods_words(periods)}"
                    for (town, village), periods in sorted(by_village.items()))


def periods_words(periods: list[str]) -> str:
    """2023-01～2023-12（12 个期间）, or the one period."""
    periods = sorted(periods)
    if len(periods) == 1:
        return periods[0]
    return f"{periods[0]}～{periods[-1]}（{len(periods)} 个期间）"


@dataclass(frozen=True)
class Delivery:
    """One delivery of the county's books: content the inbox received and the nightly run
    audited. ``kind`` is :data:`LEDGER` or the register's kind; ``cells`` are (town, village,
    period) for a ledger, (town, village, kind) for a register, None while not known yet;
    ``arrived`` and ``modified`` are ISO texts."""

    sha256: str
    file: str
    arrived: str
    modified: str
    kind: str
    cells: tuple[Cell, ...] | None
    archived: str | None = None


@dataclass(frozen=True)
class Books:
    """The deliveries in the order they arrived, and per delivery the cells a later one
    superseded, with the superseding delivery's hash."""

    deliveries: list[Delivery]
    replaced: dict[str, dict[Cell, str]]

    def current(self) -> list[Delivery]:
        """The deliveries an audit of the current books reads: those still current for some
        cell, and those whose holdings are not known yet (the audit reads them)."""
        return [delivery for delivery in self.deliveries
                if delivery.cells is None
                or set(delivery.cells) - set(self.replaced.get(delivery.sha256, {}))]

    def lines(self, villages: list[str] | None = None) -> list[str]:
        """The books in Chinese, per village: its periods and registers with the current file,
        then its earlier deliveries and what superseded them (only ``villages``, if given)."""
        by_sha = {delivery.sha256: delivery for delivery in self.deliveries}
        current: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(
            lambda: defaultdict(list))
        earlier: dict[tuple[str, str], dict[tuple[str, str], list[str]]] = defaultdict(
            lambda: defaultdict(list))
        for delivery in self.deliveries:
            replaced = self.replaced.get(delivery.sha256, {})
            for town, village, held in delivery.cells or ():
                if villages and village not in villages:
                    continue
                cell = (town, village, held)
                if cell in replaced:
                    earlier[(town, village)][(delivery.sha256, replaced[cell])].append(held)
                else:
                    current[(town, village)][delivery.sha256].append(held)
        lines = []
        for town, village in sorted(set(current) | set(earlier)):
            lines.append(f"{town} {village}")
            for sha256, held in current[(town, village)].items():
                delivery = by_sha[sha256]
                lines.append(f"  {_holding_words(delivery, held)}：{_delivery_words(delivery)}"
                             + (f"，存于 {delivery.archived}" if delivery.archived else ""))
            for (sha256, successor), held in earlier[(town, village)].items():
                lines.append(f"  此前的交付：{_delivery_words(by_sha[sha256])}的"
                             f"{_holding_words(by_sha[sha256], held)}已被"
                             f"{_delivery_words(by_sha[successor])}取代"
                             + (f"，存于 {by_sha[sha256].archived}"
                                if by_sha[sha256].archived else ""))
        unknown = [delivery for delivery in self.deliveries if delivery.cells is None]
        if unknown and not villages:
            lines.append("尚未登记所含村和期间的交付（下次有新文件的夜间审计时登记）：" + "、".join(
                _delivery_words(delivery) for delivery in unknown))
        return lines


def current_books(deliveries: list[Delivery]) -> Books:
    """Which delivery is current for each cell: the one modified last, the later arrival
    when modified at the same moment (``deliveries`` in the order they arrived) — the rule
    one run applies to the files it is given, so an audit of the current books loads what
    they say."""
    known = [delivery for delivery in deliveries if delivery.cells]
    decided = supersession([Holding(delivery.sha256, delivery.modified,
                                    dict.fromkeys(delivery.cells, 0)) for delivery in known])
    return Books(list(deliveries), {known[order].sha256: cells
                                    for order, cells in decided.dropped.items()})


def _holding_words(delivery: Delivery, held: list[str]) -> str:
    """账套 2023-01～2023-12（12 个期间）, or the register's name."""
    if delivery.kind == LEDGER:
        return f"账套 {periods_words(held)}"
    return REGISTER_WORDS.get(delivery.kind, delivery.kind)


def _delivery_words(delivery: Delivery) -> str:
    """青石镇_坳山村_2024.csv（2024-03-02 02:00 到达）."""
    arrived = delivery.arrived[:16].replace("T", " ") or "到达时间不详"
    return f"{delivery.file}（{arrived} 到达）"
