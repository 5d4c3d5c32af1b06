"""The register rows (合同、资产、资源台账, docs/registers.md) as pandera schemas: what a row must
hold to be audited.

One schema per register, its columns and dtypes those of :mod:`checks.registers.columns`; on
them: the required fields, the enums the checks compute with, positive amounts and areas, and
rules across columns (a term that ends after it starts, an id unique within a village). The
reader validates lazily and quarantines each failing row with the reasons
(:func:`register_failures`); a later stage may validate a run's rows of many files together.

Enums: the fields later checks compute with (category, land_class, collection, use_status,
use_mode, direction) must hold one of their words, or be blank where optional; the descriptive
ones (trade_mode, status, household_contracted, asset_class) keep any text the register wrote.

Reasons are templates naming fields in braces (``{start_on}晚于{end_on}``); the reader fills in
the file's own headers, so the person fixing the file sees the column they know.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from checks.registers.columns import (
    ASSET_USES,
    COLLECTIONS,
    COLUMNS,
    CONTRACT_CATEGORIES,
    LAND_CLASSES,
    RESOURCE_USES,
)

EMPTY = "为空"
POSITIVE_ERROR = "须大于 0"
NOT_NEGATIVE_ERROR = "不能为负数"
NOT_NULL = "not_nullable"  # pandera's name for a missing required value

REQUIRED: dict[str, frozenset[str]] = {
    "contracts": frozenset({"village", "contract_no", "category", "counterparty", "signed_on"}),
    "plans": frozenset({"village", "contract_no", "direction", "due_on", "amount_due_fen"}),
    "assets": frozenset({"village", "asset_no", "asset_name", "asset_class", "acquired_on",
                         "original_value_fen", "use_status"}),
    "resources": frozenset({"village", "resource_no", "resource_name", "land_class", "area_mu",
                            "use_mode"}),
}
# Amounts that are a price or a sum due must be positive; the others may be 0, never negative.
POSITIVE = frozenset({"amount_fen", "annual_rent_fen", "unit_price_fen", "amount_due_fen",
                      "original_value_fen", "area_mu", "instalment"})
ENUMS: dict[str, tuple[str, ...]] = {
    "category": CONTRACT_CATEGORIES, "land_class": LAND_CLASSES, "collection": COLLECTIONS,
    "use_status": ASSET_USES, "use_mode": RESOURCE_USES, "direction": ("收", "付"),
}
SALE = "出售出让"  # a sale has no term
RESOURCE_LETTING = "资源发包"


def _term_in_order(frame: pd.DataFrame) -> pd.Series:
    return ~(frame["start_on"] > frame["end_on"]).fillna(False).astype(bool)


def _term_given_unless_sale(frame: pd.DataFrame) -> pd.Series:
    return (frame["category"] == SALE) | (frame["start_on"].notna() & frame["end_on"].notna())


def _amount_or_rent(frame: pd.DataFrame) -> pd.Series:
    return (frame["amount_fen"].notna() | frame["annual_rent_fen"].notna()
            | frame["unit_price_fen"].notna())


def _resource_letting_has_land_and_area(frame: pd.DataFrame) -> pd.Series:
    return (frame["category"] != RESOURCE_LETTING) | (
        (frame["land_class"] != "") & frame["area_mu"].notna())


def _unique_within_village(*key: str) -> Callable[[pd.DataFrame], pd.Series]:
    def unique(frame: pd.DataFrame) -> pd.Series:
        filled = frame[list(key)].notna().all(axis=1) & (frame[key[0]] != "")
        repeated = frame[["village", *key]].duplicated(keep="first")
        return ~(filled & repeated)
    return unique


# Rules across columns: (name, test, reason template, the fields it is about, description).
_ROW_RULES: dict[str, list[tuple[str, Callable[[pd.DataFrame], pd.Series], str,
                                 tuple[str, ...], str]]] = {
    "contracts": [
        ("term_in_order", _term_in_order, "{start_on}晚于{end_on}", ("start_on", "end_on"),
         "合同的起始日期不晚于终止日期"),
        ("term_given_unless_sale", _term_given_unless_sale,
         "{start_on}或{end_on}为空（出售出让以外的合同须写明起止日期）", ("start_on", "end_on"),
         "出售出让以外的合同有起止日期"),
        ("amount_or_rent", _amount_or_rent,
         "{amount_fen}、{annual_rent_fen}和{unit_price_fen}都为空（至少须有一项）",
         ("amount_fen", "annual_rent_fen", "unit_price_fen"), "合同有金额、年租金或单价"),
        ("resource_letting_has_land_and_area", _resource_letting_has_land_and_area,
         "资源发包合同的{land_class}或{area_mu}为空", ("land_class", "area_mu"),
         "资源发包合同写明地类和面积"),
        ("contract_no_unique_within_village", _unique_within_village("contract_no"),
         "{contract_no}在同一村中重复（与前面的行相同）", ("contract_no",),
         "合同编号在一个村内唯一"),
    ],
    "plans": [
        ("instalment_unique_within_village",
         _unique_within_village("contract_no", "direction", "instalment"),
         "{contract_no}的{instalment}在同一村中重复（与前面的行相同）",
         ("contract_no", "instalment"), "同一合同同一方向的期次唯一"),
    ],
    "assets": [
        ("asset_no_unique_within_village", _unique_within_village("asset_no"),
         "{asset_no}在同一村中重复（与前面的行相同）", ("asset_no",), "资产编号在一个村内唯一"),
    ],
    "resources": [
        ("resource_no_unique_within_village", _unique_within_village("resource_no"),
         "{resource_no}在同一村中重复（与前面的行相同）", ("resource_no",),
         "资源编号在一个村内唯一"),
    ],
}
# reason template → the fields it is about, for the reader to name the file's columns
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    reason: fields for rules in _ROW_RULES.values() for _, _, reason, fields, _ in rules
}


def _column(kind: str, name: str, dtype: str) -> pa.Column:
    required = name in REQUIRED[kind]
    checks: list[pa.Check] = []
    if dtype == "str" and required:
        checks.append(pa.Check.str_length(min_value=1, error=EMPTY))
    if name in ENUMS:
        allowed = (*ENUMS[name], "")  # blank is the required check's to judge
        checks.append(pa.Check.isin(allowed, error=_enum_error(name)))
    if name in POSITIVE:
        checks.append(pa.Check.gt(0, error=POSITIVE_ERROR))
    elif dtype in {"Int64", "float64"}:
        checks.append(pa.Check.ge(0, error=NOT_NEGATIVE_ERROR))
    return pa.Column(dtype, checks, nullable=_nullable(kind, name, dtype), coerce=False)


def _nullable(kind: str, name: str, dtype: str) -> bool:
    return dtype != "str" and name not in REQUIRED[kind]


def _enum_error(name: str) -> str:
    return f"不是可识别的值（应为{'、'.join(ENUMS[name])}）"


@cache
def register_schema(kind: str) -> pa.DataFrameSchema:
    """The schema of one register kind (``contracts``, ``plans``, ``assets``, ``resources``)."""
    return pa.DataFrameSchema(
        {name: _column(kind, name, dtype) for name, dtype in COLUMNS[kind].items()},
        checks=[pa.Check(test, name=name, error=reason, description=description)
                for name, test, reason, _, description in _ROW_RULES[kind]],
        strict=True,
        ordered=True,
        name=f"Register[{kind}]",
    )


def validate_register(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``frame`` validated lazily; raises pandera's ``SchemaErrors`` with every failure."""
    return register_schema(kind).validate(frame, lazy=True)


