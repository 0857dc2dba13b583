"""The survey years this warehouse knows (standard library only: `itip run` reads them before importing Dagster)."""

from __future__ import annotations

from datetime import date

FIRST_SURVEY_YEAR = 2021


def survey_year_keys(today: date | None = None) -> list[str]:
    """2021 up to this year: a new year's partition appears on 1 January without a code change."""
    return [str(y) for y in range(FIRST_SURVEY_YEAR, (today or date.today()).year + 1)]
