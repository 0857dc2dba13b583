"""Small candidate builds for release tests: one indicator's headline shares by year and population, with a flag,
and the deliveries (file and sha256) of each year, as publish reads them."""

from __future__ import annotations

from pathlib import Path

import duckdb

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
