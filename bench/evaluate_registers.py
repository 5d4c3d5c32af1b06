"""How well the register checks find the generator's register misconduct, what they find in a
clean county, and what the register stage costs.

Generates a county with registers (or reads a folder such as ``data/sample``), reads its
ledgers and registers as the pipeline does, gives entry ids per town, and runs
:func:`checks.registers.audit.audit_registers` per town, as of the last day of the town's last
period (``flows/stages/registers.py``). Prints:

- per labelled register row (``register_labels.csv``): found or missed by its check;
- recall per check and per subject kind;
- findings per check, rules and signals apart, and those no label expects;
- on a clean county (``generate_ledgers(inject=False)``: no register misconduct, no ledger
  misconduct either), findings per check: the target is no rule finding;
- the time and peak memory of the register stage per town and in total, beside the time to
  read the ledgers and the registers.

A label is found when a finding of its ``check_id`` in its village names its subject:

- a contract, asset or resource: the finding's subject is the same (kind and id), or, for an
  asset, the finding is on an account and its evidence lists the asset (``assets``: the
  yearly additions compared with the 固定资产 debits name the assets of that year);
- an account (``153002 在建工程-河道清淤工程``): the finding's subject is an account whose code
  is the label's code or a leading part of it (the check compares the 在建工程 balance as a
  whole, ``153``, or per sub-account).

    .venv/bin/python -m bench.evaluate_registers --villages 40 --seed 11
    .venv/bin/python -m bench.evaluate_registers --input data/sample
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.bench_audit import reset_peak, status_kb
from checks.params import AuditParams, load_params
from checks.registers.audit import REGISTER_CHECKS, audit_registers
from checks.registers.columns import COLUMNS, REGISTER_KINDS, empty_frame
from data.generator import generate_ledgers
from data.generator.labels import REGISTER_LABELS_FILE
from flows.ingest import assign_entry_ids, read_ledger_file
from flows.ingest.registers import read_register_file, register_kind
from flows.stages.common import NOT_LEDGERS
from flows.stages.registers import audit_date

SUFFIXES = (".csv", ".xlsx", ".xls")


def read_county(folder: Path) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, float]]:
    """The folder's canonical entries and registers (by kind), and the reading times."""
    paths = sorted(path for path in folder.iterdir()
                   if path.suffix.lower() in SUFFIXES and path.name not in NOT_LEDGERS)
    started = time.perf_counter()
    kinds = {path: register_kind(path) for path in paths}
    recognised = time.perf_counter() - started
    started = time.perf_counter()
    entries = pd.concat([read_ledger_file(path).entries for path in paths if kinds[path] is None],
                        ignore_index=True)
    ledgers = time.perf_counter() - started
    started = time.perf_counter()
    stacked: dict[str, list[pd.DataFrame]] = {kind: [] for kind in REGISTER_KINDS}
    for path, kind in kinds.items():
        if kind is not None:
            stacked[kind].append(read_register_file(path).frame)
    registers = {kind: pd.concat(frames, ignore_index=True) if frames
                 else empty_frame(COLUMNS[kind]) for kind, frames in stacked.items()}
    return entries, registers, {"recognise": recognised, "ledgers": ledgers,
                                "registers": time.perf_counter() - started}


