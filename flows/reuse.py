"""What a town's new part takes over from the part the town had before.

A correction to one village's books changes its town's files, so the town's part is made again
(:func:`flows.pipeline.prepare_town`). Most of it is what it was: the rules and signals look at
one village's books at a time, and most entries' features do not move. So the new part takes
over, from the town's previous part (made with the same parameters and code):

- the rule breaches and signals of each village whose lines are the same, line for line, in
  every column the rules read (:data:`checks.prepared.RULE_INPUT_COLUMNS`); only the other
  villages are checked again;
- the anomaly score of each entry whose features are all equal to its earlier ones, under the
  same model; only the others are scored by the forest again (after one deleted line, about
  a tenth of a town's entries: the town-wide counts of a 摘要 or a payee move);
- the model's explanation of each flagged entry that the town's earlier report explained,
  whose features and content are the same, under the same model.

Either is exact: what is taken over is what computing it again would give (the tests check
both against a part made from nothing). The previous part is found by a pointer per town
(:func:`remember_town`), the previous report by one per town part and model
(:func:`remember_report`); each is a hint only: a missing or stale pointer means computing
everything.
"""

from __future__ import annotations

import hashlib
import uuid
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
from flows.parts import part_exists, part_key, read_part

LATEST = "towns-latest"
LATEST_REPORT = "reports-latest"
VILLAGE_COLUMNS = ["village", "digest"]
_RULE_ORDER = {rule.id: number for number, rule in enumerate(RULES)}
_SIGNAL_ORDER = {signal.id: number for number, signal in enumerate(SIGNALS)}


def checked_parameters(params: AuditParams) -> dict:
    """The parameters the rules, signals and features read (all but the review's and the
    model's)."""
    return params.model_dump(mode="json", exclude={"review", "model"})


def _pointer(parts_dir: Path | str, town: str, params: AuditParams) -> Path:
    # part_key includes the code's fingerprint: new code never takes over older parts.
    return Path(parts_dir) / LATEST / part_key("latest-town", town, checked_parameters(params))


def remember_town(parts_dir: Path | str, town: str, params: AuditParams, key: str) -> None:
    """Point the town's pointer at its part ``key``, the newest one made."""
    _point(_pointer(parts_dir, town, params), key)


def _point(path: Path, key: str) -> None:
    # Written whole (a temporary file of its own renamed over it); not synced, and a pointer
    # that cannot be written is left as it was: it is only a hint.
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(key, encoding="ascii")
        temporary.replace(path)
    except OSError:
        with suppress(OSError):
            temporary.unlink()


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


def anomaly_scores(forest, features: pd.DataFrame, entry_ids: pd.Series,
                   earlier: tuple[Path | str, Path | str] | None) -> tuple[np.ndarray, int]:
    """Each entry's anomaly score, and how many the forest scored: an entry whose features
    all equal those it had in the earlier town part (``earlier``: that part's folder and the
    folder of its scores under the same model; NaN equals NaN) keeps its earlier score, which
    is the forest's score of those same values."""
    if earlier is None:
        return forest.anomaly_scores(features), len(features)
    town_dir, scores_dir = earlier
    before = read_part(town_dir, "features")
    before_ids = read_part(town_dir, "entries", columns=["entry_id"])["entry_id"]
    scored = read_part(scores_dir, "scores", columns=["entry_id", "anomaly"])
    if list(before.columns) != list(features.columns) or not scored["entry_id"].equals(
            before_ids):
        return forest.anomaly_scores(features), len(features)
    found = pd.Index(before_ids).get_indexer(entry_ids)
    same = (found >= 0) & _equal_rows(features.to_numpy(dtype=np.float64),
                                      before.to_numpy(dtype=np.float64)[np.maximum(found, 0)])
    anomaly = np.empty(len(features), dtype=np.float64)
    anomaly[same] = scored["anomaly"].to_numpy(dtype=np.float64)[found[same]]
    redo = ~same
    if redo.any():
        anomaly[redo] = forest.anomaly_scores(features[redo])
    return anomaly, int(redo.sum())


def _equal_rows(now: np.ndarray, then: np.ndarray) -> np.ndarray:
    """Per row, whether every value equals the other's (NaN equal to NaN)."""
    return ((now == then) | (np.isnan(now) & np.isnan(then))).all(axis=1)


def explanations(rows: np.ndarray, entries: pd.DataFrame, features: pd.DataFrame,
                 explain: Callable[[np.ndarray], list[str]],
                 earlier: tuple[Path | str, Path | str] | None) -> list[str]:
    """The model's explanation of each entry at the positions ``rows``: the earlier report's
    (``earlier``: its folder and its town part's) for an entry it explained whose content
    (``content_hash``) and features are the same; ``explain`` of the others."""
    texts = np.empty(len(rows), dtype=object)
    redo = np.ones(len(rows), dtype=bool)
    if earlier is not None and len(rows):
        report_dir, town_dir = earlier
        said = read_part(report_dir, "explanations")
        then = read_part(town_dir, "entries", columns=["entry_id", "content_hash"])
        ids = entries["entry_id"].iloc[rows]
        found = pd.Index(then["entry_id"]).get_indexer(ids)
        told = pd.Index(said["entry_id"]).get_indexer(ids)
        known = np.flatnonzero((found >= 0) & (told >= 0))
        same = (then["content_hash"].to_numpy()[found[known]]
                == entries["content_hash"].to_numpy()[rows[known]])
        same &= _equal_rows(
            features.iloc[rows[known]].to_numpy(dtype=np.float64),
            read_part(town_dir, "features").iloc[found[known]].to_numpy(dtype=np.float64))
        kept = known[same]
        texts[kept] = said["text"].to_numpy(dtype=object)[told[kept]]
        redo[kept] = False
    if redo.any():
        texts[redo] = explain(rows[redo])
    return texts.tolist()


__all__ = [
    "LATEST", "LATEST_REPORT", "VILLAGE_COLUMNS", "anomaly_scores", "checked_parameters",
    "earlier_report", "explanations", "in_town_order", "previous_town", "remember_report",
    "remember_town", "town_evaluation", "village_digests",
]