def register_failures(frame: pd.DataFrame, kind: str, *, by_pandera: bool = False
                      ) -> pd.DataFrame:
    """One row per failing row and rule: ``row`` (the frame's index label), ``fields`` (the
    fields it is about, tuple) and ``reason`` (a template naming them in braces, such as
    ``{signed_on}为空`` or ``{category}「租」不是可识别的值（…）``). Empty when the frame is valid.

    The rules of :func:`register_schema` are checked directly, column by column as pandera
    would and giving the same rows in the same order: pandera's fixed cost (about 0.1 s a call)
    was most of the time of reading a small register, and a county sends hundreds of them.
    ``by_pandera=True`` validates with the schema itself (tests hold the two together); so does
    a frame whose columns or dtypes are not the schema's.

    Failures that are no row's (a missing column, a wrong dtype) are the reader's mistakes:
    they are raised, not returned.
    """
    if by_pandera or not _fits(frame, kind):
        cases = _pandera_cases(frame, kind)
    else:
        cases = _direct_cases(frame, kind)
    if not cases:
        return pd.DataFrame({"row": pd.Series(dtype="object"), "fields": pd.Series(
            dtype="object"), "reason": pd.Series(dtype="str")})
    records = []
    for row, field, check, value in cases:
        if check in RULE_FIELDS:
            records.append((row, RULE_FIELDS[check], check))
        elif check in (NOT_NULL, EMPTY):
            records.append((row, (field,), f"{{{field}}}{EMPTY}"))
        elif isinstance(value, str):
            written = value.replace("{", "{{").replace("}", "}}")
            records.append((row, (field,), f"{{{field}}}「{written}」{check}"))
        else:
            records.append((row, (field,), f"{{{field}}}{check}"))
    return pd.DataFrame(records, columns=["row", "fields", "reason"]).astype({"reason": "str"})


