"""Dagster's SQLite run history written without a disk flush per event.

Dagster's SQLite storages (run, event log, schedules under DAGSTER_HOME) open a new connection for every
write and close it again. In WAL mode with SQLite's default `synchronous=FULL`, every commit flushes to
disk, and closing the last connection to a file checkpoints the WAL and flushes again. A build records an
event per dbt node and check, so a run would pay thousands of flushes, a large share of its wall time
(benchmarks/RESULTS.md, "Measurements behind design choices").

Installed once per process, a SQLAlchemy connect hook does two things for file-backed sqlite3 connections:
- `PRAGMA synchronous=NORMAL`: in WAL mode a commit does not flush; the WAL is flushed at checkpoints.
  SQLite's documented guarantee for WAL + NORMAL is that the database stays consistent on power loss;
  only the last transactions before the loss may be rolled back (https://sqlite.org/pragma.html#pragma_synchronous).
  For run history that is the right trade: the published warehouse has its own atomic publish.
- one idle "keeper" connection per database file for the life of the process (at most KEEPERS files), so
  that a write's connection is never the last one closed and no checkpoint runs on every close; SQLite's
  automatic checkpoint (every 1000 WAL pages) still runs.

DuckDB connections (duckdb-engine) are not sqlite3 connections and are left alone.

Dagster's SQLite storages also create a new SQLAlchemy engine for every connection. An engine holds
SQLAlchemy's cache of compiled statements, so with an engine per connection every insert (three or more per
event) would be compiled again. `install()` therefore has those storage modules reuse one engine per database
URL: the engines keep `NullPool` (a connection is still opened and closed per write, as Dagster expects), and
Dagster's `engine.dispose()` after each use only resets that empty pool, not the statement cache.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import sqlite3
import threading
from collections import OrderedDict

KEEPERS = 16  # database files kept open at once: the newest runs' event logs, the index, runs, schedules
ENGINES = 64  # engines reused at once (a run's event log is a file of its own: a daemon sees many)
# The storage modules that call create_engine(..., poolclass=NullPool) once per connection.
ENGINE_PER_CONNECTION = (
    "dagster._core.storage.event_log.sqlite.sqlite_event_log",
    "dagster._core.storage.runs.sqlite.sqlite_run_storage",
    "dagster._core.storage.schedules.sqlite.sqlite_schedule_storage",
)

_lock = threading.Lock()
_keepers: OrderedDict[str, sqlite3.Connection] = OrderedDict()
_engines: OrderedDict[str, object] = OrderedDict()
_installed = False


def install() -> None:
    """Register the connect hook for every SQLAlchemy engine of this process (idempotent)."""
    global _installed
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    with _lock:
        if _installed:
            return
        event.listen(Engine, "connect", _on_connect)
        for name in ENGINE_PER_CONNECTION:
            module = importlib.import_module(name)
            module.create_engine = _reused_engine(module.create_engine)
        atexit.register(close_keepers)
        _installed = True


def _reused_engine(create_engine):
    """create_engine, returning the same engine again for the same SQLite URL and options (the newest
    ENGINES of them)."""

    def reused(url, **options):
        key = repr((str(url), sorted(options.items(), key=repr)))
        with _lock:
            engine = _engines.get(key)
            if engine is None:
                engine = _engines[key] = create_engine(url, **options)
                while len(_engines) > ENGINES:
                    _engines.popitem(last=False)[1].dispose()
            _engines.move_to_end(key)
            return engine

    return reused


def _on_connect(dbapi_connection, _connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    path = _database_file(dbapi_connection)
    if not path:  # an in-memory or temporary database
        return
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")
    with _lock:
        keeper = _keepers.get(path)
        if keeper is None:
            keeper = _keepers[path] = sqlite3.connect(path, check_same_thread=False)
            while len(_keepers) > KEEPERS:
                _keepers.popitem(last=False)[1].close()
        _keepers.move_to_end(path)
        # A read opens the file, and once the file is in WAL mode its shared-memory index: only a connection
        # holding that counts against "the last connection closed". It holds no lock after the statement.
        # Locked by a writer in rollback mode: the next connect tries again.
        with contextlib.suppress(sqlite3.OperationalError):
            keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()


def _database_file(connection: sqlite3.Connection) -> str:
    for _seq, name, file in connection.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or ""
    return ""


def close_keepers() -> None:
    with _lock:
        while _keepers:
            _keepers.popitem()[1].close()


def kept_files() -> list[str]:
    """The database files held open now (for tests and diagnostics)."""
    with _lock:
        return list(_keepers)
