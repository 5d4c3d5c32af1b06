"""Rank, for the county: inspectors' decisions and one ranking within the review budget; every
rule breach flagged whatever the budget (part "marks/<key>" keeps the entries decisions touch).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from checks.params import AuditParams
from flows.parts import ReadAhead, part_key, read_part, read_table
from flows.stages.common import PartKind
from flows.stages.prepare import TownPart
from flows.stages.score import ScorePart
from models.feedback import TWIN_FIELDS, disposition_marks, marked_risk
from models.ranking import flag_within_budget


def rank_county(
    towns: list[TownPart], scores: list[ScorePart], params: AuditParams,
    dispositions: pd.DataFrame | None, *, parts_dir: Path, prefetched: ReadAhead | None = None,
) -> dict[str, pd.DataFrame]:
    """The county's decisions, per town: every entry breaking a stated rule, the entries the
    model and signals raise within the review budget, and those whose risk inspectors' past
    decisions changed — ``position`` (row in the town part), entry_id,
    risk (after decisions), rank (0 = not flagged) and the decision's note. Every other entry
    keeps the risk its town scored.

    Only entries that could be flagged (risk ≥ ``review.min_risk``) are held for the county,
    one town read at a time (only their ids and villages leave Arrow), so memory does not
    grow with the county. Which entries past decisions touch is kept per town and set of
    decisions (:func:`decision_marks`), so a rerun with the same decisions reads no town's
    entries. Towns whose candidates ``prefetched`` holds (:func:`prefetch_candidates`, by
    town) are not read again."""
    decided = decisions_digest(dispositions)
    kept = []
    for town, score in zip(towns, scores, strict=True):
        frame = prefetched.take(town.town) if prefetched else None
        kept.append(town_candidates(town, score, params, dispositions, decided,
                                    parts_dir=parts_dir) if frame is None else frame)
    if not kept:
        return {}
    county = pd.concat(kept, ignore_index=True)
    order = flag_within_budget(county[["risk", "anomaly", "village", "entry_id", "breach"]],
                               sum(town.n_entries for town in towns), params.review)
    rank = np.zeros(len(county), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    county["rank"] = rank
    county = county[(county["rank"] > 0) | (county["note"] != "")]
    dropped = ["town", "village", "anomaly", "breach"]
    decisions = {name: group.drop(columns=dropped).reset_index(drop=True)
                 for name, group in county.groupby("town", sort=False)}
    empty = county.iloc[:0].drop(columns=dropped)
    return {town.town: decisions.get(town.town, empty) for town in towns}


def town_candidates(
    town: TownPart, score: ScorePart, params: AuditParams, dispositions: pd.DataFrame | None,
    decided: str, *, parts_dir: Path,
) -> pd.DataFrame:
    """The town's entries that could be flagged, or whose risk past decisions (``decided``:
    their :func:`decisions_digest`) changed, for :func:`rank_county`."""
    table = read_table(Path(score.part_dir) / "scores.parquet",
                       columns=["entry_id", "village", "anomaly", "risk", "breach"])
    risk = table.column("risk").to_numpy().astype(np.float64)
    breach = table.column("breach").to_numpy(zero_copy_only=False).astype(bool)
    notes = np.full(len(risk), "", dtype=object)
    if decided:
        risk, notes = marked_risk(risk, decision_marks(town, dispositions, decided,
                                                       parts_dir=parts_dir))
    risk = np.round(risk, 6)
    chosen = np.flatnonzero((risk >= params.review.min_risk) | (notes != "") | breach)
    taken = table.take(chosen)
    villages = taken.column("village")
    # made by Arrow and converted once: pandas took longer to build the frame than to read it
    return pa.table({
        "town": pa.DictionaryArray.from_arrays(np.zeros(len(chosen), dtype=np.int32),
                                               pa.array([town.town])).cast(pa.string()),
        "position": chosen, "entry_id": taken.column("entry_id"),
        "village": pc.binary_join_element_wise(pa.scalar(town.town, villages.type), villages,
                                               pa.scalar("/", villages.type)),
        "anomaly": taken.column("anomaly"), "risk": risk[chosen],
        "note": pa.array(notes[chosen], pa.string()), "breach": breach[chosen],
    }).to_pandas()


def prefetch_candidates(
    pairs: Iterable[tuple[TownPart, ScorePart]], params: AuditParams,
    dispositions: pd.DataFrame | None, *, parts_dir: Path,
) -> ReadAhead:
    """Start working out the candidates of towns whose scores are made (in the background),
    for :func:`rank_county`."""
    decided = decisions_digest(dispositions)
    by_town = {town.town: (town, score) for town, score in pairs}
    return ReadAhead(lambda name: town_candidates(*by_town[name], params, dispositions, decided,
                                                  parts_dir=parts_dir), list(by_town))


MARKED = PartKind("marks", ("marks",))


def decisions_digest(dispositions: pd.DataFrame | None) -> str:
    """A digest of inspectors' decisions as the model learns from them, in any row order;
    "" when there are none."""
    if dispositions is None or dispositions.empty:
        return ""
    rows = pd.util.hash_pandas_object(dispositions.astype("str"), index=False).to_numpy()
    digest = hashlib.sha256(",".join(dispositions.columns).encode())
    digest.update(np.sort(rows).tobytes())
    return digest.hexdigest()


def decision_marks(town: TownPart, dispositions: pd.DataFrame, decided: str, *,
                   parts_dir: Path) -> pd.DataFrame:
    """The town's entries that the decisions (digest ``decided``) touch, from the parts store
    or worked out from the town's entries and kept there."""
    key = part_key("marks", town.key, decided)
    if MARKED.summary(parts_dir, key) is None:
        twins = read_part(town.part_dir, "entries", columns=["entry_id", "content_hash",
                                                              *TWIN_FIELDS])
        marks = disposition_marks(twins, dispositions)
        MARKED.write(parts_dir, key, {"marks": marks}, len(marks))
    return read_part(MARKED.directory(parts_dir, key), "marks")


def town_ranking(
    score: ScorePart, decisions: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Risk, rank (0 = not flagged) and decision note of every entry of the town, from its
    scores and the county's decisions."""
    risk = np.round(read_part(score.part_dir, "scores", columns=["risk"])["risk"].to_numpy(), 6)
    rank = np.zeros(len(risk), dtype=np.int64)
    notes = np.full(len(risk), "", dtype=object)
    positions = decisions["position"].to_numpy()
    risk[positions] = decisions["risk"].to_numpy()
    rank[positions] = decisions["rank"].to_numpy()
    notes[positions] = decisions["note"].to_numpy(dtype=object)
    return risk, rank, notes
