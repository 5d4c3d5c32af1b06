"""The audit's stages as plain functions, so they are tested without Prefect.

A county is audited town by town (a town's villages share the peer statistics the features
compare against; no rule, feature or voucher crosses a town), so memory follows the largest
town, not the county, and a correction redoes only its own town:

    per file    ingest_file      export → canonical entries (part "files/<key>"); small
                                 files are read in batches (ingest_batches, ingest_files)
    per town    prepare_town     entry ids, rule breaches, signals, features ("towns/<key>")
    county      obtain_model     the isolation forest, fitted on a sample of all towns
    per town    score_town       anomaly score, its percentile, risk ("scores/<key>")
    county      rank_county      inspectors' decisions, one ranking within the review budget;
                                 the entries decisions touch are kept per town ("marks/<key>")
    per town    report_town      reasons for flagged entries, the town's share ("reports/<key>")
    county      write_entries,   entries.parquet; findings and quarantine (FORMATS.md §4),
                write_sheets,    from each town's rows of them ("sheets/<key>"); the run's
                record_findings  digest in the review store (ranked_digest): side by side, as
                                 none needs another's output; each sets the county's ranks
                                 into what it reads of the towns' reports

A town made again after a correction takes its unchanged villages' rule breaches and signals,
its unchanged entries' anomaly scores and the model's explanations of its unchanged flagged
entries from the town's previous part and report (:mod:`flows.reuse`).

Per-file and per-town results are parts on disk (:mod:`flows.parts`) named by keys that hash
what they depend on, each with the summary its stage returned; :mod:`flows.audit` wires these
functions into a Prefect flow that runs a task only for a key whose part is not there yet.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from checks.charts import charts_in_force
from checks.entry_schema import empty_entries
from checks.params import AuditParams
from checks.prepared import villages_on_other_charts
from checks.rules import RULES
from flows.cases import (
    CASE_LINKS,
    FINDING_TITLES,
    cases_table,
    county_cases,
    write_findings_parquet,
)
from flows.ingest import (
    ImportProfile,
    LedgerFileError,
    ReadOptions,
    assign_entry_ids,
    read_ledger_file,
)
from flows.outputs import (
    QUARANTINE_COLUMNS,
    SHEET_FRAMES,
    entries_table,
    sheet_rows,
    voucher_lines,
    write_findings,
    write_quarantine,
)
from flows.parquet_copy import SchemaMismatch, StackedParquetWriter
from flows.parts import (
    ReadAhead,
    parquet_writer,
    part_exists,
    part_key,
    part_summary,
    read_ahead_tables,
    read_part,
    read_parts,
    read_table,
    write_part,
)
from flows.reading import problem_files
from flows.reuse import (
    anomaly_scores,
    checked_parameters,
    earlier_report,
    explanations,
    previous_town,
    remember_report,
    remember_town,
    town_evaluation,
    village_digests,
)
from flows.runners import on_spare_core
from flows.supersede import Holding, supersession
from models.cases import town_cases
from models.evidence import EVIDENCE_FROM, EVIDENCE_FULL, evidence_strength, surprisal
from models.features.entry import entry_features
from models.feedback import TWIN_FIELDS, disposition_marks, marked_risk
from models.forest import LedgerForest
from models.ranking import (
    combined_risk,
    flag_within_budget,
    ranked_columns,
    source_strengths,
)
from models.scoring import explainer, obtain_forest, saved_forest
from review.digest import DIGEST_FRAMES, RunDigest, combine_digests, digest_entries

LEDGER_SUFFIXES = {".csv", ".xlsx", ".xls"}
# Files that travel with exports but are not ledgers (the generator's answer key, notes).
NOT_LEDGERS = {"labels.csv"}
SEVERITY_WEIGHTS = {"high": 1.0, "medium": 0.75, "low": 0.5}
RULE_WEIGHTS = {rule.id: SEVERITY_WEIGHTS[rule.severity] for rule in RULES}
SCORE_COLUMNS = ["entry_id", "village", "anomaly", "percentile", "risk", "breach"]
BATCH_BYTES = 8 << 20  # the files one ingest task reads: about 50,000 lines of CSV


@dataclass(frozen=True)
class PartKind:
    """A kind of part: its folder in the parts store and the frames each part holds."""

    folder: str
    frames: tuple[str, ...]

    def directory(self, parts_dir: Path | str, key: str) -> Path:
        return Path(parts_dir) / self.folder / key

    def summary(self, parts_dir: Path | str, key: str) -> Any | None:
        """What the stage returned when it made the part under ``key``; None if it must run."""
        return part_summary(self.directory(parts_dir, key), self.frames)

    def write(self, parts_dir: Path | str, key: str, frames: dict[str, Any], summary: Any
              ) -> None:
        """Write the part unless a complete one is there (another worker made it first)."""
        directory = self.directory(parts_dir, key)
        if not part_exists(directory, self.frames):
            write_part(directory, frames, summary)


FILES = PartKind("files", ("entries", "quarantine"))
TOWNS = PartKind("towns", ("entries", "features", "breaches", "signals", "villages"))
SCORES = PartKind("scores", ("scores",))
# REPORTS is beside report_town.


@dataclass
class Timings:
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(
                self.seconds.get(name, 0.0) + time.perf_counter() - started, 3
            )


def find_ledger_files(inputs: Iterable[str | Path]) -> list[Path]:
    """Input paths expanded: a folder stands for the ledger files in it and its sub-folders."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files.extend(
                sorted(
                    candidate
                    for candidate in path.rglob("*")
                    if candidate.is_file()
                    and candidate.suffix.lower() in LEDGER_SUFFIXES
                    and candidate.name not in NOT_LEDGERS
                    and not candidate.name.startswith(("~$", "."))
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"输入路径不存在：{path}")
    return files


