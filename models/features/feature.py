"""What a feature is: a function named after the column it returns, declared once with what
the rest of the model needs to know about it.

A feature's parameters name the columns it reads (Hamilton style): the feature frame's columns
(:mod:`models.features.frame`), the inputs :mod:`models.features.entry` derives once, the
settings it names, and features declared before it. The declaration says which way its values
are suspicious (:mod:`models.evidence` orients them so), whether a rare value is evidence on its
own, and how it is said to an inspector (a function of :mod:`models.wording` named after it).

A feature that relates an entry to another one (the same payee's line in another village, the
voucher a payee signed) returns :class:`Related`: its values and, per row, the position of the
other entry it found, or -1. Its wording names that entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NamedTuple

import numpy as np

Row = Mapping[str, Any]
NO_ENTRY = -1


class Suspicious(IntEnum):
    """Which values of a feature make an entry suspicious."""

    LARGER = 1
    SMALLER = -1
    FAR_FROM_ZERO = 0


class Related(NamedTuple):
    """A relating feature's values and, per row, the row position of the entry each value
    rests on (:data:`NO_ENTRY` where there is none); optionally, per row, the role that entry
    shows (a code the wording words: "paid", "preparer" …) and the name of whom it shows."""

    values: np.ndarray
    other: np.ndarray
    role: np.ndarray | None = None
    who: np.ndarray | None = None


@dataclass(frozen=True)
class Feature:
    """One feature: its function (named after its column), which way it is suspicious, whether
    a rare value is evidence on its own, and its wording (named after it too).

    ``evidence``: a rare value counts as evidence by itself, like an audit tool's control point;
    size features are left to the forest, which sees them together with the others.
    ``says``: None only for the plain forest's raw columns (:mod:`models.features.raw`), a
    yardstick never explained. ``relates``: the function returns :class:`Related`.
    ``in_forest``: the isolation forest's trees split on it (:mod:`models.forest`). A feature
    that is zero for nearly every entry (most relating ones) is left out: trees splitting on
    it isolate its few nonzero entries and dilute every other feature's splits, while its rare
    values already count through the evidence and are said in reasons.
    """

    compute: Callable[..., Any]
    suspicious: Suspicious
    evidence: bool
    says: Callable[[float, Row], str] | None
    relates: bool = False
    in_forest: bool = True

    def __post_init__(self) -> None:
        if self.says is not None and self.says.__name__ != self.compute.__name__:
            raise ValueError(f"特征 {self.compute.__name__} 的措辞函数应同名，"
                             f"声明的是 {self.says.__name__}")

    @property
    def name(self) -> str:
        return self.compute.__name__
