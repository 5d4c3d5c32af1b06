"""Between villages of one town: the same bill paid by two villages. It relates an entry to an
entry of another village of its town; nothing crosses a town.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.prepared import dense_key
from models.features.feature import NO_ENTRY, Related
from models.features.frame import group_nunique
from models.features.payee import ROUND_TENS_FEN
from models.features.people import Names

# Banks and credit co-operatives charge every village the same odd fees (手续费, 工本费): the
# same amount paid to one bank by two villages is their tariff, not one bill paid twice.
BANKS = r"银行|信用社|信用合作联社|农商行|农信社|邮政储蓄"


def same_bill_other_village(
    amount_fen: np.ndarray, debit_fen: pd.Series, names: Names, town_key: np.ndarray,
    village_key: np.ndarray, day: np.ndarray,
) -> Related:
    """For a payment of an odd amount (not whole tens of yuan): how many other villages of the
    town paid the same payee exactly the same amount (one bill paid twice, 一票多报); related
    to the first such payment in another village. Round sums (fees, allowances) are left out:
    villages pay them alike by design; so are payments to banks (:data:`BANKS`), whose fees
    are one tariff for every village."""
    payee = names.payee
    bank = np.asarray(names.distinct.str.contains(BANKS, regex=True), dtype=bool)
    paid = ((debit_fen.to_numpy() > 0) & (payee != names.blank)
            & (amount_fen % ROUND_TENS_FEN != 0) & ~bank[np.maximum(payee, 0)])
    rows = np.flatnonzero(paid)
    values = np.zeros(len(payee))
    other = np.full(len(payee), NO_ENTRY, dtype=np.int64)
    bill = dense_key(town_key[rows], payee[rows], amount_fen[rows])
    villages = group_nunique(village_key[rows], bill) if len(rows) else bill
    shared = villages > 1
    if not shared.any():
        return Related(values, other)
    frame = pd.DataFrame({"bill": bill[shared], "village": village_key[rows][shared],
                          "day": day[rows][shared], "row": rows[shared]}
                         ).sort_values(["bill", "day", "row"], kind="stable")
    first = frame.groupby("bill").first()
    first_village = first["village"].reindex(frame["bill"]).to_numpy()
    elsewhere = frame["village"].to_numpy() != first_village
    second = frame[elsewhere].groupby("bill")["row"].first()
    other[frame["row"].to_numpy()] = np.where(
        elsewhere, first["row"].reindex(frame["bill"]).to_numpy(),
        second.reindex(frame["bill"]).to_numpy())
    values[rows[shared]] = villages[shared] - 1
    return Related(values, other)
