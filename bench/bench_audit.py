"""Benchmark: the whole audit, stage by stage, against the time pyarrow takes to read the files.

For each size (journal lines) it

1. generates ledgers once and caches them under ``var/bench/data`` (by layout, size and seed):
   layout ``mixed`` is the generator's own county (layouts A, B and C), ``vendor`` the same
   with accounting software's exports (``sample --vendor``); layout ``A`` is one
   platform CSV per town (平台导出 CSV in docs/reading-exports.md) written from the
   generator's canonical entries, replicated with renamed towns and villages above
   :data:`BASE_LINES`;
2. measures the floor in a fresh process: reading the same files with ``pyarrow.csv`` (every
   column as text; workbooks with python-calamine);
3. runs the audit's plain stage functions (:mod:`flows.pipeline`) in a fresh process, one
   file and one town after another as :mod:`flows.audit` wires them, with a new data
   directory (every part computed), timing each stage (discover, ingest, check, model, score,
   report, write, store) and, through timing probes around the functions a stage calls, its
   parts (read, parse, rules, features, fit, score, explain, parts IO, ...), with the peak
   resident memory of each;
4. with ``--end-to-end``, runs ``sanzi-audit run`` through Prefect in a subprocess for the wall
   time with Prefect's local start included, then ``sanzi-audit rerun`` on the same files with
   one journal line removed, against the full run's caches: the rerun's share of the full run.

Prints a table and writes ``var/bench/results-<timestamp>.json`` for comparison between commits.

Run: ``.venv/bin/python -m bench.bench_audit --sizes 100000 1000000 [--layout A|mixed|vendor]
[--end-to-end]`` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import codecs
import functools
import importlib
import json
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where used, so a worker's import timing is honest
    import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCRATCH = PROJECT_ROOT / "var" / "bench"
YEARS = (2023, 2024)
LINES_PER_VILLAGE_YEAR = 2000  # a county of ~250 villages books ~1M lines in two years
BASE_LINES = 1_000_000  # layout A above this size replicates a generated county of this size
DATA_FORMAT = 1  # bump when the cached data's shape changes, so old caches are not reused
COPY_NUMERALS = "一二三四五六七八九十"
PLACE_KIND = r"(街道|社区|镇|乡|村)?$"  # what a town's or village's name ends with
MIB = 1024 * 1024

# Targets of the issue, reported against (not enforced).
TARGET_WALL_SECONDS_1M = 60.0
TARGET_FLOOR_RATIO = 20.0
TARGET_PEAK_MB_1M = 3072.0
TARGET_PEAK_GROWTH_5M = 1.5
TARGET_RERUN_SHARE = 0.10  # a rerun after one correction, as a share of the full run

# Parts of the stages: (module or module.Class, attribute) whose calls are timed, by part name.
# A probe patches the attribute where the caller looks it up: a function that
# ``flows.pipeline`` imports by name is probed on ``flows.pipeline``. A part that is not found
# (the code moved on) is skipped and listed in the results.
PROBES: dict[str, list[tuple[str, str]]] = {
    "hash": [("flows.parts", "file_digest")],
    "read": [("flows.ingest.load", "read_csv_grid"), ("flows.ingest.load", "read_workbook_sheets")],
    "parse": [("flows.ingest.load", "normalise_grid")],
    "entry_ids": [("flows.ingest.load", "assign_entry_ids"),
                  ("flows.stages.prepare", "assign_entry_ids")],
    "parts_io": [*((f"flows.stages.{stage}", "read_part") for stage in (
        "ingest", "prepare", "model", "score", "rank", "report")),
                 ("flows.stages.common", "write_part")],
    "validate": [("checks.rules.evaluation", "canonical_failures")],
    "prepare": [("checks.rules.evaluation", "prepare_entries")],
    "rules": [("checks.rules.evaluation", "rule_breaches")],
    "signals": [("checks.rules.evaluation", "evaluate_signals")],
    "features": [("flows.stages.prepare", "entry_features")],
    "sample": [("flows.stages.model", "training_sample")],
    "fit": [("models.forest.LedgerForest", "fit")],
    "score": [("models.forest.LedgerForest", "anomaly_scores")],
    "evidence": [("flows.stages.score", "surprisal"), ("flows.stages.report", "surprisal"),
                 ("flows.stages.score", "evidence_strength")],
    "decisions": [("flows.pipeline", "past_decisions")],
    "rank": [("flows.pipeline", "rank_county")],
    "reasons": [("flows.stages.report", "ranked_columns")],
    "explain": [("models.forest.LedgerForest", "contributions")],
    "digest": [("flows.stages.report", "digest_entries")],
    "parquet_table": [("flows.stages.report", "entries_table"),
                      ("flows.stages.write", "entries_table")],
    "sheet_rows": [("flows.stages.write", "sheet_rows")],
    "voucher_lines": [("flows.outputs", "voucher_lines")],
    "findings_frame": [("flows.outputs", "case_findings_frame")],
    "neutralise": [("flows.outputs", "neutralise_formulas")],
    "findings_files": [("flows.stages.write", "write_findings")],
    "ranks": [("flows.pipeline", "ranked_digest")],
    "xlsx": [("flows.outputs", "write_xlsx")],
    "csv": [("pandas.DataFrame", "to_csv")],
    "quarantine": [("flows.stages.write", "write_quarantine")],
}

PLATFORM_HEADERS = {
    "乡镇": "town",
    "单位名称": "village",
    "单位编码": "org_code",
    "会计期间": "period",
    "凭证日期": "voucher_date",
    "凭证号": "voucher_no",
    "分录号": "line_no",
    "摘要": "summary",
    "科目编码": "account_code",
    "科目名称": "account_name",
    "借方金额": "debit_fen",
    "贷方金额": "credit_fen",
    "往来单位": "counterparty",
    "结算方式": "settlement",
    "附件张数": "attachments",
    "决议编号": "decision_ref",
    "合同编号": "contract_ref",
    "制单人": "preparer",
    "审核人": "reviewer",
    "记账人": "bookkeeper",
}


# --------------------------------------------------------------------------- input generation


@dataclass(frozen=True)
class Dataset:
    directory: Path
    layout: str
    lines: int
    files: list[Path]

    @property
    def bytes(self) -> int:
        return sum(path.stat().st_size for path in self.files)


def dataset_dir(scratch: Path, layout: str, lines: int, seed: int) -> Path:
    return scratch / "data" / f"{layout}-{lines}-s{seed}-v{DATA_FORMAT}"


def villages_for(lines: int) -> int:
    return max(1, math.ceil(lines / (LINES_PER_VILLAGE_YEAR * len(YEARS))))


def load_manifest(directory: Path) -> Dataset | None:
    manifest = directory / "manifest.json"
    if not manifest.is_file():
        return None
    record = json.loads(manifest.read_text(encoding="utf-8"))
    return Dataset(directory, record["layout"], record["lines"],
                   [directory / name for name in record["files"]])


def write_manifest(dataset: Dataset) -> None:
    record = {"layout": dataset.layout, "lines": dataset.lines,
              "files": [path.name for path in dataset.files]}
    temporary = dataset.directory / "manifest.json.tmp"
    temporary.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(dataset.directory / "manifest.json")


def generate_mixed(directory: Path, lines: int, seed: int, *, vendor: bool = False,
                   registers: bool = False) -> Dataset:
    """The generator's county (layouts A, B, C) of about ``lines`` lines, with its truth;
    ``vendor``: three villages in each run of six export as accounting software does (a 金蝶 flat
    export, an import template, a small tool's CSV, printed 记账凭证); ``registers``: each
    village's contract, asset and resource registers beside its ledgers."""
    from data.generator import generate_ledgers

    if directory.exists():
        shutil.rmtree(directory)
    result = generate_ledgers(directory, villages=villages_for(lines), years=YEARS, seed=seed,
                              inject=True, lines_per_village_year=LINES_PER_VILLAGE_YEAR,
                              vendor=vendor, registers=registers)
    result.truth.to_parquet(directory / "truth.parquet")
    layout = "vendor" if vendor else "registers" if registers else "mixed"
    files = [*result.files, *(result.register_files if registers else [])]
    dataset = Dataset(directory, layout, result.n_lines, files)
    write_manifest(dataset)
    return dataset


def yuan_text(fen: pd.Series) -> pd.Series:
    """Exact ``-1234.50`` text of int64 fen."""
    magnitude = fen.abs()
    text = (magnitude // 100).astype("str") + "." + (magnitude % 100).astype("str").str.zfill(2)
    return text.where(fen >= 0, "-" + text)


def platform_table(truth: pd.DataFrame) -> pd.DataFrame:
    """Canonical entries as layout A's columns (平台导出 CSV), amounts in yuan."""
    import pandas as pd

    columns = {header: truth[name] for header, name in PLATFORM_HEADERS.items()}
    columns["凭证日期"] = truth["voucher_date"].dt.strftime("%Y-%m-%d")
    columns["借方金额"] = yuan_text(truth["debit_fen"])
    columns["贷方金额"] = yuan_text(truth["credit_fen"])
    return pd.DataFrame(columns)


def renamed_copy(truth: pd.DataFrame, copy: int) -> pd.DataFrame:
    """The entries of another county part: towns and villages renamed (青石镇 → 青石二镇)."""
    if copy == 0:
        return truth
    numeral = COPY_NUMERALS[copy]
    renamed = truth.copy()
    for name in ("town", "village"):
        # the numeral goes before the place's kind: 东山街道 → 东山二街道, 下坝村 → 下坝二村
        renamed[name] = renamed[name].str.replace(PLACE_KIND, numeral + r"\1", regex=True)
    renamed["org_code"] = renamed["org_code"].where(renamed["org_code"] == "",
                                                    renamed["org_code"] + str(copy))
    return renamed


def write_platform_files(truth: pd.DataFrame, directory: Path) -> list[Path]:
    """One UTF-8 (BOM) platform CSV per town, many villages per file."""
    files: list[Path] = []
    for town, lines in truth.groupby("town", sort=False):
        path = directory / f"{town}_{YEARS[0]}-{YEARS[-1]}.csv"
        platform_table(lines).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
        files.append(path)
    return files


def generate_layout_a(directory: Path, lines: int, seed: int, scratch: Path) -> Dataset:
    """Layout A files from the generator's canonical entries (replicated above BASE_LINES)."""
    import pandas as pd

    base_lines = min(lines, BASE_LINES)
    copies = math.ceil(lines / base_lines)
    if copies > len(COPY_NUMERALS):
        raise ValueError(f"at most {len(COPY_NUMERALS) * BASE_LINES:,} lines in layout A")
    base = ensure_dataset(scratch, "mixed", base_lines, seed)
    truth = pd.read_parquet(base.directory / "truth.parquet")
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    files: list[Path] = []
    for copy in range(copies):
        files.extend(write_platform_files(renamed_copy(truth, copy), directory))
    dataset = Dataset(directory, "A", len(truth) * copies, files)
    write_manifest(dataset)
    return dataset


def ensure_dataset(scratch: Path, layout: str, lines: int, seed: int) -> Dataset:
    """The cached dataset, generated first if missing."""
    directory = dataset_dir(scratch, layout, lines, seed)
    cached = load_manifest(directory)
    if cached is not None:
        return cached
    started = time.perf_counter()
    print(f"generating {lines:,} lines, layout {layout} → {directory}", flush=True)
    if layout in ("mixed", "vendor", "registers"):
        dataset = generate_mixed(directory, lines, seed, vendor=layout == "vendor",
                                 registers=layout == "registers")
    else:
        dataset = generate_layout_a(directory, lines, seed, scratch)
    print(f"  generated {dataset.lines:,} lines in {len(dataset.files)} files "
          f"in {time.perf_counter() - started:.0f} s", flush=True)
    return dataset


# --------------------------------------------------------------------------- memory and probes


def status_kb(field_name: str) -> int:
    """A ``/proc/self/status`` field (VmRSS, VmHWM) in kB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux ``clear_refs`` 5); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


class Probes:
    """Timed wrappers around named functions; each part's time excludes nested parts.

    A sampler thread reads VmRSS every ``interval`` seconds and keeps the highest value seen
    while each (stage, part) was running.
    """

    def __init__(self, interval: float = 0.02) -> None:
        self.seconds: dict[tuple[str, str], float] = defaultdict(float)
        self.peak_kb: dict[tuple[str, str], int] = defaultdict(int)
        self.missing: list[str] = []
        self.stage = ""
        self._stack: list[list[Any]] = []
        self._interval = interval
        self._stop = threading.Event()
        self._patched: list[tuple[object, str, object]] = []

    def _current(self) -> tuple[str, str]:
        return self.stage, self._stack[-1][0] if self._stack else ""

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            key = self._current()
            rss = status_kb("VmRSS")
            if rss > self.peak_kb[key]:
                self.peak_kb[key] = rss

    def _wrap(self, part: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = [part, time.perf_counter(), 0.0]
            self._stack.append(frame)
            try:
                return func(*args, **kwargs)
            finally:
                self._stack.pop()
                elapsed = time.perf_counter() - frame[1]
                self.seconds[self.stage, part] += elapsed - frame[2]
                if self._stack:
                    self._stack[-1][2] += elapsed

        return timed

    @contextmanager
    def installed(self) -> Iterator[Probes]:
        for part, targets in PROBES.items():
            for owner_path, attribute in targets:
                owner = resolve(owner_path)
                original = getattr(owner, attribute, None) if owner is not None else None
                if original is None:
                    self.missing.append(f"{owner_path}.{attribute}")
                    continue
                self._patched.append((owner, attribute, original))
                setattr(owner, attribute, self._wrap(part, original))
        sampler = threading.Thread(target=self._sample, daemon=True)
        sampler.start()
        try:
            yield self
        finally:
            self._stop.set()
            sampler.join()
            for owner, attribute, original in reversed(self._patched):
                setattr(owner, attribute, original)
            self._patched.clear()


def resolve(path: str) -> object | None:
    """A module (``flows.pipeline``) or a class in one (``models.forest.LedgerForest``)."""
    try:
        return importlib.import_module(path)
    except ImportError:
        module_path, _, name = path.rpartition(".")
        try:
            return getattr(importlib.import_module(module_path), name, None)
        except ImportError:
            return None


@dataclass
class StageMeter:
    """Wall time and peak RSS of each top-level stage, with the probes' parts inside it."""

    probes: Probes
    stages: list[dict[str, Any]] = field(default_factory=list)
    exact_peaks: bool = True

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, int]]:
        """Time a stage; the caller sets ``["rows"]`` on what it yields (rows it handled)."""
        self.probes.stage = name
        self.exact_peaks = reset_peak() and self.exact_peaks
        counted = {"rows": 0}
        started = time.perf_counter()
        try:
            yield counted
        finally:
            seconds = time.perf_counter() - started
            peak_kb = status_kb("VmHWM") if self.exact_peaks else 0
            sampled = max((kb for (stage, _), kb in self.probes.peak_kb.items() if stage == name),
                          default=0)
            self.stages.append(
                {"name": name, "seconds": round(seconds, 3), "rows": counted["rows"],
                 "peak_mb": round(max(peak_kb, sampled) / 1024, 1),
                 "rss_after_mb": round(status_kb("VmRSS") / 1024, 1)}
            )

    def results(self) -> list[dict[str, Any]]:
        """Stages with their parts; ``other`` is stage time no probe accounts for."""
        results = []
        for stage in self.stages:
            parts = [
                {"name": part, "seconds": round(seconds, 3),
                 "peak_mb": round(self.probes.peak_kb.get((stage["name"], part), 0) / 1024, 1)}
                for (name, part), seconds in self.probes.seconds.items()
                if name == stage["name"]
            ]
            if parts:
                other = stage["seconds"] - sum(part["seconds"] for part in parts)
                parts.append({"name": "other", "seconds": round(max(other, 0.0), 3),
                              "peak_mb": round(
                                  self.probes.peak_kb.get((stage["name"], ""), 0) / 1024, 1)})
            results.append(stage | {"parts": parts})
        for stage in results:
            for item in [stage, *stage["parts"]]:
                item["rows_per_second"] = (
                    round(stage["rows"] / item["seconds"]) if item["seconds"] > 0 else None
                )
        return results


