"""A small, fast .xlsx writer for tables: one sheet per DataFrame, header row frozen.

Cells are built column by column with vectorised string operations instead of one Python call
per cell, which is what made pandas + xlsxwriter take 12 s for a county's findings. Text is
written as inline strings (never as formulas), numbers as numbers, missing values as empty
cells. Only what the findings workbook needs: no styles beyond a bold header, no formulas.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

# Characters XML 1.0 does not allow at all (a ledger cell may hold them after a bad export).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAX_WIDTH = 60
ROWS_PER_PART = 10_000

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
# Style 0: normal; style 1: bold (the header row).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    "</styleSheet>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
    "<cols>{cols}</cols><sheetData>"
)


def column_letter(number: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _escaped(text: pd.Series) -> pd.Series:
    return (text.str.replace(_INVALID_XML, "", regex=True).str.replace("&", "&amp;")
            .str.replace("<", "&lt;").str.replace(">", "&gt;"))


def _column_cells(values: pd.Series, letter: str, rows: np.ndarray) -> pd.Series:
    """Each row's cell XML for one column ("" for a missing value)."""
    reference = pd.Series(np.char.add(letter, rows.astype(str)), index=values.index)
    if pd.api.types.is_bool_dtype(values):
        flags = values.astype("boolean")
        return ('<c r="' + reference + '" t="b"><v>' + flags.astype("Int8").astype("str")
                + "</v></c>").where(flags.notna(), "")
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("Float64")
        finite = numbers.notna() & np.isfinite(numbers.fillna(0).to_numpy(dtype=np.float64))
        text = numbers.astype("str").str.removesuffix(".0")
        return ('<c r="' + reference + '"><v>' + text + "</v></c>").where(finite, "")
    text = values.astype("str")
    present = values.notna() & (text != "")
    return ('<c r="' + reference + '" t="inlineStr"><is><t xml:space="preserve">'
            + _escaped(text.fillna("")) + "</t></is></c>").where(present, "")


def _width(frame: pd.DataFrame, name: str) -> int:
    """A column width from its header and a sample of its values (CJK counts double)."""
    sample = frame[name].head(200).astype("str").fillna("")
    longest = max([len(str(name)), *sample.str.len().fillna(0).astype(int).tolist()])
    return min(_MAX_WIDTH, 2 * longest + 2)


def sheet_parts(frame: pd.DataFrame, rows_per_part: int = ROWS_PER_PART) -> Iterator[str]:
    """The worksheet XML of ``frame``, in parts of ``rows_per_part`` rows (so a city's findings
    never become one giant string), with its column names as a bold, frozen first row."""
    letters = [column_letter(number) for number in range(1, frame.shape[1] + 1)]
    cols = "".join(f'<col min="{n}" max="{n}" width="{_width(frame, name)}" customWidth="1"/>'
                   for n, name in enumerate(frame.columns, start=1))
    header = "".join(
        f'<c r="{letter}1" s="1" t="inlineStr"><is><t>'
        f"{_escaped(pd.Series([str(name)])).iat[0]}</t></is></c>"
        for letter, name in zip(letters, frame.columns, strict=True))
    yield _SHEET_HEAD.format(cols=cols) + f'<row r="1">{header}</row>'
    for start in range(0, len(frame), rows_per_part):
        part = frame.iloc[start:start + rows_per_part]
        rows = np.arange(start + 2, start + 2 + len(part))
        cells = pd.Series("", index=part.index, dtype="str")
        for letter, name in zip(letters, frame.columns, strict=True):
            cells = cells + _column_cells(part[name], letter, rows)
        row_numbers = pd.Series(rows.astype(str), index=part.index)
        yield ("<row r=\"" + row_numbers + "\">" + cells + "</row>").str.cat()
    yield "</sheetData></worksheet>"


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write ``sheets`` (sheet name → table) as an .xlsx workbook at ``path``."""
    names = list(sheets)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=n) for n in range(1, len(names) + 1))))
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK.format(sheets="".join(
            f'<sheet name="{_escaped(pd.Series([name])).iat[0]}" sheetId="{n}" r:id="rId{n}"/>'
            for n, name in enumerate(names, start=1))))
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(
            sheets="".join(_SHEET_REL.format(n=n) for n in range(1, len(names) + 1))))
        book.writestr("xl/styles.xml", _STYLES)
        for n, name in enumerate(names, start=1):
            with book.open(f"xl/worksheets/sheet{n}.xml", "w") as sheet:
                for part in sheet_parts(sheets[name]):
                    sheet.write(part.encode("utf-8"))
    return path
