"""What BI users open: the published file in an older DuckDB client, through SQLAlchemy, and the stale-read caveat.

The clients are the ones docs/bi.md recommends, installed as dev dependencies: `duckdb-cli` 1.5.6 (DuckDB 1.x,
as bundled by DBeaver and Metabase) and duckdb-engine with SQLAlchemy at the versions pyproject.toml pins; and
Python duckdb 1.1, installed into an environment of its own, for the guide's Python line. The published file here is
made by the real publish step from a small working database with dbt-style table and column comments; the
full pipeline's file is opened by the old client in tests/e2e/test_pipeline_e2e.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from itip_pipeline.core.published_layout import current_version_dir
from itip_pipeline.publish import releases
from itip_pipeline.publish.versions import STORAGE_VERSION, publish
from itip_pipeline.warehouse import candidates

from support import TESTS_DIR
from support.commented_marts import COLUMN_COMMENTS, KEYS, TABLES, commented_work_db, keyed_work_db
from support.duckdb_clients import (
    OLD_CLIENT,
    OLD_CLIENT_VERSION,
    OLD_PYTHON_DUCKDB,
    every_table_and_comment,
    new_client_reads,
    old_client_reads,
    python_with_duckdb,
)


@pytest.fixture
def published(tmp_path):
    work, warehouse, marts = tmp_path / "work.duckdb", tmp_path / "warehouse" / "itip.duckdb", tmp_path / "marts"
    commented_work_db(work, 3)
    publish(work, warehouse, marts)
    return work, warehouse, marts


def test_the_old_client_is_really_duckdb_1x_and_refuses_the_newest_storage_format(published, tmp_path):
    _, warehouse, _ = published
    assert old_client_reads(warehouse, "pragma version")[0]["library_version"] == OLD_CLIENT_VERSION
    newest = tmp_path / "newest.duckdb"
    with duckdb.connect(str(newest)) as con:  # the library's newest format, which publishing must not write
        con.execute("create table t as select 1 as x")
    refused = subprocess.run(
        [str(OLD_CLIENT), "-readonly", str(newest), "-c", "select 1"], capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0 and "version" in refused.stderr.lower()


def test_an_old_duckdb_client_reads_every_published_table_and_comment(published):
    _, warehouse, marts = published
    for database in (warehouse, current_version_dir(marts) / "itip.duckdb"):
        seen = every_table_and_comment(database, old_client_reads)
        assert seen == every_table_and_comment(database, new_client_reads)
        assert seen["tables"] == {table: comment for table, (comment, _) in TABLES.items()} | releases.TABLE_COMMENTS
        assert seen["rows"] == {"fct_indicator": 3, "mart_ai_adoption": 1, "releases": 1, "revisions": 0}
        assert seen["column_comments"] == COLUMN_COMMENTS | RELEASE_COMMENTS
    assert _storage_version_number(warehouse) == STORAGE_VERSION_NUMBERS[STORAGE_VERSION]


# The release tables' comments, and the release id column every other table carries.
RELEASE_COMMENTS = {
    **{(releases.RELEASES_TABLE, c): text for c, (_, text) in releases.RELEASE_COLUMNS.items()},
    **{(releases.REVISIONS_TABLE, c): text for c, (_, text) in releases.REVISION_COLUMNS.items()},
    **{(table, releases.RELEASE_COLUMN): releases.RELEASE_COLUMN_COMMENT for table in TABLES},
}


# DuckDB's file header: the magic "DUCK" at byte 8, then the storage version number (little-endian uint64).
STORAGE_VERSION_NUMBERS = {"v1.0.0": 64, "v1.4.0": 67}


def _storage_version_number(database: Path) -> int:
    header = database.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    return int.from_bytes(header[12:20], "little")


def test_sqlalchemy_with_duckdb_engine_reflects_tables_and_comments(published):
    from sqlalchemy import create_engine, inspect, text

    _, warehouse, _ = published
    engine = create_engine(f"duckdb:///{warehouse}", connect_args={"read_only": True})
    try:
        inspector = inspect(engine)
        assert sorted(inspector.get_table_names(schema="marts")) == sorted([*TABLES, *releases.TABLE_COMMENTS])
        columns = {c["name"]: c for c in inspector.get_columns("fct_indicator", schema="marts")}
        assert columns["year"]["comment"] == "survey year" and columns["share_pct"]["comment"] == "share, per cent"
        assert inspector.get_table_comment("fct_indicator", schema="marts")["text"] == TABLES["fct_indicator"][0]
        with engine.connect() as connection:
            assert connection.execute(text("select count(*) from marts.fct_indicator")).scalar() == 3
    finally:
        engine.dispose()


def _pin(name: str) -> str:
    """The version pyproject.toml pins for a dev dependency (`name==x.y.z`)."""
    match = re.search(rf'"{re.escape(name)}==([^"]+)"', (TESTS_DIR.parent / "pyproject.toml").read_text())
    assert match, f"pyproject.toml pins no version of {name}"
    return match.group(1)


def test_the_sqlalchemy_versions_the_bi_guide_names_are_the_ones_tested():
    import duckdb_engine
    import sqlalchemy

    pins = {"sqlalchemy": _pin("sqlalchemy"), "duckdb-engine": _pin("duckdb-engine")}
    assert sqlalchemy.__version__ == pins["sqlalchemy"] and duckdb_engine.__version__ == pins["duckdb-engine"]
    guide = (TESTS_DIR.parent / "docs" / "bi.md").read_text(encoding="utf-8")
    assert f"pip install duckdb-engine=={pins['duckdb-engine']} sqlalchemy=={pins['sqlalchemy']}" in guide


def test_sqlalchemy_reflection_as_superset_does_it_works_on_the_keyed_file(keyed):
    """Every look-up Superset makes when a table is added, at the pinned versions, on a file with keys and views."""
    from sqlalchemy import MetaData, Table, create_engine, inspect

    engine = create_engine(f"duckdb:///{keyed}", connect_args={"read_only": True})
    try:
        metadata = MetaData()
        metadata.reflect(engine, schema="marts")
        assert sorted(t.name for t in metadata.sorted_tables) == [
            "dim_population",
            "fct_indicator",
            *releases.TABLE_COMMENTS,
        ]
        table = Table("fct_indicator", MetaData(), schema="marts", autoload_with=engine)
        assert [c.name for c in table.columns] == ["indicator_id", "item", "year", "share_pct", releases.RELEASE_COLUMN]
        assert not table.c.indicator_id.nullable and table.c.item.nullable
        inspector = inspect(engine)
        # DuckDB's pg_catalog has no index rows, so the key is not reported (docs/bi.md); the call must not fail.
        assert inspector.get_pk_constraint("dim_population", schema="marts")["constrained_columns"] in (
            [],
            ["population"],
        )
        assert inspector.get_foreign_keys("fct_indicator", schema="marts") == []
        assert isinstance(inspector.get_unique_constraints("fct_indicator", schema="marts"), list)
        assert inspector.get_check_constraints("fct_indicator", schema="marts") == []
        assert sorted(inspector.get_view_names()) == ["dim_population", "fct_indicator", *releases.TABLE_COMMENTS]
    finally:
        engine.dispose()


@pytest.fixture
def keyed(tmp_path):
    """A published file with a NOT NULL column, a primary key, a unique key with a nullable column, and views."""
    work, candidate = tmp_path / "work.duckdb", tmp_path / "candidate.duckdb"
    keyed_work_db(work, [("ai_adoption", None, 2025, 61.5)])
    candidates.snapshot(work, candidate, keys=KEYS)
    return publish(candidate, tmp_path / "warehouse" / "itip.duckdb", tmp_path / "marts").warehouse


def _python_recipe() -> str:
    """The Python line of docs/bi.md, as a reader copies it."""
    guide = (TESTS_DIR.parent / "docs" / "bi.md").read_text(encoding="utf-8")
    match = re.search(r"`(duckdb\.connect\(\"data/warehouse/itip\.duckdb\".*?\.df\(\))`", " ".join(guide.split()))
    assert match, "docs/bi.md has no Python recipe"
    return match.group(1)


@pytest.fixture(scope="module")
def old_python(tmp_path_factory):
    return python_with_duckdb(OLD_PYTHON_DUCKDB, tmp_path_factory.mktemp("duckdb-old"))


@pytest.mark.parametrize("client", ["old", "current"])
def test_the_python_recipe_of_the_bi_guide_reads_a_mart_on_duckdb_1_1_and_the_current_version(
    published, client, request
):
    _, warehouse, _ = published
    folder = warehouse.parent.parent / "reader"
    (folder / "data" / "warehouse").mkdir(parents=True)
    shutil.copyfile(warehouse, folder / "data" / "warehouse" / "itip.duckdb")
    python = request.getfixturevalue("old_python") if client == "old" else Path(sys.executable)
    script = (
        f"import duckdb, json\nframe = {_python_recipe()}\n"
        "print(json.dumps([duckdb.__version__, len(frame), float(frame.share_pct[0])]))"
    )
    result = subprocess.run([str(python), "-c", script], cwd=folder, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    version, rows, share = json.loads(result.stdout.splitlines()[-1])
    assert (rows, share) == (1, 61.5), result.stdout
    assert version == (OLD_PYTHON_DUCKDB if client == "old" else duckdb.__version__)


# Publishing is done by another process, as in practice (the pipeline, while a BI server keeps a connection).
REPUBLISH = textwrap.dedent("""
    import sys
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from support.commented_marts import commented_work_db
    from itip_pipeline.publish.versions import publish
    work, warehouse, marts = map(Path, sys.argv[1:4])
    commented_work_db(work, 5)
    publish(work, warehouse, marts)
