"""Candidate builds: a run's marts frozen right after its build, so it checks and publishes exactly them."""

from __future__ import annotations

import duckdb
import pytest

from itip_pipeline.publish.versions import publish
from itip_pipeline.warehouse import candidates
from itip_pipeline.warehouse.marts_copy import TableDocs


def _work_db(path, rows: int, years=(2024, 2025)):
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    con.execute("create schema if not exists raw")
    con.execute("create or replace table marts.fct_indicator as select range as share_pct from range(?)", [rows])
    con.execute("comment on column marts.fct_indicator.share_pct is 'share, per cent'")
    con.execute("create or replace table raw.codebook as select unnest(?::int[]) as survey_year", [list(years)])
    con.close()


def test_a_candidate_keeps_the_build_it_was_made_from_whatever_the_working_database_becomes(tmp_path):
    work, candidate = tmp_path / "work.duckdb", candidates.candidate_path(tmp_path / "candidates", "run-a")
    _work_db(work, 3)
    assert candidates.snapshot(work, candidate) == {"fct_indicator": 3}
    _work_db(work, 7, years=(2025,))  # run B rebuilds the shared working database

    frames, years = candidates.read_marts(candidate, ["fct_indicator"])
    assert len(frames["fct_indicator"]) == 3 and years == {2024, 2025}
    result = publish(candidate, tmp_path / "wh" / "itip.duckdb", tmp_path / "marts", label="run-a")
    assert result.tables == {"fct_indicator": 3, "releases": 1, "revisions": 0}
    with duckdb.connect(str(result.warehouse), read_only=True) as con:
        assert (
            con.execute("select comment from duckdb_columns() where column_name = 'share_pct'").fetchone()[0]
            == "share, per cent"
        )
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_tables()").fetchall()}
    assert schemas == {"marts"}, "what the build was made from is not published"


def test_the_candidate_takes_the_projects_descriptions_over_the_working_databases_comments(tmp_path):
    work, candidate = tmp_path / "work.duckdb", tmp_path / "candidate.duckdb"
    _work_db(work, 3)
    with duckdb.connect(str(work)) as con:
        con.execute("alter table marts.fct_indicator add column share_pct_2025 double")
        con.execute("comment on column marts.fct_indicator.share_pct_2025 is 'share, survey year 2025'")
    docs = {
        "fct_indicator": TableDocs("one row per indicator", {"share_pct": "the share", "not_built": "no such column"}),
        "not_built_either": TableDocs("no such table", {}),
    }
    candidates.snapshot(work, candidate, docs=docs)
    with duckdb.connect(str(candidate), read_only=True) as con:
        columns = dict(
            con.execute("select column_name, comment from duckdb_columns() where schema_name = 'marts'").fetchall()
        )
        tables = con.execute("select table_name, comment from duckdb_tables() where schema_name = 'marts'").fetchall()
    # The description over the working database's comment; a column the project cannot describe (a year's)
    # keeps the one it was given in the build; descriptions of what was not built are left out.
    assert columns == {"share_pct": "the share", "share_pct_2025": "share, survey year 2025"}
    assert tables == [("fct_indicator", "one row per indicator")]


def test_a_run_without_a_candidate_is_told_it_publishes_nothing(tmp_path):
    missing = candidates.candidate_path(tmp_path, "run-without-build")
    with pytest.raises(candidates.CandidateMissing, match="publishes nothing") as error:
        candidates.checked_build(tmp_path, "run-without-build")
    assert str(missing) in str(error.value)


def test_candidates_of_finished_runs_are_pruned_and_those_of_runs_in_progress_kept(tmp_path):
    work, folder = tmp_path / "work.duckdb", tmp_path / "candidates"
    _work_db(work, 2)
    for run_id in ("finished", "in-progress"):
        candidates.snapshot(work, candidates.candidate_path(folder, run_id))
    (folder / ".finished.duckdb.4194305.new").write_bytes(b"a killed snapshot")
    removed = candidates.prune(folder, in_progress=lambda run_id: run_id == "in-progress")
    assert sorted(p.name for p in removed) == [".finished.duckdb.4194305.new", "finished.duckdb"]
    assert sorted(p.name for p in folder.iterdir()) == ["in-progress.duckdb"]
