"""Publishing the marts for BI: a new DuckDB file swapped in atomically, and Parquet copies.

BI tools open data/warehouse/itip.duckdb read-only. We never write that file in place: the marts are copied
from the working database into a new file beside it, exported to Parquet from that new file, and only then
renamed over the old one. A reader holding the old file keeps reading the old inode undisturbed; a failure
at any point leaves the published file and Parquet exports exactly as they were.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

PUBLISHED_SCHEMA = "marts"


@dataclass(frozen=True)
class PublishResult:
    warehouse: Path
    tables: dict[str, int]  # table -> row count
    parquet_files: list[Path]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_marts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = 'work' and schema_name = ? order by 1",
        [PUBLISHED_SCHEMA],
    ).fetchall()]
    if not tables:
        raise RuntimeError("the working database has no marts to publish: run dbt first")
    con.execute(f"create schema {PUBLISHED_SCHEMA}")
    counts = {}
    for table in tables:
        con.execute(f"create table {PUBLISHED_SCHEMA}.{table} as select * from work.{PUBLISHED_SCHEMA}.{table}")
        counts[table] = con.execute(f"select count(*) from {PUBLISHED_SCHEMA}.{table}").fetchone()[0]
    # CREATE TABLE AS drops comments; BI tools show them, so carry dbt's persisted docs across.
    comments = con.execute(
        """select table_name, comment from duckdb_tables()
           where database_name = 'work' and schema_name = ? and comment is not null""", [PUBLISHED_SCHEMA]
    ).fetchall()
    for table, comment in comments:
        con.execute(f"comment on table {PUBLISHED_SCHEMA}.{table} is {_quote(comment)}")
    column_comments = con.execute(
        """select table_name, column_name, comment from duckdb_columns()
           where database_name = 'work' and schema_name = ? and comment is not null""", [PUBLISHED_SCHEMA]
    ).fetchall()
    for table, column, comment in column_comments:
        con.execute(f'comment on column {PUBLISHED_SCHEMA}.{table}."{column}" is {_quote(comment)}')
    return counts


def _remove_stale_staged(warehouse_db: Path, marts_dir: Path) -> None:
    """Staged files a killed publish left behind (its `finally` never ran); they would pile up forever."""
    for stale in [*warehouse_db.parent.glob(f".{warehouse_db.name}.*.new"), *marts_dir.glob(".*.parquet.*.new")]:
        stale.unlink(missing_ok=True)


def publish(work_db: Path, warehouse_db: Path, marts_dir: Path) -> PublishResult:
    """Callers hold the writer lock (work_db.writer_lock), so no other publish is staging files now."""
    warehouse_db.parent.mkdir(parents=True, exist_ok=True)
    marts_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_staged(warehouse_db, marts_dir)
    staged = warehouse_db.with_name(f".{warehouse_db.name}.{os.getpid()}.new")
    staged_parquet: list[tuple[Path, Path]] = []
    try:
        con = duckdb.connect(str(staged))
        try:
            con.execute(f"attach {_quote(str(work_db))} as work (read_only)")
            counts = _copy_marts(con)
            con.execute("detach work")
            for table in counts:
                final = marts_dir / f"{table}.parquet"
                tmp = final.with_name(f".{final.name}.{os.getpid()}.new")
                con.execute(f"copy {PUBLISHED_SCHEMA}.{table} to {_quote(str(tmp))} (format parquet)")
                staged_parquet.append((tmp, final))
            con.execute("checkpoint")
        finally:
            con.close()
        staged.replace(warehouse_db)
        for tmp, final in staged_parquet:
            tmp.replace(final)
    finally:
        staged.unlink(missing_ok=True)
        for tmp, _ in staged_parquet:
            tmp.unlink(missing_ok=True)
    return PublishResult(warehouse_db, counts, [final for _, final in staged_parquet])
