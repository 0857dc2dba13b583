"""Several years' deliveries are loaded by one Dagster run (a partition range), whether a backfill launched in
the UI, the landing sensor or `itip run` asks for them; each year keeps its own outcome.

The ingest step is run alone here (the `ingest_year` job over a range of small deliveries); the end-to-end
test checks that the session's `itip run` was one `annual_load` run over 2021-2025.
"""

from __future__ import annotations

import os
import time

import dagster as dg
import pandas as pd
import pytest

from itip_pipeline.core.survey_years import year_ranges
from itip_pipeline.runner.itip_run import _Outcome, _record_loads

from support.delivery_builders import org_records, write_csv, write_delivery

# The test deliveries agree with the question catalogue of 2025 and of the years after it (delivery_builders).
RANGE = {"dagster/asset_partition_range_start": "2025", "dagster/asset_partition_range_end": "2026"}


def _deliver(settings, years):
    for year in years:
        write_delivery(settings.landing_dir / str(year), year)


def _ingest_range(tags=RANGE):
    from itip_pipeline.definitions import defs

    return defs.resolve_job_def("ingest_year").execute_in_process(
        instance=dg.DagsterInstance.get(), raise_on_error=False, tags=tags
    )


@pytest.mark.parametrize(
    ("years", "unchanged", "ranges"),
    [
        ([2021, 2022, 2023], [], [(2021, 2023)]),
        ([2021, 2023], [], [(2021, 2021), (2023, 2023)]),
        ([2021, 2023], [2022], [(2021, 2023)]),  # 2022 is loaded again, found unchanged
        ([2025, 2021, 2024], [2022], [(2021, 2021), (2024, 2025)]),  # 2023 neither asked for nor unchanged
        ([], [2021], []),
    ],
)
def test_years_make_the_fewest_ranges_that_hold_nothing_but_them_and_unchanged_years(years, unchanged, ranges):
    assert year_ranges(years, unchanged) == ranges


def test_a_range_is_one_run_with_one_ingest_step_and_every_year_as_its_own_partition(settings, dbt_manifest):
    _deliver(settings, [2025, 2026])
    result = _ingest_range()
    assert result.success
    instance = dg.DagsterInstance.get()
    assert [run.job_name for run in instance.get_runs()] == ["ingest_year"]
    assert [event.step_key for event in result.all_events if event.event_type_value == "STEP_START"] == [
        "ingest_delivery"
    ]
    for table in ("codebook", "org_answers", "panel_respondents"):
        assert instance.get_materialized_partitions(dg.AssetKey(["raw", table])) == {"2025", "2026"}
    by_year = {
        m.partition: m.metadata
        for m in result.asset_materializations_for_node("ingest_delivery")
        if m.asset_key == dg.AssetKey(["raw", "org_respondents"])
    }
    assert {year: (meta["survey_year"].value, meta["status"].value) for year, meta in by_year.items()} == {
        "2025": (2025, "loaded"),
        "2026": (2026, "loaded"),
    }
    previews = {year: by_year[year]["preview"].value for year in ("2025", "2026")}
    assert "2025" in previews["2025"] and "2026" not in previews["2025"], "each year's preview shows that year"
    assert "2026" in previews["2026"] and "2025" not in previews["2026"]
    outcome = _Outcome([], [], {})
    _record_loads(outcome, result, 2025, 2026)
    assert (outcome.loaded, outcome.unchanged, outcome.failed) == ([2025, 2026], [], {})

    again = _ingest_range()  # the same range again: every year found exactly as loaded
    outcome = _Outcome([], [], {})
    _record_loads(outcome, again, 2025, 2026)
    assert (outcome.loaded, outcome.unchanged, outcome.failed) == ([], [2025, 2026], {})


def test_a_refused_year_fails_the_run_but_the_years_after_it_load_and_are_recorded(settings, dbt_manifest):
    _deliver(settings, [2025, 2026])
    org = next((settings.landing_dir / "2025").glob("org_survey*"))
    records = org_records(2025)
    records.loc[0, "orgnr"] = "123456789"  # fails the organisasjonsnummer check digit
    write_csv(org, records)

    result = _ingest_range()

    assert not result.success
    assert {m.partition for m in result.asset_materializations_for_node("ingest_delivery")} == {"2026"}
    instance = dg.DagsterInstance.get()
    assert instance.get_materialized_partitions(dg.AssetKey(["raw", "org_answers"])) == {"2026"}
    [check] = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.asset_key == dg.AssetKey(["raw", "org_respondents"])
    ]
    assert not check.passed and check.metadata["refused_years"].value == [2025]
    assert "orgnr" in check.metadata["failing_cases"].value
    outcome = _Outcome([], [], {})
    _record_loads(outcome, result, 2025, 2026)
    assert (outcome.loaded, outcome.unchanged) == ([2026], [])
    assert list(outcome.failed) == [2025] and "delivery 2025 rejected" in outcome.failed[2025]
    assert "delivery 2026" not in outcome.failed[2025] and "orgnr" in outcome.failed[2025]
    assert list((settings.quarantine_dir / "2025").iterdir()), "the refused year is quarantined"


def test_a_year_that_fails_for_another_reason_fails_but_the_years_before_it_stay_loaded(
    settings, dbt_manifest, monkeypatch
):
    _deliver(settings, [2025, 2026])
    from itip_pipeline.ingest.loading import loader

    real = loader.load_year

    def disk_full_in_2026(con, settings_, year):
        if year == 2026:
            raise OSError(28, "No space left on device")
        return real(con, settings_, year)

    monkeypatch.setattr(loader, "load_year", disk_full_in_2026)  # the ingest step imports it as it runs
    result = _ingest_range()
    assert not result.success
    assert dg.DagsterInstance.get().get_materialized_partitions(dg.AssetKey(["raw", "panel_answers"])) == {"2025"}
    outcome = _Outcome([], [], {})
    _record_loads(outcome, result, 2025, 2026)
    assert outcome.loaded == [2025], "loaded before the failure, and recorded as loaded"
    assert list(outcome.failed) == [2026] and "No space left" in outcome.failed[2026]


def _age(folder, seconds=60):
    old = time.time() - seconds
    for path in folder.iterdir():
        os.utime(path, (old, old))


def test_the_sensor_asks_for_one_run_for_adjacent_new_years_and_one_for_a_year_apart(settings, dbt_manifest):
    from itip_pipeline.defs.automation import landing_sensor

    _deliver(settings, [2021, 2022, 2023, 2025])
    for year in (2021, 2022, 2023, 2025):
        _age(settings.landing_dir / str(year))
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance)
        requests = landing_sensor(context)
    assert [
        (
            r.partition_key,
            r.tags.get("dagster/asset_partition_range_start"),
            r.tags.get("dagster/asset_partition_range_end"),
        )
        for r in requests
    ] == [(None, "2021", "2023"), ("2025", None, None)]
    assert len({r.run_key for r in requests}) == 2
    assert pd.Series([r.run_key for r in requests]).str.contains("2022:").tolist() == [True, False]


def test_annual_load_backfills_as_one_run(dbt_manifest):
    from itip_pipeline.definitions import defs

    job = defs.resolve_job_def("annual_load")
    assert job.backfill_policy == dg.BackfillPolicy.single_run()
