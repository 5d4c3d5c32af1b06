"""What every stage shares: the kinds of parts in the parts store, stage timings and the
constants of the county's run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks.rules import RULES
from checks.rules.rule import SEVERITY_WEIGHTS
from flows.cases import FINDING_TITLES
from flows.parts import part_exists, part_summary, write_part

LEDGER_SUFFIXES = {".csv", ".xlsx", ".xls"}
# Files that travel with exports but are not ledgers (the generator's answer key, notes).
NOT_LEDGERS = {"labels.csv", "register_labels.csv"}
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
TOWNS = PartKind("towns", ("entries", "features", "relations", "breaches", "signals"))
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


def finding_titles() -> dict[str, str]:
    """Rule and signal ids → their Chinese names, for pages and sheets that show them."""
    return dict(FINDING_TITLES)
