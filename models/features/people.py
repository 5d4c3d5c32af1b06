"""People in more than one role: a cadre, an employee or a signer of the town's vouchers who is
also paid as a supplier, listed on a roster of payouts, or whose name a paid firm bears.

The town's insiders are the people its villages pay regularly (a cadre's or an employee's pay,
:func:`models.features.voucher.regular_payee`) and the people who sign its vouchers (制单, 审核,
记账). Each feature relates an entry to the entry that shows the insider's role: a pay line on
an account they are paid on regularly, or the first line they signed. Names are matched within
a town only, in the entry's own village first.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from checks.prepared import dense_key
from models.features.feature import NO_ENTRY, Related
from models.features.frame import group_nunique
from models.features.voucher import REGULAR_PAYEE_SHARE

ROSTER_PEOPLE = 3  # a voucher paying this many individuals or more is a roster (名单)
MAX_NAME_LENGTH = 4  # a person's name, 复姓 included; a longer payee is a firm or a team
SIGNERS = ("preparer", "reviewer", "bookkeeper")


class Names(NamedTuple):
    """Every name of the books as one integer code, wherever it appears: ``distinct[code]``."""

    distinct: pd.Index
    payee: np.ndarray
    preparer: np.ndarray
    reviewer: np.ndarray
    bookkeeper: np.ndarray

    @property
    def blank(self) -> int:
        """The code of the empty name (-1 when no field is empty)."""
        return int(self.distinct.get_indexer([""])[0])


def names(payee: pd.Series, preparer: pd.Series, reviewer: pd.Series, bookkeeper: pd.Series
          ) -> Names:
    """The codes of the payee's and the signers' names, in one code space."""
    factorized = [pd.factorize(column) for column in (payee, preparer, reviewer, bookkeeper)]
    distinct = pd.Index(np.concatenate([np.asarray(uniques, dtype=object)
                                        for _, uniques in factorized])).unique()
    codes = [distinct.get_indexer(np.asarray(uniques, dtype=object))[column]
             for column, uniques in factorized]
    return Names(distinct, *codes)


def on_regular_account(regular_payee: np.ndarray, payee_key: np.ndarray,
                       account_code: pd.Series, period: pd.Series) -> np.ndarray:
    """Whether a regular payee is paid on the line's account in at least
    ``REGULAR_PAYEE_SHARE`` of the periods they are paid in (a cadre's pay account, both charts'
    codes for it)."""
    periods = pd.factorize(period)[0]
    pair = dense_key(payee_key, pd.factorize(account_code)[0])
    return regular_payee & (group_nunique(periods, pair)
                            >= REGULAR_PAYEE_SHARE * group_nunique(periods, payee_key))


def account_key_in_town(town_key: np.ndarray, account_code: pd.Series) -> np.ndarray:
    """A dense id of the line's account code in its town (all villages together)."""
    return dense_key(town_key, pd.factorize(account_code)[0])


def insiders(
    town_key: np.ndarray, village_key: np.ndarray, names: Names, payee_key: np.ndarray,
    organisation: np.ndarray, on_regular_account: np.ndarray, is_debit_line: np.ndarray,
) -> pd.DataFrame:
    """One row per person of a village's administration: ``town_key``, ``village_key``,
    ``name`` (a code of ``names``), ``row`` (an entry showing the role: their first pay line on
    a regular account, or the first line they signed) and ``role`` ("paid" or a signer's
    column). A person paid regularly keeps that role where they also sign."""
    paid = np.flatnonzero(on_regular_account & ~organisation & is_debit_line)
    _, first = np.unique(payee_key[paid], return_index=True)
    tables = [("paid", paid[first], names.payee[paid[first]])]
    for role in SIGNERS:
        codes = getattr(names, role)
        signed = np.flatnonzero(codes != names.blank)
        _, first = np.unique(dense_key(village_key[signed], codes[signed]), return_index=True)
        tables.append((role, signed[first], codes[signed[first]]))
    rows = np.concatenate([row for _, row, _ in tables])
    table = pd.DataFrame({
        "town_key": town_key[rows], "village_key": village_key[rows],
        "name": np.concatenate([code for _, _, code in tables]), "row": rows,
        "role": np.repeat([role for role, _, _ in tables], [len(row) for _, row, _ in tables]),
    })
    return table.drop_duplicates(["village_key", "name"]).reset_index(drop=True)


def payee_insider(insiders: pd.DataFrame, names: Names, town_key: np.ndarray,
                  village_key: np.ndarray) -> np.ndarray:
    """Per row, the position in ``insiders`` of the payee, an insider of the row's own village
    or else of another village of its town; -1 where the payee is none."""
    return _insider_of(insiders, town_key, village_key, names.payee)


