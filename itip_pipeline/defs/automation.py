"""Jobs, the annual schedule and the landing-folder sensor."""

from __future__ import annotations

import json

import dagster as dg

from itip_pipeline.core.escaping import for_terminal
from itip_pipeline.core.settings import get_settings
from itip_pipeline.core.survey_years import year_ranges
from itip_pipeline.defs.partitions import range_tags, survey_years
from itip_pipeline.ingest.files.delivery_files import year_dir
from itip_pipeline.ingest.loading.landing_watch import (
    LandingCursor,
    changed_years,
    landing_folders,
    loaded_fingerprints,
)
from itip_pipeline.instance.orphaned_runs import fail_orphaned_runs
from itip_pipeline.warehouse.working_db import WarehouseBusy

INGEST_GROUP = "ingest"
LANDING_GROUP = "landing"
_everything = dg.AssetSelection.all() - dg.AssetSelection.groups(LANDING_GROUP)

# One year's delivery, or a range of years' (a backfill: one run, as the ingest step's backfill policy asks),
# loaded, then every model rebuilt over all years, checked and published.
annual_load = dg.define_asset_job(
    "annual_load",
    selection=_everything,
    partitions_def=survey_years,
    description="Load a survey year's delivery (or a range of years' in one run), rebuild the marts for all "
    "years, check them and publish.",
)
ingest_year = dg.define_asset_job(
    "ingest_year",
    selection=dg.AssetSelection.groups(INGEST_GROUP),
    partitions_def=survey_years,
    description="Load one survey year's delivery into the raw schema (validated; nothing else).",
)
build_and_publish = dg.define_asset_job(
    "build_and_publish",
    selection=_everything - dg.AssetSelection.groups(INGEST_GROUP),
    description="Rebuild every dbt model from the raw schema, run all checks and publish the marts.",
)


@dg.schedule(
    job=annual_load,
    cron_schedule="0 6 15 6 *",
    execution_timezone="Europe/Oslo",
    description="Fieldwork runs March–May: on 15 June load this year's delivery if it has landed.",
)
def annual_schedule(context: dg.ScheduleEvaluationContext):
    year = context.scheduled_execution_time.year
    if not year_dir(get_settings().landing_dir, year).is_dir():
        return dg.SkipReason(f"no delivery for {year} in the landing folder yet")
    return dg.RunRequest(partition_key=str(year), run_key=f"schedule-{year}")


@dg.sensor(
    job=annual_load,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a year's load when its delivery in data/landing/<year>/ is new or changed (by content hash).",
)
def landing_sensor(context: dg.SensorEvaluationContext):
    settings = get_settings()
    # A run whose process was killed would stay STARTED and hold the one-run queue this sensor's runs wait in.
    for run_id in fail_orphaned_runs(context.instance):
        context.log.warning(f"run {run_id} lost its process; marked failed")
    cursor = LandingCursor.loads(context.cursor)
    if cursor.damaged:
        context.log.warning(cursor.damaged)
    known = {int(k) for k in survey_years.get_partition_keys()}
    for reason in landing_folders(settings.landing_dir, known).skipped.values():
        context.log.warning(for_terminal(reason))  # names a landed entry: a delivery's text
    try:
        loaded = loaded_fingerprints(settings.work_db)
    except WarehouseBusy:
        return dg.SkipReason("a load holds the working database; looking again at the next tick")
    scans = {scan.year: scan for scan in changed_years(settings.landing_dir, cursor, known, loaded)}
    for scan in scans.values():
        cursor.fingerprints[str(scan.year)] = scan.fingerprint
    # Only adjacent changed years share a run: a year between them may be changing still (not settled).
    requests = [_load_request(first, last, scans) for first, last in year_ranges(list(scans), [])]
    context.update_cursor(cursor.dumps())
    return requests or dg.SkipReason("no new or changed delivery")


def _load_request(first: int, last: int, scans: dict) -> dg.RunRequest:
    """One run for the range: several deliveries landing together are loaded, built and published once."""
    fingerprints = {str(year): scans[year].fingerprint for year in range(first, last + 1)}
    run_key = "-".join(f"{year}:{fingerprint[:16]}" for year, fingerprint in fingerprints.items())
    if first == last:
        return dg.RunRequest(
            partition_key=str(first), run_key=run_key, tags={"itip/delivery_fingerprint": fingerprints[str(first)]}
        )
    return dg.RunRequest(
        run_key=run_key, tags={**range_tags(first, last), "itip/delivery_fingerprints": json.dumps(fingerprints)}
    )
