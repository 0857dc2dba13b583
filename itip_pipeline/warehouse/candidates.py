"""Candidate builds: the marts one run built, frozen in a file of its own, so the run checks and publishes exactly them.

The working database is shared: another run may rebuild its marts between this run's checks and its publish.
So right after `dbt build`, in the same hold of the writer lock (dbt's tests ran against exactly these
tables), the run copies its marts into data/work/candidates/<run_id>.duckdb. The Great Expectations checks
read that file, the publish step publishes only that file, and a run without a candidate publishes nothing.
A candidate is deleted when its run has published, and candidates of finished runs at the next build.

Each candidate also records where its build stood (`build_order`): the number of loads in the working
database's load log, the time of the last, and when the marts were frozen. Publish compares it with the
current version's, so that a run paused before its publish cannot put older numbers over a newer version.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from itip_pipeline.warehouse.marts_copy import MARTS_SCHEMA, TableDocs, copy_marts, quote

SUFFIX = ".duckdb"
BUILD_SCHEMA = "build"  # what the build was made from, beside the marts; never published


class CandidateMissing(RuntimeError):
    pass


def candidate_path(candidates_dir: Path, run_id: str) -> Path:
    return candidates_dir / f"{run_id}{SUFFIX}"


def snapshot(
    work_db: Path,
    candidate: Path,
    build_state: dict | None = None,
    keys: dict[str, list[str]] | None = None,
    docs: dict[str, TableDocs] | None = None,
) -> dict[str, int]:
    """Copy the working database's marts (and the survey years they were built from) into `candidate`, with the
    build's inputs (itip_pipeline.core.build_state) for publish to record beside the version, each mart with its
    key (`keys`: table -> columns, from the dbt project) declared and its rows sorted by it. A mart whose rows
    are not unique on its key raises marts_copy.KeyViolation, and no candidate is made. `docs` (from the dbt
    project) are the comments the marts get, over those the working database has.

    The caller holds the writer lock, and has just built the marts in that same hold."""
    candidate.parent.mkdir(parents=True, exist_ok=True)
    staged = candidate.with_name(f".{candidate.name}.{os.getpid()}.new")
    staged.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"attach {quote(str(work_db))} as work (read_only)")
        con.execute(f"attach {quote(str(staged))} as candidate")
        counts = copy_marts(con, "work", "candidate", keys=keys or {}, docs=docs)
        con.execute(f"create schema candidate.{BUILD_SCHEMA}")
        con.execute(
            f"create table candidate.{BUILD_SCHEMA}.loaded_years as select distinct survey_year from work.raw.codebook"
        )
        con.execute(
            f"create table candidate.{BUILD_SCHEMA}.state as select ? as state",
            [json.dumps(build_state or {}, sort_keys=True)],
        )
        _record_build_order(con)
        con.execute("detach candidate")
    except BaseException:
        con.close()
        staged.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(staged, candidate)
    return counts


def _record_build_order(con: duckdb.DuckDBPyConnection) -> None:
    """`build_order` (below) of the marts being frozen from the attached working database `work`."""
    has_log = con.execute(
        "select count(*) from duckdb_tables() where database_name = 'work' and schema_name = 'raw' "
        "and table_name = 'load_log'"
    ).fetchone()[0]
    loads, last = (
        con.execute(
            "select count(*), strftime(max(loaded_at), '%Y-%m-%dT%H:%M:%S.%f') from work.raw.load_log "
            "where status = 'loaded'"
        ).fetchone()
        if has_log
        else (0, None)
    )
    con.execute(
        f"create table candidate.{BUILD_SCHEMA}.build_order as "
        "select ?::varchar as built_at, ?::bigint as loads, ?::varchar as last_loaded_at",
        [f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%f}", loads, last],
    )


def checked_build(candidates_dir: Path, run_id: str) -> Path:
    """The candidate file of run `run_id`; CandidateMissing with a sentence when that run built none."""
    candidate = candidate_path(candidates_dir, run_id)
    if not candidate.is_file():
        raise CandidateMissing(
            f"Run {run_id} has no checked build ({candidate} is missing), so it publishes nothing: a run "
            "publishes only the marts it built and checked itself. Materialize the marts, their checks and "
            "the published assets in one run (the build_and_publish job, or `itip run`)."
        )
    return candidate


def read_marts(candidate: Path, tables: list[str]) -> tuple[dict[str, pd.DataFrame], set[int]]:
    """The candidate's mart tables as frames, and the survey years its build was made from."""
    con = duckdb.connect(str(candidate), read_only=True)
    try:
        frames = {table: con.execute(f"select * from {MARTS_SCHEMA}.{table}").df() for table in tables}
        years = {year for (year,) in con.execute(f"select survey_year from {BUILD_SCHEMA}.loaded_years").fetchall()}
    finally:
        con.close()
    return frames, years


def build_state_of(candidate: Path) -> dict:
    """The inputs recorded with the candidate ({} for a candidate made without them)."""
    con = duckdb.connect(str(candidate), read_only=True)
    try:
        found = con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = 'state'", [BUILD_SCHEMA]
        ).fetchone()[0]
        return json.loads(con.execute(f"select state from {BUILD_SCHEMA}.state").fetchone()[0]) if found else {}
    finally:
        con.close()


def build_order(candidate: Path) -> dict:
    """Where the candidate's build stood: `loads` (rows loaded in the load log), `last_loaded_at` (the newest
    load, UTC) and `built_at` (when the marts were frozen, UTC); {} for a candidate made without them."""
    con = duckdb.connect(str(candidate), read_only=True)
    try:
        found = con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = 'build_order'",
            [BUILD_SCHEMA],
        ).fetchone()[0]
        if not found:
            return {}
        built_at, loads, last_loaded_at = con.execute(
            f"select built_at, loads, last_loaded_at from {BUILD_SCHEMA}.build_order"
        ).fetchone()
        return {"built_at": built_at, "loads": loads, "last_loaded_at": last_loaded_at}
    finally:
        con.close()


def discard(candidate: Path) -> None:
    candidate.unlink(missing_ok=True)


def prune(candidates_dir: Path, in_progress: Callable[[str], bool]) -> list[Path]:
    """Remove the candidates (and staged leftovers) of runs not in progress: they will never publish."""
    removed = []
    if not candidates_dir.is_dir():
        return removed
    for path in candidates_dir.iterdir():
        run_id = path.name.removeprefix(".").split(".")[0]
        if path.is_file() and not in_progress(run_id):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