# --------------------------------------------------------------------------- workers


def floor_worker(files: list[str], repeat: int = 3) -> dict[str, Any]:
    """The fastest of ``repeat`` reads of the files (a floor is a best case)."""
    reads = [read_floor(files) for _ in range(repeat)]
    best = min(reads, key=lambda read: read["seconds"])
    return best | {"all_seconds": [read["seconds"] for read in reads],
                   "peak_mb": round(status_kb("VmHWM") / 1024, 1)}


def read_floor(files: list[str]) -> dict[str, Any]:
    """Seconds pyarrow takes to read the CSV files as text (calamine for workbooks)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    started = time.perf_counter()
    rows = 0
    workbook_seconds = 0.0
    for name in files:
        path = Path(name)
        if path.suffix.lower() != ".csv":
            workbook_started = time.perf_counter()
            rows += read_workbook_floor(path)
            workbook_seconds += time.perf_counter() - workbook_started
            continue
        encoding, skip = csv_shape(path)
        with open(path, encoding=encoding) as head:
            for _ in range(skip):
                head.readline()
            header = head.readline().rstrip("\r\n").lstrip("\ufeff").split(",")
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(encoding=encoding, skip_rows=skip + 1,
                                            column_names=header),
            parse_options=pa_csv.ParseOptions(invalid_row_handler=lambda _row: "skip"),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False),
        )
        rows += table.num_rows
    return {"seconds": round(time.perf_counter() - started, 3),
            "workbook_seconds": round(workbook_seconds, 3), "rows": rows}


def csv_shape(path: Path) -> tuple[str, int]:
    """The file's encoding for pyarrow and how many title lines precede the header."""
    with open(path, "rb") as handle:
        head = handle.read(8192)
    try:  # incremental: the 8 kB may end inside a character
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        encoding = "utf-8"
    except UnicodeDecodeError:
        text = head.decode("gb18030", errors="replace")
        encoding = "gb18030"
    lines = text.splitlines()
    skip = next((number for number, line in enumerate(lines[:10]) if "摘要" in line), 0)
    return encoding, skip


