"""What a town's new part takes over from the part the town had before.

A correction to one village's books changes its town's files, so the town's part is made again
(:func:`flows.pipeline.prepare_town`). Most of it is what it was: the rules and signals look at
one village's books at a time, and most entries' features do not move. So the new part takes
over, from the town's previous part (made with the same parameters and code):

- the rule breaches and signals of each village whose lines are the same, line for line, in
  every column the rules read (:data:`checks.prepared.RULE_INPUT_COLUMNS`); only the other
  villages are checked again;
- the anomaly score of each entry whose content and features are all equal to its earlier
  ones, under the same model; only the others are scored by the forest again (after one
  deleted line, 1 to 32 % of a town's entries in the benchmarks: the town-wide counts of a
  摘要 or a payee, or a town median, move);
- the model's explanation of each flagged entry that the town's earlier report explained,
  whose features and content are the same, under the same model.

Each is exact: what is taken over is what computing it again would give (the tests check
each against parts made from nothing). The previous part is found by a pointer per town
(:func:`remember_town`), the previous report by one per town part and model
(:func:`remember_report`); each is a hint only: a missing or stale pointer means computing
everything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import suppress
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from checks.canonical import SCHEMA_ERROR_COLUMNS
from checks.params import AuditParams
from checks.prepared import RULE_INPUT_COLUMNS
from checks.rules import RULES, RuleEvaluation, evaluate_rules
from checks.signals import SIGNALS
from flows.ingest.identity import row_hashes
from flows.parts import part_exists, part_key, read_part, write_atomically

LATEST = "towns-latest"
LATEST_REPORT = "reports-latest"
_RULE_ORDER = {rule.id: number for number, rule in enumerate(RULES)}
_SIGNAL_ORDER = {signal.id: number for number, signal in enumerate(SIGNALS)}


def checked_parameters(params: AuditParams) -> dict:
    """The parameters the rules, signals and features read (all but the review's, the
    model's and the reading's: how files are read is in their own parts' keys)."""
    return params.model_dump(mode="json", exclude={"review", "model", "ingest"})


def _pointer(parts_dir: Path | str, town: str, params: AuditParams) -> Path:
    # part_key includes the code's fingerprint: new code never takes over older parts.
    return Path(parts_dir) / LATEST / part_key("latest-town", town, checked_parameters(params))


def remember_town(parts_dir: Path | str, town: str, params: AuditParams, key: str) -> None:
    """Point the town's pointer at its part ``key``, the newest one made."""
    _point(_pointer(parts_dir, town, params), key)


def _point(path: Path, key: str) -> None:
    # a pointer that cannot be written is left as it was: it is only a hint
    with suppress(OSError):
        write_atomically(path, key)


def _pointed(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):  # none yet, or unreadable: no hint
        return None


def _report_pointer(parts_dir: Path | str, town_key: str, model_version: str) -> Path:
    return Path(parts_dir) / LATEST_REPORT / part_key("latest-report", town_key, model_version)


def remember_report(parts_dir: Path | str, town_key: str, model_version: str, key: str
                    ) -> None:
    """Point the pointer of the town part ``town_key`` under the model at its newest report."""
    _point(_report_pointer(parts_dir, town_key, model_version), key)


def earlier_report(parts_dir: Path | str, town_keys: list[str | None], model_version: str,
                   frames: tuple[str, ...], *, folder: str, key: str) -> tuple[str, str] | None:
    """The newest report, other than ``key``, made under the model for the first of
    ``town_keys`` (the town's part, then its earlier part) that has one still in the store:
    (town part key, report key); else None."""
    for town_key in town_keys:
        if town_key is None:
            continue
        report = _pointed(_report_pointer(parts_dir, town_key, model_version))
        if report and report != key and part_exists(Path(parts_dir) / folder / report, frames):
            return town_key, report
    return None


def previous_town(parts_dir: Path | str, town: str, params: AuditParams, frames: tuple[str, ...],
                  *, folder: str, key: str) -> str | None:
    """The key of the town's newest earlier part, made with these parameters and code, if it
    is still complete in the store; else None."""
    earlier = _pointed(_pointer(parts_dir, town, params))
    if not earlier or earlier == key or not part_exists(Path(parts_dir) / folder / earlier,
                                                          frames):
        return None
    return earlier


def village_digests(entries: pd.DataFrame) -> pd.DataFrame:
    """Per village (in order of first appearance): a digest of its lines, in their order, over
    every column the rules read. Equal digests, equal breaches and signals."""
    hashes = row_hashes(entries[RULE_INPUT_COLUMNS])
    villages = entries["village"].to_numpy()
    codes, names = pd.factorize(villages)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
    digests = [hashlib.blake2b(hashes[order[start:end]].tobytes(), digest_size=16).hexdigest()
               for start, end in pairwise(bounds)]
    return pd.DataFrame({"village": pd.array(names, dtype="str"),
                         "digest": pd.array(digests, dtype="str")})


def town_evaluation(entries: pd.DataFrame, digests: pd.DataFrame, params: AuditParams,
                    earlier_dir: Path | str | None) -> tuple[RuleEvaluation, list[str]]:
    """The town's rule breaches and signals, in town order (:func:`in_town_order`), and the
    villages checked for them: those whose digest differs from the earlier part's (all of
    them without an earlier part); the other villages' rows are the earlier part's. The
    schema errors are those of the villages checked."""
    same: set[str] = set()
    if earlier_dir is not None:
        before = read_part(earlier_dir, "villages")
        merged = digests.merge(before, on="village", suffixes=("", "_before"))
        same = set(merged.loc[merged["digest"] == merged["digest_before"], "village"])
    checked = [village for village in digests["village"] if village not in same]
    if not same:
        evaluation = evaluate_rules(entries, params)
        return _ordered(evaluation, entries), checked
    kept = entries["village"].isin(same).to_numpy()
    kept_ids = entries["entry_id"][kept]
    frames = {name: [_rows_of(read_part(earlier_dir, name), kept_ids)]
              for name in ("breaches", "signals")}
    schema_errors = pd.DataFrame(columns=SCHEMA_ERROR_COLUMNS)
    if checked:
        fresh = evaluate_rules(entries[~kept], params)
        frames["breaches"].append(fresh.breaches)
        frames["signals"].append(fresh.signals)
        schema_errors = fresh.schema_errors
    evaluation = RuleEvaluation(
        breaches=pd.concat(frames["breaches"], ignore_index=True),
        signals=pd.concat(frames["signals"], ignore_index=True),
        schema_errors=schema_errors, rule_ids=tuple(rule.id for rule in RULES))
    return _ordered(evaluation, entries), checked


def _rows_of(frame: pd.DataFrame, entry_ids: pd.Series) -> pd.DataFrame:
    # Arrow's hash lookup: Series.isin of Arrow strings goes through Python objects
    kept = pc.is_in(pa.array(frame["entry_id"]), value_set=pa.array(entry_ids))
    return frame[kept.to_numpy(zero_copy_only=False)]


def _ordered(evaluation: RuleEvaluation, entries: pd.DataFrame) -> RuleEvaluation:
    position = pd.Index(entries["entry_id"])
    evaluation.breaches = in_town_order(evaluation.breaches, "rule_id", _RULE_ORDER, position)
    evaluation.signals = in_town_order(evaluation.signals, "signal_id", _SIGNAL_ORDER, position)
    return evaluation


def in_town_order(frame: pd.DataFrame, kind: str, order: dict[str, int], position: pd.Index
                  ) -> pd.DataFrame:
    """``frame``'s rows by rule (or signal) in catalogue order, then by the entry's place in
    the town: one order whether the rows were found together or taken over village by
    village."""
    rank = frame[kind].map(order).to_numpy(dtype=np.int64)
    place = position.get_indexer(frame["entry_id"])
    return frame.iloc[np.lexsort((place, rank))].reset_index(drop=True)


def anomaly_scores(forest, features: pd.DataFrame, entries: pd.DataFrame,
                   earlier: tuple[Path | str, Path | str] | None) -> tuple[np.ndarray, int]:
    """Each entry's anomaly score, and how many the forest scored: an entry unchanged since
    the earlier town part (:func:`unchanged_rows`; ``earlier``: that part's folder and the
    folder of its scores under the same model, in the part's order) keeps its earlier score,
    which is the forest's score of the same values."""
    if earlier is None:
        return forest.anomaly_scores(features), len(features)
    town_dir, scores_dir = earlier
    found = unchanged_rows(town_dir, entries, features)
    kept = found >= 0
    anomaly = np.empty(len(features), dtype=np.float64)
    anomaly[kept] = read_part(scores_dir, "scores", columns=["anomaly"])[
        "anomaly"].to_numpy(dtype=np.float64)[found[kept]]
    if not kept.all():
        anomaly[~kept] = forest.anomaly_scores(features[~kept])
    return anomaly, int((~kept).sum())


def explanations(rows: np.ndarray, entries: pd.DataFrame, features: pd.DataFrame,
                 explain: Callable[[np.ndarray], list[str]],
                 earlier: tuple[Path | str, Path | str] | None) -> tuple[list[str], int]:
    """The model's explanation of each entry at the positions ``rows``, and how many
    ``explain`` gave: an entry the earlier report explained (``earlier``: its folder and its
    town part's) and unchanged since that part (:func:`unchanged_rows`) keeps its text."""
    texts = np.empty(len(rows), dtype=object)
    redo = np.ones(len(rows), dtype=bool)
    if earlier is not None and len(rows):
        report_dir, town_dir = earlier
        said = read_part(report_dir, "explanations")
        ids = entries["entry_id"].iloc[rows]
        told = pd.Index(said["entry_id"]).get_indexer(ids)
        kept = (told >= 0) & (unchanged_rows(town_dir, entries.iloc[rows],
                                              features.iloc[rows]) >= 0)
        texts[kept] = said["text"].to_numpy(dtype=object)[told[kept]]
        redo = ~kept
    if redo.any():
        texts[redo] = explain(rows[redo])
    return texts.tolist(), int(redo.sum())


def unchanged_rows(town_dir: Path | str, entries: pd.DataFrame, features: pd.DataFrame
                   ) -> np.ndarray:
    """Per entry, its row in the town part in ``town_dir`` if it is there with the same
    content (``content_hash``) and every feature equal (NaN equal to NaN), else -1."""
    then = read_part(town_dir, "entries", columns=["entry_id", "content_hash"])
    found = pd.Index(then["entry_id"]).get_indexer(entries["entry_id"])
    at = np.maximum(found, 0)
    now = features.to_numpy(dtype=np.float64)
    before = read_part(town_dir, "features").to_numpy(dtype=np.float64)[at]
    same = ((found >= 0)
            & (then["content_hash"].to_numpy()[at] == entries["content_hash"].to_numpy())
            & ((now == before) | (np.isnan(now) & np.isnan(before))).all(axis=1))
    return np.where(same, found, -1)


__all__ = [
    "LATEST", "LATEST_REPORT", "anomaly_scores", "checked_parameters",
    "earlier_report", "explanations", "in_town_order", "previous_town", "remember_report",
    "remember_town", "town_evaluation", "unchanged_rows", "village_digests",
]
