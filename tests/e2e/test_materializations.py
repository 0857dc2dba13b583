"""The project's table and view materializations (dbt_project/macros/materializations.sql) replace a relation in
one transaction: a model that fails leaves the previous table or view standing with its rows, and one that
succeeds replaces it, for a SQL table, a view and a Python model alike. A small dbt project that uses the file
as it is, built with the project's dbt in a temporary folder; real dbt processes, so in the full tier."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb

from itip_pipeline.core.settings import REPO_ROOT

from support.tiny_dbt import run_dbt, tiny_project

MATERIALIZATIONS = REPO_ROOT / "dbt_project" / "macros" / "materializations.sql"

PROJECT = """
name: tiny
version: "1.0"
profile: tiny
model-paths: ["models"]
macro-paths: ["macros"]
models:
  tiny:
    +materialized: table
    v:
      +materialized: view
"""
PYTHON_MODEL = """
import pandas as pd

def model(dbt, session):
    {body}
"""

BUILT = {
    "t.sql": "select 1 as n union all select 2",
    "v.sql": "select n * 10 as m from {{ ref('t') }}",
    "p.py": PYTHON_MODEL.format(body="return pd.DataFrame({'k': [1, 2, 3]})"),
}
# Each fails where its kind fails: a table's query at run time, a view's when DuckDB binds it, Python by raising.
FAILING = {
    "t.sql": "select n from (select 1 as n) as q where error('refused for the test') is null",
    "v.sql": "select m from no_such_table_for_the_test",
    # dbt reads a Python model's return statement when it parses, so this one has one after the raise
    "p.py": PYTHON_MODEL.format(
        body="if session is not None:\n        raise ValueError('refused for the test')\n"
        "    return pd.DataFrame({'k': [0]})"
    ),
}
REBUILT = {
    "t.sql": "select 7 as n",
    "v.sql": "select n + 1 as m from {{ ref('t') }}",
    "p.py": PYTHON_MODEL.format(body="return pd.DataFrame({'k': [9]})"),
}


def _project(tmp_path: Path) -> Path:
    project = tiny_project(tmp_path, PROJECT)
    (project / "macros").mkdir()
    shutil.copy(MATERIALIZATIONS, project / "macros")
    return project


def _build(project: Path, models: dict[str, str]) -> subprocess.CompletedProcess:
    for name, text in models.items():
        (project / "models" / name).write_text(text, encoding="utf-8")
    return run_dbt(project, "run")


def _contents(database: Path) -> dict:
    with duckdb.connect(str(database), read_only=True) as con:
        kinds = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables where table_schema = 'main'"
            ).fetchall()
        )
        return {
            "kinds": kinds,
            "t": con.execute("select n from t order by n").fetchall(),
            "v": con.execute("select m from v order by m").fetchall(),
            "p": con.execute("select k from p order by k").fetchall(),
        }


def test_a_failed_model_leaves_its_previous_relation_and_a_good_one_replaces_it(tmp_path):
    project = _project(tmp_path)
    database = tmp_path / "tiny.duckdb"
    first = _build(project, BUILT)
    assert first.returncode == 0, first.stdout[-3000:]
    before = _contents(database)
    assert before == {
        "kinds": {"t": "BASE TABLE", "v": "VIEW", "p": "BASE TABLE"},
        "t": [(1,), (2,)],
        "v": [(10,), (20,)],
        "p": [(1,), (2,), (3,)],
    }

    failed = _build(project, FAILING)
    assert failed.returncode == 1
    assert failed.stdout.count("refused for the test") >= 2 and "no_such_table_for_the_test" in failed.stdout
    assert _contents(database) == before  # nothing dropped, nothing half-built, no temporary relation left

    rebuilt = _build(project, REBUILT)
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    assert _contents(database) == {**before, "t": [(7,)], "v": [(8,)], "p": [(9,)]}