# --- per file -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilePart:
    """One export read: its report, the towns and villages in it, where its entries are.

    ``cells`` counts its rows per (town, village, period); ``superseded`` are the cells whose
    rows a later export of the same books replaces in this run (:mod:`flows.supersede`).
    """

    file: str
    key: str
    report: dict[str, Any]
    towns: dict[str, list[str]]
    part_dir: str | None
    computed_in: str
    cells: dict[tuple[str, str, str], int] = field(default_factory=dict)
    superseded: tuple[tuple[str, str, str], ...] = ()

    @property
    def readable(self) -> bool:
        return not self.report.get("error")

    def superseded_in(self, town: str) -> list[tuple[str, str]]:
        """The (village, period) pairs of ``town`` this file gives up to a later export."""
        return [(village, period) for cell_town, village, period in self.superseded
                if cell_town == town]


def with_profile_chart(params: AuditParams, profile: ImportProfile | None,
                       files: list[FilePart]) -> AuditParams:
    """The parameters with the chart the user's profile names (``chart``) for every unit its
    files hold, where ``unit_charts`` names none."""
    if profile is None or profile.chart is None:
        return params
    named = {f"{town}/{village}": profile.chart for part in files
             for town, villages in part.towns.items() for village in villages
             if not params.unit_chart(town, village)}
    if not named:
        return params
    return params.model_copy(update={"unit_charts": {**params.unit_charts, **named}})


def ingest_key(path: Path, digest: str, options: ReadOptions) -> str:
    """The file's part key: its bytes, its name (entries carry it) and how it is read."""
    return part_key("file", digest, Path(path).name, options.key())


def ingest_file(
    path: Path, *, key: str, options: ReadOptions, parts_dir: Path, run_id: str
) -> FilePart:
    """Read one export into the parts store; a file that cannot be read becomes a report
    with its error. OS errors are raised so the caller can retry them; a malformed file is
    not retried."""
    path = Path(path)
    try:
        load = read_ledger_file(path, options=options)
    except LedgerFileError as error:
        return FilePart(path.name, key, {"file": path.name, "path": str(path), "error": str(error)},
                        {}, None, run_id)
    cells = _row_counts(load.entries, ["town", "village", "period"])
    towns: dict[str, list[str]] = {}
    for town, village, _ in sorted(cells):
        if village not in towns.setdefault(town, []):
            towns[town].append(village)
    part = FilePart(path.name, key, load.report.to_dict(), towns,
                    str(FILES.directory(parts_dir, key)), run_id, cells=cells)
    FILES.write(parts_dir, key, {"entries": load.entries, "quarantine": load.quarantine}, part)
    return part


def _row_counts(entries: pd.DataFrame, columns: list[str]) -> dict[tuple[str, ...], int]:
    """How many rows hold each combination of ``columns``' values (by their codes, not a
    groupby: a county's files are read one by one, and a groupby's fixed cost adds up)."""
    combined = np.zeros(len(entries), dtype=np.int64)
    labels = []
    for column in columns:
        codes, uniques = pd.factorize(entries[column])
        combined = combined * len(uniques) + codes
        labels.append(list(uniques))
    found, counts = np.unique(combined, return_counts=True)
    result: dict[tuple[str, ...], int] = {}
    for code, count in zip(found.tolist(), counts.tolist(), strict=True):
        values = []
        for names in reversed(labels):
            code, position = divmod(code, len(names))
            values.append(names[position])
        result[tuple(reversed(values))] = count
    return result


