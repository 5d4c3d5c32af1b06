"""Prepare, per town: entry ids, rule breaches, signals, features and the relations between
entries some features rest on (part "towns/<key>").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from checks.charts import charts_in_force
from checks.params import AuditParams
from checks.prepared import villages_on_other_charts
from checks.rules import RULES, evaluate_rules
from checks.signals import SIGNALS
from flows.ingest import assign_entry_ids
from flows.parts import part_key, read_part
from flows.stages.common import TOWNS
from flows.stages.ingest import FilePart
from models.features.entry import features_and_relations

_RULE_ORDER = {rule.id: number for number, rule in enumerate(RULES)}
_SIGNAL_ORDER = {signal.id: number for number, signal in enumerate(SIGNALS)}


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
    # villages whose codes are mostly not in the village chart: the chart's rules pass over them
    other_charts: tuple[str, ...] = ()


def checked_parameters(params: AuditParams) -> dict:
    """The parameters the rules, signals and features read (all but the review's, the
    model's and the reading's: how files are read is in their own parts' keys)."""
    return params.model_dump(mode="json", exclude={"review", "model", "ingest"})


def town_key(town: str, files: list[FilePart], params: AuditParams) -> str:
    """The town's part key: its files' keys (with what later exports replace in them) and the
    parameters the checks and features read."""
    return part_key("town", town, [[part.key, part.superseded_in(town)] for part in files],
                    checked_parameters(params))


def prepare_town(
    town: str, files: list[FilePart], *, key: str, params: AuditParams, parts_dir: Path,
    run_id: str,
) -> TownPart:
    """The town's entries (with stable ids), rule breaches, signals, features and relations
    (:func:`models.features.entry.features_and_relations`)."""
    entries = assign_entry_ids(pd.concat(
        [_kept_entries(part, town) for part in files], ignore_index=True))
    evaluation = evaluate_rules(entries, params)
    position = pd.Index(entries["entry_id"])
    breaches = _in_town_order(evaluation.breaches, "rule_id", _RULE_ORDER, position)
    signals = _in_town_order(evaluation.signals, "signal_id", _SIGNAL_ORDER, position)
    part = TownPart(
        town=town, key=key, part_dir=str(TOWNS.directory(parts_dir, key)),
        villages=sorted(entries["village"].unique()),
        n_entries=len(entries),
        periods=(str(entries["period"].min()), str(entries["period"].max())),
        rule_counts=evaluation.rule_counts(), signal_counts=evaluation.signal_counts(),
        computed_in=run_id,
        other_charts=tuple(village for _, village in
                           villages_on_other_charts(entries, params, charts_in_force(params))),
    )
    features, relations = features_and_relations(entries, params)
    TOWNS.write(parts_dir, key, {"entries": entries, "features": features,
                                 "relations": relations, "breaches": breaches,
                                 "signals": signals}, part)
    return part


def _in_town_order(frame: pd.DataFrame, kind: str, order: dict[str, int], position: pd.Index
                   ) -> pd.DataFrame:
    """``frame``'s rows by rule (or signal) in catalogue order, then by the entry's place in
    the town: one order, whatever order the checks found them in."""
    rank = frame[kind].map(order).to_numpy(dtype=np.int64)
    place = position.get_indexer(frame["entry_id"])
    return frame.iloc[np.lexsort((place, rank))].reset_index(drop=True)


def _kept_entries(part: FilePart, town: str) -> pd.DataFrame:
    """The file's entries of ``town``, without the village-periods a later export replaces."""
    entries = read_part(part.part_dir, "entries", town=town)
    dropped = part.superseded_in(town)
    if not dropped:
        return entries
    pairs = pd.MultiIndex.from_frame(entries[["village", "period"]])
    return entries[~pairs.isin(dropped)].reset_index(drop=True)
