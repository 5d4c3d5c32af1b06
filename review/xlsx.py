"""The one .xlsx writer: the run's workbooks (findings, scorecards) and the review app's exports.

Cells are built column by column with Arrow's string kernels and joined into rows in one pass,
instead of one Python call per cell, which is what made pandas + xlsxwriter take 12 s for a
county's findings (this writer: 0.7 s for 15,000 findings and their 20,000 voucher lines). Text is
written as inline strings (never as formulas), numbers as numbers, missing values as empty
cells; a bold header row stays in view.

**Formulas.** A text cell that a spreadsheet would run as a formula once someone edits it, or
once it is saved as CSV and opened again (it starts with = + - @ tab or CR: OWASP's CSV
injection), is written with a leading apostrophe. Every workbook goes through this writer, so
none can miss it; the CSV files use the same rule (:func:`neutralise_formulas`).

Rows can also be made ahead of knowing their order and numbers (:func:`unreferenced_cells`,
:class:`NumberedRows`): each town's findings are made into cells once, and the county's
workbook only orders and numbers them.

It imports nothing of the project's: the review app's export (review/export.py) and the run's
writers (flows/outputs.py, flows/scorecard_sheets.py) both use it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Characters XML 1.0 does not allow at all (a ledger cell may hold them after a bad export),
# as Arrow's regular expressions (RE2) write them; and those plus what XML text must escape.
_INVALID_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{FFFE}\x{FFFF}]"
_NEEDS_ESCAPING = r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\x{FFFE}\x{FFFF}]"
# The first characters that make a spreadsheet read text as a formula (OWASP CSV injection).
FORMULA_START = r"[=+\-@\t\r]"
_MAX_WIDTH = 60
ROWS_PER_PART = 10_000

# How a numeric column shows (Sheet.formats): the cell style of each, and its number format.
# Style 0 is plain, 1 the header; "money" stays style 2, which the parts store's cells name.
NUMBER_FORMATS = {"money": "#,##0.00", "score": "0.00", "share": "0.0%", "count": "0"}
_FORMAT_IDS = {"money": 4, "score": 2, "share": 164, "count": 1}  # 4, 2, 1: Excel's built-ins
_FORMAT_STYLES = {name: number for number, name in enumerate(NUMBER_FORMATS, start=2)}
# Fills a text column's cells may have (Sheet.fills): the scorecards' colours.
FILLS = {"red": "F4B6B6", "yellow": "FFE699", "green": "C6E0B4"}
_FILL_STYLES = {name: number for number, name in enumerate(FILLS, start=2 + len(NUMBER_FORMATS))}

_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE}.styles+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    f'ContentType="{_OFFICE}.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{sheets}"
    '<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/></Relationships>'
)
_SHEET_REL = (
    '<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
)


def _styles() -> str:
    """styles.xml: plain, the header (bold, wrapped, top), one style per number format, one per
    fill, in the order of :data:`_FORMAT_STYLES` and :data:`_FILL_STYLES`."""
    custom = [(_FORMAT_IDS[name], code) for name, code in NUMBER_FORMATS.items()
              if _FORMAT_IDS[name] >= 164]
    formats = "".join(f'<numFmt numFmtId="{number}" formatCode="{code}"/>'
                      for number, code in custom)
    fills = "".join(f'<fill><patternFill patternType="solid"><fgColor rgb="FF{colour}"/>'
                    '<bgColor indexed="64"/></patternFill></fill>' for colour in FILLS.values())
    styles = [
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
        'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>',
        *(f'<xf numFmtId="{_FORMAT_IDS[name]}" fontId="0" fillId="0" borderId="0" xfId="0" '
          'applyNumberFormat="1"/>' for name in NUMBER_FORMATS),
        *(f'<xf numFmtId="0" fontId="0" fillId="{number}" borderId="0" xfId="0" applyFill="1"/>'
          for number in range(2, 2 + len(FILLS))),
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<numFmts count="{len(custom)}">{formats}</numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        f'<fills count="{2 + len(FILLS)}"><fill><patternFill patternType="none"/></fill>'
        f'<fill><patternFill patternType="gray125"/></fill>{fills}</fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'</cellStyleXfs><cellXfs count="{len(styles)}">{"".join(styles)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


_STYLES = _styles()
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
    "<cols>{cols}</cols><sheetData>"
)
_SHEET_TAIL = b"</sheetData></worksheet>"


@dataclass(frozen=True)
class Sheet:
    """A table written as one worksheet, under a header row of its column names.

    ``formats``: column → how its numbers show (a key of :data:`NUMBER_FORMATS`); ``fills``:
    column → each row's fill (a key of :data:`FILLS`, or "" for none); ``widths``: the
    columns' widths (by default from the header and the first values); ``frozen_columns``:
    how many columns stay in view beside the header row."""

    frame: pd.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)
    fills: Mapping[str, Sequence[str]] = field(default_factory=dict)
    widths: Sequence[int] | None = None
    frozen_columns: int = 0


@dataclass(frozen=True)
class NumberedRows:
    """A sheet whose rows were made ahead but for their numbers: each row is its ``first``
    column's number followed by its other cells (:func:`unreferenced_cells`), which
    ``cells(start, stop)`` gives for rows ``start`` to ``stop``; written in that order,
    numbered from 2 under the header ``columns``."""

    columns: list[str]
    widths: list[int]
    first: np.ndarray
    cells: Callable[[int, int], pa.Array]


def column_letter(number: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with an apostrophe before each text cell that a spreadsheet would run as a
    formula (:data:`FORMULA_START`): the rule this writer applies to every text cell, for the
    CSV files, which spreadsheets open too."""
    safe = frame.copy()
    for name in safe.columns:
        column = safe[name]
        if column.dtype == "str" or column.dtype == object:
            text = column.astype("str")
            risky = text.str.match(FORMULA_START).fillna(False)
            if risky.any():
                safe[name] = text.where(~risky, "'" + text)
    return safe


