"""Stores for the review tests: a fresh SQLite file per test, and PostgreSQL when
``SANZI_TEST_PG_URL`` is set (one fresh schema per test session, emptied before each test and
dropped afterwards; a second one for ``twin_store``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from review.store import Store, open_store
from review.tables import metadata

PG_URL_VARIABLE = "SANZI_TEST_PG_URL"


@contextmanager
def _pg_schema(base_url: str) -> Iterator[str]:
    """A URL of a fresh schema on the test server, dropped afterwards."""
    schema = f"sanzi_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _pg_base_url() -> str:
    base_url = os.environ.get(PG_URL_VARIABLE)
    if not base_url:
        pytest.skip(f"{PG_URL_VARIABLE} is not set")
    return base_url


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with _pg_schema(_pg_base_url()) as url:
        yield url


@pytest.fixture(scope="session")
def twin_pg_url() -> Iterator[str]:
    with _pg_schema(_pg_base_url()) as url:
        yield url


def _empty_pg(store: Store) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _empty_store(request: pytest.FixtureRequest, kind: str, sqlite_path: Path,
                 pg_url_fixture: str) -> Store:
    """A new empty store: SQLite at ``sqlite_path``, or the PostgreSQL database of the fixture
    ``pg_url_fixture``, emptied."""
    if kind == "sqlite":
        return open_store(f"sqlite:///{sqlite_path}")
    opened = open_store(request.getfixturevalue(pg_url_fixture))
    _empty_pg(opened)
    return opened


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    opened = _empty_store(request, request.param, tmp_path / "review.sqlite3", "pg_url")
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def twin_store(request: pytest.FixtureRequest, tmp_path, store: Store) -> Iterator[Store]:
    """A second empty store of the same database kind as ``store``, for tests that compare
    two ways of writing the same thing."""
    opened = _empty_store(request, "sqlite" if store.dialect == "sqlite" else "postgresql",
                          tmp_path / "twin.sqlite3", "twin_pg_url")
    try:
        yield opened
    finally:
        opened.dispose()
