"""Bulk writes through the database driver, inside the caller's SQLAlchemy transaction.

A run writes hundreds of thousands of rows (findings, voucher lines, aggregates); SQLAlchemy's
per-row parameter processing would cost more than the database itself. PostgreSQL gets COPY,
SQLite one ``executemany`` of plain tuples. Values are converted column-wise first: text as
str, integers as int, missing as None, dates as ISO text on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import sqlalchemy as sa


def _column_values(values: pd.Series, *, dates_as_text: bool) -> list[Any]:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        days = values.dt.strftime("%Y-%m-%d") if dates_as_text else values.dt.date
        return days.astype(object).where(values.notna(), None).tolist()
    if values.hasnans:
        return values.astype(object).where(values.notna(), None).tolist()
    return values.tolist()


def row_tuples(frame: pd.DataFrame, *, dates_as_text: bool = False) -> list[tuple[Any, ...]]:
    """The frame's rows as tuples of plain Python values (missing → None)."""
    columns = [_column_values(frame[name], dates_as_text=dates_as_text) for name in frame.columns]
    return list(zip(*columns, strict=True))


def _quoted(conn: sa.Connection, names: Iterable[str]) -> str:
    quote = conn.dialect.identifier_preparer.quote
    return ", ".join(quote(name) for name in names)


def insert_frame(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    """Insert every row of ``frame`` (columns named as the table's) into ``table``."""
    if frame.empty:
        return 0
    unknown = set(frame.columns) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"table {table.name} has no columns {sorted(unknown)}")
    driver = conn.connection.dbapi_connection
    target = (
        f"{conn.dialect.identifier_preparer.quote(table.name)} ({_quoted(conn, frame.columns)})"
    )
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in row_tuples(frame):
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in frame.columns)
        cursor = driver.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO {target} VALUES ({marks})", row_tuples(frame, dates_as_text=True)
            )
        finally:
            cursor.close()
    return len(frame)


def update_by_key(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame, *, key: str) -> int:
    """Set the frame's other columns on the rows of ``table`` whose ``key`` matches.

    PostgreSQL: COPY into a temporary table, then one ``UPDATE … FROM``; SQLite: one
    ``executemany`` (an indexed lookup per row is cheap in-process).
    """
    if frame.empty:
        return 0
    quote = conn.dialect.identifier_preparer.quote
    changed = [name for name in frame.columns if name != key]
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        if conn.dialect.name == "postgresql":
            staging = quote(f"staging_{table.name}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
                f"SELECT {_quoted(conn, frame.columns)} FROM {quote(table.name)} WITH NO DATA"
            )
            with cursor.copy(f"COPY {staging} ({_quoted(conn, frame.columns)}) FROM STDIN") as copy:
                for row in row_tuples(frame):
                    copy.write_row(row)
            assignments = ", ".join(f"{quote(name)} = s.{quote(name)}" for name in changed)
            cursor.execute(
                f"UPDATE {quote(table.name)} AS t SET {assignments} FROM {staging} AS s "
                f"WHERE t.{quote(key)} = s.{quote(key)}"
            )
            cursor.execute(f"DROP TABLE {staging}")
        else:
            assignments = ", ".join(f"{quote(name)} = ?" for name in changed)
            cursor.executemany(
                f"UPDATE {quote(table.name)} SET {assignments} WHERE {quote(key)} = ?",
                row_tuples(frame[[*changed, key]], dates_as_text=True),
            )
    finally:
        cursor.close()
    return len(frame)
