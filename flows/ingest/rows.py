"""Rows below the header that are not journal lines, and lines that continue a voucher.

Subtotals (本月合计), carried balances (期初余额, 上年结转), amounts in words (人民币（大写）),
signature rows (审核：… 记账：… 制单：…) and repeated header rows are skipped, each counted with
its reason; so are an import template's example rows under its header. The patterns are those
of ``conventions.yaml``; a profile adds its own. Only rows without a voucher number or without
an account are tested for the labels (a real line may say 结转 in its summary), so the test
costs nothing on exports where every line has both.

A voucher whose date and number are written on its first line only (a merged cell, or a
printed-style export) has lines below with those cells empty but an account and an amount:
they take the voucher's cells from the line above (:func:`fill_voucher_cells`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.ingest.cells import arrow_of
from flows.ingest.conventions import conventions
from flows.ingest.headers import AMOUNT_FIELDS, ColumnMap
from flows.ingest.profiles import ImportProfile

TEMPLATE_SEARCH_ROWS = 5
LABELLED_REASONS = ("subtotal", "opening_balance", "capital_amount", "signature")
# Cells a continuing line takes from its voucher's first line.
VOUCHER_FIELDS = (
    "voucher_no", "voucher_word", "voucher_date", "month", "day", "period", "year", "town",
    "village", "org_code", "attachments", "preparer", "reviewer", "bookkeeper",
)


def skipped_rows(
    text: pd.DataFrame, columns: ColumnMap, headers: list[str], filled: np.ndarray,
    profile: ImportProfile | None = None,
) -> dict[str, np.ndarray]:
    """Per skip reason, the rows (a mask over ``text``) skipped for it; a row has one reason."""
    patterns = conventions().skip_rows
    taken = np.zeros(len(text), dtype=bool)
    reasons: dict[str, np.ndarray] = {}

    def take(reason: str, mask: np.ndarray) -> None:
        mask = mask & ~taken & filled
        if mask.any():
            reasons[reason] = reasons.get(reason, np.zeros(len(text), dtype=bool)) | mask
            taken[:] |= mask

    take("template", _template_rows(text, filled, patterns["template"], profile))
    take("header_repeat", _repeated_headers(text, columns, headers))
    unnumbered = _without_account(text, columns)
    if columns.has("voucher_no"):
        unnumbered |= (_voucher_cells(text, columns) == "").to_numpy()
    unnumbered &= filled & ~taken
    if unnumbered.any():
        rows = np.flatnonzero(unnumbered)
        lines = _cell_lines(text, rows)
        for reason in LABELLED_REASONS:
            hit = pc.match_substring_regex(lines, "(?m)" + patterns[reason])
            mask = np.zeros(len(text), dtype=bool)
            mask[rows[hit.to_numpy(zero_copy_only=False)]] = True
            take(reason, mask)
    return reasons


def _cell_lines(text: pd.DataFrame, rows: np.ndarray) -> pa.Array:
    """Each of ``rows`` as one text, its cells without whitespace, one cell a line: a
    pattern anchored at a cell's start and end (in multi-line mode) tests every cell at once,
    in Arrow (pandas parses a pattern anew for each column it is run on)."""
    taken = pa.array(rows)
    cells = [pc.replace_substring_regex(arrow_of(text[position]).take(taken).cast(pa.string()),
                                        r"\s+", "")
             for position in text.columns]
    return pc.binary_join_element_wise(*cells, "\n")


def _without_account(text: pd.DataFrame, columns: ColumnMap) -> np.ndarray:
    """Rows with no account at all (a voucher's 合计 row in a flat export carries its number)."""
    empty = np.ones(len(text), dtype=bool)
    for name in ("account_code", "account_name"):
        for position in columns.fields.get(name, ()):
            empty &= (text[position] == "").to_numpy()
    return empty


def _voucher_cells(text: pd.DataFrame, columns: ColumnMap) -> pd.Series:
    return text[columns.fields["voucher_no"][0]]


def _template_rows(
    text: pd.DataFrame, filled: np.ndarray, pattern: str, profile: ImportProfile | None
) -> np.ndarray:
    """The first rows holding a template's example or instruction mark; with a profile's
    patterns, any row holding one."""
    mask = np.zeros(len(text), dtype=bool)
    marked = re.compile(pattern)
    for row in np.flatnonzero(filled)[:TEMPLATE_SEARCH_ROWS]:
        mask[row] = any(marked.search(cell) for cell in text.iloc[row] if cell)
    for own in profile.skip_rows if profile else ():
        for position in text.columns:
            mask |= text[position].str.contains(own, regex=True).to_numpy(dtype=bool)
    return mask


def _repeated_headers(text: pd.DataFrame, columns: ColumnMap, headers: list[str]) -> np.ndarray:
    """Rows repeating the header (a page break in an export printed to a sheet): the voucher
    (or date) column holds its own header, and so do at least two other columns."""
    position = columns.fields.get("voucher_no", columns.fields.get("voucher_date", (0,)))[0]
    candidates = (text[position] == headers[position].strip()).to_numpy()
    if not candidates.any():
        return candidates
    subset = text[candidates]
    agreeing = sum((subset[column] == headers[column].strip()).to_numpy(dtype=np.int64)
                   for column in subset.columns if headers[column].strip())
    mask = np.zeros(len(text), dtype=bool)
    mask[np.flatnonzero(candidates)[agreeing >= 3]] = True
    return mask


def fill_voucher_cells(text: pd.DataFrame, columns: ColumnMap, kept: np.ndarray) -> int:
    """Give lines without a voucher number or date, but with an account and an amount, the
    voucher cells of the line above (in place); returns how many lines were filled.

    Only lines following a numbered line of the kept rows are filled, so a stray line at the
    top of a sheet is still quarantined for its missing number; a line with a date of its own
    but no number is a broken line, not a continuing one, and is quarantined too.
    """
    if not columns.has("voucher_no"):
        return 0  # vouchers told apart by their balance (flows.ingest.fields.balanced_vouchers)
    blank = kept & (_voucher_cells(text, columns) == "").to_numpy()
    if not blank.any():
        return 0
    for name in ("voucher_date", "month", "day"):
        for position in columns.fields.get(name, ()):
            blank &= (text[position] == "").to_numpy()
    if not blank.any():
        return 0
    accounts = [p for name in ("account_code", "account_name")
                for p in columns.fields.get(name, ())]
    amounts = [p for name in AMOUNT_FIELDS for p in columns.fields.get(name, ())]
    has_account = np.zeros(len(text), dtype=bool)
    for position in accounts:
        has_account |= (text[position] != "").to_numpy()
    has_amount = np.zeros(len(text), dtype=bool)
    for position in amounts:
        has_amount |= (text[position] != "").to_numpy()
    rows = np.flatnonzero(kept)
    numbered = ~blank[rows] & (_voucher_cells(text, columns) != "").to_numpy()[rows]
    group = np.cumsum(numbered)  # the numbered line each kept row follows (0: none)
    continuing = blank[rows] & (group > 0) & has_account[rows] & has_amount[rows]
    if not continuing.any():
        return 0
    first_of_group = rows[np.flatnonzero(numbered)]
    targets = rows[continuing]
    sources = first_of_group[group[continuing] - 1]
    for name in VOUCHER_FIELDS:
        for position in columns.fields.get(name, ()):
            cells = text[position].to_numpy(dtype=object)
            empty = cells[targets] == ""
            if empty.any():
                cells[targets[empty]] = cells[sources[empty]]
                text[position] = pd.Series(cells, index=text.index, dtype="str")
    return int(continuing.sum())
