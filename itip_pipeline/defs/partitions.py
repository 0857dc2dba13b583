"""The survey-year partitions every ingest asset shares, and the tags of a run over a range of them."""

from __future__ import annotations

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from itip_pipeline.core.survey_years import survey_year_keys

survey_years = dg.StaticPartitionsDefinition(survey_year_keys())


def range_tags(first: int, last: int) -> dict[str, str]:
    """The tags that make one run over the survey years first..last (a single-run backfill's range)."""
    return {ASSET_PARTITION_RANGE_START_TAG: str(first), ASSET_PARTITION_RANGE_END_TAG: str(last)}


def run_partitions(tags: dict[str, str]) -> str | None:
    """The survey year a run loaded, or its range of years ('2021–2025') when one run loaded several."""
    first, last = tags.get(ASSET_PARTITION_RANGE_START_TAG), tags.get(ASSET_PARTITION_RANGE_END_TAG)
    return tags.get("dagster/partition") or (f"{first}–{last}" if first and last else None)
