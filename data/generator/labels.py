"""The answer keys: labels.csv, one row per labelled journal line, pointing at the row in its
file; register_labels.csv, one row per register row (or ledger account) a register case shows,
with the register check (checks/RULES.md, "三资台账检查") that should find it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from data.generator.cases import Case

LABELS_FILE = "labels.csv"
LABEL_COLUMNS = [
    "source_file", "source_sheet", "source_row", "case_id", "pattern", "kind", "rule_id",
    "village", "period", "voucher_no", "description",
]

REGISTER_LABELS_FILE = "register_labels.csv"
REGISTER_LABEL_COLUMNS = [
    "source_file", "source_sheet", "source_row", "case_id", "pattern", "kind", "check_id",
    "village", "subject_kind", "subject_id", "description",
]


def label_rows(placed: pd.DataFrame, cases: Sequence[Case]) -> pd.DataFrame:
    """Every line that belongs to a case, with the case's pattern, kind, rule and description."""
    registry = pd.DataFrame([asdict(case) for case in cases],
                            columns=["case_id", "kind", "pattern", "rule_id", "description"])
    labelled = placed.loc[placed["case_id"] != "",
                          ["source_file", "source_sheet", "source_row", "case_id", "village",
                           "period", "voucher_no"]]
    labels = labelled.merge(registry.astype("str"), on="case_id", how="left", validate="m:1")
    return labels[LABEL_COLUMNS].sort_values(
        ["source_file", "source_sheet", "source_row"], kind="stable", ignore_index=True
    )


def write_labels(labels: pd.DataFrame, out_dir: Path) -> Path:
    path = out_dir / LABELS_FILE
    labels.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path


def write_register_labels(labels: pd.DataFrame, out_dir: Path) -> Path:
    path = out_dir / REGISTER_LABELS_FILE
    labels[REGISTER_LABEL_COLUMNS].to_csv(path, index=False, encoding="utf-8-sig",
                                          lineterminator="\n")
    return path