def ingest_files(
    files: list[tuple[Path, str]], *, options: ReadOptions, parts_dir: Path, run_id: str
) -> list[FilePart]:
    """:func:`ingest_file` for each (path, key) of a batch, in order."""
    return [ingest_file(path, key=key, options=options, parts_dir=parts_dir, run_id=run_id)
            for path, key in files]


def ingest_batches(
    files: list[tuple[Path, str]], batch_bytes: int = BATCH_BYTES
) -> list[list[tuple[Path, str]]]:
    """(path, key) pairs grouped for reading, largest first: a file of ``batch_bytes`` or more
    alone, smaller ones together up to about that size. A county sends hundreds of village
    files of a few thousand lines; one task each would cost more to orchestrate than to read.
    """
    sizes = {path: Path(path).stat().st_size for path, _ in files}
    batches: list[list[tuple[Path, str]]] = []
    filling: list[tuple[Path, str]] = []
    filled = 0
    for path, key in sorted(files, key=lambda item: sizes[item[0]], reverse=True):
        filling.append((path, key))
        filled += sizes[path]
        if filled >= batch_bytes:
            batches.append(filling)
            filling, filled = [], 0
    return [*batches, filling] if filling else batches


def supersede_files(files: list[FilePart]) -> list[FilePart]:
    """The files with the village-periods a later export of the same books replaces marked
    as superseded, and their reports saying so (:mod:`flows.supersede`)."""
    readable = [part for part in files if part.readable]
    holdings = [Holding(part.file, part.report.get("modified", ""), part.cells)
                for part in readable]
    decided = supersession(holdings)
    if not decided.dropped:
        return files
    marked = {id(part): replace(part, superseded=decided.cells_of(order),
                                report=decided.report_of(order, holding, part.report))
              for order, (part, holding) in enumerate(zip(readable, holdings, strict=True))}
    return [marked.get(id(part), part) for part in files]


def files_by_town(files: list[FilePart]) -> dict[str, list[FilePart]]:
    """Each town's files, in input order (a town file and a village file may both hold it)."""
    towns: dict[str, list[FilePart]] = {}
    for part in files:
        for town in part.towns:
            towns.setdefault(town, []).append(part)
    return dict(sorted(towns.items()))


def run_quarantine(files: list[FilePart]) -> pd.DataFrame:
    """Every readable file's quarantined rows, in input order. A file whose report counts none
    is not read (most of a county's files: a city's run read 95 empty frames)."""
    frames = [read_part(part.part_dir, "quarantine") for part in files
              if part.part_dir and part.report.get("quarantined") != 0]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype="str") for name in QUARANTINE_COLUMNS}
                            ).astype({"source_row": "int64"})
    return pd.concat(frames, ignore_index=True)


# --- per town: entries, checks, features -------------------------------------------------------


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


# --- county: the model ------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelPart:
    """The fitted (or reused) forest, saved where every worker can load it."""

    path: str
    version: str
    record: dict[str, Any]


def training_sample(towns: list[TownPart], params: AuditParams) -> pd.DataFrame:
    """Up to ``model.training_rows`` entries' features, each town in proportion to its size.

    The forest draws ``max_samples`` rows per tree, so a sample fits as well as the county
    while the county's features never have to be in memory together. Deterministic: the
    same towns and parameters give the same sample, hence the same model.
    """
    total = sum(town.n_entries for town in towns)
    share = min(1.0, params.model.training_rows / max(total, 1))
    frames = []
    for number, town in enumerate(towns):
        features = read_part(town.part_dir, "features")
        wanted = math.ceil(len(features) * share)
        if wanted < len(features):
            rng = np.random.default_rng([params.model.seed, number])
            features = features.iloc[np.sort(rng.choice(len(features), wanted, replace=False))]
        frames.append(features)
    return pd.concat(frames, ignore_index=True)


