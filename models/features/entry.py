"""Every entry feature, declared once, and the frame of them all: the risk model's inputs.

``DECLARED`` is the one list of features (its order is the columns'): each names its function,
which way it is suspicious, whether it is evidence on its own, and its wording. The wiring
(:func:`entry_features`), the evidence (:mod:`models.evidence`) and the explanations
(:mod:`models.wording`) all read it; a feature not declared here is an error, not a default.

Features are computed Hamilton style: each function's parameters name what it reads — a column
of the feature frame, one of ``INPUTS`` (computed once here), a setting of ``settings``, or a
feature declared before it — and are passed as arrays, or as Series where the function's
annotation asks for ``pd.Series``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from checks.params import AuditParams
from models import wording
from models.features import amounts, payee, people, text, timing, villages, voucher
from models.features.feature import NO_ENTRY, Feature, Related
from models.features.feature import Suspicious as S
from models.features.frame import feature_frame
from models.features.raw import RAW_DECLARED

DECLARED: tuple[Feature, ...] = (
    Feature(amounts.amount_vs_village_account, S.LARGER, evidence=False,
            says=wording.amount_vs_village_account),
    Feature(amounts.amount_vs_town_peers, S.LARGER, evidence=False,
            says=wording.amount_vs_town_peers),
    Feature(amounts.amount_vs_payee_history, S.FAR_FROM_ZERO, evidence=False,
            says=wording.amount_vs_payee_history),
    Feature(amounts.round_zeros_vs_account, S.LARGER, evidence=True,
            says=wording.round_zeros_vs_account),
    Feature(amounts.round_zeros_vs_summary, S.LARGER, evidence=True,
            says=wording.round_zeros_vs_summary),
    Feature(amounts.below_line_closeness, S.LARGER, evidence=False,
            says=wording.below_line_closeness),
    Feature(amounts.rent_vs_peers, S.SMALLER, evidence=True, says=wording.rent_vs_peers),
    Feature(payee.payee_lines, S.SMALLER, evidence=True, says=wording.payee_lines),
    Feature(payee.payee_villages, S.SMALLER, evidence=True, says=wording.payee_villages),
    Feature(payee.days_since_payee_first_seen, S.SMALLER, evidence=True,
            says=wording.days_since_payee_first_seen),
    Feature(payee.payee_spend_share, S.LARGER, evidence=False, says=wording.payee_spend_share),
    Feature(payee.payee_near_line_count, S.LARGER, evidence=True,
            says=wording.payee_near_line_count),
    Feature(payee.payee_window_total, S.LARGER, evidence=False, says=wording.payee_window_total),
    Feature(payee.same_payee_amount_nearby, S.LARGER, evidence=True,
            says=wording.same_payee_amount_nearby),
    Feature(payee.repeat_other_year, S.LARGER, evidence=True, says=wording.repeat_other_year),
    Feature(payee.receivable_outstanding, S.LARGER, evidence=True,
            says=wording.receivable_outstanding),
    Feature(voucher.equal_amount_lines, S.LARGER, evidence=True, says=wording.equal_amount_lines),
    Feature(voucher.voucher_people, S.LARGER, evidence=True, says=wording.voucher_people),
    Feature(voucher.regular_payees_off_account, S.LARGER, evidence=True,
            says=wording.regular_payees_off_account),
    Feature(voucher.account_pair_rarity, S.SMALLER, evidence=True,
            says=wording.account_pair_rarity),
    Feature(timing.days_before_holiday, S.SMALLER, evidence=True, says=wording.days_before_holiday),
    Feature(timing.rest_day, S.LARGER, evidence=True, says=wording.rest_day),
    Feature(timing.days_to_month_end, S.SMALLER, evidence=True, says=wording.days_to_month_end),
    Feature(text.summary_rarity, S.SMALLER, evidence=True, says=wording.summary_rarity),
    Feature(text.summary_risk_terms, S.LARGER, evidence=True, says=wording.summary_risk_terms),
    # Evidence between entries: each names the other entry it rests on (RELATION_COLUMNS).
    # Nonzero for a handful of entries, so evidence and reasons only, not the forest's trees.
    Feature(people.insider_as_supplier, S.LARGER, evidence=True,
            says=wording.insider_as_supplier, relates=True, in_forest=False),
    Feature(people.insider_on_roster, S.LARGER, evidence=True,
            says=wording.insider_on_roster, relates=True, in_forest=False),
    Feature(people.payee_named_after_insider, S.LARGER, evidence=True,
            says=wording.payee_named_after_insider, relates=True, in_forest=False),
    Feature(villages.same_bill_other_village, S.LARGER, evidence=True,
            says=wording.same_bill_other_village, relates=True, in_forest=False),
    Feature(payee.rebooked_after_reversal, S.LARGER, evidence=True,
            says=wording.rebooked_after_reversal, relates=True, in_forest=False),
)
FEATURES: tuple[str, ...] = tuple(feature.name for feature in DECLARED)
# What several features read, computed once before them, in this order.
INPUTS: tuple[Callable[..., Any], ...] = (
    amounts.round_zeros, amounts.summary_stem_key, voucher.spending_voucher,
    voucher.regular_payee, payee.split_window, people.names, people.account_key_in_town,
    people.on_regular_account, people.insiders, people.payee_insider,
)
RELATION_COLUMNS = ["entry_id", "feature", "other_entry_id", "other_at", "role", "who"]
# A relating feature's other entry as the wording reads it, ``<feature>_<field>``, by the
# relations' column it comes from.
RELATED_FIELDS = {"entry": "other_entry_id", "at": "other_at", "role": "role", "who": "who"}
_BY_NAME = {feature.name: feature for feature in (*DECLARED, *RAW_DECLARED)}


def declared(name: str) -> Feature:
    """The declaration of the feature named ``name`` (or of a raw column of the plain forest,
    :data:`models.features.raw.RAW_DECLARED`); an error for a name never declared."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"特征 {name} 未在 models/features/entry.py 的 DECLARED 中声明"
                       "（计算函数、可疑方向、是否单独作为证据、措辞）") from None


