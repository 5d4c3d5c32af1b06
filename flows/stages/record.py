"""Record, for the county: the run's findings and cases into the review store, and the decisions
the model learns from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from flows.parts import ReadAhead
from flows.stages.common import finding_titles
from review.digest import RunDigest


def past_decisions() -> pd.DataFrame:
    """Inspectors' decisions so far, for the model to learn from (empty on a new store)."""
    from review.dispositions import decisions_for_learning
    from review.store import open_store

    return decisions_for_learning(open_store())


def prefetch_known_cases(towns: Iterable[str], county: str | None = None) -> ReadAhead:
    """Start reading the review store's cases of ``towns`` in ``county`` in the background
    (key ``"cases"``), for :func:`record_findings`."""
    from review.store import open_store, read_known_cases

    towns = list(towns)

    def read(_key: str) -> Any:
        store = open_store()
        try:
            return read_known_cases(store, towns, county)
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
