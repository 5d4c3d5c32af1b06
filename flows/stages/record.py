"""Record, for the county: the run's findings and cases into the review store, and the decisions
the model learns from. The flow opens the store (its settings name it) and gives it here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from flows.parts import ReadAhead
from flows.stages.common import finding_titles
from review.digest import RunDigest

if TYPE_CHECKING:
    from review.db import Store


def past_decisions(store: Store) -> pd.DataFrame:
    """Inspectors' decisions so far, for the model to learn from (empty on a new store)."""
    from review.dispositions import decisions_for_learning

    return decisions_for_learning(store)


def prefetch_known_cases(store: Store, towns: Iterable[str], county: str | None = None
                         ) -> ReadAhead:
    """Start reading the store's cases of ``towns`` in ``county`` in the background (key
    ``"cases"``), for :func:`record_findings`."""
    from review.store import read_known_cases

    towns = list(towns)
    return ReadAhead(lambda _key: read_known_cases(store, towns, county), ["cases"])


def record_findings(
    store: Store, *, run_id: str, started_at: str, finished_at: str, inputs: list[str],
    out_dir: str, params: dict[str, Any], digest: RunDigest, quarantine: pd.DataFrame,
    known_cases: Any = None,
) -> dict[str, Any]:
    """Write the run's findings to the review store; returns what changed since earlier runs.
    The run is named as run.json names it (``params``: the parameters' record);
    ``known_cases``: the store's cases read ahead (:func:`prefetch_known_cases`), if any."""
    from review.store import record_run

    changes = record_run(
        store,
        run_id=run_id,
        started_at=started_at,
        finished_at=finished_at,
        inputs=inputs,
        out_dir=out_dir,
        params=params,
        digest=digest,
        quarantine=quarantine,
        rule_titles=finding_titles(),
        known_cases=known_cases,
    )
    return changes.to_dict()
