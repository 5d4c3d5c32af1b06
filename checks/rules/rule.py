"""What a rule is: a declared breach of a stated rule, with its basis and a pandera check.

A rule's ``test`` is a vectorised function of the prepared frame (:mod:`checks.prepared`) that
is True where an entry complies; it becomes a pandera check named after the rule, on the
entries' ``entry_id`` column, so pandera's failure cases are the breaching entries themselves,
one row each (a check over the whole frame would report every failing row once per column,
which on books where one rule fails everywhere costs gigabytes).
``explain`` words the breach of the failing rows only, with the numbers an inspector needs.
Grouped rules (per voucher, per numbering sequence, per village-day) mark every entry of the
failing group, so a voucher-level breach is seen on each of its lines.

A rule (and a signal, :mod:`checks.signals`) looks at one village's books at a time: what it
finds for a village's entries must not depend on other villages' entries. A rerun after a
correction keeps the checks of the villages whose lines did not change (:mod:`flows.reuse`);
``tests/flows/test_reuse.py`` fails for a rule that compares villages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pandera.pandas as pa

from checks.context import CheckContext
from checks.sources import Basis

Severity = Literal["high", "medium", "low"]
SEVERITY_TEXT: dict[str, str] = {"high": "高", "medium": "中", "low": "低"}
# A breach's strength in a case's risk, by its severity (journal rules and register checks).
SEVERITY_WEIGHTS: dict[str, float] = {"high": 1.0, "medium": 0.75, "low": 0.5}


Test = Callable[[pd.DataFrame, CheckContext], np.ndarray | pd.Series]
Explain = Callable[[pd.DataFrame, np.ndarray, CheckContext], Sequence[str] | np.ndarray]


@dataclass(frozen=True)
class Rule:
    """One stated rule: id, category, severity, what is breached, why, and how it is checked.

    ``thresholds`` names the :class:`checks.params.Thresholds` fields the rule reads (each
    entry with its town's values); ``settings`` names other parameters it reads. ``links``
    names the entry columns whose shared values tie the entries breaching it in one village
    into one case for inspectors (a split payment's payee, a numbering sequence's period and
    word); without links each voucher is its own case (:mod:`models.cases`).
    """

    id: str
    category: str
    severity: Severity
    message: str
    description: str
    basis: tuple[Basis, ...]
    test: Test
    explain: Explain
    thresholds: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    links: tuple[str, ...] = ()

    def check(self, ledger: pd.DataFrame, context: CheckContext) -> pa.Check:
        """The pandera check of this rule for the entries of ``ledger`` (a prepared frame):
        applied to their ``entry_id`` column, True where an entry complies."""

        def complies(entry_ids: pd.Series) -> pd.Series:
            verdict = np.asarray(self.test(ledger, context), dtype=bool)
            return pd.Series(verdict, index=entry_ids.index)

        return pa.Check(
            complies,
            name=self.id,
            error=self.id,
            description=self.message,
            ignore_na=False,
        )