def obtain_model(
    towns: list[TownPart], params: AuditParams, *, model_dir: Path
) -> ModelPart | None:
    """Fit the forest on a sample of every town (or reuse the saved one, when asked); it is
    saved in ``model_dir``, where every worker loads it from."""
    if not towns:
        return None
    period = (min(town.periods[0] for town in towns), max(town.periods[1] for town in towns))
    forest, obtained = obtain_forest(
        lambda: training_sample(towns, params), period, params, model_dir,
        reuse=params.model.reuse)
    record = forest.metadata() | obtained | {
        "pooled_across_towns": True,
        "county_entries": sum(town.n_entries for town in towns),
        "evidence": {"from": EVIDENCE_FROM, "full": EVIDENCE_FULL},
    }
    return ModelPart(obtained["file"], forest.version, record)


def load_model(path: str) -> LedgerForest:
    """The forest at ``path``, loaded once per process (:func:`models.scoring.saved_forest`;
    the worker processes start with the county's current one loaded, see
    :mod:`flows.preload`)."""
    return saved_forest(path)


# --- per town: scores -------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorePart:
    town: str
    key: str
    part_dir: str
    computed_in: str
    n_scored: int  # entries the forest scored (the others kept their earlier scores)


def score_key(town: TownPart, model: ModelPart) -> str:
    return part_key("scores", town.key, model.version)


def score_town(
    town: TownPart, *, key: str, model: ModelPart, parts_dir: Path, run_id: str,
    alone: bool = False,
) -> ScorePart:
    """Each of the town's entries' anomaly score, its percentile among the model's training
    entries, and its risk before inspectors' decisions (in the town part's order).
    ``alone``: the only town being scored, so a core is spare and the forest scores beside
    the rest (:func:`flows.runners.on_spare_core`).

    Nothing here depends on other towns: with the same model, an unchanged town scores the
    same in every run."""
    features = read_part(town.part_dir, "features")
    entries = read_part(town.part_dir, "entries",
                        columns=["entry_id", "village", "content_hash"])
    forest = load_model(model.path)
    with on_spare_core(alone, anomaly_scores, forest, features, entries,
                       _earlier_scores(town, model, parts_dir)) as scoring:
        rule_strength, signal_strength = source_strengths(
            entries["entry_id"], breaches=read_part(town.part_dir, "breaches"),
            signals=read_part(town.part_dir, "signals"), rule_weights=RULE_WEIGHTS)
        evidence = evidence_strength(surprisal(features, forest.reference_),
                                     list(features.columns))
        anomaly, n_scored = scoring()
    percentile = forest.percentiles(anomaly)
    scores = entries.assign(
        anomaly=anomaly, percentile=percentile,
        risk=combined_risk(rule_strength, signal_strength, percentile, evidence),
        breach=rule_strength > 0,
    )
    part = ScorePart(town.town, key, str(SCORES.directory(parts_dir, key)), run_id, n_scored)
    SCORES.write(parts_dir, key, {"scores": scores[SCORE_COLUMNS]}, part)
    return part


def _earlier_scores(town: TownPart, model: ModelPart, parts_dir: Path
                    ) -> tuple[Path, Path] | None:
    """The town's earlier part and its scores under this model, if both are in the store."""
    if town.earlier is None:
        return None
    town_dir = TOWNS.directory(parts_dir, town.earlier)
    scores_dir = SCORES.directory(parts_dir, score_key(replace(town, key=town.earlier), model))
    if not (part_exists(town_dir, TOWNS.frames) and part_exists(scores_dir, SCORES.frames)):
        return None
    return town_dir, scores_dir


# --- county: one ranking ----------------------------------------------------------------------


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


# --- per town: reasons and the town's share of the outputs -------------------------------------


@dataclass(frozen=True)
class TownReport:
    """A town's share of the outputs in the parts store: its scored entries, the lines of its
    flagged vouchers (for findings) and its digest for the review store. Rank numbers are the
    county's, so they are filled in when the outputs are assembled (:func:`write_sheets`,
    :func:`ranked_digest`, :func:`write_entries`)."""

    town: str
    key: str
    part_dir: str
    n_entries: int
    n_flagged: int
    n_with_breaches: int
    computed_in: str
    n_explained: int  # flagged entries the model explained (the others kept theirs)
    n_cases: int = 0  # what inspectors decide (models.cases), and how many break a rule
    n_rule_cases: int = 0


REPORTS = PartKind("reports", ("entries", "context", "explanations", *DIGEST_FRAMES))
# A town's rows of the findings files (flows.outputs.sheet_rows), made from its report's
# context when the county's files are first written with it.
SHEETS = PartKind("sheets", SHEET_FRAMES)
SHEET_BATCH_FINDINGS = 10_000


