"""Report, per town: reasons for the flagged entries, their cases and the town's share of the
outputs and of the review store's digest (part "reports/<key>").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from checks.params import AuditParams
from flows.cases import CASE_LINKS, cases_table
from flows.outputs import entries_table, voucher_lines
from flows.parts import part_key, read_part
from flows.stages.common import PartKind
from flows.stages.model import ModelPart, load_model
from flows.stages.prepare import TownPart
from flows.stages.rank import town_ranking
from flows.stages.score import ScorePart
from models.cases import town_cases
from models.evidence import surprisal
from models.forest import LedgerForest
from models.ranking import ranked_columns
from models.scoring import explainer
from review.digest import DIGEST_FRAMES, digest_entries


@dataclass(frozen=True)
class TownReport:
    """A town's share of the outputs in the parts store: its scored entries, the lines of its
    flagged vouchers (for findings) and its digest for the review store. Rank numbers are the
    county's, so they are filled in when the outputs are assembled (:func:`write_sheets`,
    :func:`ranked_digest`, :func:`write_entries`)."""

    town: str
    key: str
    part_dir: str
    n_entries: int
    n_flagged: int
    n_with_breaches: int
    computed_in: str
    n_cases: int = 0  # what inspectors decide (models.cases), and how many break a rule
    n_rule_cases: int = 0


REPORTS = PartKind("reports", ("entries", "context", *DIGEST_FRAMES))


def report_key(score: ScorePart, decisions: pd.DataFrame) -> str:
    """The report's key: the town's scores and what the county decided for its entries (which
    are flagged, risk and notes from inspectors' decisions) — not the rank numbers, which
    shift with other towns."""
    decided = hashlib.sha256(decisions["position"].to_numpy(dtype=np.int64).tobytes())
    decided.update(decisions["risk"].to_numpy(dtype=np.float64).tobytes())
    decided.update((decisions["rank"].to_numpy() > 0).tobytes())
    decided.update("\x1f".join(decisions["note"].tolist()).encode())
    return part_key("report", score.key, decided.hexdigest())


def _explanations(
    entries: pd.DataFrame, features: pd.DataFrame, relations: pd.DataFrame, rows: np.ndarray,
    *, forest: LedgerForest, params: AuditParams,
) -> list[str]:
    """Feature reasons of the flagged row positions ``rows``, naming the other entries their
    relating features rest on (``relations``, the town part's)."""
    chosen = features.iloc[rows].reset_index(drop=True)
    explain = explainer(entries.iloc[rows].reset_index(drop=True), chosen,
                        surprisal(chosen, forest.reference_), forest, params, relations)
    return explain(np.arange(len(rows)))


def report_town(
    town: TownPart, score: ScorePart, decisions: pd.DataFrame, *, key: str, model: ModelPart,
    params: AuditParams, parts_dir: Path, run_id: str,
) -> TownReport:
    """The town's scored entries with reasons, the lines of its flagged vouchers and its
    digest, written as a part; flagged entries carry rank 1 until the county's ranks are set."""
    entries = read_part(town.part_dir, "entries")
    risk, rank, notes = town_ranking(score, decisions)
    flagged = (rank > 0).astype(np.int64)
    scores = read_part(score.part_dir, "scores", columns=["anomaly", "percentile"])

    def explain(rows: np.ndarray) -> list[str]:
        return _explanations(entries, read_part(town.part_dir, "features"),
                             read_part(town.part_dir, "relations"), rows,
                             forest=load_model(model.path), params=params)

    ranked = ranked_columns(
        entries, breaches=read_part(town.part_dir, "breaches"),
        signals=read_part(town.part_dir, "signals"), anomaly=scores["anomaly"].to_numpy(),
        risk=risk, rank=flagged, notes=notes, percentile=scores["percentile"].to_numpy(),
        explain=explain if flagged.any() else None,
    )
    scored = pd.concat([entries, ranked], axis=1)
    case_ids, cases = town_cases(scored[ranked["flagged"].to_numpy()], CASE_LINKS)
    scored["case_id"] = case_ids.reindex(scored.index)
    digest = digest_entries(scored, cases)
    part = TownReport(town.town, key, str(REPORTS.directory(parts_dir, key)), len(scored),
                      int(flagged.sum()), int(ranked["rule_ids"].list.len().gt(0).sum()), run_id,
                      len(cases), int(cases["rule_ids"].map(len).gt(0).sum()))
    REPORTS.write(parts_dir, key, {
        "entries": entries_table(scored),
        "context": voucher_lines(scored.assign(position=np.arange(len(scored)))).drop(
            columns=["voucher_rank", "is_finding"]),
        **{name: getattr(digest, name) for name in DIGEST_FRAMES},
        "cases": cases_table(cases),
    }, part)
    return part