def read_workbook_floor(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    return sum(len(workbook.get_sheet_by_name(name).to_python())
               for name in workbook.sheet_names)


def audit_worker(input_dir: str, out_dir: str) -> dict[str, Any]:
    """The audit's stages as :mod:`flows.audit` wires them, called directly and one after
    another, timed and measured; one fresh process per size.

    The data directory is new, so every file and town part is computed (a first full run).
    """
    started = time.perf_counter()
    from checks.params import load_params
    from flows import parts, pipeline
    from flows.ingest import reading_options
    from flows.outputs import write_run_record
    from flows.settings import load_settings

    import_seconds = time.perf_counter() - started
    params = load_params()
    settings = load_settings()
    parts_dir = settings.parts_dir
    store = settings.open_store()
    probes = Probes()
    meter = StageMeter(probes)
    rss_start_mb = status_kb("VmRSS") / 1024
    with probes.installed():
        run_started = datetime.now(UTC)
        run_id = f"bench-{run_started:%Y%m%dT%H%M%S}"
        with meter.stage("discover") as stage:
            paths = pipeline.find_ledger_files([input_dir])
            stage["rows"] = len(paths)
        with meter.stage("ingest") as stage:
            options = reading_options(params)
            files = [
                pipeline.ingest_file(
                    path, key=pipeline.ingest_key(path, parts.file_digest(path), options),
                    options=options, parts_dir=parts_dir, run_id=run_id)
                for path in paths
            ]
            stage["rows"] = sum(part.report.get("rows_read", 0) for part in files)
        with meter.stage("check") as stage:
            by_town = pipeline.files_by_town([part for part in files if part.readable])
            towns = [
                pipeline.prepare_town(town, town_files,
                                      key=pipeline.town_key(town, town_files, params),
                                      params=params, parts_dir=parts_dir, run_id=run_id)
                for town, town_files in by_town.items()
            ]
            n_entries = sum(town.n_entries for town in towns)
            stage["rows"] = n_entries
        with meter.stage("model") as stage:
            model = pipeline.obtain_model(towns, params, model_dir=settings.models_dir)
            stage["rows"] = n_entries
        with meter.stage("score") as stage:
            scores = [
                pipeline.score_town(town, key=pipeline.score_key(town, model), model=model,
                                    parts_dir=parts_dir, run_id=run_id)
                for town in towns
            ]
            ranking = pipeline.rank_county(towns, scores, params,
                                           pipeline.past_decisions(store), parts_dir=parts_dir)
            stage["rows"] = n_entries
        with meter.stage("report") as stage:
            reports = [
                pipeline.report_town(town, score, ranking[town.town],
                                     key=pipeline.report_key(score, ranking[town.town]),
                                     model=model, params=params, parts_dir=parts_dir,
                                     run_id=run_id)
                for town, score in zip(towns, scores, strict=True)
            ]
            stage["rows"] = n_entries
        with meter.stage("registers") as stage:
            register_files = pipeline.registers_by_town(files)
            registers = [
                pipeline.audit_town_registers(
                    town, register_files[town.town],
                    key=pipeline.register_key(town, register_files[town.town], params),
                    params=params, parts_dir=parts_dir, run_id=run_id)
                for town in towns if town.town in register_files]
            stage["rows"] = sum(sum(part.rows.values()) for part in registers)
        with meter.stage("write") as stage:
            digest = pipeline.ranked_digest(reports, ranking, registers=registers)
            quarantine = pipeline.run_quarantine(files)
            outputs = pipeline.write_sheets(reports, ranking, quarantine, Path(out_dir),
                                            parts_dir=parts_dir, registers=registers)
            outputs["entries"] = pipeline.write_entries(reports, ranking, Path(out_dir))
            stage["rows"] = n_entries
        run_record = {
            "run_id": run_id,
            "started_at": run_started.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "inputs": [input_dir], "out_dir": str(Path(out_dir).resolve()),
            "params": params.record(), "files": [part.report for part in files],
            "outputs": {name: str(path) for name, path in outputs.items()},
        }
        with meter.stage("store") as stage:
            run_record["review"] = pipeline.record_findings(
                store, **{name: run_record[name] for name in (
                    "run_id", "started_at", "finished_at", "inputs", "out_dir", "params")},
                digest=digest, quarantine=quarantine)
            stage["rows"] = n_entries
        with meter.stage("scorecards") as stage:
            checked = {part.town: part for part in registers}
            indicators = [
                pipeline.town_indicators(
                    town, checked.get(town.town),
                    key=pipeline.scorecard_key(town, checked.get(town.town), params),
                    params=params, parts_dir=parts_dir, run_id=run_id)
                for town in towns]
            run_record["scorecards"], _ = pipeline.assess_county(store, indicators, params,
                                                                 run_id, Path(out_dir))
            stage["rows"] = n_entries
        write_run_record(run_record, Path(out_dir))
    totals = pipeline.run_totals(files, towns, reports, quarantine,
                                 params.ingest.quarantine_alert_share)
    stages = meter.results()
    return {
        "import_seconds": round(import_seconds, 3),
        "rss_start_mb": round(rss_start_mb, 1),
        "stages": stages,
        "audit_seconds": round(sum(stage["seconds"] for stage in stages), 3),
        "peak_mb": round(max(stage["peak_mb"] for stage in stages), 1),
        "exact_stage_peaks": meter.exact_peaks,
        "towns": len(towns),
        "largest_town_entries": max((town.n_entries for town in towns), default=0),
        "totals": totals,
        "probes_missing": probes.missing,
    }


def prefect_worker() -> dict[str, Any]:
    """An empty flow run the way ``sanzi-audit run`` runs one: Prefect's fixed cost."""
    started = time.perf_counter()
    from flows.settings import configure_prefect, load_settings

    configure_prefect(load_settings())
    from prefect import flow

    imported = time.perf_counter()

    @flow(name="sanzi-audit-bench-empty")
    def empty() -> int:
        return 0

    empty()
    return {"import_seconds": round(imported - started, 3),
            "flow_seconds": round(time.perf_counter() - imported, 3)}


VERDICTS = ("false_alarm", "confirmed", "explained")


def decide_worker(share: float) -> dict[str, Any]:
    """Inspectors' decisions on ``share`` of the latest run's cases (evenly down its ranking,
    the verdicts in turn), recorded as the review app records them."""
    import sqlalchemy as sa

    from flows.settings import load_settings
    from review.changes import latest_run
    from review.dispositions import record_decision
    from review.tables import run_cases

    store = load_settings().open_store()
    run_id = latest_run(store)["run_id"]
    with store.engine.connect() as conn:
        ranked = conn.execute(sa.select(run_cases.c.case_id).where(
            run_cases.c.run_id == run_id).order_by(run_cases.c.risk_score.desc(),
                                                   run_cases.c.case_id)).scalars().all()
    chosen = ranked[::max(1, round(1 / share))] if share > 0 else []
    for number, case_id in enumerate(chosen):
        record_decision(store, case_id=case_id, verdict=VERDICTS[number % len(VERDICTS)],
                        comment="基准测试：模拟的复核结论", username="bench")
    return {"share": share, "decisions": len(chosen), "cases": len(ranked)}


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {
    "decide": decide_worker,
    "floor": floor_worker,
    "audit": audit_worker,
    "prefect": prefect_worker,
}


def run_worker(kind: str, arguments: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Run a worker in a fresh interpreter; returns its JSON result."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.bench_audit", "_worker", kind, json.dumps(arguments)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{kind} worker failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- end to end


def end_to_end(dataset: Dataset, run_dir: Path, scratch: Path, decisions: float = 0.0,
               reruns: int = 1) -> dict[str, Any]:
    """``sanzi-audit run`` through Prefect, then ``sanzi-audit rerun`` after one correction:
    wall time, peak RSS and the flow's own timings of each. With ``decisions`` (a share of
    the findings), inspectors decide that share of the full run's findings before the reruns,
    so the reruns learn from them as real ones do. With ``reruns`` above 1, that many reruns
    of each kind, each after a correction to another file; the rerun figures are their
    medians (a shared machine's noise moves one rerun by seconds).

    Prefect's home is kept between bench runs (as it is between nightly runs), but not the
    parts or the models: the full run computes everything, as on a first night. The rerun
    shares the full run's data directory and review store, so it finds their parts and the
    saved model, as an operator's rerun after the agency's correction does.
    """
    data_dir = scratch / "e2e-data"
    fresh_prefect_home = not (data_dir / "prefect").exists()
    for cached in (data_dir / "models", data_dir / "parts"):
        shutil.rmtree(cached, ignore_errors=True)
    env = os.environ | {"SANZI_DATA_DIR": str(data_dir),
                        "SANZI_DB_URL": f"sqlite:///{run_dir / 'e2e-review.sqlite3'}"}
    started = time.perf_counter()
    empty_flow = run_worker("prefect", {}, env)
    empty_flow["wall_seconds"] = round(time.perf_counter() - started, 3)
    full = run_cli("run", exports_only(dataset, run_dir / "e2e-input"), run_dir / "e2e-out",
                   env, run_dir)
    result: dict[str, Any] = {
        "wall_seconds": full["wall_seconds"], "exit_code": full["exit_code"],
        "fresh_prefect_home": fresh_prefect_home, "peak_mb": full["peak_mb"],
        "empty_flow": empty_flow,
    }
    if "error" in full:
        return result | {"error": full["error"]}
    work = sum(full["record"]["timings"].values())
    result |= {"flow_timings": full["record"]["timings"], "audit_work_seconds": round(work, 3),
               "prefect_overhead_seconds": round(full["wall_seconds"] - work, 3)}
    if decisions:
        result["decided"] = run_worker("decide", {"share": decisions}, env)
    done = []
    for number in range(reruns):  # files 1, 3, 5 …; the resident reruns correct 2, 4, 6 …
        corrected, correction = corrected_input(dataset, run_dir / f"e2e-corrected-{number}",
                                                nth=2 * number)
        rerun = run_cli("rerun", corrected, run_dir / "e2e-rerun-out", env, run_dir)
        details: dict[str, Any] = {"exit_code": rerun["exit_code"],
                                   "peak_mb": rerun["peak_mb"], "correction": correction}
        if "error" in rerun:
            return result | {"rerun": details | {"error": rerun["error"]}}
        done.append(details | rerun_details(rerun["record"])
                    | {"wall_seconds": rerun["wall_seconds"]})
    wall = statistics.median(rerun["wall_seconds"] for rerun in done)
    rerun_work = statistics.median(rerun["work_seconds"] for rerun in done)
    result |= {
        "rerun_wall_seconds": wall,
        "rerun_work_seconds": rerun_work,
        "rerun_share_of_full_wall": round(wall / full["wall_seconds"], 3),
        "rerun_share_of_full_work": round(rerun_work / work, 3) if work else None,
        "rerun": done[0],
        **({"reruns": [_rerun_summary(rerun) for rerun in done]} if reruns > 1 else {}),
    }
    return result | {"resident": resident_rerun(dataset, run_dir, env, full["wall_seconds"],
                                                reruns)}


def _rerun_summary(rerun: dict[str, Any]) -> dict[str, Any]:
    """One of several reruns, as the results keep it."""
    return {key: rerun[key] for key in ("wall_seconds", "work_seconds", "correction",
                                        "towns_recomputed", "flow_timings")}


def rerun_details(record: dict[str, Any]) -> dict[str, Any]:
    """What a rerun's run.json says it redid, and its audit work."""
    partitions = record["partitions"]
    return {
        "flow_timings": record["timings"],
        "work_seconds": round(sum(record["timings"].values()), 3),
        "files_read": partitions["files_read"],
        "files_cached": len(partitions["files_cached"]),
        "towns_recomputed": [town["town"] for town in partitions["towns"]
                             if town["checked_now"] or town["scored_now"]],
        "towns_cached": [town["town"] for town in partitions["towns"]
                         if not (town["checked_now"] or town["scored_now"])],
        "towns_reported": [town["town"] for town in partitions["towns"]
                           if town["reported_now"]],
    }


def resident_rerun(dataset: Dataset, run_dir: Path, env: dict[str, str],
                   full_wall: float, reruns: int = 1) -> dict[str, Any]:
    """``sanzi-audit rerun`` while the project's resident Prefect server runs (started by
    ``sanzi-audit prefect-server start``, as ``serve`` does for the nightly audit), after a
    correction to another town's file: the rerun skips Prefect's temporary server.

    The server is started before the clock starts and stopped after; its memory is not in the
    rerun's peak (it is not the rerun's child). With ``reruns`` above 1, that many, each after
    a correction to another file; wall and work are their medians."""
    port = free_port()
    server = [sys.executable, "-m", "flows.cli", "prefect-server"]
    started = subprocess.run([*server, "start", "--port", str(port)], cwd=PROJECT_ROOT,
                             env=env, capture_output=True, text=True, check=False)
    if started.returncode != 0:
        return {"error": (started.stderr or started.stdout)[-4000:]}
    done = []
    try:
        for number in range(reruns):
            corrected, correction = corrected_input(
                dataset, run_dir / f"e2e-corrected-resident-{number}", nth=2 * number + 1)
            rerun = run_cli("rerun", corrected, run_dir / "e2e-rerun-resident-out", env,
                            run_dir)
            result = {"wall_seconds": rerun["wall_seconds"], "exit_code": rerun["exit_code"],
                      "peak_mb": rerun["peak_mb"], "correction": correction}
            if "error" in rerun:
                return result | {"error": rerun["error"]}
            done.append(result | rerun_details(rerun["record"]))
    finally:
        subprocess.run([*server, "stop"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                       check=False)
    wall = statistics.median(rerun["wall_seconds"] for rerun in done)
    return done[0] | {
        "wall_seconds": wall, "work_seconds": statistics.median(
            rerun["work_seconds"] for rerun in done),
        "share_of_full_wall": round(wall / full_wall, 3),
        **({"runs": [_rerun_summary(rerun) for rerun in done]} if reruns > 1 else {}),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TreeMemory:
    """Samples the summed resident memory of a process and all its descendants (the CLI, its
    worker processes and Prefect's temporary server) while it runs; ``peak_kb`` is the most
    seen at once, ``server_kb`` the server's share at that moment."""

    def __init__(self, root: int, interval: float = 0.1) -> None:
        self.root, self.interval = root, interval
        self.peak_kb = self.server_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            total, server = self._sample()
            if total > self.peak_kb:
                self.peak_kb, self.server_kb = total, server
            self._stop.wait(self.interval)

    def _sample(self) -> tuple[int, int]:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        tree, frontier = {self.root}, [self.root]
        while frontier:
            parent = frontier.pop()
            children = [pid for pid, ppid in parents.items() if ppid == parent]
            tree.update(children)
            frontier.extend(children)
        total = server = 0
        for pid in tree:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            kb = next((int(line.split()[1]) for line in status.splitlines()
                       if line.startswith("VmRSS:")), 0)
            total += kb
            if b"uvicorn" in command:
                server += kb
        return total, server


def run_cli(command: str, input_dir: Path, out_dir: Path, env: dict[str, str],
            run_dir: Path) -> dict[str, Any]:
    """``python -m flows.cli <command> --input <input_dir> --out <out_dir>``: wall time, exit
    code, peak RSS and its run.json as ``record`` (or ``error``, the end of its output)."""
    # `python -m flows.cli` is the `sanzi-audit` script, run from this checkout's code.
    arguments = [sys.executable, "-m", "flows.cli", command, "--input", str(input_dir),
                 "--out", str(out_dir)]
    stdout_path = run_dir / f"e2e-{command}-stdout.txt"
    stderr_path = run_dir / f"e2e-{command}-stderr.txt"
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(arguments, cwd=PROJECT_ROOT, env=env, stdout=stdout,
                                   stderr=stderr)
        with TreeMemory(process.pid) as tree:
            # wait4, not Popen.wait: its rusage gives the peak RSS of the largest process.
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    exit_code = os.waitstatus_to_exitcode(status)
    result: dict[str, Any] = {"wall_seconds": round(wall, 3), "exit_code": exit_code,
                              "peak_mb": round(tree.peak_kb / 1024, 1),
                              "largest_process_peak_mb": round(usage.ru_maxrss / 1024, 1),
                              "prefect_server_mb": round(tree.server_kb / 1024, 1)}
    run_json = out_dir / "run.json"
    if exit_code not in (0, 3) or not run_json.is_file():
        output = stderr_path.read_text(errors="replace") or stdout_path.read_text(errors="replace")
        return result | {"error": output[-4000:]}
    return result | {"record": json.loads(run_json.read_text(encoding="utf-8"))}


def exports_only(dataset: Dataset, directory: Path) -> Path:
    """The dataset's exports linked into ``directory`` without the generator's answer key
    (labels.csv, truth.parquet): with the key beside them the command line would take them for
    the sample and audit them in the demo data directory, not the one the reruns share."""
    directory.mkdir(parents=True)
    for path in dataset.files:
        target = directory / path.relative_to(dataset.directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(path)
    return directory


def corrected_input(dataset: Dataset, directory: Path, nth: int = 0
                    ) -> tuple[Path, dict[str, Any]]:
    """The dataset as the agency sends it back after one correction: every file linked, but
    the ``nth`` CSV (from 0, counted round the files) copied without one journal line, a
    line further down on each round, so no two corrections are the same. Names stay (the
    cache keys include them)."""
    csvs = [path for path in dataset.files if path.suffix.lower() == ".csv"]
    if not csvs:
        raise ValueError(f"{dataset.directory}: no CSV file to correct")
    corrected = csvs[nth % len(csvs)]
    directory.mkdir(parents=True)
    for path in dataset.files:
        target = directory / path.relative_to(dataset.directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path == corrected:
            line = drop_middle_line(path, target, below=nth // len(csvs))
        else:
            target.symlink_to(path)
    return directory, {"file": corrected.name, "line_removed": line}


def drop_middle_line(source: Path, target: Path, below: int = 0) -> int:
    """Copy ``source`` to ``target`` without its middle line (or the one ``below`` lines
    under it), a journal line (the header and title lines are at the top); returns the
    removed line's number, counted from 1.

    Bytes, not text: the file keeps its encoding (UTF-8 with BOM, GB18030) and line ends.
    """
    lines = source.read_bytes().split(b"\n")
    middle = len(lines) // 2 + below
    target.write_bytes(b"\n".join(lines[:middle] + lines[middle + 1:]))
    return middle + 1


# --------------------------------------------------------------------------- orchestration


def warm_page_cache(files: list[Path]) -> None:
    """Read every file once so the floor and the audit both start with the files cached."""
    for path in files:
        with open(path, "rb") as handle:
            while handle.read(16 * MIB):
                pass


def bench_size(lines: int, layout: str, seed: int, scratch: Path, stamp: str,
               e2e: bool, decisions: float = 0.0, reruns: int = 1) -> dict[str, Any]:
    dataset = ensure_dataset(scratch, layout, lines, seed)
    run_dir = scratch / "runs" / f"{stamp}-{layout}-{lines}"
    run_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"SANZI_DATA_DIR": str(run_dir / "data"),
                        "SANZI_DB_URL": f"sqlite:///{run_dir / 'review.sqlite3'}"}
    warm_page_cache(dataset.files)
    print(f"{dataset.lines:,} lines ({layout}): floor", flush=True)
    floor = run_worker("floor", {"files": [str(path) for path in dataset.files]}, env)
    print(f"{dataset.lines:,} lines ({layout}): audit stages", flush=True)
    audit = run_worker("audit", {"input_dir": str(dataset.directory),
                                 "out_dir": str(run_dir / "out")}, env)
    result: dict[str, Any] = {
        "lines_target": lines, "lines": dataset.lines, "layout": layout,
        "files": len(dataset.files), "input_mb": round(dataset.bytes / MIB, 1),
        "floor": floor, **audit,
        "ratio_to_floor": round(audit["audit_seconds"] / floor["seconds"], 1),
        "load_average_after": os.getloadavg(),
    }
    if e2e:
        print(f"{dataset.lines:,} lines ({layout}): sanzi-audit run (Prefect)", flush=True)
        run = end_to_end(dataset, run_dir, scratch, decisions, reruns)
        if "audit_work_seconds" in run:
            run["ratio_to_floor"] = round(run["audit_work_seconds"] / floor["seconds"], 1)
        result["end_to_end"] = run
    shutil.rmtree(run_dir, ignore_errors=True)  # outputs are not kept; the JSON is
    return result


def check_targets(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured value and whether it is met."""
    checks = [check for size in sizes for check in rerun_targets(size)]
    million = next((s for s in sizes if s["layout"] == "A" and s["lines_target"] == 1_000_000),
                   None)
    if million is None:
        return checks
    run = million.get("end_to_end", {})
    if "error" in run:
        run = {}
    if "wall_seconds" in run:
        checks.append({"target": "1M lines A: whole audit with Prefect start < 60 s",
                       "value": run["wall_seconds"],
                       "met": run["wall_seconds"] < TARGET_WALL_SECONDS_1M})
    ratio = run.get("ratio_to_floor", million["ratio_to_floor"])
    checks.append({"target": "1M lines A: audit work < 20x pyarrow floor", "value": ratio,
                   "met": ratio < TARGET_FLOOR_RATIO})
    peak = max(million["peak_mb"], run.get("peak_mb", 0.0))
    checks.append({"target": "1M lines A: peak memory < 3 GB", "value": peak,
                   "met": peak < TARGET_PEAK_MB_1M})
    five = next((s for s in sizes if s["layout"] == "A" and s["lines_target"] == 5_000_000), None)
    if five is not None:
        growth = round(five["peak_mb"] / million["peak_mb"], 3)
        checks.append({"target": "5M lines A: peak memory < 1.5x that of 1M (direct stages, "
                       "one process)", "value": growth, "met": growth < TARGET_PEAK_GROWTH_5M})
        runs = [size.get("end_to_end", {}) for size in (million, five)]
        if all("peak_mb" in run and "error" not in run for run in runs):
            growth = round(runs[1]["peak_mb"] / runs[0]["peak_mb"], 3)
            checks.append({"target": "5M lines A: peak memory < 1.5x that of 1M (sanzi-audit "
                           "run, whole process tree)", "value": growth,
                           "met": growth < TARGET_PEAK_GROWTH_5M})
    return checks


def rerun_targets(size: dict[str, Any]) -> list[dict[str, Any]]:
    """The rerun after one correction against the full run, at any size measured end to end."""
    run = size.get("end_to_end", {})
    where = f"{size['lines']:,} lines {size['layout']}"
    checks = [
        {"target": f"{where}: rerun after one correction < 10% of full run ({what})",
         "value": run[key], "met": run[key] < TARGET_RERUN_SHARE}
        for what, key in (("wall", "rerun_share_of_full_wall"),
                          ("audit work, Prefect start excluded", "rerun_share_of_full_work"))
        if run.get(key) is not None
    ]
    resident = run.get("resident", {})
    if "share_of_full_wall" in resident and "error" not in resident:
        checks.append({"target": f"{where}: rerun after one correction < 10% of full run "
                       "(wall, resident Prefect server)", "value": resident["share_of_full_wall"],
                       "met": resident["share_of_full_wall"] < TARGET_RERUN_SHARE})
    return checks


def machine_info() -> dict[str, Any]:
    import numpy
    import pandas
    import pyarrow
    import sklearn

    cpu = next((line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                     .splitlines() if line.startswith("MemTotal"))
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "load_average": os.getloadavg(), "platform": platform.platform(),
        "python": platform.python_version(), "pandas": pandas.__version__,
        "numpy": numpy.__version__, "pyarrow": pyarrow.__version__,
        "sklearn": sklearn.__version__,
    }


def git_commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def format_table(result: dict[str, Any]) -> str:
    lines = [
        f"\n{result['lines']:,} lines, layout {result['layout']}, {result['files']} files, "
        f"{result['input_mb']} MB; imports {result['import_seconds']:.1f} s",
        f"{'stage':<22}{'seconds':>9}{'rows/s':>14}{'peak MB':>10}",
    ]

    def row(name: str, item: dict[str, Any]) -> str:
        rate = f"{item['rows_per_second']:,}" if item.get("rows_per_second") else "-"
        peak = f"{item['peak_mb']:,.0f}" if item.get("peak_mb") else "-"
        return f"{name:<22}{item['seconds']:>9.2f}{rate:>14}{peak:>10}"

    for stage in result["stages"]:
        lines.append(row(stage["name"], stage))
        lines.extend(row("  " + part["name"], part) for part in stage["parts"]
                     if part["name"] != "other" or part["seconds"] >= 0.01)
    floor = result["floor"]
    lines.append(f"{'audit (direct)':<22}{result['audit_seconds']:>9.2f}"
                 f"{'':>14}{result['peak_mb']:>10,.0f}")
    lines.append(f"{'pyarrow floor':<22}{floor['seconds']:>9.2f}"
                 f"{round(floor['rows'] / floor['seconds']):>14,}{floor['peak_mb']:>10,.0f}")
    lines.append(f"ratio audit / floor: {result['ratio_to_floor']}x")
    run = result.get("end_to_end")
    if run:
        if "error" in run:
            lines.append(f"sanzi-audit run FAILED (exit {run['exit_code']}): {run['error'][-500:]}")
        else:
            lines.append(
                f"sanzi-audit run (Prefect): wall {run['wall_seconds']:.1f} s, audit work "
                f"{run['audit_work_seconds']:.1f} s ({run['ratio_to_floor']}x floor), Prefect "
                f"overhead {run['prefect_overhead_seconds']:.1f} s, peak "
                f"{run.get('peak_mb', 0):,.0f} MB; flow stages {run['flow_timings']}"
            )
        lines.extend(rerun_lines(run))
        empty = run["empty_flow"]
        lines.append(f"empty Prefect flow, same settings: wall {empty['wall_seconds']:.1f} s "
                     f"(imports {empty['import_seconds']:.1f} s, flow "
                     f"{empty['flow_seconds']:.1f} s)")
    return "\n".join(lines)


def rerun_lines(run: dict[str, Any]) -> list[str]:
    """The rerun after one correction, as format_table prints it."""
    rerun = run.get("rerun")
    if rerun is None:
        return []
    correction = rerun["correction"]
    said = (f"rerun after one correction ({correction['file']} without line "
            f"{correction['line_removed']}"
            + (f"; median of {len(run['reruns'])} reruns, each after another file's "
               "correction, stages of the first)" if "reruns" in run else ")"))
    if "error" in rerun:
        return [f"{said} FAILED (exit {rerun['exit_code']}): {rerun['error'][-500:]}"]
    towns = len(rerun["towns_recomputed"]) + len(rerun["towns_cached"])
    decided = run.get("decided")
    return [
        *([f"inspectors decided {decided['decisions']:,} of the full run's "
           f"{decided['findings']:,} findings before the reruns"] if decided else []),
        f"{said}: wall {run['rerun_wall_seconds']:.1f} s "
        f"({run['rerun_share_of_full_wall']:.1%} of the full run, target < "
        f"{TARGET_RERUN_SHARE:.0%}), audit work {run['rerun_work_seconds']:.1f} s "
        f"({run['rerun_share_of_full_work']:.1%}), peak {rerun['peak_mb']:,.0f} MB",
        f"  files re-read {len(rerun['files_read'])} (cached {rerun['files_cached']}), towns "
        f"recomputed {len(rerun['towns_recomputed'])} of {towns} "
        f"({'、'.join(rerun['towns_recomputed']) or 'none'}), reported again "
        f"{len(rerun.get('towns_reported', []))}; flow stages "
        f"{rerun['flow_timings']}",
        *resident_lines(run.get("resident")),
    ]


def resident_lines(resident: dict[str, Any] | None) -> list[str]:
    """The rerun against the resident server, as format_table prints it."""
    if resident is None:
        return []
    if "error" in resident:
        return [f"rerun with the resident Prefect server FAILED: {resident['error'][-500:]}"]
    correction = resident["correction"]
    return [
        f"rerun with the resident Prefect server ({correction['file']} without line "
        f"{correction['line_removed']}"
        + (f"; median of {len(resident['runs'])} reruns" if "runs" in resident else "")
        + f"): wall {resident['wall_seconds']:.1f} s "
        f"({resident['share_of_full_wall']:.1%} of the full run), audit work "
        f"{resident['work_seconds']:.1f} s, peak {resident['peak_mb']:,.0f} MB; towns "
        f"recomputed {'、'.join(resident['towns_recomputed']) or 'none'}; flow stages "
        f"{resident['flow_timings']}",
    ]


def compare_results(old: dict[str, Any], new: dict[str, Any]) -> str:
    """Seconds and peak MB per stage of two results files, for the sizes and layouts in both."""
    lines = [f"old: {old.get('commit', '')[:12]} {old.get('started_at', '')} {old.get('note', '')}",
             f"new: {new.get('commit', '')[:12]} {new.get('started_at', '')} {new.get('note', '')}"]
    before = {(size["layout"], size["lines_target"]): size for size in old["sizes"]}
    for size in new["sizes"]:
        previous = before.get((size["layout"], size["lines_target"]))
        if previous is None:
            continue
        lines.append(f"\n{size['lines']:,} lines, layout {size['layout']}")
        lines.append(f"{'stage':<16}{'old s':>9}{'new s':>9}{'new/old':>9}"
                     f"{'old MB':>9}{'new MB':>9}")
        old_stages = {stage["name"]: stage for stage in previous["stages"]}
        rows = [(stage["name"], old_stages.get(stage["name"]), stage) for stage in size["stages"]]
        rows.append(("audit",
                     {"seconds": previous["audit_seconds"], "peak_mb": previous["peak_mb"]},
                     {"seconds": size["audit_seconds"], "peak_mb": size["peak_mb"]}))
        rows.append(("floor", previous["floor"], size["floor"]))
        for name, was, now in rows:
            if was is None:
                continue
            ratio = f"{now['seconds'] / was['seconds']:.2f}" if was["seconds"] else "-"
            lines.append(f"{name:<16}{was['seconds']:>9.2f}{now['seconds']:>9.2f}{ratio:>9}"
                         f"{was['peak_mb']:>9,.0f}{now['peak_mb']:>9,.0f}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_audit",
        description="Time the audit stage by stage against the pyarrow read floor.",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000],
                        help="journal lines per dataset (default 100000)")
    parser.add_argument("--layout", choices=["A", "mixed", "vendor", "registers"], default="A",
                        help="A: platform CSVs only; mixed: the generator's layouts A, B, C; "
                             "vendor: mixed with accounting software's exports")
    parser.add_argument("--end-to-end", action="store_true",
                        help="also time `sanzi-audit run` through Prefect, then "
                             "`sanzi-audit rerun` after one correction")
    parser.add_argument("--decisions", type=float, default=0.0, metavar="SHARE",
                        help="with --end-to-end: inspectors decide this share of the full "
                             "run's findings before the reruns (default 0: none)")
    parser.add_argument("--reruns", type=int, default=1, metavar="N",
                        help="with --end-to-end: N reruns of each kind, each after a "
                             "correction to another file; their medians are reported "
                             "(default 1)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scratch", type=Path, default=DEFAULT_SCRATCH,
                        help="generated data, runs and results (default var/bench)")
    parser.add_argument("--generate-only", action="store_true",
                        help="generate (or find cached) datasets and stop")
    parser.add_argument("--note", default="", help="free text kept in the results JSON")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("OLD", "NEW"),
                        help="compare two results JSON files stage by stage and stop")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_worker"]:
        result = WORKERS[argv[1]](**json.loads(argv[2]))
        print(json.dumps(result, ensure_ascii=False))
        return 0
    args = parse_args(argv)
    if args.compare:
        print(compare_results(*(json.loads(path.read_text(encoding="utf-8"))
                                for path in args.compare)))
        return 0
    scratch = args.scratch.resolve()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if args.generate_only:
        for lines in args.sizes:
            ensure_dataset(scratch, args.layout, lines, args.seed)
        return 0
    record: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"), **git_commit(),
        "note": args.note,
        "machine": machine_info(), "layout": args.layout, "seed": args.seed,
        "lines_per_village_year": LINES_PER_VILLAGE_YEAR, "years": list(YEARS), "sizes": [],
    }
    results_path = scratch / f"results-{stamp}.json"
    for lines in args.sizes:
        result = bench_size(lines, args.layout, args.seed, scratch, stamp, args.end_to_end,
                            args.decisions, args.reruns)
        record["sizes"].append(result)
        record["targets"] = check_targets(record["sizes"])
        results_path.write_text(json.dumps(record, ensure_ascii=False, indent=1),
                                encoding="utf-8")
        print(format_table(result), flush=True)
    for target in record.get("targets", []):
        print(f"{'MET ' if target['met'] else 'MISS'} {target['target']}: {target['value']}")
    print(f"results: {results_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
