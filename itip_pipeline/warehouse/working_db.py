"""The working DuckDB file that loads and dbt write, guarded by one process-wide lock.

DuckDB allows one writer per file and fails a second one with a bare lock error. Every writer in the
pipeline takes this advisory lock first, so a second load waits (up to a timeout) and then fails with a
message that says what is going on. Another program holding DuckDB's own lock on the file (a DuckDB shell
or a notebook left open) cannot be waited for: `connect` names the file and the program instead of
failing with DuckDB's bare error. A file DuckDB cannot open as a database (emptied, truncated, overwritten)
is named the same way, with what to do: it holds only what the landing folder loads again, so moving it aside
and running again rebuilds it. BI tools never open this file: they read the published copy.
"""

from __future__ import annotations

import fcntl
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from itip_pipeline.core.file_locks import lock_within
from itip_pipeline.warehouse.raw_tables import create_raw_tables


class WorkingDatabaseUnavailable(RuntimeError):
    """The working database cannot be used now; the message is a sentence naming the file and what to do."""


class WarehouseBusy(WorkingDatabaseUnavailable):
    pass


class WorkingDatabaseDamaged(WorkingDatabaseUnavailable):
    pass


def connect(work_db: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """duckdb.connect on the working database; WarehouseBusy, saying what to do, when another program holds it,
    WorkingDatabaseDamaged when the file is not a database DuckDB can read."""
    try:
        con = duckdb.connect(str(work_db), read_only=read_only)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WarehouseBusy(held_by_another_program(work_db, str(error))) from None
        raise WorkingDatabaseDamaged(damaged(work_db, str(error))) from None
    except duckdb.Error as error:  # a file cut short can open and fail on its first read of the catalogue
        raise WorkingDatabaseDamaged(damaged(work_db, str(error))) from None
    try:
        con.execute("select count(*) from duckdb_tables()").fetchone()
    except duckdb.Error as error:
        con.close()
        raise WorkingDatabaseDamaged(damaged(work_db, str(error))) from None
    return con


def damaged(work_db: Path, duckdb_message: str) -> str:
    said = " ".join(duckdb_message.split())[:300]
    return (
        f"The working database {work_db} cannot be opened as a DuckDB database ({said}): it was emptied, cut "
        "short or overwritten. It holds only what a load rebuilds from the landing folder: move it aside (or "
        f"delete it, and {work_db.name}.wal beside it if there is one) and run `itip run --force`, which loads "
        "every landed year again and rebuilds. The published warehouse was not touched."
    )


def held_by_another_program(work_db: Path, duckdb_message: str) -> str:
    holder = re.search(r"held in (.+?) \(PID (\d+)\)", duckdb_message)
    who = f"{holder.group(1)}, process {holder.group(2)}" if holder else "another program"
    return (
        f"The working database {work_db} is open in another program ({who}), so nothing can be loaded "
        "or built now. Close it there (a DuckDB shell, DBeaver or a notebook) and run again; BI tools "
        "should open the published file instead, never the working database."
    )


@contextmanager
def writer_lock(work_db: Path, timeout_s: float = 600.0, poll_s: float = 0.2) -> Iterator[None]:
    lock_path = work_db.with_name(work_db.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        if not lock_within(handle, timeout_s, poll_s):
            raise WarehouseBusy(
                f"another load has held {work_db} for over {timeout_s:.0f} s; "
                "wait for it to finish (see the Dagster UI or `ps`) and run again"
            )
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def open_for_writing(work_db: Path, timeout_s: float = 600.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """The lock, then a read-write connection with the raw schema in place; both released on exit."""
    with writer_lock(work_db, timeout_s):
        work_db.parent.mkdir(parents=True, exist_ok=True)
        con = connect(work_db)
        try:
            create_raw_tables(con)
            yield con
        finally:
            con.close()
