"""Scorecards: per town, each village's indicators per year (part "scorecards/<key>"); for the
county, the cases counted from the store's decisions, the year-on-year changes and the
three-colour warning, written as scorecards.parquet and scorecards.xlsx and kept in the store.

A town's indicators come from its checked entries and, where its registers were checked, their
``village_contracts``; the part is keyed by both parts and the parameters the indicators read,
so an unchanged town is not recomputed. The colours are applied after the run's cases are
recorded, as they count the inspectors' decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from checks.charts import charts_in_force
from checks.params import AuditParams
from checks.prepared import named_charts, villages_on_other_charts
from flows.parts import parquet_writer, part_key, read_part
from flows.scorecard_sheets import write_scorecard_workbook
from flows.stages.common import PartKind
from flows.stages.prepare import TownPart
from flows.stages.registers import RegisterPart
from models.scorecard_status import coloured
from models.scorecards import (
    ENTRY_COLUMNS,
    case_counts,
    journal_indicators,
    ledger_lines,
    with_cases,
    with_changes,
    with_rents,
)

if TYPE_CHECKING:
    from review.db import Store

SCORECARDS = PartKind("scorecards", ("indicators",))


@dataclass(frozen=True)
class ScorecardPart:
    """One town's indicators per village and year."""

    town: str
    key: str
    part_dir: str
    n_rows: int
    computed_in: str


def scorecard_key(town: TownPart, registers: RegisterPart | None, params: AuditParams) -> str:
    """The part key: the town's checked entries and registers, and what the indicators read."""
    return part_key("scorecards", town.key, registers.key if registers else None,
                    params.scorecards.operating_income_excludes,
                    params.keywords.closing_markers, params.registers.for_town(
                        town.town).cadre_pay_terms,
                    params.model_dump(mode="json", include={"charts", "unit_charts"}))


def town_indicators(
    town: TownPart, registers: RegisterPart | None, *, key: str, params: AuditParams,
    parts_dir: Path, run_id: str,
) -> ScorecardPart:
    """Each village's indicators per year, from the town's entries (villages on another chart
    left out) and registers."""
    entries = read_part(town.part_dir, "entries", columns=ENTRY_COLUMNS)
    charts = charts_in_force(params)
    other = villages_on_other_charts(entries, params, charts)
    if other:
        entries = entries[~entries["village"].isin([village for _, village in other])]
    lines = ledger_lines(
        entries, charts, named_charts(entries["town"], entries["village"], params),
        closing_markers=params.keywords.closing_markers,
        cadre_pay_terms=params.registers.for_town(town.town).cadre_pay_terms)
    indicators = journal_indicators(
        lines, operating_income_excludes=params.scorecards.for_town(
            town.town).operating_income_excludes)
    contracts = read_part(registers.part_dir, "village_contracts") if registers else None
    indicators = with_rents(indicators, contracts)
    part = ScorecardPart(town=town.town, key=key,
                         part_dir=str(SCORECARDS.directory(parts_dir, key)),
                         n_rows=len(indicators), computed_in=run_id)
    SCORECARDS.write(parts_dir, key, {"indicators": indicators}, part)
    return part


def read_cases(store: Store, towns: list[str], county: str) -> pd.DataFrame:
    """The store's cases of ``towns`` with their status, for the scorecards' counts."""
    from review.scorecards_store import read_scorecard_cases

    return read_scorecard_cases(store, towns=towns, county=county)


def county_scorecards(parts: list[ScorecardPart], cases: pd.DataFrame, params: AuditParams
                      ) -> pd.DataFrame:
    """The county's scorecards: the towns' indicators with case counts, year-on-year
    changes and colours, by town, village and year."""
    frames = [read_part(part.part_dir, "indicators") for part in parts]
    if not frames:
        return pd.DataFrame()
    indicators = pd.concat(frames, ignore_index=True)
    counted = with_cases(indicators, case_counts(cases))
    return coloured(with_changes(counted), params.scorecards)


def write_scorecards(scorecards: pd.DataFrame, out_dir: Path, params: AuditParams
                     ) -> dict[str, Path]:
    """scorecards.parquet and scorecards.xlsx in ``out_dir`` (nothing without scorecards)."""
    if scorecards.empty:
        return {}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "scorecards.parquet"
    table = pa.Table.from_pandas(scorecards, preserve_index=False).replace_schema_metadata(None)
    with parquet_writer(path, table) as writer:
        writer.write_table(table)
    return {"scorecards": path,
            "scorecards_xlsx": write_scorecard_workbook(out_dir / "scorecards.xlsx", scorecards,
                                                        params.scorecards)}


def record_scorecards(store: Store, run_id: str, scorecards: pd.DataFrame) -> None:
    """Keep the run's scorecards in the review store."""
    from review.scorecards_store import store_scorecards

    store_scorecards(store, run_id=run_id, scorecards=scorecards)


def scorecard_record(scorecards: pd.DataFrame) -> dict[str, Any]:
    """What run.json says of the scorecards: villages per colour in each year."""
    if scorecards.empty:
        return {}
    counts = scorecards.groupby(["year", "status"]).size()
    return {str(year): {str(status): int(count) for (_, status), count in by_year.items()}
            for year, by_year in counts.groupby(level="year")}


def assess_county(store: Store, parts: list[ScorecardPart], params: AuditParams, run_id: str,
                  out_dir: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """After the run's cases are recorded: the county's scorecards written beside the run's
    outputs and kept in the store; what run.json says of them and the files written."""
    cases = read_cases(store, sorted(part.town for part in parts), params.county)
    scorecards = county_scorecards(parts, cases, params)
    written = write_scorecards(scorecards, out_dir, params)
    record_scorecards(store, run_id, scorecards)
    return scorecard_record(scorecards), {name: str(path) for name, path in written.items()}