def report_key(score: ScorePart, decisions: pd.DataFrame) -> str:
    """The report's key: the town's scores and what the county decided for its entries (which
    are flagged, risk and notes from inspectors' decisions) — not the rank numbers, which
    shift with other towns."""
    decided = hashlib.sha256(decisions["position"].to_numpy(dtype=np.int64).tobytes())
    decided.update(decisions["risk"].to_numpy(dtype=np.float64).tobytes())
    decided.update((decisions["rank"].to_numpy() > 0).tobytes())
    decided.update("\x1f".join(decisions["note"].tolist()).encode())
    return part_key("report", score.key, decided.hexdigest())


def _explanations(
    entries: pd.DataFrame, features: pd.DataFrame, rows: np.ndarray, *, forest: LedgerForest,
    params: AuditParams,
) -> list[str]:
    """Feature reasons of the flagged row positions ``rows``."""
    chosen = features.iloc[rows].reset_index(drop=True)
    explain = explainer(entries.iloc[rows].reset_index(drop=True), chosen,
                        surprisal(chosen, forest.reference_), forest, params)
    return explain(np.arange(len(rows)))


def report_town(
    town: TownPart, score: ScorePart, decisions: pd.DataFrame, *, key: str, model: ModelPart,
    params: AuditParams, parts_dir: Path, run_id: str, alone: bool = False,
) -> TownReport:
    """The town's scored entries with reasons, the lines of its flagged vouchers and its
    digest, written as a part; flagged entries carry rank 1 until the county's ranks are set.
    The model's explanations of entries an earlier report of the town explained are taken
    from it where the entries and their features are the same (:mod:`flows.reuse`).
    ``alone``: the only town being reported, so a core is spare and the flagged entries are
    explained beside the rest (:func:`flows.runners.on_spare_core`)."""
    entries = read_part(town.part_dir, "entries")
    risk, rank, notes = town_ranking(score, decisions)
    flagged = (rank > 0).astype(np.int64)
    rows = np.flatnonzero(flagged)  # the positions ranked_columns asks explanations for
    with on_spare_core(alone and rows.size > 0, _town_explanations, town, entries, rows,
                       model=model, params=params, parts_dir=parts_dir, key=key) as explaining:
        breaches = read_part(town.part_dir, "breaches")
        signals = read_part(town.part_dir, "signals")
        scores = read_part(score.part_dir, "scores", columns=["anomaly", "percentile"])
        explained = pd.DataFrame({"entry_id": pd.Series(dtype="str"),
                                  "text": pd.Series(dtype="str")})
        n_explained = 0

        def explain(asked: np.ndarray) -> list[str]:
            nonlocal explained, n_explained
            if not np.array_equal(asked, rows):  # explaining() worked out ``rows`` ahead
                raise RuntimeError(f"{town.town}：解释的分录与标记的分录不一致（内部错误）")
            texts, n_explained = explaining()
            explained = pd.DataFrame({"entry_id": entries["entry_id"].iloc[asked].to_numpy(),
                                      "text": pd.array(texts, dtype="str")})
            return texts

        ranked = ranked_columns(
            entries, breaches=breaches, signals=signals, anomaly=scores["anomaly"].to_numpy(),
            risk=risk, rank=flagged, notes=notes,
            percentile=scores["percentile"].to_numpy(), explain=explain if flagged.any() else None,
        )
    scored = pd.concat([entries, ranked], axis=1)
    case_ids, cases = town_cases(scored[ranked["flagged"].to_numpy()], CASE_LINKS)
    scored["case_id"] = case_ids.reindex(scored.index)
    digest = digest_entries(scored, cases)
    part = TownReport(town.town, key, str(REPORTS.directory(parts_dir, key)), len(scored),
                      int(flagged.sum()), int(ranked["rule_ids"].list.len().gt(0).sum()), run_id,
                      n_explained, len(cases), int(cases["rule_ids"].map(len).gt(0).sum()))
    REPORTS.write(parts_dir, key, {
        "entries": entries_table(scored),
        "context": voucher_lines(scored.assign(position=np.arange(len(scored)))).drop(
            columns=["voucher_rank", "is_finding"]),
        "explanations": explained,
        **{name: getattr(digest, name) for name in DIGEST_FRAMES},
        "cases": cases_table(cases),
    }, part)
    remember_report(parts_dir, town.key, model.version, key)
    return part


