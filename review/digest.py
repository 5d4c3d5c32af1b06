"""What the findings store keeps of a run's scored entries, computed town by town.

A county's run has millions of scored entries, more than a flow should hold at once. The store
needs far less: the cells loaded, lines per source file, the flagged entries, the whole vouchers
around them and the per-village totals. A town's entries give its part of all of these (every
voucher, village and payee total lies inside one town), so the flow digests each town and
combines the digests; ``record_run`` then never sees the entries themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from checks.rules import RULES
from checks.signals import SIGNALS
from models.cases import VOUCHER_KEY, empty_cases, town_cases
from review import aggregates, tables
from review.reconcile import CELL, run_scope

# A rule's or signal's linking columns, declared beside it (Rule.links, Signal.links): the
# entries it marks that share them are one case (models.cases.town_cases).
CASE_LINKS: dict[str, tuple[str, ...]] = {
    finding.id: finding.links for finding in (*RULES, *SIGNALS) if finding.links}

SCORED_COLUMNS = [
    *tables.ENTRY_FIELD_NAMES,
    "risk_score",
    "rule_ids",
    "signals",
    "flagged",
    "reasons",
    "rank",
]
# A flagged entry as the store keeps it: its scores and the case it is part of.
FLAGGED_COLUMNS = [*SCORED_COLUMNS, "case_id"]
_RUN_FILE_KEY = ["source_file", "town"]
_VOUCHER_LINE_COLUMNS = [
    column.name for column in tables.voucher_lines.columns if column.name != "run_id"
]

__all__ = [
    "CASE_LINKS",
    "FLAGGED_COLUMNS",
    "SCORED_COLUMNS",
    "RunDigest",
    "check_scored_columns",
    "combine_digests",
    "digest_entries",
]


# The frames of a digest, by name (a digest can be stored and read back frame by frame).
DIGEST_FRAMES = ["scope", "run_files", "flagged", "cases", "voucher_lines", "village_accounts",
                 "payee_periods"]


@dataclass(frozen=True)
class RunDigest:
    """All ``record_run`` needs of a run's scored entries (or of one town's).

    ``scope``: entries and findings per (town, village, period) cell, sorted by cell;
    ``run_files``: entries per source file and town; ``flagged``: the flagged entries with
    :data:`FLAGGED_COLUMNS`; ``cases``: the cases they form (``models.cases.CASE_COLUMNS``);
    ``voucher_lines``: every line of every voucher holding a flagged
    entry; ``village_accounts`` and ``payee_periods``: the aggregates of ``review.aggregates``;
    ``n_entries``: how many entries were digested; ``sources``: for towns whose frames come
    from a part of the flow's parts store, the part's key (it names everything the frames are
    made from), so the store can tell an unchanged town without reading its rows.
    ``registers``: for towns whose 三资 registers were checked, ``subjects`` (per register
    case: the subject's terms, findings with their evidence, a contract's schedule) and
    ``village_contracts`` (per village and year: contracts in force and expiring, rent due,
    received and overdue), as :mod:`flows.stages.registers` makes them, and where given
    ``context`` (the journal lines the register findings rest on, in the entries' columns with
    their ``case_id``).
    """

    scope: pd.DataFrame
    run_files: pd.DataFrame
    flagged: pd.DataFrame
    cases: pd.DataFrame
    voucher_lines: pd.DataFrame
    village_accounts: pd.DataFrame
    payee_periods: pd.DataFrame
    n_entries: int
    sources: dict[str, str] = field(default_factory=dict)
    registers: dict[str, pd.DataFrame] = field(default_factory=dict)


def check_scored_columns(frame: pd.DataFrame) -> None:
    """Refuse a frame that lacks the score columns, before anything is computed or stored."""
    missing = sorted(set(SCORED_COLUMNS) - set(frame.columns))
    if missing:
        raise ValueError(
            f"the scored entries lack the columns {missing}; pass the flow's scored frame "
            "(or a digest that digest_entries made from it)"
        )


def digest_entries(entries: pd.DataFrame, cases: pd.DataFrame | None = None) -> RunDigest:
    """The digest of one scored frame: a whole run's, or one town's with all its entries.

    ``cases``: the cases of the flagged entries, whose ids the entries carry (``case_id``), as
    the flow made them; without them, the cases are made here (:func:`town_cases`)."""
    check_scored_columns(entries)
    is_flagged = entries["flagged"].astype(bool)
    flagged = entries.loc[is_flagged, SCORED_COLUMNS].reset_index(drop=True)
    if cases is None:
        flagged["case_id"], cases = _cases(flagged)
    else:
        flagged["case_id"] = entries.loc[is_flagged, "case_id"].to_numpy()
    return RunDigest(
        scope=run_scope(entries),
        run_files=_run_files(entries),
        flagged=flagged,
        cases=cases.reset_index(drop=True),
        voucher_lines=_voucher_lines(entries, is_flagged),
        village_accounts=aggregates.village_accounts(entries),
        payee_periods=aggregates.payee_periods(entries, flagged),
        n_entries=len(entries),
    )


def combine_digests(digests: list[RunDigest]) -> RunDigest:
    """One run's digest from its towns' digests, as ``digest_entries`` of all their entries.

    Each town must be digested once and whole: a payee's totals and a voucher's lines are only
    right when every entry of their town was in the same digest.
    """
    if not digests:
        return digest_entries(pd.DataFrame(columns=SCORED_COLUMNS))
    towns = pd.concat([digest.scope["town"].drop_duplicates() for digest in digests])
    repeated = sorted(towns[towns.duplicated()].unique())
    if repeated:
        raise ValueError(
            f"the towns {repeated} are in more than one digest; digest each town's entries "
            "in one piece"
        )
    run_files = _stacked([digest.run_files for digest in digests])
    return RunDigest(
        scope=_stacked([digest.scope for digest in digests]).sort_values(CELL, ignore_index=True),
        # sorted as digest_entries sorts them; a (file, town) pair given twice adds up
        run_files=run_files.groupby(_RUN_FILE_KEY)["n_entries"].sum().reset_index(),
        flagged=_stacked([digest.flagged for digest in digests]),
        cases=_stacked([digest.cases for digest in digests]),
        voucher_lines=_stacked([digest.voucher_lines for digest in digests]),
        village_accounts=_stacked([digest.village_accounts for digest in digests]),
        payee_periods=_stacked([digest.payee_periods for digest in digests]),
        n_entries=sum(digest.n_entries for digest in digests),
        sources={town: key for digest in digests for town, key in digest.sources.items()},
        registers={name: _stacked([digest.registers[name] for digest in digests
                                   if name in digest.registers])
                   for name in {name for digest in digests for name in digest.registers}},
    )


def _cases(flagged: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Each flagged entry's case id and the cases, town by town (a case never spans towns)."""
    case_ids = pd.Series("", index=flagged.index, dtype="str")
    made = [empty_cases()]
    for _, town in flagged.groupby("town", sort=True):
        ids, cases = town_cases(town, CASE_LINKS)
        case_ids[ids.index] = ids
        made.append(cases)
    return case_ids, pd.concat(made, ignore_index=True)


def _stacked(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


def _run_files(entries: pd.DataFrame) -> pd.DataFrame:
    return entries.groupby(_RUN_FILE_KEY).size().rename("n_entries").reset_index()


def _voucher_lines(entries: pd.DataFrame, is_flagged: pd.Series) -> pd.DataFrame:
    """Every line of every voucher that holds a flagged entry."""
    vouchers = entries.loc[is_flagged, VOUCHER_KEY].drop_duplicates()
    return entries[_VOUCHER_LINE_COLUMNS].merge(vouchers, on=VOUCHER_KEY, how="inner")
