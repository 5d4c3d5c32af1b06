"""Prepare, per town: entry ids, rule breaches, signals and features (part "towns/<key>").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from checks.charts import charts_in_force
from checks.params import AuditParams
from checks.prepared import villages_on_other_charts
from flows.ingest import assign_entry_ids
from flows.parts import part_key, read_part
from flows.reuse import (
    checked_parameters,
    previous_town,
    remember_town,
    town_evaluation,
    village_digests,
)
from flows.runners import on_spare_core
from flows.stages.common import TOWNS
from flows.stages.ingest import FilePart
from models.features.entry import entry_features


@dataclass(frozen=True)
class TownPart:
    """One town's checked entries and features in the parts store, with their counts."""

    town: str
    key: str
    part_dir: str
    villages: list[str]
    n_entries: int
    periods: tuple[str, str]
    rule_counts: dict[str, int]
    signal_counts: dict[str, int]
    computed_in: str
    # The town's earlier part this one took unchanged villages' checks from (flows.reuse),
    # and the villages checked again when it was made (all of them without an earlier part).
    earlier: str | None
    villages_checked: tuple[str, ...]
    # villages whose codes are mostly not in the village chart: the chart's rules pass over them
    other_charts: tuple[str, ...] = ()


def town_key(town: str, files: list[FilePart], params: AuditParams) -> str:
    """The town's part key: its files' keys (with what later exports replace in them) and the
    parameters the checks and features read."""
    return part_key("town", town, [[part.key, part.superseded_in(town)] for part in files],
                    checked_parameters(params))


def prepare_town(
    town: str, files: list[FilePart], *, key: str, params: AuditParams, parts_dir: Path,
    run_id: str, alone: bool = False,
) -> TownPart:
    """The town's entries (with stable ids), rule breaches, signals and features. Villages
    whose lines are those of the town's earlier part keep its breaches and signals
    (:mod:`flows.reuse`). ``alone``: the only town being checked, so a core is spare and the
    rules run beside the features (:func:`flows.runners.on_spare_core`)."""
    entries = assign_entry_ids(pd.concat(
        [_kept_entries(part, town) for part in files], ignore_index=True))
    digests = village_digests(entries)
    earlier = previous_town(parts_dir, town, params, TOWNS.frames, folder=TOWNS.folder, key=key)
    with on_spare_core(alone, town_evaluation, entries, digests, params,
                       earlier and TOWNS.directory(parts_dir, earlier)) as checking:
        features = entry_features(entries, params)
        evaluation, checked = checking()
    part = TownPart(
        town=town, key=key, part_dir=str(TOWNS.directory(parts_dir, key)),
        villages=sorted(entries["village"].unique()),
        n_entries=len(entries),
        periods=(str(entries["period"].min()), str(entries["period"].max())),
        rule_counts=evaluation.rule_counts(), signal_counts=evaluation.signal_counts(),
        computed_in=run_id, earlier=earlier, villages_checked=tuple(checked),
        other_charts=tuple(village for _, village in
                           villages_on_other_charts(entries, params, charts_in_force(params))),
    )
    TOWNS.write(parts_dir, key, {"entries": entries, "features": features,
                                 "breaches": evaluation.breaches, "signals": evaluation.signals,
                                 "villages": digests},
                part)
    remember_town(parts_dir, town, params, key)
    return part


def _kept_entries(part: FilePart, town: str) -> pd.DataFrame:
    """The file's entries of ``town``, without the village-periods a later export replaces."""
    entries = read_part(part.part_dir, "entries", town=town)
    dropped = part.superseded_in(town)
    if not dropped:
        return entries
    pairs = pd.MultiIndex.from_frame(entries[["village", "period"]])
    return entries[~pairs.isin(dropped)].reset_index(drop=True)