def _town_explanations(town: TownPart, entries: pd.DataFrame, rows: np.ndarray, *,
                       model: ModelPart, params: AuditParams, parts_dir: Path, key: str
                       ) -> tuple[list[str], int]:
    """The model's explanations of the town's entries at ``rows``, and how many it worked out
    afresh (:func:`flows.reuse.explanations`)."""
    features = read_part(town.part_dir, "features")
    return explanations(
        rows, entries, features, lambda fresh: _explanations(
            entries, features, fresh, forest=load_model(model.path), params=params),
        _earlier_report(town, model, parts_dir, key))


def _earlier_report(town: TownPart, model: ModelPart, parts_dir: Path, key: str
                    ) -> tuple[Path, Path] | None:
    """An earlier report of the town's part (or of its earlier part) under this model, with
    that town part's folder, if both are in the store."""
    found = earlier_report(parts_dir, [town.key, town.earlier], model.version, REPORTS.frames,
                           folder=REPORTS.folder, key=key)
    if found is None:
        return None
    town_key, report = found
    town_dir = TOWNS.directory(parts_dir, town_key)
    if not part_exists(town_dir, TOWNS.frames):
        return None
    return REPORTS.directory(parts_dir, report), town_dir


# --- county: outputs --------------------------------------------------------------------------


def _with_ranks(frame: pd.DataFrame, ranks: pd.Series) -> pd.DataFrame:
    """``frame`` with the county's rank of each of its flagged entries (``ranks``: entry_id →
    rank of the flagged ones)."""
    if "rank" not in frame.columns:
        return frame
    ranked = frame.copy()
    ranked["rank"] = pd.array(frame["entry_id"].map(ranks), dtype="Int64")
    return ranked


def _ranks_by_position(decisions: pd.DataFrame, n_entries: int) -> np.ndarray:
    """The county's rank of each of a town's entries by row (0 for one not flagged)."""
    rank = np.zeros(n_entries, dtype=np.int64)
    rank[decisions["position"].to_numpy()] = decisions["rank"].to_numpy()
    return rank


def _flagged_ranks(decisions: pd.DataFrame) -> pd.Series:
    chosen = decisions[decisions["rank"] > 0]
    return pd.Series(chosen["rank"].to_numpy(), index=chosen["entry_id"].to_numpy())


def ranked_digest(reports: list[TownReport], ranking: dict[str, pd.DataFrame],
                  prefetched: ReadAhead | None = None) -> RunDigest:
    """The run's digest for the review store, with the county's rank numbers: the towns'
    digests stacked, each town's once (as :func:`combine_digests` requires). Frames in
    ``prefetched`` (see :func:`prefetch_digests`) are not read again."""
    if not reports:
        return combine_digests([])
    ranks = pd.concat([_flagged_ranks(ranking[report.town]) for report in reports])
    directories = [report.part_dir for report in reports]
    frames = {name: _with_ranks(read_parts(directories, name, prefetched), ranks)
              for name in DIGEST_FRAMES}
    return combine_digests([RunDigest(
        **frames, n_entries=sum(report.n_entries for report in reports),
        sources={report.town: report.key for report in reports})])


def prefetch_digests(reports: Iterable[TownReport]) -> ReadAhead:
    """Start reading the digest frames of towns whose reports are made (in the background),
    for :func:`ranked_digest`."""
    return read_ahead_tables([report.part_dir for report in reports], DIGEST_FRAMES)


def output_paths(out_dir: Path) -> dict[str, Path]:
    """Where the files of FORMATS.md §4 go in ``out_dir``."""
    return {"entries": out_dir / "entries.parquet", "findings": out_dir / "findings.parquet",
            "findings_csv": out_dir / "findings.csv",
            "findings_xlsx": out_dir / "findings.xlsx", "quarantine": out_dir / "quarantine.csv",
            "run": out_dir / "run.json"}


