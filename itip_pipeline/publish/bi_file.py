"""What the published DuckDB file adds for BI tools on top of the copied marts: short comments, and the tables
visible in the default schema.

- Comments: dbt persists each description in full (up to a few thousand characters of markdown), which BI
  tools show as a tooltip or a grid cell. The published file carries one line per table and column: the
  description's first sentence as plain text. The full text stays in the dbt docs (`make docs`).
- Default schema: the tables live in schema `marts`, and `SHOW TABLES` and tools that browse the default
  schema (`main`) list nothing there. So `main` holds one view per table, `select * from marts.<table>`,
  with the table's and its columns' comments; `marts.<table>` stays the name to use, and both read the same rows.
"""

from __future__ import annotations

import re

import duckdb

from itip_pipeline.warehouse.marts_copy import MARTS_SCHEMA, ident, quote
from itip_pipeline.warehouse.transactions import transaction

DEFAULT_SCHEMA = "main"
# A comment longer than this is cut at a word and ends with "…": a tooltip, not a paragraph.
MAX_COMMENT = 240

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")  # [text](url) -> text
_LINE_MARK = re.compile(r"^\s*(#+|>|[-+*]|\d+\.)\s+", re.MULTILINE)  # heading, quote, list item
_EMPHASIS = re.compile(r"`|\*")  # code and emphasis marks; underscores stay, they are in column names
# A sentence ends at . ! or ? followed by a space and a capital letter or an opening quote/bracket, or at
# the end: "e.g. ai_adoption", "et al. 2017" and "0.05" do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ\"'(«])")


def one_line(description: str) -> str:
    """The first sentence of a dbt description as plain text on one line, at most MAX_COMMENT characters."""
    text = _LINK.sub(r"\1", description)
    text = _EMPHASIS.sub("", _LINE_MARK.sub("", text))
    text = " ".join(text.split())
    text = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(text) > MAX_COMMENT:
        text = text[: MAX_COMMENT - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def add_default_schema_views(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    """One view in `database`.main per table of `database`.marts, with the table's comments; the views made.

    The view's SQL names `marts.<table>` without a database, so it reads the file it is in under whatever
    name a client attaches it: the DDL is run with `database` as the default database."""
    tables = con.execute(
        """select table_name, comment from duckdb_tables() where database_name = ? and schema_name = ?
           order by 1""",
        [database, MARTS_SCHEMA],
    ).fetchall()
    column_comments = con.execute(
        """select table_name, column_name, comment from duckdb_columns()
           where database_name = ? and schema_name = ? and comment is not null""",
        [database, MARTS_SCHEMA],
    ).fetchall()
    previous = con.execute("select current_database()").fetchone()[0]
    con.execute(f"use {ident(database)}")
    # One transaction for the views and their hundreds of comments: a statement outside one commits alone.
    try:
        with transaction(con):
            for table, comment in tables:
                con.execute(
                    f"create view {DEFAULT_SCHEMA}.{ident(table)} as select * from {MARTS_SCHEMA}.{ident(table)}"
                )
                if comment:
                    con.execute(f"comment on view {DEFAULT_SCHEMA}.{ident(table)} is {quote(comment)}")
            for table, column, comment in column_comments:
                con.execute(f"comment on column {DEFAULT_SCHEMA}.{ident(table)}.{ident(column)} is {quote(comment)}")
    finally:
        con.execute(f"use {ident(previous)}")
    return [table for table, _ in tables]
