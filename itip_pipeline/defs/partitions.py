"""The survey-year partitions every ingest asset shares."""

from __future__ import annotations

from datetime import date

import dagster as dg

FIRST_SURVEY_YEAR = 2021


def survey_year_keys(today: date | None = None) -> list[str]:
    """2021 up to this year: a new year's partition appears on 1 January without a code change."""
    return [str(y) for y in range(FIRST_SURVEY_YEAR, (today or date.today()).year + 1)]


survey_years = dg.StaticPartitionsDefinition(survey_year_keys())