def write_entries(
    reports: list[TownReport], ranking: dict[str, pd.DataFrame], out_dir: Path
) -> Path:
    """entries.parquet: the towns' shares stacked as the parts store holds them, encoded,
    one row group each (:mod:`flows.parquet_copy`), with the county's ranks the one column
    encoded anew. A rerun after one correction re-encodes one town, not the county, and the
    county is never in memory. A town whose column types differ from the first town's is
    read and written again in the first town's types."""
    path = output_paths(out_dir)["entries"]
    path.parent.mkdir(parents=True, exist_ok=True)
    if not reports:
        table = entries_table(empty_scored())
        with parquet_writer(path, table) as empty:
            empty.write_table(table)
        return path
    template = Path(reports[0].part_dir) / "entries.parquet"
    with StackedParquetWriter(path, template) as writer:
        for report in reports:
            source = Path(report.part_dir) / "entries.parquet"
            rank = _ranks_by_position(ranking[report.town], report.n_entries)
            ranks = {"rank": pa.array(rank, type=pa.int64(), mask=rank == 0)}
            try:
                writer.append(source, columns=ranks)
            except SchemaMismatch:
                writer.append(_in_types_of(writer.arrow_schema, source), columns=ranks)
    return path


def _in_types_of(schema: pa.Schema, source: Path) -> bytes:
    """The Parquet file ``source`` written again with the column types of ``schema``."""
    table = read_table(source).cast(schema)
    sink = pa.BufferOutputStream()
    with parquet_writer(sink, table) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def write_sheets(
    reports: list[TownReport], ranking: dict[str, pd.DataFrame], quarantine: pd.DataFrame,
    out_dir: Path, *, parts_dir: Path,
) -> dict[str, Path]:
    """findings.parquet (the towns' cases in the county's order), findings.csv and
    findings.xlsx from the towns' rows, put in the county's order, and quarantine.csv. A
    town's rows are made once for its report (part "sheets/<key>"): in a full run every
    town's, in batches (:func:`_sheet_batches`), in a rerun after one correction the
    corrected town's."""
    out_dir.mkdir(parents=True, exist_ok=True)
    keys = {report.town: part_key("sheets", report.key) for report in reports}
    made = {report.town: {name: read_table(SHEETS.directory(parts_dir, keys[report.town])
                                           / f"{name}.parquet") for name in SHEET_FRAMES}
            for report in reports if SHEETS.summary(parts_dir, keys[report.town]) is not None}
    titles = finding_titles()
    for batch in _sheet_batches([report for report in reports if report.town not in made]):
        directories = [report.part_dir for report in batch]
        rows = sheet_rows(read_parts(directories, "context"), read_parts(directories, "cases"),
                          [report.town for report in batch], titles)
        for report in batch:
            SHEETS.write(parts_dir, keys[report.town], rows[report.town], report.town)
        made |= rows
    ranks = pd.concat([_flagged_ranks(ranking[report.town]) for report in reports]
                      ) if reports else pd.Series(dtype="int64")
    cases = county_cases([report.part_dir for report in reports], ranks)
    case_ranks = pd.Series(cases["rank"].to_numpy(), index=cases["case_id"].to_numpy())
    return write_findings([made[report.town] for report in reports], case_ranks, out_dir) | {
        "findings": write_findings_parquet(cases, output_paths(out_dir)["findings"]),
        "quarantine": write_quarantine(quarantine, out_dir)}


def _sheet_batches(reports: list[TownReport]) -> Iterator[list[TownReport]]:
    """Towns in batches of about ``SHEET_BATCH_FINDINGS`` findings: one pass over many small
    towns costs less than one per town, and a city's rows are never made all at once."""
    batch: list[TownReport] = []
    findings = 0
    for report in reports:
        batch.append(report)
        findings += report.n_flagged
        if findings >= SHEET_BATCH_FINDINGS:
            yield batch
            batch, findings = [], 0
    if batch:
        yield batch


def empty_scored() -> pd.DataFrame:
    """A scored frame with no rows, for a run where no file could be read."""
    entries = empty_entries()
    ranked = ranked_columns(
        entries, breaches=pd.DataFrame({"entry_id": pd.Series(dtype="str"),
                                        "rule_id": pd.Series(dtype="str"),
                                        "detail": pd.Series(dtype="str")}),
        signals=pd.DataFrame({"entry_id": pd.Series(dtype="str"),
                              "signal_id": pd.Series(dtype="str"),
                              "detail": pd.Series(dtype="str")}),
        anomaly=np.zeros(0), risk=np.zeros(0), rank=np.zeros(0, dtype=np.int64),
        notes=np.zeros(0, dtype=object), percentile=np.zeros(0),
    )
    return pd.concat([entries, ranked], axis=1).assign(case_id=pd.Series(dtype="str"))


def past_decisions() -> pd.DataFrame:
    """Inspectors' decisions so far, for the model to learn from (empty on a new store)."""
    from review.dispositions import decisions_for_learning
    from review.store import open_store

    return decisions_for_learning(open_store())


