"""What a signal is: a journal-entry test that makes an entry suspicious without breaching a rule.

Signals never raise rule ids. Each ``find`` is a vectorised function of the prepared frame that
returns the rows it marks with a Chinese detail per row (:func:`hits`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from checks.context import CheckContext
from checks.sources import Basis

HIT_COLUMNS = ["row", "detail"]


def hits(rows: np.ndarray | Sequence[int], details: Sequence[str]) -> pd.DataFrame:
    """The rows a signal marks (positions in the prepared frame) and the detail of each."""
    return pd.DataFrame(
        {
            "row": np.asarray(rows, dtype=np.int64),
            "detail": pd.Series(list(details), dtype="str"),
        }
    )


def no_hits() -> pd.DataFrame:
    return hits(np.zeros(0, dtype=np.int64), [])


Find = Callable[[pd.DataFrame, CheckContext], pd.DataFrame]


@dataclass(frozen=True)
class Signal:
    """One journal-entry test: id, Chinese name and description, the standards or rules it
    rests on (``basis``, as a rule's); ``links`` as a rule's (:class:`checks.rules.rule.Rule`)."""

    id: str
    name: str
    description: str
    basis: tuple[Basis, ...]
    find: Find
    settings: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
