"""Which labelled cases go into which village-year, and the record of each case."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from data.generator.books import VillageYear
from data.generator.breaches import BOOKED, POSTED
from data.generator.county import Village
from data.generator.layouts.assignment import Export, export_of
from data.generator.misconduct import MISCONDUCT
from data.generator.misconduct_between import MISCONDUCT_BETWEEN, CountyBooks
from data.generator.quarantine import QUARANTINE


class Stage(StrEnum):
    """When an injection happens in a village-year's booking."""

    BOOKED = "booked"  # with the year's business, before cash, closing and numbering
    POSTED = "posted"  # on the closed, numbered and signed books
    EXPORTED = "exported"  # rows added to the export that ingestion must quarantine


@dataclass(frozen=True, slots=True)
class Injection:
    kind: str  # misconduct | breach | quarantine
    pattern: str
    rule_id: str
    stage: Stage
    inject: Callable[[VillageYear, str], str]


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    kind: str
    pattern: str
    rule_id: str
    village: str
    year: int
    description: str


INJECTIONS: dict[str, Injection] = {
    **{name: Injection("misconduct", name, "", Stage.BOOKED, inject)
       for name, inject in MISCONDUCT.items()},
    **{rule: Injection("breach", "breach", rule, Stage.BOOKED, inject)
       for rule, inject in BOOKED.items()},
    **{rule: Injection("breach", "breach", rule, Stage.POSTED, inject)
       for rule, inject in POSTED.items()},
    **{name: Injection("quarantine", name, "", Stage.EXPORTED, inject)
       for name, inject in QUARANTINE.items()},
}


def _eligible(key: str, export: Export, year: int, years: Sequence[int],
              later_siblings: int) -> bool:
    if key == "duplicate_claim":
        return year - 1 in years  # repeats a claim of the year before
    if key == "voucher.date_in_period":
        return export.has_period_column  # else the period is read from the date
    if key == "duties.segregation":
        return "reviewer" not in export.unwritten_fields  # else the file hides the reviewer
    if key == "cross_village_invoice":
        return later_siblings > 0  # pays the same bill in a village of the town booked later
    return True


def plan_cases(
    villages: Sequence[Village], years: Sequence[int], rate: float, seed: int, *,
    vendor: bool = False, keys: Iterable[str] = tuple(INJECTIONS), stream: str = "plan",
) -> dict[tuple[int, int], list[str]]:
    """Injection keys per (village index, year): for each of ``keys``, ``rate`` of the eligible
    village-years (at least one), chosen at random, but first one in each export layout so
    every reader meets every kind of case (with ``vendor``, the vendor styles count as layouts).
    ``stream`` names the random stream: another one plans other keys without moving these."""
    rng = random.Random(f"{stream}/{seed}")
    exports = {village.index: export_of(village, vendor=vendor) for village in villages}
    later = {village.index: sum(other.town.index == village.town.index
                                and other.index > village.index for other in villages)
             for village in villages}
    plan: dict[tuple[int, int], list[str]] = defaultdict(list)
    for key in keys:
        by_layout: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for village in villages:
            for year in years:
                export = exports[village.index]
                if _eligible(key, export, year, years, later[village.index]):
                    by_layout[export.layout].append((village.index, year))
        eligible = sorted(slot for slots in by_layout.values() for slot in slots)
        count = min(len(eligible), max(1, round(rate * len(eligible))))
        chosen = [rng.choice(by_layout[layout]) for layout in sorted(by_layout)][:count]
        rest = sorted(set(eligible) - set(chosen))
        chosen += rng.sample(rest, count - len(chosen))
        for slot in sorted(chosen):
            plan[slot].append(key)
    return plan


def inject_stage(book: VillageYear, keys: Sequence[str], stage: Stage, cases: list[Case]) -> None:
    """Inject this stage's planned cases into ``book``, appending their records to ``cases``."""
    for key in keys:
        injection = INJECTIONS[key]
        if injection.stage is not stage:
            continue
        case_id = f"{book.village.org_code}-{book.year}-{len(cases) + 1:02d}"
        cases.append(
            Case(
                case_id=case_id,
                kind=injection.kind,
                pattern=injection.pattern,
                rule_id=injection.rule_id,
                village=book.village.name,
                year=book.year,
                description=injection.inject(book, case_id),
            )
        )


def plan_between_cases(
    villages: Sequence[Village], years: Sequence[int], rate: float, seed: int, *,
    vendor: bool = False,
) -> dict[tuple[int, int], list[str]]:
    """:func:`plan_cases` for the patterns of :mod:`data.generator.misconduct_between`, from a
    random stream of their own: the other cases stay where they were."""
    return plan_cases(villages, years, rate, seed, vendor=vendor, keys=MISCONDUCT_BETWEEN,
                      stream="plan-between")


def inject_between(book: VillageYear, keys: Sequence[str], county: CountyBooks, seed: int,
                   cases: list[Case]) -> None:
    """Inject the planned patterns of :mod:`data.generator.misconduct_between` into ``book``,
    each drawing from a random stream of its own so the book's own stream (and with it every
    other case and the rest of the year) is not moved."""
    for key in keys:
        case_id = f"{book.village.org_code}-{book.year}-{len(cases) + 1:02d}"
        own_stream = book.rng
        book.rng = random.Random(f"{seed}/between/{book.village.org_code}/{book.year}/{key}")
        try:
            description = MISCONDUCT_BETWEEN[key](book, case_id, county)
        finally:
            book.rng = own_stream
        cases.append(Case(case_id=case_id, kind="misconduct", pattern=key, rule_id="",
                          village=book.village.name, year=book.year, description=description))