def _safe_text(text: pa.Array) -> pa.Array:
    """:func:`neutralise_formulas` for one column of cell text."""
    risky = pc.match_substring_regex(text, "^" + FORMULA_START)
    if not pc.any(risky).as_py():
        return text
    return pc.if_else(risky, pc.binary_join_element_wise("'", text, ""), text)


def _escaped_text(text: str) -> str:
    return _escaped_array(pa.array([text], type=pa.string()))[0].as_py()


def _escaped_array(text: pa.Array) -> pa.Array:
    """``text`` made safe for XML; the replacements run only where a character needs one,
    which in ledger text is rare."""
    if pc.any(pc.match_substring_regex(text, _NEEDS_ESCAPING)).as_py():
        text = pc.replace_substring_regex(text, _INVALID_XML, "")
        for character, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
            text = pc.replace_substring(text, character, entity)
    return text


def _column_cells(values: pd.Series, opening: pa.Array | str, missing: str,
                  style: pa.Array | str = "") -> pa.Array:
    """Each row's cell XML for one column: ``opening`` (``<c r="B7"`` per row, or ``<c`` for a
    cell without a reference), ``style`` (`` s="2"``, per row or for all) and the value;
    ``missing`` for a missing value."""
    if pd.api.types.is_bool_dtype(values):
        flags = pa.array(values.astype("boolean"), type=pa.bool_())
        text, kind, suffix = pc.if_else(flags, "1", "0"), ' t="b"><v>', "</v></c>"
    elif pd.api.types.is_numeric_dtype(values):
        numbers = pa.array(values.astype("Float64"), type=pa.float64())
        numbers = pc.if_else(pc.is_finite(numbers), numbers, None)
        text = pc.replace_substring_regex(pc.cast(numbers, pa.string()), r"\.0$", "")
        kind, suffix = "><v>", "</v></c>"
    else:
        text = pa.array(values.astype("str"), type=pa.string())
        # escaped first: a character XML forbids, once dropped, may leave a formula's start
        text = _safe_text(_escaped_array(pc.if_else(pc.equal(text, ""), None, text)))
        kind, suffix = ' t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>"
    cells = pc.binary_join_element_wise(opening, style, kind, text, suffix, "")
    return pc.fill_null(cells, missing)


