"""Two published warehouses compared table by table, row for row: every mart of the published DuckDB file and
every Parquet file of the published version, each difference said in a sentence naming the table. Text, integers,
flags and dates are compared exactly, floating-point numbers to FLOAT_DECIMALS decimals."""

from __future__ import annotations

from pathlib import Path

import duckdb

from itip_pipeline.publish.releases import RELEASES_TABLE, REVISIONS_TABLE

# When, and by which load, a delivered file was loaded (published_provenance): two loads of the same file differ
# here by design, and nothing else of a published table may.
PER_LOAD_COLUMNS = ("loaded_at", "load_id")
# The publishing history (itip_pipeline.publish.releases): which releases came before, and what each revised,
# differs by design between a warehouse published year by year and one published once.
HISTORY_TABLES = (RELEASES_TABLE, REVISIONS_TABLE)
# Floating-point columns are compared to this many decimals: two builds of the same raw rows may add a column's
# values in another order (DuckDB's parallel aggregation) and differ in the last bits (about 1e-15), which no
# published figure shows; a wrong cached result is off by far more.
FLOAT_DECIMALS = 9
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def warehouse_differences(first: Path, second: Path, schema: str = "marts") -> list[str]:
    """Every difference between the tables of `schema` in two DuckDB files, the publishing history aside: a
    table in one only, other columns or column types, rows in one and not the other (duplicates counted)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{first}' as first (read_only)")
        con.execute(f"attach '{second}' as second (read_only)")
        tables = {
            alias: {
                row[0]
                for row in con.execute(
                    "select table_name from information_schema.tables where table_catalog = ? and table_schema = ?",
                    [alias, schema],
                ).fetchall()
                if row[0] not in HISTORY_TABLES
            }
            for alias in ("first", "second")
        }
        return _one_side_only(tables["first"], tables["second"], f"{schema} table") + [
            difference
            for table in sorted(tables["first"] & tables["second"])
            for difference in _relation_differences(
                con, f"{schema}.{table}", f"first.{schema}.{table}", f"second.{schema}.{table}"
            )
        ]
    finally:
        con.close()


def parquet_differences(first: Path, second: Path) -> list[str]:
    """Every difference between the Parquet files directly in two folders, compared as `warehouse_differences`
    compares tables."""
    names = {
        folder: {path.name for path in folder.glob("*.parquet") if path.stem not in HISTORY_TABLES}
        for folder in (first, second)
    }
    con = duckdb.connect()
    try:
        return _one_side_only(names[first], names[second], "Parquet file") + [
            difference
            for name in sorted(names[first] & names[second])
            for difference in _relation_differences(
                con, name, f"read_parquet('{first / name}')", f"read_parquet('{second / name}')"
            )
        ]
    finally:
        con.close()


def _one_side_only(first: set[str], second: set[str], kind: str) -> list[str]:
    return [f"the {kind} {name} is in the first only" for name in sorted(first - second)] + [
        f"the {kind} {name} is in the second only" for name in sorted(second - first)
    ]


def _relation_differences(con: duckdb.DuckDBPyConnection, name: str, first: str, second: str) -> list[str]:
    columns = [con.execute(f"describe select * from {source}").fetchall() for source in (first, second)]
    shapes = [[(column[0], column[1]) for column in described] for described in columns]
    if shapes[0] != shapes[1]:
        return [f"{name}: the columns differ: {shapes[0]} against {shapes[1]}"]
    compared = ", ".join(
        f'round("{column}", {FLOAT_DECIMALS}) as "{column}"' if kind in FLOAT_TYPES else f'"{column}"'
        for column, kind in shapes[0]
        if column not in PER_LOAD_COLUMNS
    )
    differences = []
    for one, other, which in ((first, second, "first"), (second, first, "second")):
        only = con.execute(
            f"select count(*) from (select {compared} from {one} except all select {compared} from {other})"
        ).fetchone()[0]
        if only:
            differences.append(f"{name}: {only} rows in the {which} only")
    return differences
