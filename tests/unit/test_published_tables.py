"""The comparison the incremental identity test relies on: two published warehouses that differ in one value,
one flag, one row, one column or one table are told apart; the time of a load is not a difference."""

from __future__ import annotations

import duckdb
import pytest

from support.published_tables import parquet_differences, warehouse_differences

ROWS = "(2025, 'ai_use', 41.5, null), (2025, 'ai_plan', 12.0, 'u'), (2025, 'ai_plan', 12.0, 'u')"


def _warehouse(path, rows: str = ROWS, extra: str = "") -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct (survey_year integer, indicator varchar, share_pct double, flag varchar)")
        con.execute(f"insert into marts.fct values {rows}")
        con.execute(
            "create table marts.published_provenance as "
            "select 'codebook.csv' as file_name, now() as loaded_at, gen_random_uuid()::varchar as load_id"
        )
        if extra:
            con.execute(extra)


def test_two_builds_of_the_same_numbers_do_not_differ_though_their_loads_and_last_bits_do(tmp_path):
    _warehouse(tmp_path / "a.duckdb")
    _warehouse(tmp_path / "b.duckdb", ROWS.replace("41.5", "41.50000000000001"))
    assert warehouse_differences(tmp_path / "a.duckdb", tmp_path / "b.duckdb") == []


@pytest.mark.parametrize(
    "rows, extra, expected",
    [
        (
            ROWS.replace("41.5", "41.5000001"),
            "",
            ["marts.fct: 1 rows in the first only", "marts.fct: 1 rows in the second only"],
        ),
        (
            ROWS.replace("12.0, 'u'), (2025", "12.0, 'c'), (2025"),
            "",
            ["marts.fct: 1 rows in the first only", "marts.fct: 1 rows in the second only"],
        ),
        (ROWS.rsplit(", (", 1)[0], "", ["marts.fct: 1 rows in the first only"]),
        (ROWS, "alter table marts.fct add column n integer", ["marts.fct: the columns differ"]),
        (ROWS, "create table marts.extra (x integer)", ["the marts table extra is in the second only"]),
    ],
)
def test_a_different_value_flag_row_column_or_table_is_a_difference(tmp_path, rows, extra, expected):
    _warehouse(tmp_path / "a.duckdb")
    _warehouse(tmp_path / "b.duckdb", rows, extra)
    found = warehouse_differences(tmp_path / "a.duckdb", tmp_path / "b.duckdb")
    assert len(found) == len(expected) and all(d.startswith(e) for d, e in zip(found, expected, strict=True))


def test_parquet_files_are_compared_row_for_row(tmp_path):
    for name, value in (("a", "41.5"), ("b", "41.5"), ("c", "40.0")):
        (tmp_path / name).mkdir()
        with duckdb.connect() as con:
            con.execute(
                f"copy (select 2025 as survey_year, {value} as share_pct) to '{tmp_path / name / 'fct.parquet'}'"
            )
    assert parquet_differences(tmp_path / "a", tmp_path / "b") == []
    assert parquet_differences(tmp_path / "a", tmp_path / "c") == [
        "fct.parquet: 1 rows in the first only",
        "fct.parquet: 1 rows in the second only",
    ]
    (tmp_path / "b" / "more.parquet").write_bytes((tmp_path / "b" / "fct.parquet").read_bytes())
    assert parquet_differences(tmp_path / "a", tmp_path / "b") == [
        "the Parquet file more.parquet is in the second only"
    ]
