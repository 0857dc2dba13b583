"""Dagster's SQLite storage without a flush per event: synchronous=NORMAL and a keeper connection per file."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from itip_pipeline.instance import sqlite_storage as dagster_sqlite


def test_a_write_through_a_fresh_connection_neither_flushes_nor_checkpoints_on_close(tmp_path):
    dagster_sqlite.install()
    dagster_sqlite.install()  # idempotent: one hook, not two
    path = tmp_path / "runs.db"
    engine = sa.create_engine(f"sqlite:///{path}", poolclass=NullPool)  # as Dagster's SQLite storages do
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL (FULL is 2)
        conn.exec_driver_sql("CREATE TABLE event (body TEXT)")
        conn.commit()
    for _ in range(3):
        with engine.connect() as conn, conn.begin():
            conn.exec_driver_sql("INSERT INTO event VALUES ('x')")
    engine.dispose()
    assert str(path) in dagster_sqlite.kept_files()
    # Without the keeper, closing the last connection checkpoints the WAL into the file and deletes it.
    assert (tmp_path / "runs.db-wal").exists(), "the close was the last one and checkpointed"
    dagster_sqlite.close_keepers()
    assert not (tmp_path / "runs.db-wal").exists()
    assert (
        sa.create_engine(f"sqlite:///{path}").connect().exec_driver_sql("SELECT count(*) FROM event").scalar() == 3
    ), "every committed write is in the file"


def test_the_number_of_files_kept_open_is_bounded(tmp_path):
    dagster_sqlite.install()
    dagster_sqlite.close_keepers()
    for i in range(dagster_sqlite.KEEPERS + 5):
        engine = sa.create_engine(f"sqlite:///{tmp_path / f'run_{i}.db'}", poolclass=NullPool)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
    kept = dagster_sqlite.kept_files()
    assert len(kept) == dagster_sqlite.KEEPERS and str(tmp_path / f"run_{dagster_sqlite.KEEPERS + 4}.db") in kept
    dagster_sqlite.close_keepers()


def test_in_memory_sqlite_is_left_alone():
    dagster_sqlite.install()
    dagster_sqlite.close_keepers()
    with sa.create_engine("sqlite://").connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    assert dagster_sqlite.kept_files() == []


def test_dagster_s_sqlite_storages_reuse_one_engine_per_database_and_keep_its_compiled_statements(tmp_path):
    from dagster._core.storage.event_log.sqlite import sqlite_event_log

    dagster_sqlite.install()
    url = f"sqlite:///{tmp_path / 'index.db'}"
    engine = sqlite_event_log.create_engine(url, poolclass=NullPool)
    assert sqlite_event_log.create_engine(url, poolclass=NullPool) is engine
    assert sqlite_event_log.create_engine(f"sqlite:///{tmp_path / 'other.db'}", poolclass=NullPool) is not engine
    table = sa.table("event", sa.column("body"))
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("CREATE TABLE event (body TEXT)")
    for value in ("a", "b"):  # as Dagster does per write: a connection, then dispose
        with engine.connect() as conn, conn.begin():
            conn.execute(table.insert().values(body=value))
        engine.dispose()
    assert len(engine._compiled_cache) >= 1, "the insert compiled once and cached in the reused engine"
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM event").scalar() == 2


def test_the_number_of_engines_reused_is_bounded(tmp_path):
    from dagster._core.storage.runs.sqlite import sqlite_run_storage

    dagster_sqlite.install()
    for i in range(dagster_sqlite.ENGINES + 3):
        sqlite_run_storage.create_engine(f"sqlite:///{tmp_path / f'run_{i}.db'}", poolclass=NullPool)
    assert len(dagster_sqlite._engines) <= dagster_sqlite.ENGINES