# One failure as pandera reports it: (row, column, check, failing value).
_Case = tuple[object, str, str, object]


def _pandera_cases(frame: pd.DataFrame, kind: str) -> list[_Case]:
    """Pandera's failure cases, a row's first of each check (as pandera orders them: the
    rules across columns, then each column's checks in the schema's order)."""
    try:
        validate_register(frame, kind)
    except SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return []
    if cases["index"].isna().any():
        raise ValueError(f"{kind} frame does not fit its schema:\n{cases.to_string()}")
    return [(case.index, str(case.column), case.check, case.failure_case)
            for case in cases.drop_duplicates(["index", "check"]).itertuples(index=False)]


def _fits(frame: pd.DataFrame, kind: str) -> bool:
    """The frame has the schema's columns, in order, with their dtypes (as the reader makes
    it), so only the values can fail."""
    dtypes = COLUMNS[kind]
    return list(frame.columns) == list(dtypes) and all(
        str(dtype) == dtypes[name] for name, dtype in frame.dtypes.items())


def _direct_cases(frame: pd.DataFrame, kind: str) -> list[_Case]:
    """The failure cases of :func:`_pandera_cases`, found without pandera: each rule across
    columns, then each column's null and value checks, a row's first of each check kept.
    Columns are checked as numpy arrays: a register is a few rows, and a pandas operation's
    fixed cost is most of the time of each check."""
    index = frame.index
    found: list[tuple[np.ndarray, str, str, np.ndarray | None]] = []
    for _, test, reason, _, _ in _ROW_RULES[kind]:
        failing = np.flatnonzero(~test(frame).to_numpy(dtype=bool))
        found.append((_in_pandera_order(frame, failing), "", reason, None))
    for name, dtype in COLUMNS[kind].items():
        values = (frame[name].to_numpy(dtype="float64", na_value=np.nan)
                  if dtype in {"Int64", "float64"} else frame[name].to_numpy())
        missing = pd.isna(values)
        if not _nullable(kind, name, dtype):
            found.append((np.flatnonzero(missing), name, NOT_NULL, None))
        for test, error in _value_checks(kind, name, dtype):
            failing = ~test(values) & ~missing
            found.append((np.flatnonzero(failing), name, error, values))
    cases: list[_Case] = []
    seen: set[tuple[object, str]] = set()
    for positions, name, check, values in found:
        for position in positions.tolist():
            row = index[position]
            if (row, check) in seen:
                continue
            seen.add((row, check))
            cases.append((row, name, check, values[position] if values is not None else None))
    return cases


def _in_pandera_order(frame: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
    """The rows failing a rule across columns as pandera lists them: it reports each cell of
    the failing rows, column by column, leaving out missing values, so a row comes first by
    its first filled column, and a row of missing values not at all."""
    if not len(positions):
        return positions
    filled = frame.iloc[positions].notna().to_numpy()
    if filled[:, 0].all():
        return positions  # the town column is filled, as the reader makes it
    first = np.where(filled.any(axis=1), filled.argmax(axis=1), -1)
    order = np.lexsort((positions, first))
    return positions[order][first[order] >= 0]


def _value_checks(kind: str, name: str, dtype: str
                  ) -> list[tuple[Callable[[np.ndarray], np.ndarray], str]]:
    """A column's checks as (test of its values, error), in the order :func:`_column` declares
    them; a test's answer for a missing value does not count (pandera's ``ignore_na``)."""
    checks: list[tuple[Callable[[np.ndarray], np.ndarray], str]] = []
    if dtype == "str" and name in REQUIRED[kind]:
        checks.append((lambda values: values != "", EMPTY))
    if name in ENUMS:
        allowed = frozenset((*ENUMS[name], ""))
        checks.append((lambda values: np.array([value in allowed for value in values],
                                               dtype=bool), _enum_error(name)))
    if name in POSITIVE:
        checks.append((lambda values: values > 0, POSITIVE_ERROR))
    elif dtype in {"Int64", "float64"}:
        checks.append((lambda values: values >= 0, NOT_NEGATIVE_ERROR))
    return checks
