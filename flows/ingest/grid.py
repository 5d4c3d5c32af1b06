"""A CSV export as a grid of text cells with the line numbers a person sees.

The bulk of a file is parsed by Arrow's CSV reader with every column as text. Blank lines are
kept as empty rows (so line numbers stay right), and quoted values spanning lines shift the
numbers of the rows after them. A file whose rows do not all have the header's width (a short
subtotal line, a line of spaces) is re-read with Python's csv module, which pads short rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from flows.ingest.encoding import to_utf8
from flows.ingest.errors import LedgerFileError, where
from flows.ingest.headers import (
    HEADER_SEARCH_ROWS,
    find_header_row,
    header_continuation,
    no_header_message,
)
from flows.ingest.profiles import ImportProfile


@dataclass(frozen=True)
class Grid:
    """One table of an export as text, as a person sees it when opening the file.

    ``cells`` has one ``str`` column per header position (labelled 0..n-1) and one row per line
    or spreadsheet row below the header, blank ones included; ``row_numbers`` holds their 1-based
    line or row numbers. ``title_lines`` are the non-empty rows above the header.
    """

    file: str
    sheet: str
    header_row: int
    headers: list[str]
    cells: pd.DataFrame
    row_numbers: np.ndarray
    title_lines: list[str]


def grid_from_rows(
    rows: list[list[str]], *, file: str, sheet: str, header_index: int, first_row: int = 1
) -> Grid:
    """A grid from rows of text already in memory, with the header at ``rows[header_index]``.

    ``first_row`` is the row number of ``rows[0]``.
    """
    headers = rows[header_index]
    body_start = header_index + 1
    if body_start < len(rows):
        merged = header_continuation(headers, rows[body_start])
        if merged is not None:
            headers, body_start = merged, body_start + 1
    body = rows[body_start:]
    width = max([len(headers), *map(len, body)])
    padded = [row + [""] * (width - len(row)) for row in body]
    cells = pd.DataFrame(padded, columns=range(width), dtype="str") if body else _no_rows(width)
    return Grid(
        file=file,
        sheet=sheet,
        header_row=first_row + header_index,
        headers=[*headers, *[""] * (width - len(headers))],
        cells=cells,
        row_numbers=first_row + body_start + np.arange(len(body), dtype=np.int64),
        title_lines=_title_lines(rows[:header_index]),
    )


def read_csv_grid(
    path: Path, profiles: Sequence[ImportProfile | None] = (None,), *,
    header_row: int | None = None,
) -> tuple[Grid, str]:
    """The CSV file's grid and the encoding it was written in; the header is on line
    ``header_row`` where given, else the first that looks like one by the conventions or one
    of ``profiles``."""
    body, encoding = _utf8_body(path)
    delimiter = _delimiter(body)
    records = _head_records(body, max(HEADER_SEARCH_ROWS, header_row or 0) + 1, delimiter)
    if header_row:
        header_index = next((index for index, record in enumerate(records)
                             if record[0] == header_row), None)
    else:
        header_index = find_header_row([record[2] for record in records], profiles)
    if header_index is None:
        raise LedgerFileError(no_header_message(path.name))
    header_line, last_line, headers = records[header_index]
    if header_index + 1 < len(records):
        merged = header_continuation(headers, records[header_index + 1][2])
        if merged is not None:
            headers, last_line = merged, records[header_index + 1][1]
    rest = body[_after_line(body, last_line) :]
    cells, row_numbers = _read_rows(rest, len(headers), first_line=last_line + 1, file=path.name,
                                    delimiter=delimiter)
    width = cells.shape[1]
    grid = Grid(
        file=path.name,
        sheet="",
        header_row=header_line,
        headers=[*headers, *[""] * (width - len(headers))],
        cells=cells,
        row_numbers=row_numbers,
        title_lines=_title_lines([record[2] for record in records[:header_index]]),
    )
    return grid, encoding


def read_csv_rows(path: Path) -> tuple[list[list[str]], str]:
    """Every record of a CSV file as a list of cells (for layouts without a header row, such
    as printed vouchers saved as CSV), and the encoding."""
    body, encoding = _utf8_body(path)
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline="\n"),
                        delimiter=_delimiter(body))
    try:
        return list(reader), encoding
    except csv.Error as error:
        raise LedgerFileError(f"{where(path.name)}无法按 CSV 解析（{error}）。") from None


def _utf8_body(path: Path) -> tuple[bytes, str]:
    data = path.read_bytes()
    if not data or data.isspace():
        raise LedgerFileError(f"{where(path.name)}：文件为空。请重新导出后提交。")
    return to_utf8(data, file=path.name)


def _title_lines(rows: list[list[str]]) -> list[str]:
    lines = [" ".join(cell.strip() for cell in row if cell.strip()) for row in rows]
    return [line for line in lines if line]


def _delimiter(body: bytes) -> str:
    """The field separator of a text export: a comma, or a tab or semicolon where the first
    lines hold more of those (software exports 文本文件 with tabs)."""
    head = body[:65536].split(b"\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    counts = {separator: sum(line.count(separator.encode()) for line in head)
              for separator in (",", "\t", ";")}
    return max(counts, key=lambda separator: (counts[separator], separator == ","))


def _head_records(body: bytes, lines: int, delimiter: str) -> list[tuple[int, int, list[str]]]:
    """Records starting in the first ``lines`` lines: (first line, last line, cells)."""
    end = 0
    for _ in range(lines):
        newline = body.find(b"\n", end)
        if newline < 0:
            end = len(body)
            break
        end = newline + 1
    reader = csv.reader(io.StringIO(body[:end].decode("utf-8"), newline="\n"),
                        delimiter=delimiter)
    records: list[tuple[int, int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            records.append((line, reader.line_num, cells))
            line = reader.line_num + 1
    except csv.Error:
        pass  # a quoted value running past the head; the header is not after it
    return records


def _after_line(body: bytes, line: int) -> int:
    """Byte offset just after the end of 1-based line ``line``."""
    offset = 0
    for _ in range(line):
        newline = body.find(b"\n", offset)
        if newline < 0:
            return len(body)
        offset = newline + 1
    return offset


def _read_rows(
    data: bytes, width: int, *, first_line: int, file: str, delimiter: str = ","
) -> tuple[pd.DataFrame, np.ndarray]:
    if not data:
        return _no_rows(width), np.zeros(0, dtype=np.int64)
    names = [str(position) for position in range(width)]
    irregular: list[str] = []

    def note_and_skip(row: pa_csv.InvalidRow) -> str:
        irregular.append(row.text)
        return "skip"

    quoted_newlines = b'"' in data
    try:
        table = _arrow_table(data, names, quoted_newlines, note_and_skip, delimiter)
    except pa.ArrowInvalid as error:
        irregular.append(str(error))  # e.g. a row longer than Arrow's block
    if irregular:
        return _read_rows_padded(data, width, first_line=first_line, file=file,
                                 delimiter=delimiter)
    row_numbers = first_line + np.arange(table.num_rows, dtype=np.int64)
    if quoted_newlines and table.num_rows:
        breaks = sum(
            pc.count_substring(column, "\n").to_numpy().astype(np.int64)
            for column in table.columns
        )
        row_numbers[1:] += np.cumsum(breaks)[:-1]
    cells = table.to_pandas()
    cells.columns = range(width)
    return cells, row_numbers


def _arrow_table(
    data: bytes,
    names: list[str],
    quoted_newlines: bool,
    on_invalid_row: Callable[[pa_csv.InvalidRow], str],
    delimiter: str,
) -> pa.Table:
    """Every column as text; blank lines kept as empty rows so line numbers stay right."""
    return pa_csv.read_csv(
        pa.py_buffer(data),
        read_options=pa_csv.ReadOptions(column_names=names),
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter,
            ignore_empty_lines=False,
            newlines_in_values=quoted_newlines,
            invalid_row_handler=on_invalid_row,
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _read_rows_padded(
    data: bytes, width: int, *, first_line: int, file: str, delimiter: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """The slow, forgiving path: Python's csv module, short rows padded with empty cells."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline="\n"), delimiter=delimiter)
    rows: list[list[str]] = []
    numbers: list[int] = []
    line = first_line
    try:
        for cells in reader:
            rows.append(cells)
            numbers.append(line)
            line = first_line + reader.line_num
    except csv.Error as error:
        raise LedgerFileError(
            f"{where(file, row=line)}无法按 CSV 解析（{error}）。"
            "请检查该行的引号是否成对，或在 Excel 中打开后重新另存为 CSV。"
        ) from None
    width = max([width, *map(len, rows)])
    padded = [row + [""] * (width - len(row)) for row in rows]
    cells = pd.DataFrame(padded, columns=range(width), dtype="str") if rows else _no_rows(width)
    return cells, np.array(numbers, dtype=np.int64)


def _no_rows(width: int) -> pd.DataFrame:
    return pd.DataFrame({position: pd.Series(dtype="str") for position in range(width)})
