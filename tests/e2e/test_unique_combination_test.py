"""The project's generic uniqueness test (dbt_project/tests/generic/unique_combination_of_columns.sql), which
counts rows by a hash of their key before grouping by the key itself, finds exactly the duplicated keys: NULLs
count as equal, keys that differ in any column are not duplicates, and each duplicated key is reported once
with its number of rows. A small dbt project that uses the file as it is, built with the project's dbt in a
temporary folder; real dbt processes, so in the full tier."""

from __future__ import annotations

import shutil

import duckdb

from itip_pipeline.core.settings import REPO_ROOT

from support.tiny_dbt import run_dbt, tiny_project

GENERIC_TEST = REPO_ROOT / "dbt_project" / "tests" / "generic" / "unique_combination_of_columns.sql"

PROJECT = """
name: tiny
version: "1.0"
profile: tiny
model-paths: ["models"]
test-paths: ["tests"]
models:
  tiny:
    +materialized: table
"""
SCHEMA = """
version: 2
models:
  - name: duplicated
    data_tests:
      - unique_combination_of_columns: {arguments: {combination_of_columns: [a, b]}}
  - name: distinct_keys
    data_tests:
      - unique_combination_of_columns: {arguments: {combination_of_columns: [a, b]}}
"""


def _rows(rows: list[tuple]) -> str:
    return "select * from (values " + ", ".join(f"({a}, {b})" for a, b in rows) + ") as v(a, b)"


# Two rows of (1, 'x'), three of (2, NULL), two of (NULL, NULL); the rest once each.
DUPLICATED = [
    ("1", "'x'"),
    ("1", "'x'"),
    ("2", "NULL"),
    ("2", "NULL"),
    ("2", "NULL"),
    ("NULL", "NULL"),
    ("NULL", "NULL"),
    ("2", "'x'"),
    ("NULL", "'x'"),
    ("3", "'y'"),
]
# Keys alike but for one column, NULL in either place, and text that only concatenated would read the same.
DISTINCT = [
    ("1", "'x'"),
    ("1", "'y'"),
    ("2", "'x'"),
    ("1", "NULL"),
    ("NULL", "'x'"),
    ("NULL", "NULL"),
    ("12", "'3'"),
    ("1", "'23'"),
]


def test_the_uniqueness_test_reports_each_duplicated_key_once_and_nothing_else(tmp_path):
    project = tiny_project(tmp_path, PROJECT)
    (project / "tests" / "generic").mkdir(parents=True)
    shutil.copy(GENERIC_TEST, project / "tests" / "generic")
    (project / "models" / "schema.yml").write_text(SCHEMA, encoding="utf-8")
    # b is text in both models, a an integer: the NULLs take the type of the other rows.
    (project / "models" / "duplicated.sql").write_text(_rows(DUPLICATED), encoding="utf-8")
    (project / "models" / "distinct_keys.sql").write_text(_rows(DISTINCT), encoding="utf-8")

    built = run_dbt(project, "build", "--store-failures")

    assert built.returncode == 1, built.stdout[-3000:]
    assert "Got 3 results" in built.stdout, built.stdout[-3000:]
    with duckdb.connect(str(tmp_path / "tiny.duckdb"), read_only=True) as con:
        stored = con.execute(
            "select table_name from information_schema.tables where table_schema like '%dbt_test__audit'"
        ).fetchall()
        failures = {
            name: con.execute(f'select a, b, n_rows from main_dbt_test__audit."{name}" order by all').fetchall()
            for (name,) in stored
        }
    assert failures == {
        "unique_combination_of_columns_duplicated_a__b": [(1, "x", 2), (2, None, 3), (None, None, 2)],
        "unique_combination_of_columns_distinct_keys_a__b": [],
    }
