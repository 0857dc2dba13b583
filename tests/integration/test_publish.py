"""Publishing: BI readers holding the published file are never blocked or disturbed; a failure changes nothing;
each publish is one version (DuckDB file + Parquet set) made current in one step."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from datetime import timedelta

import duckdb
import pytest

from itip_pipeline.core.published_layout import current_version_dir
from itip_pipeline.publish.versions import (
    RETENTION,
    PublishFailed,
    _prune_versions,
    _published_at,
    publish,
)

READER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    for line in sys.stdin:  # one query per line from the test; the file stays open throughout
        print(con.execute("select count(*) from marts.fct_indicator").fetchone()[0], flush=True)
""")


def _work_db(path, rows: int):
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    con.execute("create or replace table marts.fct_indicator as select range as year from range(?)", [rows])
    con.execute("comment on table marts.fct_indicator is 'one row per indicator'")
    con.execute("comment on column marts.fct_indicator.year is 'survey year'")
    con.close()


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publishing_while_a_bi_session_holds_the_file(tmp_path):
    work, warehouse, marts = tmp_path / "work.duckdb", tmp_path / "wh" / "itip.duckdb", tmp_path / "marts"
    _work_db(work, 3)
    publish(work, warehouse, marts)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        reader.stdin.write("q\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "3"
        _work_db(work, 5)
        result = publish(work, warehouse, marts)  # would raise if the reader's lock blocked it
        assert result.tables == {"fct_indicator": 5, "releases": 2, "revisions": 0}
        reader.stdin.write("q\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "3", "the open session keeps its consistent copy"
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    assert reader.returncode == 0, reader.stderr.read()
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select count(*) from marts.fct_indicator").fetchone()[0] == 5
    assert con.execute("select comment from duckdb_columns() where column_name = 'year'").fetchone()[0] == "survey year"
    con.close()
    parquet = duckdb.connect()
    assert parquet.execute(f"select count(*) from '{marts / 'fct_indicator.parquet'}'").fetchone()[0] == 5


def test_a_failed_publish_leaves_everything_as_it_was(tmp_path):
    work, warehouse, marts = tmp_path / "work.duckdb", tmp_path / "wh" / "itip.duckdb", tmp_path / "marts"
    _work_db(work, 3)
    publish(work, warehouse, marts)
    before = (_sha(warehouse), _sha(marts / "fct_indicator.parquet"))
    con = duckdb.connect(str(work))
    con.execute("drop schema marts cascade")
    con.close()
    with pytest.raises(RuntimeError, match="no marts to publish"):
        publish(work, warehouse, marts)
    assert (_sha(warehouse), _sha(marts / "fct_indicator.parquet")) == before
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["itip.duckdb"]
    assert sorted(p.name for p in marts.iterdir()) == [
        "current",
        "fct_indicator.parquet",
        "releases.parquet",
        "revisions.parquet",
        "versions",
    ]
    assert len(list((marts / "versions").iterdir())) == 1


def _count(db, table="fct_indicator"):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select count(*) from marts.{table}").fetchone()[0]


def _parquet_count(path):
    with duckdb.connect() as con:
        return con.execute(f"select count(*) from '{path}'").fetchone()[0]


KEEP_VERSIONS = 3  # the newest versions kept, as ITIP_KEEP_RELEASES=3 asks


def test_each_publish_is_one_version_folder_made_current_in_one_step_and_superseded_ones_stay_readable(tmp_path):
    work, warehouse, marts = tmp_path / "work.duckdb", tmp_path / "wh" / "itip.duckdb", tmp_path / "marts"
    _work_db(work, 3)
    first = publish(work, warehouse, marts, label="run-one")
    resolved_once = current_version_dir(marts)  # a reader that resolves the pointer once ...
    assert resolved_once == first.version_dir.resolve()
    for rows in range(4, 4 + KEEP_VERSIONS + 1):
        _work_db(work, rows)
        last = publish(work, warehouse, marts, label=f"run-{rows}")
    # ... goes on reading one consistent version while later publishes happen: within RETENTION of being
    # superseded, every file of it is still there, not only those the reader had open.
    current = current_version_dir(marts)
    assert current == last.version_dir.resolve() and current.name == last.version
    assert _count(current / "itip.duckdb") == _parquet_count(current / "fct_indicator.parquet") == rows
    assert warehouse.resolve() == current / "itip.duckdb", "the BI path is the current version's own file"
    assert (marts / "fct_indicator.parquet").resolve() == current / "fct_indicator.parquet"
    versions = sorted(p.name for p in (marts / "versions").iterdir())
    assert len(versions) == KEEP_VERSIONS + 2 and versions[-1] == last.version
    assert _count(resolved_once / "itip.duckdb") == _parquet_count(resolved_once / "fct_indicator.parquet") == 3


def test_a_version_superseded_longer_than_the_retention_is_removed_beyond_the_newest_kept(tmp_path):
    work, warehouse, marts = tmp_path / "work.duckdb", tmp_path / "wh" / "itip.duckdb", tmp_path / "marts"
    published = []
    for rows in range(3, 3 + KEEP_VERSIONS + 2):
        _work_db(work, rows)
        published.append(publish(work, warehouse, marts, label=f"run-{rows}").version)
    newest = _published_at(published[-1])
    # One second before the second version's retention ends: nothing goes (the first's ended a moment earlier
    # only if its successor was published that much earlier, which it was not).
    early = _published_at(published[1]) + RETENTION - timedelta(seconds=1)
    assert _prune_versions(marts, now=early, keep_newest=KEEP_VERSIONS) == []
    assert _prune_versions(marts, now=newest + RETENTION + timedelta(seconds=1)) == [], "by default all are kept"
    removed = _prune_versions(marts, now=newest + RETENTION + timedelta(seconds=1), keep_newest=KEEP_VERSIONS)
    assert removed == published[: len(published) - KEEP_VERSIONS]
    assert sorted(p.name for p in (marts / "versions").iterdir()) == published[-KEEP_VERSIONS:]
    assert _count(warehouse) == 3 + KEEP_VERSIONS + 1


def test_a_data_folder_copied_with_its_links_followed_still_publishes(tmp_path):
    import shutil

    work, marts = tmp_path / "work.duckdb", tmp_path / "marts"
    _work_db(work, 3)
    publish(work, tmp_path / "wh" / "itip.duckdb", marts)
    restored = tmp_path / "restored"
    shutil.copytree(marts, restored)  # like `cp -r` or a backup: `current` and the links become real copies
    assert not (restored / "current").is_symlink()
    _work_db(work, 4)
    publish(work, tmp_path / "wh" / "itip.duckdb", restored)
    assert (restored / "current").is_symlink() and _count(current_version_dir(restored) / "itip.duckdb") == 4
    assert _parquet_count(restored / "fct_indicator.parquet") == 4


def test_a_table_no_longer_published_leaves_no_dangling_parquet_link(tmp_path):
    work, warehouse, marts = tmp_path / "work.duckdb", tmp_path / "wh" / "itip.duckdb", tmp_path / "marts"
    _work_db(work, 3)
    with duckdb.connect(str(work)) as con:
        con.execute("create table marts.mart_old as select 1 as x")
    publish(work, warehouse, marts)
    assert (marts / "mart_old.parquet").is_symlink()
    with duckdb.connect(str(work)) as con:
        con.execute("drop table marts.mart_old")
    publish(work, warehouse, marts)
    assert sorted(p.name for p in marts.glob("*.parquet")) == [
        "fct_indicator.parquet",
        "releases.parquet",
        "revisions.parquet",
    ]


def test_leftovers_of_a_killed_publish_are_removed_by_the_next_and_change_nothing_readers_see(tmp_path):
    work, warehouse, marts = tmp_path / "work.duckdb", tmp_path / "wh" / "itip.duckdb", tmp_path / "marts"
    _work_db(work, 3)
    publish(work, warehouse, marts)
    half_version = marts / "versions" / ".20990101T000000000000Z-killed.new"
    half_version.mkdir()
    (half_version / "itip.duckdb").write_bytes(b"half-written")
    leftovers = [
        warehouse.with_name(".itip.duckdb.4194305.new"),
        warehouse.with_name(".itip.duckdb.4194305.new.wal"),
        marts / ".current.4194305.new",
        marts / ".fct_indicator.parquet.4194305.new",
    ]
    for path in leftovers:
        path.write_bytes(b"half-written")
    assert current_version_dir(marts) != half_version, "a staging folder is never current"
    _work_db(work, 4)
    publish(work, warehouse, marts)
    assert [p.name for p in [half_version, *leftovers] if p.exists()] == []
    assert _count(warehouse) == 4


def test_a_warehouse_folder_that_cannot_be_written_fails_with_a_sentence_and_changes_nothing(tmp_path):
    work, marts = tmp_path / "work.duckdb", tmp_path / "marts"
    _work_db(work, 3)
    publish(work, tmp_path / "wh" / "itip.duckdb", marts)
    before = _sha(marts / "fct_indicator.parquet")
    blocked = tmp_path / "not_a_folder"
    blocked.write_text("a file where the warehouse folder should be")
    with pytest.raises(PublishFailed) as failed:
        publish(work, blocked / "itip.duckdb", marts)
    message = str(failed.value)
    assert str(blocked) in message and "writable" in message and "Traceback" not in message
    assert _sha(marts / "fct_indicator.parquet") == before
    assert len(list((marts / "versions").iterdir())) == 1
