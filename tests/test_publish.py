"""Publishing: BI readers holding the published file are never blocked or disturbed; a failure changes nothing."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap

import duckdb
import pytest

from itip_pipeline.publish import publish

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
    reader = subprocess.Popen([sys.executable, "-c", READER, str(warehouse)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        reader.stdin.write("q\n"); reader.stdin.flush()
        assert reader.stdout.readline().strip() == "3"
        _work_db(work, 5)
        result = publish(work, warehouse, marts)  # would raise if the reader's lock blocked it
        assert result.tables == {"fct_indicator": 5}
        reader.stdin.write("q\n"); reader.stdin.flush()
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
    assert sorted(p.name for p in marts.iterdir()) == ["fct_indicator.parquet"]