""")


def test_a_new_connection_in_a_process_holding_the_file_open_reads_the_new_version(published):
    work, warehouse, marts = published
    held = duckdb.connect(str(warehouse), read_only=True)  # a BI server's pooled connection
    try:
        assert held.execute("select count(*) from marts.fct_indicator").fetchone()[0] == 3
        subprocess.run(
            [
                sys.executable,
                "-c",
                REPUBLISH.format(tests=str(TESTS_DIR)),
                str(work),
                str(warehouse),
                str(marts),
            ],
            check=True,
            timeout=120,
        )
        with duckdb.connect(str(warehouse), read_only=True) as fresh:
            stale = fresh.execute("select count(*) from marts.fct_indicator").fetchone()[0]
        # The warehouse path is a link to the current version's file: DuckDB keeps one database per file it
        # resolves to, so a new connection after a publish opens the new version though the old one is held.
        assert stale == 5
        # Or read the version folder the pointer names now (or the Parquet files) ...
        with duckdb.connect(str(current_version_dir(marts) / "itip.duckdb"), read_only=True) as versioned:
            assert versioned.execute("select count(*) from marts.fct_indicator").fetchone()[0] == 5
        parquet = current_version_dir(marts) / "fct_indicator.parquet"
        with duckdb.connect() as files:
            assert files.execute(f"select count(*) from '{parquet}'").fetchone()[0] == 5
    finally:
        held.close()
    # ... or close every connection to the file: the next connect() reads the new version.
    with duckdb.connect(str(warehouse), read_only=True) as reopened:
        assert reopened.execute("select count(*) from marts.fct_indicator").fetchone()[0] == 5
