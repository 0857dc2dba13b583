"""Copying the `marts` schema, with its structure and comments, from one attached DuckDB database to another.

The run's candidate build and the published file are both made this way, so what a BI tool sees (tables,
row counts, the descriptions in the dbt project) is exactly what the run built and checked. The candidate
gets its comments from the dbt project's descriptions (itip_pipeline.defs.dbt.mart_manifest reads them), the
published file the candidate's. A table is created with its columns' types and NOT NULL constraints (dbt's
contracts) and its key, then filled sorted by that key:
- the key is the `primary_key` test of the mart in the dbt project (itip_pipeline.defs.dbt.mart_manifest reads it)
  when the candidate is made from the working database, and the key constraint the source table already
  carries when the published file is made from the candidate;
- it is declared PRIMARY KEY, or UNIQUE where a key column may be NULL (a headline indicator's `item`), since
  a primary key cannot hold NULL; rows must be unique on it with NULLs counting as equal, as dbt's test says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import duckdb

from itip_pipeline.warehouse.transactions import transaction

MARTS_SCHEMA = "marts"


class TableDocs(NamedTuple):
    """A table's description and its columns' (column -> description), each written as the object's comment."""

    table: str
    columns: dict[str, str]


class KeyViolation(RuntimeError):
    """Two rows of a mart share its key; the message names the table, the key and one duplicated value."""


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def source_keys(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[str]]:
    """The key (PRIMARY KEY, else UNIQUE) each table of `database`.marts declares."""
    rows = con.execute(
        """select table_name, constraint_type, constraint_column_names from duckdb_constraints()
           where database_name = ? and schema_name = ? and constraint_type in ('PRIMARY KEY', 'UNIQUE')
           order by table_name, constraint_type""",  # 'PRIMARY KEY' sorts before 'UNIQUE'
        [database, MARTS_SCHEMA],
    ).fetchall()
    keys: dict[str, list[str]] = {}
    for table, _, columns in rows:
        keys.setdefault(table, list(columns))
    return keys


def mart_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    """The tables of `database`.marts (attached to con), by name."""
    return [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = ? order by 1",
            [database, MARTS_SCHEMA],
        ).fetchall()
    ]


def copy_marts(
    con: duckdb.DuckDBPyConnection,
    source: str,
    target: str,
    keys: dict[str, list[str]] | None = None,
    comment: Callable[[str], str] = str,
    docs: dict[str, TableDocs] | None = None,
) -> dict[str, int]:
    """Every table of `source`.marts as a table of `target`.marts (both attached to con); rows per table.

    `keys` (table -> key columns) declares each table's key; without it, the keys `source` declares are kept.
    `source`'s comments are kept, and `docs` (table -> descriptions) added over them. `comment` turns each into
    the one `target` gets."""
    tables = mart_tables(con, source)
    if not tables:
        raise RuntimeError("the working database has no marts to publish: run dbt first")
    keys = source_keys(con, source) if keys is None else keys
    # One transaction for the whole copy: in autocommit every statement (a comment per column, hundreds of
    # them) would commit, and write the target file, on its own.
    with transaction(con):
        counts = _copy_schema(con, source, target, tables, keys)
        # The source's own comments (a wide mart's year columns get theirs from a post-hook), and `docs` over them.
        found = _source_comments(con, source)
        _comment(con, target, found if docs is None else {**found, **_documented(con, target, docs)}, comment)
    return counts


def _copy_schema(
    con: duckdb.DuckDBPyConnection,
    source: str,
    target: str,
    tables: list[str],
    keys: dict[str, list[str]],
) -> dict[str, int]:
    con.execute(f"create schema {target}.{MARTS_SCHEMA}")
    counts = {}
    for table in tables:
        counts[table] = _copy_table(con, source, target, table, keys.get(table, []))
    return counts


# (table, column or None for the table's own comment) -> text: what BI tools show beside a table and its columns.
Comments = dict[tuple[str, str | None], str]


