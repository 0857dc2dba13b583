"""Copying the `marts` schema, with dbt's table and column comments, from one attached DuckDB database to another.

The run's candidate build and the published file are both made this way, so what a BI tool sees (tables,
row counts, the descriptions dbt persisted) is exactly what the run built and checked.
"""

from __future__ import annotations

import duckdb

MARTS_SCHEMA = "marts"


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def copy_marts(con: duckdb.DuckDBPyConnection, source: str, target: str) -> dict[str, int]:
    """Every table of `source`.marts as a table of `target`.marts (both attached to con); rows per table."""
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = ? order by 1",
            [source, MARTS_SCHEMA],
        ).fetchall()
    ]
    if not tables:
        raise RuntimeError("the working database has no marts to publish: run dbt first")
    con.execute(f"create schema {target}.{MARTS_SCHEMA}")
    counts = {}
    for table in tables:
        con.execute(f"create table {target}.{MARTS_SCHEMA}.{table} as select * from {source}.{MARTS_SCHEMA}.{table}")
        counts[table] = con.execute(f"select count(*) from {target}.{MARTS_SCHEMA}.{table}").fetchone()[0]
    # CREATE TABLE AS drops comments; BI tools show them, so carry dbt's persisted docs across.
    comments = con.execute(
        """select table_name, comment from duckdb_tables()
           where database_name = ? and schema_name = ? and comment is not null""",
        [source, MARTS_SCHEMA],
    ).fetchall()
    for table, comment in comments:
        con.execute(f"comment on table {target}.{MARTS_SCHEMA}.{table} is {quote(comment)}")
    column_comments = con.execute(
        """select table_name, column_name, comment from duckdb_columns()
           where database_name = ? and schema_name = ? and comment is not null""",
        [source, MARTS_SCHEMA],
    ).fetchall()
    for table, column, comment in column_comments:
        con.execute(f'comment on column {target}.{MARTS_SCHEMA}.{table}."{column}" is {quote(comment)}')
    return counts