def audit_county(entries: pd.DataFrame, registers: dict[str, pd.DataFrame],
                 params: AuditParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every town's register findings, and per town its rows, time and peak memory."""
    found, costs = [], []
    for town in sorted(entries["town"].unique()):
        own = assign_entry_ids(entries.loc[entries["town"] == town].reset_index(drop=True))
        theirs = {kind: frame.loc[frame["town"] == town].reset_index(drop=True)
                  for kind, frame in registers.items()}
        as_of = audit_date(str(own["period"].max()))
        exact = reset_peak()
        before = status_kb("VmRSS")
        started = time.perf_counter()
        audit = audit_registers(theirs, own, params, as_of)
        seconds = time.perf_counter() - started
        found.append(audit.findings)
        costs.append({"town": town, "entries": len(own),
                      "contracts": len(theirs["contracts"]), "assets": len(theirs["assets"]),
                      "resources": len(theirs["resources"]), "amounts due": len(audit.schedule),
                      "findings": len(audit.findings), "seconds": round(seconds, 3),
                      "peak MB": round(status_kb("VmHWM") / 1024, 1) if exact else None,
                      "peak above start MB": round((status_kb("VmHWM") - before) / 1024, 1)
                      if exact else None})
    return pd.concat(found, ignore_index=True), pd.DataFrame(costs)


def _account_code(subject_id: str) -> str:
    return subject_id.split()[0] if subject_id else ""


def label_found(label: dict, findings: pd.DataFrame) -> bool:
    """Whether a finding of the label's check in its village names its subject (module
    docstring)."""
    own = findings.loc[(findings["check_id"] == label["check_id"])
                       & (findings["village"] == label["village"])]
    if label["subject_kind"] == "account":
        code = _account_code(label["subject_id"])
        return bool(((own["subject_kind"] == "account")
                     & own["subject_id"].map(lambda found: bool(found)
                                             and code.startswith(found))).any())
    same = (own["subject_kind"] == label["subject_kind"]) & (own["subject_id"]
                                                              == label["subject_id"])
    if same.any():
        return True
    if label["subject_kind"] == "asset":
        accounts = own.loc[own["subject_kind"] == "account", "evidence"]
        return any(label["subject_id"] in json.loads(text).get("assets", [])
                   for text in accounts if isinstance(json.loads(text).get("assets"), list))
    return False


def score_labels(labels: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    labels = labels.copy()
    labels["found"] = [label_found(label, findings) for label in labels.to_dict("records")]
    return labels


def expected(findings: pd.DataFrame, labels: pd.DataFrame) -> pd.Series:
    """Per finding: whether a label of its check names its subject (as :func:`label_found`)."""
    flags = []
    for finding in findings.to_dict("records"):
        own = labels.loc[(labels["check_id"] == finding["check_id"])
                         & (labels["village"] == finding["village"])]
        frame = pd.DataFrame([finding])
        flags.append(any(label_found(label, frame) for label in own.to_dict("records")))
    return pd.Series(flags, index=findings.index, dtype="bool")


def findings_per_check(findings: pd.DataFrame, labels: pd.DataFrame | None) -> pd.DataFrame:
    """Findings per check of the catalogue: rules, signals, and (given labels) unlabelled."""
    rows = []
    labelled = expected(findings, labels) if labels is not None else None
    for check in REGISTER_CHECKS:
        own = findings["check_id"] == check.id
        row = {"check": check.id, "rule findings": int((own & (findings["kind"] == "rule")).sum()),
               "signal findings": int((own & (findings["kind"] == "signal")).sum())}
        if labelled is not None:
            row["unlabelled rules"] = int((own & (findings["kind"] == "rule") & ~labelled).sum())
            row["unlabelled signals"] = int((own & (findings["kind"] == "signal")
                                             & ~labelled).sum())
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("check")
    frame.loc["(all)"] = frame.sum()
    return frame


def recall(scored: pd.DataFrame, by: str) -> pd.DataFrame:
    grouped = scored.groupby(by)["found"]
    return pd.DataFrame({"labels": grouped.size(), "found": grouped.sum().astype("int64"),
                         "recall": grouped.mean().round(3)})


def report_costs(costs: pd.DataFrame, reading: dict[str, float]) -> None:
    print(f"\nreading: ledgers {reading['ledgers']:.2f} s, registers {reading['registers']:.2f} s "
          f"(recognising the files {reading['recognise']:.2f} s)")
    print(costs.to_string(index=False))
    print(f"register stage, all towns: {costs['seconds'].sum():.2f} s over "
          f"{int(costs['entries'].sum()):,} entries and "
          f"{int(costs[['contracts', 'assets', 'resources']].to_numpy().sum()):,} register rows; "
          f"peak {costs['peak MB'].max()} MB")


def evaluate_folder(folder: Path, params: AuditParams, *, title: str,
                    with_labels: bool) -> pd.DataFrame:
    entries, registers, reading = read_county(folder)
    findings, costs = audit_county(entries, registers, params)
    print(f"\n=== {title}: {entries['village'].nunique()} villages, {len(entries):,} entries, "
          f"{len(registers['contracts'])} contracts, {len(findings)} register findings ===")
    labels = None
    if with_labels and (folder / REGISTER_LABELS_FILE).exists():
        labels = pd.read_csv(folder / REGISTER_LABELS_FILE, dtype="str", encoding="utf-8-sig",
                             keep_default_na=False)
        scored = score_labels(labels, findings)
        print("\nlabels (pattern, check, village, subject): found or missed")
        for label in scored.sort_values(["pattern", "village"]).to_dict("records"):
            print(f"  {'found ' if label['found'] else 'MISSED'} {label['pattern']:<22} "
                  f"{label['check_id']:<26} {label['village']} {label['subject_kind']} "
                  f"{label['subject_id']}")
        print(f"\nrecall per check\n{recall(scored, 'check_id').to_string()}")
        print(f"\nrecall per subject kind\n{recall(scored, 'subject_kind').to_string()}")
        print(f"\nrecall per pattern\n{recall(scored, 'pattern').to_string()}")
    print(f"\nfindings per check\n{findings_per_check(findings, labels).to_string()}")
    unlabelled = findings if labels is None else findings.loc[~expected(findings, labels)]
    if len(unlabelled):
        print("\nfindings no label expects")
        for finding in unlabelled.to_dict("records"):
            print(f"  {finding['kind']:<6} {finding['check_id']:<26} {finding['village']} "
                  f"{finding['subject_id']}: {finding['reason'][:140]}")
    report_costs(costs, reading)
    return findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--input", type=Path, help="evaluate this folder (e.g. data/sample) "
                                                   "instead of generating a county")
    parser.add_argument("--clean-only", action="store_true",
                        help="only the clean county (no misconduct injected)")
    arguments = parser.parse_args()
    pd.set_option("display.width", 200)
    params = load_params()
    if arguments.input is not None:
        evaluate_folder(arguments.input, params, title=str(arguments.input), with_labels=True)
        return
    runs = [(False, "clean county")] if arguments.clean_only \
        else [(True, "injected county"), (False, "clean county")]
    for inject, title in runs:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            generate_ledgers(Path(folder), villages=arguments.villages, seed=arguments.seed,
                             inject=inject)
            print(f"\ngenerated {arguments.villages} villages (seed {arguments.seed}, "
                  f"inject={inject}) in {time.perf_counter() - started:.0f} s")
            evaluate_folder(Path(folder), params, title=f"{title}, seed {arguments.seed}",
                            with_labels=inject)


if __name__ == "__main__":
    main()
