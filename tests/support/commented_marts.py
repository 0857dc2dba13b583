"""A small working database whose marts carry dbt-style table and column comments: what a publish copies and a BI
client must see. Its own module, because a publishing subprocess builds one too."""

from __future__ import annotations

from pathlib import Path

import duckdb

TABLES = {
    "fct_indicator": (
        "one row per indicator, population and year",
        "select range::int as year, 'stat' as population, range * 10.5 as share_pct, "
        "range % 2 = 0 as suppressed, date '2025-06-15' as published_on from range(?)",
    ),
    "mart_ai_adoption": ("AI adoption by population", "select 'kommune' as population, 61.5::double as share_pct"),
}
COLUMN_COMMENTS = {
    ("fct_indicator", "year"): "survey year",
    ("fct_indicator", "share_pct"): "share, per cent",
    ("mart_ai_adoption", "share_pct"): "share of organisations using AI, per cent",
}


def commented_work_db(path: Path, rows: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    for table, (comment, sql) in TABLES.items():
        params = [rows] if "?" in sql else []
        con.execute(f"create or replace table marts.{table} as {sql}", params)
        con.execute(f"comment on table marts.{table} is '{comment}'")
    for (table, column), comment in COLUMN_COMMENTS.items():
        con.execute(f"comment on column marts.{table}.{column} is '{comment}'")
    con.close()


# A working database with structure: NOT NULL columns, and the keys the dbt project would give (KEYS), one of
# them with a nullable column (`item`, NULL for a headline indicator); rows as given, in no particular order.
KEYS = {"fct_indicator": ["indicator_id", "item", "year"], "dim_population": ["population"]}


def keyed_work_db(path: Path, rows: list[tuple[str, str | None, int, float]]) -> None:
    """marts.fct_indicator with `rows` (indicator_id, item, year, share_pct) and a two-row marts.dim_population."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create schema raw")
        con.execute("create table raw.codebook as select 2025 as survey_year")
        con.execute(
            "create table marts.fct_indicator (indicator_id varchar not null, item varchar, year integer not null, "
            "share_pct double)"
        )
        con.executemany("insert into marts.fct_indicator values (?, ?, ?, ?)", [list(r) for r in rows])
        con.execute("create table marts.dim_population (population varchar not null, label_en varchar)")
        con.execute("insert into marts.dim_population values ('stat', 'State agencies'), ('alle', 'All')")
