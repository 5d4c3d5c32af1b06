"""The first rows of each sheet of an .xlsx workbook, read as a stream, to recognise headers.

python-calamine (0.9) has no lazy reading: ``get_sheet_by_name`` parses the whole sheet before
``to_python(nrows=…)`` gives its first rows, 50–100 ms for a ledger of a few thousand lines,
and :func:`~flows.ingest.registers.register_kind` is asked of every input file. Here a sheet's
XML is parsed only up to its first rows, and the shared strings only up to the last one those
rows use. The rows are for finding a header row: text cells as written, other cells as their
raw value (a number is never a header). Anything this reader does not expect (no worksheet
part, a chart sheet, broken XML) gives None, and the caller reads the workbook with calamine.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def xlsx_heads(path: Path, rows: int) -> list[list[list[str]]] | None:
    """The first ``rows`` rows (from row 1, empty rows kept) of each sheet, in workbook order,
    or None when the file is not a plain .xlsx workbook this reader understands."""
    try:
        with zipfile.ZipFile(path) as book:
            heads = []
            for part in _sheet_parts(book):
                cells = _head_cells(book, part, rows)
                heads.append(_fill(cells, _shared_strings(book, cells), rows))
            return heads
    except (zipfile.BadZipFile, KeyError, ParseError, ValueError, OSError):
        return None


def _sheet_parts(book: zipfile.ZipFile) -> list[str]:
    """The worksheet part of each sheet, in workbook order."""
    targets = {}
    with book.open("xl/_rels/workbook.xml.rels") as rels:
        for _, element in iterparse(rels):
            if element.tag == f"{_PACKAGE}Relationship":
                target = element.get("Target", "")
                targets[element.get("Id")] = (target.lstrip("/") if target.startswith("/")
                                              else posixpath.normpath(f"xl/{target}"))
    parts = []
    with book.open("xl/workbook.xml") as workbook:
        for _, element in iterparse(workbook):
            if element.tag == f"{_MAIN}sheet":
                part = targets[element.get(_RELATIONSHIP)]
                if not part.startswith("xl/worksheets/"):
                    raise ValueError(f"not a worksheet: {part}")
                parts.append(part)
    return parts


# A cell of the head: (row, column, type, raw value or inline text).
_Cell = tuple[int, int, str, str]


def _head_cells(book: zipfile.ZipFile, part: str, rows: int) -> list[_Cell]:
    cells: list[_Cell] = []
    row = 0
    with book.open(part) as sheet:
        for event, element in iterparse(sheet, events=("start", "end")):
            if element.tag == f"{_MAIN}row" and event == "start":
                row = int(element.get("r") or row + 1)
                if row > rows:
                    break
                column = 0
            elif element.tag == f"{_MAIN}c" and event == "end":
                reference = element.get("r")
                column = _column(reference) if reference else column + 1
                kind = element.get("t", "n")
                if kind == "inlineStr":
                    text = "".join(node.text or "" for node in element.iter(f"{_MAIN}t"))
                else:
                    value = element.find(f"{_MAIN}v")
                    text = value.text or "" if value is not None else ""
                cells.append((row, column, kind, text))
                element.clear()
    return cells


def _column(reference: str) -> int:
    """``C7`` → 3."""
    number = 0
    for letter in reference:
        if not letter.isalpha():
            break
        number = number * 26 + ord(letter.upper()) - 64
    return number


def _shared_strings(book: zipfile.ZipFile, cells: list[_Cell]) -> dict[int, str]:
    """The shared strings the head's cells use, read up to the last of them."""
    wanted = {int(text) for _, _, kind, text in cells if kind == "s"}
    if not wanted:
        return {}
    last = max(wanted)
    strings: dict[int, str] = {}
    number = 0
    with book.open("xl/sharedStrings.xml") as table:
        for _, element in iterparse(table):
            if element.tag != f"{_MAIN}si":
                continue
            if number in wanted:
                strings[number] = "".join(
                    node.text or "" for child in element if child.tag != f"{_MAIN}rPh"
                    for node in child.iter(f"{_MAIN}t"))
            element.clear()
            if number == last:
                break
            number += 1
    return strings


def _fill(cells: list[_Cell], strings: dict[int, str], rows: int) -> list[list[str]]:
    """The head as rows of text, from row 1 to the last row with a cell."""
    last = max((row for row, _, _, _ in cells), default=0)
    grid: list[list[str]] = [[] for _ in range(min(last, rows))]
    for row, column, kind, text in cells:
        line = grid[row - 1]
        line.extend([""] * (column - len(line)))
        line[column - 1] = strings[int(text)] if kind == "s" else text
    return grid
