"""Small candidate builds for release tests: one indicator's headline shares by year and population, with a flag,
and the deliveries (file and sha256) of each year, as publish reads them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from itip_pipeline.core.build_state import STATE_FILE
from itip_pipeline.core.published_layout import CURRENT, VERSIONS_DIR, WAREHOUSE_FILE
from itip_pipeline.publish import releases
from itip_pipeline.publish.versions import _STAMP as STAMP

SHA = {2024: "a" * 64, 2025: "b" * 64}


def small_candidate(path: Path, shares: dict[tuple[int, str], tuple[float | None, str | None]], sha=SHA) -> Path:
    """A candidate with fct_indicator ((year, population) -> (share, flag)) and the deliveries of its years."""
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("begin")
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_indicator (indicator_id varchar not null, item varchar, population varchar "
            "not null, year integer not null, share_pct double, n_base integer, flag varchar, "
            "unique (indicator_id, item, population, year))"
        )
        for (year, population), (share, flag) in shares.items():
            con.execute(
                "insert into marts.fct_indicator values ('ai_adoption', null, ?, ?, ?, 100, ?)",
                [population, year, share, flag],
            )
        con.execute(
            "create table marts.published_provenance (survey_year integer not null, survey varchar not null, "
            "file_name varchar not null, sha256 varchar, primary key (survey_year, survey, file_name))"
        )
        for year in sorted({year for year, _ in shares}):
            con.execute("insert into marts.published_provenance values (?, 'org', 'org.csv', ?)", [year, sha[year]])
        con.execute("commit")
    return path


BASE = {(2024, "kommune"): (50.0, None), (2024, "stat"): (40.0, None)}


EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def record_release(
    marts: Path,
    number: int,
    shares,
    previous: Path | list[Path] | None = None,
    sha=SHA,
    state=None,
    reason=None,
    before_record=None,
    now=None,
    zone: str = "UTC",
) -> Path:
    """The version folder `number` (named like publish names them) holding `shares` recorded as a release after
    `previous` (or the first readable of a list of versions, as publish lists them), made current: what publish
    does around releases.record, without the Parquet files and links."""
    folder = marts / VERSIONS_DIR / f"{(EPOCH + timedelta(hours=number)):{STAMP}}-run{number:05d}"
    folder.mkdir(parents=True)
    small_candidate(folder / WAREHOUSE_FILE, shares, sha)
    if before_record:
        before_record(folder)
    (folder / STATE_FILE).write_text(json.dumps(state or {}), encoding="utf-8")
    with duckdb.connect() as con:
        con.execute(f"set TimeZone = '{zone}'")  # the machine's zone, which DuckDB uses for times with a zone
        con.execute("attach ? as published", [str(folder / WAREHOUSE_FILE)])
        releases.record(
            con,
            "published",
            previous if isinstance(previous, list) else [previous] if previous else [],
            folder.name,
            state or {},
            STATE_FILE,
            reason,
            now=now or EPOCH + timedelta(hours=number),
        )
    current = marts / CURRENT
    current.unlink(missing_ok=True)
    current.symlink_to(f"{VERSIONS_DIR}/{folder.name}")
    return folder
