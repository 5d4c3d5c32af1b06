"""Generate a county's village ledgers in all three export layouts (and, when asked, the vendor
styles of docs/reading-exports.md), with labelled cases."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from checks.entry_schema import ENTRY_COLUMNS
from data.generator.books import VillageYear, clean_vouchers
from data.generator.cases import (
    Case,
    Stage,
    inject_between,
    inject_stage,
    plan_between_cases,
    plan_cases,
)
from data.generator.cash import keep_cash_in_bounds
from data.generator.county import Village, build_county
from data.generator.exports import write_exports
from data.generator.holidays import festivals
from data.generator.journal import journal_lines, quarantined
from data.generator.labels import label_rows, write_labels
from data.generator.layouts.assignment import Export, export_of
from data.generator.layouts.vendor import as_written
from data.generator.misconduct_between import CountyBooks
from data.generator.posting import close_year, number_vouchers, sign_vouchers
from data.generator.register_exports import write_county_registers

DEFAULT_INJECTION_RATE = 0.2
UNSET_COLUMNS = ("entry_id", "content_hash", "extra")  # assigned by ingestion, empty here


@dataclass(frozen=True)
class GenerationResult:
    files: list[Path]
    labels_path: Path
    truth: pd.DataFrame  # canonical entries of every loadable line written, with its source
    n_lines: int  # journal lines written, quarantined ones included; no titles or subtotals
    register_files: list[Path] = field(default_factory=list)  # 合同/资产/资源台账, if written
    register_labels_path: Path | None = None


def generate_ledgers(
    out_dir: Path,
    *,
    villages: int = 6,
    years: tuple[int, ...] = (2023, 2024),
    seed: int = 7,
    inject: bool = True,
    lines_per_village_year: int = 400,
    injection_rate: float = DEFAULT_INJECTION_RATE,
    vendor: bool = False,
    registers: bool = True,
    extra_patterns: bool = False,
) -> GenerationResult:
    """Write ledgers of ``villages`` villages for ``years`` into ``out_dir``, with labels.csv.

    With ``inject``, each kind of case (misconduct pattern, rule breach, quarantine row) goes
    into ``injection_rate`` of the village-years where it fits, at least one. The same
    arguments give byte-identical files. With ``vendor``, some villages of each town are
    exported as the accounting software in use writes them (金蝶 export, import template, a small
    tool's CSV, printed vouchers; layouts/assignment.py says which). With ``registers``, each
    village's 合同台账, 资产台账 and 资源台账 are written beside its ledgers, agreeing with them
    (register_exports.py), with register misconduct injected and labelled in
    register_labels.csv when ``inject``; they never change a ledger byte. With
    ``extra_patterns`` (and ``inject``), the misconduct of misconduct_between.py, whose
    evidence lies between entries, is booked too, planned and drawn from random streams of its
    own: every other case stays where it was (the books around it gain its vouchers).
    """
    years = tuple(sorted(set(years)))
    for year in years:
        festivals(year)  # fails early, naming the supported years
    if not 0 < injection_rate <= 1:
        raise ValueError(f"injection_rate 应在 (0, 1] 之间，收到 {injection_rate}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    county = build_county(villages, seed)
    plan = plan_cases(county.villages, years, injection_rate, seed, vendor=vendor) if inject else {}
    between = (plan_between_cases(county.villages, years, injection_rate, seed, vendor=vendor)
               if inject and extra_patterns else {})
    county_books = CountyBooks(county.villages)
    slots: dict[tuple[int, int], pd.DataFrame] = {}
    cases: list[Case] = []
    for village in county.villages:
        export = export_of(village, vendor=vendor)
        books = _book_village(village, export, years, seed, lines_per_village_year, plan, cases,
                              between=between, county_books=county_books)
        for book in books:
            slots[village.index, book.year] = journal_lines([book])
    placed, files = write_exports(slots, county, years, out_dir, vendor=vendor)
    labels_path = write_labels(label_rows(placed, cases), out_dir)
    register_files, register_labels_path = (
        write_county_registers(county, placed, cases, years, seed, out_dir, inject=inject,
                               rate=injection_rate)
        if registers else ([], None)
    )
    return GenerationResult(
        files=files, labels_path=labels_path,
        truth=truth_entries(placed, county.villages, vendor=vendor), n_lines=len(placed),
        register_files=register_files, register_labels_path=register_labels_path,
    )


def _book_village(
    village: Village,
    export: Export,
    years: Sequence[int],
    seed: int,
    target_lines: int,
    plan: dict[tuple[int, int], list[str]],
    cases: list[Case],
    *,
    between: dict[tuple[int, int], list[str]],
    county_books: CountyBooks,
) -> list[VillageYear]:
    books: list[VillageYear] = []
    for year in years:
        book = VillageYear(
            village=village,
            year=year,
            rng=random.Random(f"{seed}/{village.org_code}/{year}"),
            export=export,
            previous=books[-1] if books else None,
        )
        keys = plan.get((village.index, year), [])
        book_cases: list[Case] = []
        clean_vouchers(book, target_lines)
        inject_stage(book, keys, Stage.BOOKED, book_cases)
        inject_between(book, between.get((village.index, year), []), county_books, seed,
                       book_cases)
        county_books.book_owed(book)
        keep_cash_in_bounds(book)
        close_year(book)
        number_vouchers(book.vouchers)
        sign_vouchers(book)
        inject_stage(book, keys, Stage.POSTED, book_cases)
        inject_stage(book, keys, Stage.EXPORTED, book_cases)
        book.previous = None
        books.append(book)
        cases.extend(book_cases)
    return books


def truth_entries(
    placed: pd.DataFrame, villages: Sequence[Village], *, vendor: bool = False
) -> pd.DataFrame:
    """The canonical entries ingestion should load: every written line except quarantined ones,
    with only what its file says (no 单位编码 where the layout has none; where 分录号 is not
    written, a line's number is its order among the lines of the same voucher number; vendor
    styles' lines as their files state them)."""
    truth = placed.loc[~quarantined(placed)].reset_index(drop=True)
    exports = [export_of(village, vendor=vendor) for village in villages]
    index = truth["village_index"]
    truth["org_code"] = truth["org_code"].where(
        index.map(lambda i: exports[i].has_org_code_column), ""
    )
    voucher = [truth[name] for name in ("village_index", "period", "voucher_word",
                                        "voucher_number")]
    by_order = truth.groupby(voucher).cumcount() + 1
    truth["line_no"] = truth["line_no"].where(
        index.map(lambda i: exports[i].has_line_number_column), by_order
    )
    if vendor:
        truth = as_written(truth, [exports[i].layout for i in index.tolist()])
    for name in UNSET_COLUMNS:
        truth[name] = pd.Series([""] * len(truth), dtype="str")
    return truth[ENTRY_COLUMNS]