def _insider_of(insiders: pd.DataFrame, town_key: np.ndarray, village_key: np.ndarray,
                name: np.ndarray) -> np.ndarray:
    """Per row, the position in ``insiders`` of the person whose name code is ``name`` in the
    row's own village, else in another village of its town; -1 where none."""
    if insiders.empty:
        return np.full(len(name), -1)
    span = int(max(name.max(initial=0), insiders["name"].max() if len(insiders) else 0)) + 1
    in_village = pd.Index(insiders["village_key"].to_numpy() * span + insiders["name"])
    found = in_village.get_indexer(village_key * span + name)
    first_in_town = insiders.drop_duplicates(["town_key", "name"])
    in_town = pd.Index(first_in_town["town_key"].to_numpy() * span + first_in_town["name"])
    elsewhere = in_town.get_indexer(town_key * span + name)
    elsewhere = np.where(elsewhere >= 0, first_in_town.index.to_numpy()[
        np.maximum(elsewhere, 0)], -1)
    return np.where(found >= 0, found, elsewhere)


def _related(insiders: pd.DataFrame, names: Names, hit: np.ndarray, found: np.ndarray,
             values: np.ndarray) -> Related:
    found = np.where(hit, found, -1)
    at = np.maximum(found, 0)
    if insiders.empty:
        return Related(np.zeros(len(hit)), np.full(len(hit), NO_ENTRY, dtype=np.int64))
    return Related(
        values=np.where(hit, values, 0.0),
        other=np.where(hit, insiders["row"].to_numpy()[at], NO_ENTRY),
        role=np.where(hit, insiders["role"].to_numpy()[at], ""),
        who=np.where(hit, np.asarray(names.distinct, dtype=object)[
            insiders["name"].to_numpy()[at]], ""),
    )


def insider_as_supplier(
    names: Names, organisation: np.ndarray, is_debit_line: np.ndarray,
    on_regular_account: np.ndarray, account_key_in_town: np.ndarray,
    payee_insider: np.ndarray, insiders: pd.DataFrame,
) -> Related:
    """For a payment to an insider on an account they are not regularly paid on: the share of
    the town's payments on this account that go to organisations (a cadre paid as a supplier
    scores near 1, a cadre's travel claim, on an account that pays people, near 0); 0 for
    other lines."""
    named = is_debit_line & (names.payee != names.blank)
    key = account_key_in_town
    share = (np.bincount(key, weights=(named & organisation).astype(np.float64))
             / np.maximum(np.bincount(key, weights=named.astype(np.float64)), 1))[key]
    hit = named & ~organisation & (payee_insider >= 0) & ~on_regular_account
    return _related(insiders, names, hit, payee_insider, share)


def insider_on_roster(
    names: Names, organisation: np.ndarray, is_debit_line: np.ndarray,
    on_regular_account: np.ndarray, voucher_people: np.ndarray, voucher_key: np.ndarray,
    payee_insider: np.ndarray, insiders: pd.DataFrame,
) -> Related:
    """For an insider listed on a roster (a voucher paying several individuals) on an account
    they are not regularly paid on: how many insiders that roster lists (节日补贴 to cadres,
    relief to a cadre of this or a neighbouring village); 0 for other lines."""
    roster = (is_debit_line & ~organisation & (voucher_people >= ROSTER_PEOPLE)
              & (names.payee != names.blank))
    hit = roster & (payee_insider >= 0) & ~on_regular_account
    listed = np.bincount(voucher_key, weights=hit.astype(np.float64))[voucher_key]
    return _related(insiders, names, hit, payee_insider, listed)


def payee_named_after_insider(
    names: Names, organisation: np.ndarray, is_debit_line: np.ndarray,
    town_key: np.ndarray, village_key: np.ndarray, insiders: pd.DataFrame,
) -> Related:
    """1 for a payment to a firm or team whose name begins with an insider's name (张三建筑队
    where 张三 is a cadre), the longest such name; 0 otherwise."""
    distinct = np.asarray(names.distinct, dtype=object)
    lengths = pd.Series(distinct, dtype="str").str.len().to_numpy()
    firm = is_debit_line & (organisation | (lengths[names.payee] > MAX_NAME_LENGTH))
    rows = np.flatnonzero(firm)
    span = len(distinct) + 1
    pair = village_key[rows].astype(np.int64) * span + names.payee[rows]
    unique, first, at = np.unique(pair, return_index=True, return_inverse=True)
    payee = names.payee[rows[first]]
    firm_names = pd.Series(distinct[payee], dtype="str")
    found = np.full(len(unique), -1)
    for length in range(MAX_NAME_LENGTH, 1, -1):
        prefix = names.distinct.get_indexer(firm_names.str.slice(0, length).to_numpy())
        match = _insider_of(insiders, town_key[rows[first]], village_key[rows[first]],
                            np.maximum(prefix, 0))
        longer = lengths[payee] > length
        found = np.where((found < 0) & longer & (prefix >= 0) & (match >= 0), match, found)
    per_row = np.full(len(firm), -1)
    per_row[rows] = found[at]
    return _related(insiders, names, per_row >= 0, per_row, np.ones(len(firm)))