def _source_comments(con: duckdb.DuckDBPyConnection, source: str) -> Comments:
    """The comments of `source`.marts' tables and columns (CREATE TABLE does not carry them)."""
    tables = con.execute(
        """select table_name, comment from duckdb_tables()
           where database_name = ? and schema_name = ? and comment is not null""",
        [source, MARTS_SCHEMA],
    ).fetchall()
    columns = con.execute(
        """select table_name, column_name, comment from duckdb_columns()
           where database_name = ? and schema_name = ? and comment is not null""",
        [source, MARTS_SCHEMA],
    ).fetchall()
    return {**{(table, None): text for table, text in tables}, **{(t, c): text for t, c, text in columns}}


def _documented(con: duckdb.DuckDBPyConnection, target: str, docs: dict[str, TableDocs]) -> Comments:
    """`docs` of the tables and columns `target`.marts has."""
    present = con.execute(
        "select table_name, column_name from duckdb_columns() where database_name = ? and schema_name = ?",
        [target, MARTS_SCHEMA],
    ).fetchall()
    columns: dict[str, set[str]] = {}
    for table, column in present:
        columns.setdefault(table, set()).add(column)
    comments: Comments = {(table, None): doc.table for table, doc in docs.items() if table in columns and doc.table}
    for table, doc in docs.items():
        comments.update({(table, c): text for c, text in doc.columns.items() if c in columns.get(table, ())})
    return comments


def _comment(con: duckdb.DuckDBPyConnection, target: str, comments: Comments, comment: Callable[[str], str]) -> None:
    for (table, column), text in comments.items():
        named = f"{target}.{MARTS_SCHEMA}.{ident(table)}"
        if column is None:
            con.execute(f"comment on table {named} is {quote(comment(text))}")
        else:
            con.execute(f"comment on column {named}.{ident(column)} is {quote(comment(text))}")


def _copy_table(con: duckdb.DuckDBPyConnection, source: str, target: str, table: str, key: list[str]) -> int:
    columns = con.execute(
        """select column_name, data_type, is_nullable from duckdb_columns()
           where database_name = ? and schema_name = ? and table_name = ? order by column_index""",
        [source, MARTS_SCHEMA, table],
    ).fetchall()
    nullable = {name for name, _, is_nullable in columns if is_nullable}
    missing = [column for column in key if column not in {name for name, _, _ in columns}]
    if missing:
        raise KeyViolation(f"marts.{table}: its key names {missing}, which the table does not have.")
    from_table = f"{source}.{MARTS_SCHEMA}.{ident(table)}"
    if key:
        _check_unique(con, from_table, table, key)
    definitions = [
        f"{ident(name)} {data_type}{'' if is_nullable else ' not null'}" for name, data_type, is_nullable in columns
    ]
    if key:
        kind = "unique" if nullable.intersection(key) else "primary key"
        definitions.append(f"{kind} ({', '.join(map(ident, key))})")
    to_table = f"{target}.{MARTS_SCHEMA}.{ident(table)}"
    con.execute(f"create table {to_table} ({', '.join(definitions)})")
    order = f" order by {', '.join(f'{ident(c)} nulls first' for c in key)}" if key else ""
    con.execute(f"insert into {to_table} select * from {from_table}{order}")
    return con.execute(f"select count(*) from {to_table}").fetchone()[0]


def _check_unique(con: duckdb.DuckDBPyConnection, from_table: str, table: str, key: list[str]) -> None:
    """KeyViolation when two rows share the key, NULLs counting as equal (DuckDB's UNIQUE lets NULLs repeat)."""
    columns = ", ".join(map(ident, key))
    duplicate = con.execute(
        f"select {columns}, count(*) from {from_table} group by all having count(*) > 1 order by all limit 1"
    ).fetchone()
    if duplicate:
        value = ", ".join(
            f"{name} = {'NULL' if v is None else repr(v)}" for name, v in zip(key, duplicate, strict=False)
        )
        raise KeyViolation(
            f"marts.{table}: {duplicate[-1]} rows share the key ({', '.join(key)}) with {value}. A mart's key "
            "(its primary_key test in dbt_project/models/marts/) must name one row, so this build is not "
            "published; fix the model's joins or grouping."
        )
