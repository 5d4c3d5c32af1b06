"""Stores for the review tests: a fresh SQLite file per test, and PostgreSQL when
``SANZI_TEST_PG_URL`` is set (one fresh schema per test session, emptied before each test and
dropped afterwards; a second one for ``twin_store``)."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from review.db import Store, open_store
from review.tables import metadata
from review.trail_anchor import TrailKeys

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


def _empty_store(
    request: pytest.FixtureRequest, kind: str, sqlite_path: Path, pg_url_fixture: str
) -> Store:
    """A new empty store: SQLite at ``sqlite_path``, or the PostgreSQL database of the fixture
    ``pg_url_fixture``, emptied."""
    trail = TrailKeys(sqlite_path.parent)
    if kind == "sqlite":
        return open_store(f"sqlite:///{sqlite_path}", trail=trail)
    opened = open_store(request.getfixturevalue(pg_url_fixture), trail=trail)
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
    opened = _empty_store(
        request,
        "sqlite" if store.dialect == "sqlite" else "postgresql",
        tmp_path / "twin.sqlite3",
        "twin_pg_url",
    )
    try:
        yield opened
    finally:
        opened.dispose()


# --- the review app in a real browser -----------------------------------------------------
# Debian's headless Chromium driven by Playwright; the app runs under uvicorn in a background
# thread on a free 127.0.0.1 port. A test module that uses ``live_server`` defines the
# ``live_store`` fixture it serves (usually built on ``store``: SQLite, then PostgreSQL).

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve ``app`` on a free local port; yields its base URL."""
    import uvicorn

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the review app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture
def live_server(live_store) -> Iterator[str]:
    from review.app import create_app

    with serving(create_app(live_store, secret_key="browser-test-secret")) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make system-deps)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()
