"""The Dagster code location loads and holds the assets, checks, jobs, schedule and sensor the pipeline needs."""

from __future__ import annotations

from datetime import datetime

import dagster as dg
import pytest


@pytest.fixture(scope="module")
def defs(dbt_manifest):
    from itip_pipeline.definitions import defs

    return defs


def _keys(defs) -> set[str]:
    return {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}


def test_lineage_runs_from_landing_to_published(defs):
    graph = defs.resolve_asset_graph()
    keys = _keys(defs)
    assert {"landing/org_survey_files", "landing/citizen_panel_file", "landing/codebook"} <= keys
    assert {
        "raw/org_respondents",
        "raw/org_answers",
        "raw/panel_respondents",
        "raw/panel_answers",
        "raw/codebook",
    } <= keys
    assert {
        "marts/fct_indicator",
        "marts/published_reconciliation",
        "published/warehouse",
        "published/parquet_exports",
    } <= keys
    # every step of the chain is an upstream of the next
    upstream = graph.get(dg.AssetKey(["published", "warehouse"])).parent_keys
    assert dg.AssetKey(["marts", "fct_indicator"]) in upstream
    staging_parents = graph.get(dg.AssetKey(["staging", "stg_org_answers"])).parent_keys
    assert staging_parents == {dg.AssetKey(["raw", "org_answers"])}
    assert graph.get(dg.AssetKey(["raw", "org_answers"])).parent_keys >= {dg.AssetKey(["landing", "org_survey_files"])}


def test_the_figure_book_and_exports_come_after_the_published_warehouse(defs):
    graph = defs.resolve_asset_graph()
    warehouse = dg.AssetKey(["published", "warehouse"])
    for key in (dg.AssetKey(["published", "figure_book"]), dg.AssetKey(["published", "excel_exports"])):
        assert warehouse in graph.get(key).parent_keys, key
    build = defs.resolve_job_def("build_and_publish")
    assert dg.AssetKey(["published", "figure_book"]) in build.asset_layer.selected_asset_keys


def test_every_mart_family_and_the_layers_are_assets(defs):
    keys = _keys(defs)
    families = {
        "ai_adoption",
        "ai_task_area",
        "ai_benefit",
        "ai_barrier",
        "ai_strategy",
        "citizen_ai_view",
        "citizen_ai_trust_factor",
        "citizen_data_protection_trust",
        "infosec_statement",
        "infosec_leadership_guidance",
        "risk_statement",
        "incident_statement",
        "authority_support",
        "ai_use_mode_external",
    }
    assert {f"marts/mart_{f}" for f in families} <= keys
    assert any(k.startswith("staging/") for k in keys) and any(k.startswith("intermediate/") for k in keys)


def test_checks_cover_ingest_dbt_tests_and_great_expectations(defs):
    checks = defs.resolve_asset_graph().asset_check_keys
    names = {(c.asset_key.to_user_string(), c.name) for c in checks}
    assert ("raw/org_respondents", "delivery_contract") in names
    assert ("raw/panel_respondents", "delivery_contract") in names
    assert ("marts/fct_indicator", "great_expectations") in names
    dbt_tests = [c for c in checks if c.name not in {"delivery_contract", "great_expectations"}]
    assert any(c.asset_key == dg.AssetKey(["marts", "fct_indicator"]) for c in dbt_tests)


def test_every_dbt_test_on_a_model_is_a_check_and_only_the_source_tests_are_not(defs, dbt_manifest):
    """A singular test reads several tables, so Dagster attaches it to one only when its config names it; without
    a check it is missing from the lineage UI, and dagster-dbt warns in every run's log. The raw tables' tests
    stay observations of the ingest assets, and their warning, untrue here, is dropped."""
    import json
    import logging

    from itip_pipeline.defs.dbt.source_tests import DAGSTER_LOGGER, NOTICE, source_test_names

    manifest = json.loads(dbt_manifest.read_text(encoding="utf-8"))
    tests = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    on_sources = source_test_names(manifest)
    checks = {c.name for c in defs.resolve_asset_graph().asset_check_keys}
    assert on_sources and "assert_answer_codes_in_codebook" in tests
    assert tests - on_sources <= checks
    assert not on_sources & checks

    logger = logging.getLogger(DAGSTER_LOGGER)
    kept = []
    handler = logging.Handler()
    handler.emit = kept.append
    logger.addHandler(handler)
    try:
        for name in (sorted(on_sources)[0], "a_test_run_by_indirect_selection"):
            logger.warning(f"{NOTICE}{name}`.\n\nThis test was not included in Dagster's asset check selection.")
        logger.warning("another warning")
    finally:
        logger.removeHandler(handler)
    messages = [record.getMessage() for record in kept]
    assert len(messages) == 2 and "`a_test_run_by_indirect_selection`" in messages[0], messages
    assert messages[1] == "another warning"


def test_the_reconciliation_only_warns_while_the_hard_checks_block(defs):
    from itip_pipeline.defs.dbt.assets import itip_dbt
    from itip_pipeline.defs.mart_checks import build_mart_checks, mart_keys
    from itip_pipeline.defs.reconciliation_check import CHECK_NAME, reconciliation_check

    names = {(c.asset_key.to_user_string(), c.name) for c in defs.resolve_asset_graph().asset_check_keys}
    assert ("marts/published_reconciliation", CHECK_NAME) in names
    assert [spec.blocking for spec in reconciliation_check.check_specs] == [False]
    assert all(spec.blocking for spec in build_mart_checks(mart_keys(itip_dbt)).check_specs)


def test_jobs_schedule_and_sensor(defs, settings):
    assert {"annual_load", "ingest_year", "build_and_publish"} <= {j.name for j in defs.resolve_all_job_defs()}
    schedule = defs.resolve_schedule_def("annual_schedule")
    sensor = defs.resolve_sensor_def("landing_sensor")
    assert sensor.job_name == schedule.job_name == "annual_load"
    when = datetime(2025, 6, 15, 6, 0)
    with dg.instance_for_test() as instance:
        skipped = schedule(dg.build_schedule_context(instance=instance, scheduled_execution_time=when))
        assert isinstance(skipped, dg.SkipReason)
        (settings.landing_dir / "2025").mkdir(parents=True)
        request = schedule(dg.build_schedule_context(instance=instance, scheduled_execution_time=when))
    assert request.partition_key == "2025"