def _style(sheet: Sheet, name: str, start: int, stop: int) -> pa.Array | str:
    """The style attribute of column ``name``'s cells in rows ``start`` to ``stop``."""
    if name in sheet.fills:
        fills = sheet.fills[name][start:stop]
        return pa.array([f' s="{_FILL_STYLES[fill]}"' if fill else "" for fill in fills],
                        type=pa.string())
    return f' s="{_FORMAT_STYLES[sheet.formats[name]]}"' if name in sheet.formats else ""


def unreferenced_cells(frame: pd.DataFrame, formats: Mapping[str, str] | None = None
                       ) -> pa.Array:
    """Each row's cells as worksheet XML, every column's in order but none with a reference (a
    missing value is an empty cell, so the next keeps its column): rows made ahead of knowing
    their numbers and order (:class:`NumberedRows`), the numbers of ``formats``' columns
    shown as it says (:class:`Sheet`)."""
    if frame.shape[1] == 0:
        return pa.array([""] * len(frame), type=pa.string())
    sheet = Sheet(frame, formats=formats or {})
    cells = [_column_cells(frame[name], "<c", "<c/>", _style(sheet, name, 0, len(frame)))
             for name in frame.columns]
    return pc.binary_join_element_wise(*cells, "")


def column_widths(frame: pd.DataFrame) -> list[int]:
    """Each column's width, from its header and its first values."""
    return [_width(frame, name) for name in frame.columns]


def widths_by(frame: pd.DataFrame, groups: np.ndarray) -> dict[Any, list[int]]:
    """Each group's column widths (``groups``: a label per row), from the column's header and
    all the group's values, as :func:`column_widths` makes them from a sample."""
    lengths = pd.DataFrame({number: frame[name].astype("str").str.len().fillna(0).to_numpy()
                            for number, name in enumerate(frame.columns)})
    headers = np.array([len(str(name)) for name in frame.columns])
    longest = lengths.groupby(groups, sort=False).max()
    widths = np.minimum(_MAX_WIDTH, 2 * np.maximum(longest.to_numpy(), headers) + 2)
    return {group: row.tolist() for group, row in zip(longest.index, widths, strict=True)}


def _width(frame: pd.DataFrame, name: str) -> int:
    """A column width from its header and a sample of its values (CJK counts double)."""
    sample = frame[name].head(200).astype("str").fillna("")
    longest = max([len(str(name)), *sample.str.len().fillna(0).astype(int).tolist()])
    return min(_MAX_WIDTH, 2 * longest + 2)


def utf8(text: pa.Array | pa.ChunkedArray) -> bytes:
    """The strings of ``text`` (none missing) one after another, as UTF-8: the slice of the
    array's data that holds them, without making a Python string of each."""
    if isinstance(text, pa.ChunkedArray):
        return b"".join(utf8(chunk) for chunk in text.chunks)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64 if pa.types.is_large_string(
        text.type) else np.int32)[text.offset:text.offset + len(text) + 1]
    return text.buffers()[2][int(offsets[0]):int(offsets[-1])].to_pybytes() if len(text) else b""


