"""The findings store's engine: open (and migrate) the database, and the transaction a run is
recorded in. The queries are elsewhere (:mod:`review.store` and the pages' modules); this module
imports none of them.

SQLite (WAL, busy timeout) or PostgreSQL, by URL; which URL is the caller's to say (the program's
settings name it, ``flows/settings.py``). Alembic migrations in ``review/migrations`` run on every
open. A store also knows where its audit trail's key and anchor file are
(:class:`review.trail_anchor.TrailKeys`): every action it records is sealed with that key.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from review.trail_anchor import TrailKeys

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_FILE = "review.sqlite3"
BUSY_TIMEOUT_SECONDS = 30
SQLITE_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default
SQLITE_CACHE_KIB = 64 * 1024
_MIGRATION_LOCK = 20261125

logger = logging.getLogger(__name__)
_checkpoints: dict[int, threading.Thread] = {}  # id of an engine → its checkpoint under way
_checkpoints_lock = threading.Lock()


@dataclass(frozen=True)
class Store:
    """An open, migrated findings store, and where its audit trail is sealed and anchored."""

    engine: sa.Engine
    trail: TrailKeys

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        wait_for_checkpoint(self.engine)
        self.engine.dispose()


def sqlite_url(data_dir: Path) -> str:
    """The SQLite store in ``data_dir``: where the store is unless a database URL is given."""
    return f"sqlite:///{data_dir / SQLITE_FILE}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 64 MiB of pages (default 2 MiB): a run adds its findings to indexes on entry_id that hold
    # every earlier run's; with the default the county's 15,000 took 1.2-1.5 s, now 0.4-0.6 s.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
    cursor.close()


def create_store_engine(url: str) -> sa.Engine:
    """An engine for ``url``; SQLite gets its folder, WAL and a busy timeout."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        parsed,
        connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # the flow and the web app may open a fresh database at the same moment
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def open_store(url: str, *, trail: TrailKeys) -> Store:
    """Open the store at ``url`` and migrate it; its audit trail is sealed and anchored as
    ``trail`` says."""
    engine = create_store_engine(url)
    migrate(engine)
    return Store(engine=engine, trail=trail)


@contextmanager
def recording(store: Store) -> Iterator[sa.Connection]:
    """A transaction for recording a run. On SQLite its commit does not also copy the run's
    pages from the write-ahead log into the database (a run of a county's findings is tens of
    megabytes of pages, about a second): that checkpoint runs in a thread afterwards, while
    the caller goes on (readers are not blocked by it, and until it is done they read the
    pages from the log)."""
    if store.dialect != "sqlite":
        with store.engine.begin() as conn:
            yield conn
        return
    wait_for_checkpoint(store.engine)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        conn.commit()
        try:
            with conn.begin():
                yield conn
        finally:
            conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
            conn.commit()
    _checkpoint_soon(store.engine)


def _checkpoint_soon(engine: sa.Engine) -> None:
    """Checkpoint the SQLite store's log in a thread. Not a daemon: a process that ends
    first waits for it. Should it fail, the log is intact and the next commit's automatic
    checkpoint does the work."""

    def checkpoint() -> None:
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except sa.exc.SQLAlchemyError as error:
            logger.warning("复核库检查点未完成，将在下次写入时完成：%s", error)
        finally:  # done: nothing to wait for, and the engine is not kept alive by this entry
            with _checkpoints_lock:
                if _checkpoints.get(id(engine)) is threading.current_thread():
                    del _checkpoints[id(engine)]

    thread = threading.Thread(target=checkpoint, name="store-checkpoint")
    with _checkpoints_lock:
        _checkpoints[id(engine)] = thread
    thread.start()


def wait_for_checkpoint(engine: sa.Engine) -> None:
    """Wait for the checkpoint :func:`recording` left running on ``engine``, if any."""
    with _checkpoints_lock:
        thread = _checkpoints.get(id(engine))
    if thread is not None:
        thread.join()