def finding_titles() -> dict[str, str]:
    """Rule and signal ids → their Chinese names, for pages and sheets that show them."""
    return dict(FINDING_TITLES)


def prefetch_known_cases(towns: Iterable[str]) -> ReadAhead:
    """Start reading the review store's cases of ``towns`` in the background (key
    ``"cases"``), for :func:`record_findings`."""
    from review.store import open_store, read_known_cases

    towns = list(towns)

    def read(_key: str) -> Any:
        store = open_store()
        try:
            return read_known_cases(store, towns)
        finally:
            store.dispose()

    return ReadAhead(read, ["cases"])


def record_findings(
    run_record: dict[str, Any], digest: RunDigest, quarantine: pd.DataFrame,
    known_cases: Any = None,
) -> dict[str, Any]:
    """Write the run's findings to the review store; returns what changed since earlier runs.
    ``known_cases``: the store's cases read ahead (:func:`prefetch_known_cases`), if any."""
    from review.store import open_store, record_run

    changes = record_run(
        open_store(),
        run_id=run_record["run_id"],
        started_at=run_record["started_at"],
        finished_at=run_record["finished_at"],
        inputs=run_record["inputs"],
        out_dir=run_record["out_dir"],
        params=run_record["params"],
        digest=digest,
        quarantine=quarantine,
        rule_titles=finding_titles(),
        known_cases=known_cases,
    )
    return changes.to_dict()


def village_counts(digest: RunDigest) -> list[dict[str, Any]]:
    """Entries and flagged entries per village, for run.json and the operator's summary."""
    per_village = digest.scope.groupby(["town", "village"], sort=True)[
        ["n_entries", "n_findings"]].sum().reset_index()
    return [{"town": row.town, "village": row.village, "entries": int(row.n_entries),
             "flagged": int(row.n_findings)} for row in per_village.itertuples()]


def thresholds_in_force(towns: list[str], params: AuditParams) -> dict[str, Any]:
    """The county's thresholds and each town's, as applied in this run."""
    return {
        "county": params.county,
        "default": params.thresholds.model_dump(mode="json"),
        "towns": {town: params.thresholds_for(town).model_dump(mode="json") for town in towns},
    }


def count_by_id(parts: Iterable[dict[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for counts in parts:
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + int(value)
    return dict(sorted(totals.items()))


def run_totals(
    files: list[FilePart], towns: list[TownPart], reports: list[TownReport],
    quarantine: pd.DataFrame, quarantine_alert_share: float,
) -> dict[str, int]:
    file_reports = [part.report for part in files]
    return {
        "files": len(files),
        "files_unreadable": sum(1 for report in file_reports if report.get("error")),
        "files_with_problems": len(problem_files(file_reports, quarantine_alert_share)),
        "rows_read": sum(report.get("rows_read", 0) for report in file_reports),
        "loaded": sum(town.n_entries for town in towns),
        "quarantined": len(quarantine),
        "skipped": sum(report.get("skipped", 0) for report in file_reports),
        "entries_with_rule_breaches": sum(report.n_with_breaches for report in reports),
        "flagged": sum(report.n_flagged for report in reports),
        "cases": sum(report.n_cases for report in reports),
        "rule_cases": sum(report.n_rule_cases for report in reports),
    }


def partition_record(
    files: list[FilePart], towns: list[TownPart], scores: list[ScorePart],
    reports: list[TownReport], run_id: str,
) -> dict[str, Any]:
    """What this run computed and what it took from earlier runs, per file and per town."""
    reported = {report.town: report.computed_in for report in reports}
    return {
        "files_read": [part.file for part in files if part.computed_in == run_id],
        "files_cached": [part.file for part in files if part.computed_in != run_id],
        "towns": [
            {"town": town.town, "villages": town.villages, "entries": town.n_entries,
             "checked": "本次计算" if town.computed_in == run_id else "沿用缓存",
             "scored": "本次计算" if score.computed_in == run_id else "沿用缓存",
             "reported": "本次计算" if reported.get(town.town) == run_id else "沿用缓存",
             # of a town checked in this run: the villages whose checks were redone, and
             # how many entries the forest scored (the others kept their earlier scores)
             "villages_checked": list(town.villages_checked)
             if town.computed_in == run_id else [],
             "entries_scored": score.n_scored if score.computed_in == run_id else 0}
            for town, score in zip(towns, scores, strict=True)
        ],
    }
