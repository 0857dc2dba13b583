"""Corrected deliveries for end-to-end tests that load a year again, and the published share they move."""

from __future__ import annotations

from pathlib import Path

import duckdb


def municipal_ai_adoption_corrected(data_dir: Path, year: int) -> None:
    """The municipalities resend the year with AI adoption (K01) corrected: every "not at all" / "to a small
    extent" becomes "to a large extent". Valid codes; the municipal share moves far from the report's."""
    rewrite_column(
        data_dir / "landing" / str(year) / "org_survey_kommune_synthetic.csv",
        "K01",
        lambda value: "4" if value in ("1", "2") else value,
    )


def rewrite_column(path: Path, column: str, new_value) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    index = lines[0].split(",").index(column)
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:
        row[index] = new_value(row[index])
    path.write_text("\n".join([lines[0], *(",".join(row) for row in rows)]) + "\n", encoding="utf-8")


def indicator_share(database: Path, indicator: str, population: str, year: int) -> float | None:
    """The headline share, or None when the database has no such row."""
    with duckdb.connect(str(database), read_only=True) as con:
        row = con.execute(
            "select share_pct from marts.fct_indicator where indicator_id = ? and population = ? "
            "and year = ? and item is null",
            [indicator, population, year],
        ).fetchone()
    return None if row is None else row[0]
