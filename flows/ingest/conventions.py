"""The reading conventions of ``conventions.yaml`` as one typed object, and how headers compare.

Everything an export may call a field, the auxiliary-accounting columns, 方向 words, voucher
words and the rows that are not journal lines live in the YAML file, not in code; an import
profile (:mod:`flows.ingest.profiles`) adds to them for one layout.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CONVENTIONS_FILE = Path(__file__).with_name("conventions.yaml")
FIELDS: tuple[str, ...] = (
    "town", "village", "org_code", "year", "period", "voucher_date", "month", "day", "voucher_no",
    "voucher_word", "line_no", "summary", "account_code", "account_name", "debit", "credit",
    "direction", "amount", "counterparty", "settlement", "attachments", "decision_ref",
    "contract_ref", "preparer", "reviewer", "bookkeeper",
)
SKIP_REASONS: dict[str, str] = {
    "subtotal": "合计、小计或累计行",
    "opening_balance": "期初余额、结转或余额行",
    "capital_amount": "大写金额行",
    "signature": "签字行",
    "template": "模板示例或说明行",
    "header_repeat": "重复的表头行",
    "voucher_layout": "凭证标题、表头或页脚行",
    "not_journal_sheet": "不是凭证或序时账的工作表",
    "superseded": "被较新的导出文件取代",
    "section": "分类标题行",
    "not_register_sheet": "不是台账的工作表",
    "other_register": "另一种台账的工作表",
}
# A leading required-field star and a trailing unit such as （元） are decoration.
_DECORATION = re.compile(r"^\*+|\*+$|\((?:元|人民币|人民币元|本币|张|号|万元)\)$")


def header_key(text: str) -> str:
    """A header as compared with aliases: NFKC width, no whitespace, no decoration."""
    folded = "".join(unicodedata.normalize("NFKC", str(text)).split())
    return _DECORATION.sub("", folded)


@dataclass(frozen=True)
class Auxiliary:
    """Where auxiliary accounting (辅助核算) columns say who the counterparty is."""

    type_headers: tuple[str, ...]
    name_headers: tuple[str, ...]
    cell_headers: tuple[str, ...]
    counterparty_types: tuple[str, ...]
    fallback_types: tuple[str, ...]


@dataclass(frozen=True)
class Conventions:
    """The reading conventions every export shares (``conventions.yaml``)."""

    fields: dict[str, tuple[str, ...]]
    measure_headers: frozenset[str]
    auxiliary: Auxiliary
    debit_words: frozenset[str]
    credit_words: frozenset[str]
    voucher_words: dict[str, str]
    empty_amounts: frozenset[str]
    skip_rows: dict[str, str]


@cache
def conventions() -> Conventions:
    """The conventions file, checked once per process."""
    raw = yaml.safe_load(CONVENTIONS_FILE.read_text(encoding="utf-8"))
    unknown = set(raw["fields"]) - set(FIELDS)
    if unknown:
        raise ValueError(f"conventions.yaml: unknown fields {sorted(unknown)}")
    unknown_skips = set(raw["skip_rows"]) - set(SKIP_REASONS)
    if unknown_skips:
        raise ValueError(f"conventions.yaml: unknown skip reasons {sorted(unknown_skips)}")
    for pattern in raw["skip_rows"].values():
        re.compile(pattern)  # a typo in a pattern fails here, not on the first file
    aux = raw["auxiliary"]
    return Conventions(
        fields={name: tuple(header_key(alias) for alias in aliases)
                for name, aliases in raw["fields"].items()},
        measure_headers=frozenset(header_key(text) for text in raw["measure_headers"]),
        auxiliary=Auxiliary(
            type_headers=tuple(header_key(text) for text in aux["type_headers"]),
            name_headers=tuple(header_key(text) for text in aux["name_headers"]),
            cell_headers=tuple(header_key(text) for text in aux["cell_headers"]),
            counterparty_types=tuple(aux["counterparty_types"]),
            fallback_types=tuple(aux["fallback_types"]),
        ),
        debit_words=frozenset(str(word) for word in raw["directions"]["debit"]),
        credit_words=frozenset(str(word) for word in raw["directions"]["credit"]),
        voucher_words={str(key): str(value) for key, value in raw["voucher_words"].items()},
        empty_amounts=frozenset(str(text) for text in raw["empty_amounts"]),
        skip_rows=dict(raw["skip_rows"]),
    )