def _sheet_head(columns: list[str], widths: Sequence[int], frozen_columns: int = 0) -> bytes:
    """The worksheet's start: column widths, and the column names as a bold first row, frozen
    with the first ``frozen_columns`` columns."""
    letters = [column_letter(number) for number in range(1, len(columns) + 1)]
    cols = "".join(f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
                   for n, width in enumerate(widths, start=1))
    header = "".join(
        f'<c r="{letter}1" s="1" t="inlineStr"><is><t>'
        f"{_escaped_text(str(name))}</t></is></c>"
        for letter, name in zip(letters, columns, strict=True))
    corner = f"{column_letter(frozen_columns + 1)}2"
    split = f'xSplit="{frozen_columns}" ' if frozen_columns else ""
    pane = (f'<pane {split}ySplit="1" topLeftCell="{corner}" activePane="'
            f'{"bottomRight" if frozen_columns else "bottomLeft"}" state="frozen"/>')
    return (_SHEET_HEAD.format(pane=pane, cols=cols) + f'<row r="1">{header}</row>').encode()


def _row_numbers(start: int, count: int) -> pa.Array:
    return pc.cast(pa.array(np.arange(start + 2, start + 2 + count)), pa.string())


def sheet_parts(sheet: Sheet, rows_per_part: int = ROWS_PER_PART) -> Iterator[bytes]:
    """The worksheet XML of ``sheet`` as UTF-8, in parts of ``rows_per_part`` rows (so a city's
    findings never become one giant string)."""
    frame = sheet.frame
    columns = [str(name) for name in frame.columns]
    letters = [column_letter(number) for number in range(1, frame.shape[1] + 1)]
    widths = column_widths(frame) if sheet.widths is None else sheet.widths
    yield _sheet_head(columns, widths, sheet.frozen_columns)
    for start in range(0, len(frame), rows_per_part):
        part = frame.iloc[start:start + rows_per_part]
        rows = _row_numbers(start, len(part))
        cells = [_column_cells(part[name], pc.binary_join_element_wise(
            '<c r="' + letter, rows, '"', ""), "", _style(sheet, name, start, start + len(part)))
                 for letter, name in zip(letters, frame.columns, strict=True)]
        # one join of all the columns: adding them one by one copied each row's text per column
        yield utf8(pc.binary_join_element_wise('<row r="', rows, '">', *cells, "</row>", ""))
    yield _SHEET_TAIL


def numbered_parts(sheet: NumberedRows, rows_per_part: int = ROWS_PER_PART) -> Iterator[bytes]:
    """The worksheet XML of rows made ahead (:class:`NumberedRows`), in parts as
    :func:`sheet_parts`: each part's rows get their numbers and first cell and nothing else is
    made again."""
    yield _sheet_head(sheet.columns, sheet.widths)
    for start in range(0, len(sheet.first), rows_per_part):
        first = sheet.first[start:start + rows_per_part]
        rows = _row_numbers(start, len(first))
        yield utf8(pc.binary_join_element_wise(
            '<row r="', rows, '"><c r="A', rows, '"><v>', pc.cast(pa.array(first), pa.string()),
            "</v></c>", sheet.cells(start, start + len(first)), "</row>", ""))
    yield _SHEET_TAIL


def write_xlsx(target: Path | IO[bytes],
               sheets: Mapping[str, pd.DataFrame | Sheet | NumberedRows]) -> Path | IO[bytes]:
    """Write ``sheets`` (sheet name → table, or rows made ahead) as an .xlsx workbook to
    ``target``, a path or an open binary file; returns ``target``."""
    names = list(sheets)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=n) for n in range(1, len(names) + 1))))
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK.format(sheets="".join(
            f'<sheet name="{_escaped_text(name)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, name in enumerate(names, start=1))))
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(
            sheets="".join(_SHEET_REL.format(n=n) for n in range(1, len(names) + 1))))
        book.writestr("xl/styles.xml", _STYLES)
        for n, name in enumerate(names, start=1):
            with book.open(f"xl/worksheets/sheet{n}.xml", "w") as sheet:
                table = sheets[name]
                parts = (numbered_parts(table) if isinstance(table, NumberedRows)
                         else sheet_parts(table if isinstance(table, Sheet) else Sheet(table)))
                for part in parts:
                    sheet.write(part)
    return target
