"""A town's books as the register checks read them, worked out once for all the checks: the
journal lines (:func:`checks.registers.ledger.ledger_lines`), the receipts, payments and income
that belong to contracts (:func:`checks.registers.matching.contract_lines`), and per village
the years its books cover and the day they begin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from checks.params import AuditParams
from checks.registers.ledger import ledger_lines
from checks.registers.matching import contract_lines


@dataclass(frozen=True)
class TownBooks:
    """What the register checks read of one town's journal; ``entries`` are the canonical
    entries as given (not to be changed)."""

    entries: pd.DataFrame
    lines: pd.DataFrame
    flows: pd.DataFrame  # receipts (收) and payments (付) naming contracts
    income: pd.DataFrame  # income booked to contracts
    years: Mapping[str, tuple[int, ...]]  # village → the years of its periods, in order
    starts: Mapping[str, pd.Timestamp]  # village → the first day of its books

    def years_until(self, village: str, as_of: dt.date) -> list[int]:
        """The full or current years a village's books cover up to ``as_of``."""
        return [year for year in self.years.get(village, ()) if year <= as_of.year]


def town_books(entries: pd.DataFrame, contracts: pd.DataFrame,
               params: AuditParams) -> TownBooks:
    """The town's ``entries`` prepared for the register checks against its ``contracts``."""
    lines = ledger_lines(entries, params)
    linked = contract_lines(lines, contracts)
    periods = entries[["village", "period"]].drop_duplicates()
    years = pd.DataFrame({"village": periods["village"].array,
                          "year": periods["period"].str[:4].astype(int).array}
                         ).drop_duplicates().sort_values("year", kind="stable")
    first = periods.groupby("village")["period"].min()
    return TownBooks(
        entries=entries, lines=lines, flows=linked.flows, income=linked.income,
        years={village: tuple(own.tolist())
               for village, own in years.groupby("village", sort=False)["year"]},
        starts=dict(zip(first.index, pd.to_datetime(first + "-01"), strict=True)),
    )