def settings(params: AuditParams) -> dict[str, Any]:
    """The audit parameters features read, by the parameter names they read them under."""
    return {"near_threshold_share": params.signals.near_threshold_share,
            "duplicate_window_days": params.signals.duplicate_window_days}


def entry_features(entries: pd.DataFrame, params: AuditParams) -> pd.DataFrame:
    """One row per entry (same index), one float column per name in ``FEATURES``."""
    return features_and_relations(entries, params)[0]


def features_and_relations(entries: pd.DataFrame, params: AuditParams
                           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`entry_features` and the relations its relating features found, one row per entry
    and feature that rests on another entry (:data:`RELATION_COLUMNS`): the other entry's id,
    where it is (village, period, voucher) and the role and name it shows, if any."""
    frame = feature_frame(entries, params)
    known: dict[str, Any] = settings(params)
    for function in INPUTS:
        known[function.__name__] = _call(function, frame, known)
    related: dict[str, Related] = {}
    for feature in DECLARED:
        result = _call(feature.compute, frame, known)
        if feature.relates:
            related[feature.name] = result
            result = result.values
        known[feature.name] = result
    features = pd.DataFrame({name: np.asarray(known[name], dtype=np.float64)
                             for name in FEATURES}, index=entries.index)
    return features, _relations(frame, related)


def related_fields(relations: pd.DataFrame, entry_ids: pd.Series) -> pd.DataFrame:
    """For the entries ``entry_ids`` (any index), the other entries their relating features
    rest on, one column ``<feature>_<field>`` per :data:`RELATED_FIELDS` ("" where none): join
    it to the entries an explanation words."""
    columns = [f"{feature.name}_{field}" for feature in DECLARED if feature.relates
               for field in RELATED_FIELDS]
    wide = pd.DataFrame("", index=entry_ids.index, columns=columns, dtype="str")
    found = relations[relations["entry_id"].isin(entry_ids)]
    position = pd.Index(entry_ids).get_indexer(found["entry_id"])
    for feature, rows in found.groupby("feature", sort=False).indices.items():
        for field, column in RELATED_FIELDS.items():
            wide.iloc[position[rows], wide.columns.get_loc(f"{feature}_{field}")] = (
                found[column].to_numpy()[rows])
    return wide


def _relations(frame: pd.DataFrame, related: dict[str, Related]) -> pd.DataFrame:
    """The long table of :data:`RELATION_COLUMNS` where a feature rests on another entry."""
    rows, other, feature, role, who = [], [], [], [], []
    for name, result in related.items():
        found = np.flatnonzero((result.other != NO_ENTRY) & (result.values != 0))
        rows.append(found)
        other.append(result.other[found])
        feature.append(np.full(len(found), name, dtype=object))
        role.append(np.full(len(found), "", dtype=object) if result.role is None
                    else result.role[found])
        who.append(np.full(len(found), "", dtype=object) if result.who is None
                   else result.who[found])
    if not related:
        return pd.DataFrame({name: pd.Series(dtype="str") for name in RELATION_COLUMNS})
    rows, other = np.concatenate(rows), np.concatenate(other)

    def taken(column: str, at: np.ndarray) -> pd.Series:
        return frame[column].iloc[at].reset_index(drop=True)

    return pd.DataFrame({
        "entry_id": taken("entry_id", rows),
        "feature": pd.Series(np.concatenate(feature), dtype="str"),
        "other_entry_id": taken("entry_id", other),
        "other_at": taken("village", other) + " " + taken("period", other) + " "
        + taken("voucher_no", other),
        "role": pd.Series(np.concatenate(role), dtype="str"),
        "who": pd.Series(np.concatenate(who), dtype="str"),
    })


def _call(function: Callable[..., Any], frame: pd.DataFrame, known: dict[str, Any]) -> Any:
    """``function`` called with what its parameters name; a column of ``frame`` asked for as
    an array is converted once and kept in ``known`` under ``"<name>[]"``."""
    arguments = {}
    for name, wants_series in _parameters(function):
        if name in known:
            value = known[name]
        elif not wants_series and f"{name}[]" in known:
            value = known[f"{name}[]"]
        elif name in frame.columns:
            value = frame[name]
            if not wants_series:
                value = known[f"{name}[]"] = value.to_numpy()
        else:
            raise KeyError(f"{function.__module__}.{function.__name__} 读取的 {name} 既不是特征"
                           "表的列，也不是此前声明的特征、输入或参数")
        if wants_series:
            arguments[name] = value if isinstance(value, pd.Series) else pd.Series(value)
        else:
            arguments[name] = value.to_numpy() if isinstance(value, pd.Series) else value
    return function(**arguments)


@cache
def _parameters(function: Callable[..., Any]) -> tuple[tuple[str, bool], ...]:
    """Each parameter's name and whether it is annotated ``pd.Series``."""
    signature = inspect.signature(function, eval_str=True)
    return tuple((name, parameter.annotation is pd.Series)
                 for name, parameter in signature.parameters.items())
