"""Reasons for quarantining rows, gathered field by field and worded per bad row."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd


class Problems:
    """Each finding: per bad row, the label of the column it is about, the reason, and its kind
    (the reason without the cell's value, to count the most common)."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.found: list[tuple[pd.Series, pd.Series, pd.Series]] = []

    def bad_values(self, labels: pd.Series | str, raw: pd.Series, problems: pd.Series) -> None:
        """Cells that did not parse: 凭证日期「2023-02-30」不是真实存在的日期."""
        if not len(problems):
            return
        rows = problems.index
        label = _at(labels, rows)
        reasons = label + "「" + raw[rows] + "」" + problems
        self.found.append((label, reasons, label + problems))

    def where(self, mask: np.ndarray | pd.Series, labels: pd.Series | str, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            rows = self.index[mask]
            text = pd.Series(reason, index=rows, dtype="str")
            self.found.append((_at(labels, rows), text, text))

    def missing(self, raw: pd.Series, labels: pd.Series | str) -> None:
        empty = raw == ""
        if not empty.any():
            return
        rows = raw.index[empty.to_numpy()]
        label = _at(labels, rows)
        self.found.append((label, label + "为空", label + "为空"))

    def rows(self) -> pd.Index:
        """The bad rows, in file order."""
        if not self.found:
            return self.index[:0]
        return pd.Index(sorted(set().union(*(reasons.index for _, reasons, _ in self.found))))

    def by_row(self) -> dict[int, tuple[list[str], list[str], str]]:
        """Per bad row: the labels of its bad columns and the reasons, in field order, and the
        kind of its first problem."""
        worded: dict[int, tuple[list[str], list[str], str]] = {}
        for labels, reasons, kinds in self.found:
            for row, label, reason, kind in zip(reasons.index, labels, reasons, kinds,
                                                strict=True):
                entry = worded.setdefault(row, ([], [], kind))
                if label not in entry[0]:
                    entry[0].append(label)
                entry[1].append(reason)
        return worded

    def kinds(self) -> Counter[str]:
        """How many bad rows each kind of problem is the first problem of."""
        return Counter(kind for _, _, kind in self.by_row().values())


def _at(labels: pd.Series | str, rows: pd.Index) -> pd.Series:
    if isinstance(labels, str):
        return pd.Series(labels, index=rows, dtype="str")
    return labels[rows]
