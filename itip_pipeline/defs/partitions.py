"""The survey-year partitions every ingest asset shares."""

from __future__ import annotations

import dagster as dg

from itip_pipeline.survey_years import FIRST_SURVEY_YEAR, survey_year_keys  # noqa: F401 (re-exported)


survey_years = dg.StaticPartitionsDefinition(survey_year_keys())
