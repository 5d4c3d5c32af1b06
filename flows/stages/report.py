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
from flows.parts import part_exists, part_key, read_part
from flows.reuse import earlier_report, explanations, remember_report
from flows.runners import on_spare_core
from flows.stages.common import TOWNS, PartKind
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
    n_explained: int  # flagged entries the model explained (the others kept theirs)
    n_cases: int = 0  # what inspectors decide (models.cases), and how many break a rule
    n_rule_cases: int = 0


REPORTS = PartKind("reports", ("entries", "context", "explanations", *DIGEST_FRAMES))


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
    entries: pd.DataFrame, features: pd.DataFrame, rows: np.ndarray, *, forest: LedgerForest,
    params: AuditParams,
) -> list[str]:
    """Feature reasons of the flagged row positions ``rows``."""
    chosen = features.iloc[rows].reset_index(drop=True)
    explain = explainer(entries.iloc[rows].reset_index(drop=True), chosen,
                        surprisal(chosen, forest.reference_), forest, params)
    return explain(np.arange(len(rows)))


def report_town(
    town: TownPart, score: ScorePart, decisions: pd.DataFrame, *, key: str, model: ModelPart,
    params: AuditParams, parts_dir: Path, run_id: str, alone: bool = False,
) -> TownReport:
    """The town's scored entries with reasons, the lines of its flagged vouchers and its
    digest, written as a part; flagged entries carry rank 1 until the county's ranks are set.
    The model's explanations of entries an earlier report of the town explained are taken
    from it where the entries and their features are the same (:mod:`flows.reuse`).
    ``alone``: the only town being reported, so a core is spare and the flagged entries are
    explained beside the rest (:func:`flows.runners.on_spare_core`)."""
    entries = read_part(town.part_dir, "entries")
    risk, rank, notes = town_ranking(score, decisions)
    flagged = (rank > 0).astype(np.int64)
    rows = np.flatnonzero(flagged)  # the positions ranked_columns asks explanations for
    with on_spare_core(alone and rows.size > 0, _town_explanations, town, entries, rows,
                       model=model, params=params, parts_dir=parts_dir, key=key) as explaining:
        breaches = read_part(town.part_dir, "breaches")
        signals = read_part(town.part_dir, "signals")
        scores = read_part(score.part_dir, "scores", columns=["anomaly", "percentile"])
        explained = pd.DataFrame({"entry_id": pd.Series(dtype="str"),
                                  "text": pd.Series(dtype="str")})
        n_explained = 0

        def explain(asked: np.ndarray) -> list[str]:
            nonlocal explained, n_explained
            if not np.array_equal(asked, rows):  # explaining() worked out ``rows`` ahead
                raise RuntimeError(f"{town.town}：解释的分录与标记的分录不一致（内部错误）")
            texts, n_explained = explaining()
            explained = pd.DataFrame({"entry_id": entries["entry_id"].iloc[asked].to_numpy(),
                                      "text": pd.array(texts, dtype="str")})
            return texts

        ranked = ranked_columns(
            entries, breaches=breaches, signals=signals, anomaly=scores["anomaly"].to_numpy(),
            risk=risk, rank=flagged, notes=notes,
            percentile=scores["percentile"].to_numpy(), explain=explain if flagged.any() else None,
        )
    scored = pd.concat([entries, ranked], axis=1)
    case_ids, cases = town_cases(scored[ranked["flagged"].to_numpy()], CASE_LINKS)
    scored["case_id"] = case_ids.reindex(scored.index)
    digest = digest_entries(scored, cases)
    part = TownReport(town.town, key, str(REPORTS.directory(parts_dir, key)), len(scored),
                      int(flagged.sum()), int(ranked["rule_ids"].list.len().gt(0).sum()), run_id,
                      n_explained, len(cases), int(cases["rule_ids"].map(len).gt(0).sum()))
    REPORTS.write(parts_dir, key, {
        "entries": entries_table(scored),
        "context": voucher_lines(scored.assign(position=np.arange(len(scored)))).drop(
            columns=["voucher_rank", "is_finding"]),
        "explanations": explained,
        **{name: getattr(digest, name) for name in DIGEST_FRAMES},
        "cases": cases_table(cases),
    }, part)
    remember_report(parts_dir, town.key, model.version, key)
    return part


def _town_explanations(town: TownPart, entries: pd.DataFrame, rows: np.ndarray, *,
                       model: ModelPart, params: AuditParams, parts_dir: Path, key: str
                       ) -> tuple[list[str], int]:
    """The model's explanations of the town's entries at ``rows``, and how many it worked out
    afresh (:func:`flows.reuse.explanations`)."""
    features = read_part(town.part_dir, "features")
    return explanations(
        rows, entries, features, lambda fresh: _explanations(
            entries, features, fresh, forest=load_model(model.path), params=params),
        _earlier_report(town, model, parts_dir, key))


def _earlier_report(town: TownPart, model: ModelPart, parts_dir: Path, key: str
                    ) -> tuple[Path, Path] | None:
    """An earlier report of the town's part (or of its earlier part) under this model, with
    that town part's folder, if both are in the store."""
    found = earlier_report(parts_dir, [town.key, town.earlier], model.version, REPORTS.frames,
                           folder=REPORTS.folder, key=key)
    if found is None:
        return None
    town_key, report = found
    town_dir = TOWNS.directory(parts_dir, town_key)
    if not part_exists(town_dir, TOWNS.frames):
        return None
    return REPORTS.directory(parts_dir, report), town_dir
