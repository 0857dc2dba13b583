"""The published file's structure for BI tools: NOT NULL and keys, rows sorted by key, one-line comments, and the
tables listed in the default schema, as an older DuckDB client and the writing library see them.

The file is made by the real candidate snapshot and publish steps from a small working database whose marts have
dbt-style multi-line markdown comments, NOT NULL columns, a key with a nullable column and rows out of order.
The full pipeline's file is checked the same way in tests/e2e/test_pipeline_e2e.py.
"""

from __future__ import annotations

import duckdb
import pytest

from itip_pipeline.publish import releases
from itip_pipeline.publish.bi_file import MAX_COMMENT, one_line
from itip_pipeline.publish.versions import publish
from itip_pipeline.warehouse import candidates
from itip_pipeline.warehouse.marts_copy import KeyViolation, quote

from support.commented_marts import KEYS, keyed_work_db
from support.duckdb_clients import new_client_reads, old_client_reads

ESSAY = (
    "Every report indicator as **estimated** from the survey answers: one row per `indicator` × item × year. "
    "Headline shares, e.g. ai_adoption, with 95 % Wilson intervals (Parker et al. 2017).\n\n"
    "## Method\n| a | b |\n|---|---|\n| 1 | 2 |\n" + "More text. " * 400
)
SHARE_DOC = "Share, in **percent**.\nNULL when withheld."


def _work_db(path, rows=(("b", None, 2025), ("a", "x", 2024), ("a", None, 2025), ("a", None, 2024))):
    keyed_work_db(path, [(*row, 50.0) for row in rows])
    with duckdb.connect(str(path)) as con:
        con.execute(f"comment on table marts.fct_indicator is {quote(ESSAY)}")
        con.execute(f"comment on column marts.fct_indicator.share_pct is {quote(SHARE_DOC)}")


@pytest.fixture
def published(tmp_path):
    work, candidate = tmp_path / "work.duckdb", tmp_path / "candidates" / "run.duckdb"
    _work_db(work)
    candidates.snapshot(work, candidate, keys=KEYS)
    return publish(candidate, tmp_path / "warehouse" / "itip.duckdb", tmp_path / "marts").warehouse


@pytest.mark.parametrize("read", [old_client_reads, new_client_reads], ids=["duckdb 1.x CLI", "duckdb library"])
def test_the_published_file_declares_not_null_and_each_mart_s_key(published, read):
    constraints = {
        (c["table_name"], c["constraint_type"], tuple(c["constraint_column_names"]))
        for c in read(
            published,
            "select table_name, constraint_type, constraint_column_names from duckdb_constraints() "
            "where schema_name = 'marts'",
        )
        if c["table_name"] not in releases.TABLE_COMMENTS  # the release tables: tests/unit/test_releases.py
    }
    assert constraints == {
        ("fct_indicator", "NOT NULL", ("indicator_id",)),
        ("fct_indicator", "NOT NULL", ("year",)),
        # item may be NULL (a headline indicator), which a primary key cannot hold
        ("fct_indicator", "UNIQUE", ("indicator_id", "item", "year")),
        ("dim_population", "NOT NULL", ("population",)),
        ("dim_population", "PRIMARY KEY", ("population",)),
    }


@pytest.mark.parametrize("read", [old_client_reads, new_client_reads], ids=["duckdb 1.x CLI", "duckdb library"])
def test_show_tables_lists_the_marts_and_both_names_read_the_same_rows(published, read):
    assert {r["name"] for r in read(published, "show tables")} == set(KEYS) | set(releases.TABLE_COMMENTS)
    for table in KEYS:
        assert read(published, f"select * from {table}") == read(published, f"select * from marts.{table}")
    views = read(published, "select view_name, comment from duckdb_views() where not internal order by 1")
    tables = read(published, "select table_name, comment from duckdb_tables() order by 1")
    assert [(v["view_name"], v["comment"]) for v in views] == [(t["table_name"], t["comment"]) for t in tables]


def test_rows_are_stored_sorted_by_the_key_headline_first(published):
    rows = new_client_reads(published, "select indicator_id, item, year from marts.fct_indicator")
    assert [(r["indicator_id"], r["item"], r["year"]) for r in rows] == [
        ("a", None, 2024),
        ("a", None, 2025),
        ("a", "x", 2024),
        ("b", None, 2025),
    ]


def test_comments_are_the_first_sentence_on_one_line(published):
    comments = old_client_reads(
        published,
        "select comment from duckdb_tables() union all select comment from duckdb_columns() "
        "union all select comment from duckdb_views() where not internal",
    )
    texts = [c["comment"] for c in comments if c["comment"]]
    assert texts and all("\n" not in t and len(t) <= MAX_COMMENT for t in texts)
    assert "Every report indicator as estimated from the survey answers: one row per indicator × item × year." in texts
    assert "Share, in percent." in texts


def test_a_key_that_does_not_name_one_row_stops_the_build_with_a_sentence(tmp_path):
    work, candidate = tmp_path / "work.duckdb", tmp_path / "candidates" / "run.duckdb"
    _work_db(work, rows=(("a", None, 2025), ("a", None, 2025), ("a", "x", 2025)))
    with pytest.raises(KeyViolation) as violation:
        candidates.snapshot(work, candidate, keys=KEYS)
    message = str(violation.value)
    assert "marts.fct_indicator: 2 rows share the key (indicator_id, item, year)" in message
    assert "indicator_id = 'a', item = NULL, year = 2025" in message and "not published" in message
    assert list(candidate.parent.iterdir()) == [], "no candidate, and no staged file left"


@pytest.mark.parametrize(
    ("description", "line"),
    [
        ("Survey year.", "Survey year."),
        (
            "See `fct_indicator`, e.g. ai_adoption 2024→2025. Then more.",
            "See fct_indicator, e.g. ai_adoption 2024→2025.",
        ),
        ("# Title\n\nThe **share** of [the base](http://x). Rest.", "Title The share of the base."),
        ("Intervals (Parker et al. 2017) at p < 0.05 hold. Next", "Intervals (Parker et al. 2017) at p < 0.05 hold."),
        ("word " * 100, ("word " * 100)[: MAX_COMMENT - 1].rsplit(" ", 1)[0] + "…"),
    ],
)
def test_one_line_takes_the_first_sentence_as_plain_text(description, line):
    assert one_line(description) == line
