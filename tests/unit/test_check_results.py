"""The check results page's rows, from Dagster's latest check evaluations: run links, order, and no delivered
values copied from a check on a raw table."""

from __future__ import annotations

import json
from types import SimpleNamespace

import dagster as dg

from itip_pipeline.report.check_results import CheckOutcome, every_dbt_test, latest_check_outcomes, run_url


def _record(run_id: str, passed: bool | None, metadata: dict | None = None):
    if passed is None:
        return SimpleNamespace(run_id=run_id, event=None)
    evaluation = SimpleNamespace(passed=passed, description=None, metadata=metadata or {})
    return SimpleNamespace(
        run_id=run_id, event=SimpleNamespace(dagster_event=SimpleNamespace(event_specific_data=evaluation))
    )


class _Instance:
    def __init__(self, records):
        self.event_log_storage = SimpleNamespace(
            get_latest_asset_check_execution_by_key=lambda keys: {k: records[k] for k in keys if k in records}
        )


def test_outcomes_link_their_run_list_failures_first_and_keep_raw_values_in_dagster(monkeypatch):
    mart = dg.AssetCheckKey(dg.AssetKey(["marts", "fct_indicator"]), "great_expectations")
    raw = dg.AssetCheckKey(dg.AssetKey(["raw", "panel_respondents"]), "delivery_contract")
    planned = dg.AssetCheckKey(dg.AssetKey(["marts", "mart_ai_adoption"]), "not_null_year")
    instance = _Instance(
        {
            mart: _record("run-1", False, {"failures": dg.MetadataValue.md("- share_pct above 100")}),
            raw: _record("run-2", False, {"failing_cases": "row 4: vekt = -1", "failures": "vekt -1"}),
            planned: _record("run-1", None),
        }
    )
    outcomes = latest_check_outcomes(instance, [planned, mart, raw])
    assert [o.passed for o in outcomes] == [False, False, None]
    by_table = {o.table: o for o in outcomes}
    assert "share_pct above 100" in by_table["marts/fct_indicator"].detail
    assert by_table["raw/panel_respondents"].detail == "", "a raw check's metadata can hold delivered values"
    assert by_table["raw/panel_respondents"].run_id == "run-2"
    monkeypatch.setenv("ITIP_DAGSTER_UI_URL", "https://dagster.example.org/")
    assert run_url("run-2") == "https://dagster.example.org/runs/run-2"


def test_a_check_another_run_has_only_planned_is_shown_without_a_result():
    """Two runs at once: the latest record of a check can be the other run's planned evaluation, which has no
    `passed`; the page shows it as not yet evaluated instead of failing the step."""
    key = dg.AssetCheckKey(dg.AssetKey(["marts", "fct_indicator"]), "great_expectations")
    planned = SimpleNamespace(asset_check_key=key)  # like AssetCheckEvaluationPlanned: no passed, no metadata
    record = SimpleNamespace(
        run_id="run-3", event=SimpleNamespace(dagster_event=SimpleNamespace(event_specific_data=planned))
    )
    [outcome] = latest_check_outcomes(_Instance({key: record}), [key])
    assert (outcome.passed, outcome.detail, outcome.run_id) == (None, "", "run-3")


def test_every_dbt_test_is_listed_also_those_dagster_holds_no_check_for(tmp_path):
    """Source tests and singular tests are no Dagster asset checks; dbt's run_results still lists them."""
    nodes = {
        "test.itip.not_null_fct_indicator_year.1": {
            "name": "not_null_fct_indicator_year",
            "depends_on": {"nodes": ["model.itip.fct_indicator"]},
        },
        "test.itip.source_not_null_raw_codebook_survey.2": {
            "name": "source_not_null_raw_codebook_survey",
            "depends_on": {"nodes": ["source.itip.raw.codebook"]},
        },
        "test.itip.assert_answer_codes_in_codebook": {
            "name": "assert_answer_codes_in_codebook",
            "depends_on": {"nodes": ["model.itip.stg_answers", "source.itip.raw.codebook"]},
        },
        "model.itip.fct_indicator": {"name": "fct_indicator", "schema": "marts"},
        "model.itip.stg_answers": {"name": "stg_answers", "schema": "staging"},
    }
    results = [
        {"unique_id": "test.itip.not_null_fct_indicator_year.1", "status": "pass", "failures": 0},
        {"unique_id": "test.itip.source_not_null_raw_codebook_survey.2", "status": "pass", "failures": 0},
        {"unique_id": "test.itip.assert_answer_codes_in_codebook", "status": "fail", "failures": 4},
        {"unique_id": "model.itip.fct_indicator", "status": "success"},
    ]
    manifest = tmp_path / "target" / "manifest.json"  # the project's parse; the build's folder has none
    manifest.parent.mkdir()
    manifest.write_text(json.dumps({"nodes": nodes}))
    build = tmp_path / "target" / "itip_dbt-1-2"
    build.mkdir()
    (build / "run_results.json").write_text(json.dumps({"results": results}))
    known = [CheckOutcome("marts/fct_indicator", "not_null_fct_indicator_year", True, "run-9", "")]
    outcomes = every_dbt_test(known, build, manifest)
    assert [o.check for o in outcomes] == [
        "assert_answer_codes_in_codebook",
        "not_null_fct_indicator_year",
        "source_not_null_raw_codebook_survey",
    ], "failures first, every test once"
    failed, _, source = outcomes
    assert (failed.passed, failed.table, failed.run_id) == (False, "staging/stg_answers, raw/codebook", "run-9")
    assert failed.detail == "failures: 4" and source.table == "raw/codebook"
    assert every_dbt_test(known, tmp_path / "missing", manifest) == known
    assert every_dbt_test(known, build, tmp_path / "missing.json") == known


def test_each_great_expectations_expectation_gets_its_own_row():
    key = dg.AssetCheckKey(dg.AssetKey(["marts", "fct_indicator"]), "great_expectations")
    listed = dg.MetadataValue.json(
        [
            {"expectation": "expect_column_values_to_be_between (share_pct)", "passed": True},
            {"expectation": "expect_column_values_to_not_be_null (year)", "passed": False},
        ]
    )
    outcomes = latest_check_outcomes(_Instance({key: _record("run-1", False, {"expectation_list": listed})}), [key])
    names = {o.check: o.passed for o in outcomes}
    assert names["great_expectations: expect_column_values_to_not_be_null (year)"] is False
    assert names["great_expectations: expect_column_values_to_be_between (share_pct)"] is True
    assert len(outcomes) == 3


def test_a_check_this_run_planned_and_did_not_run_shows_its_last_evaluation_with_that_run():
    """A build that keeps the reference part does not run its tests again (warehouse/kept_reference.py): the page,
    written by that run, shows each such check's last evaluation and the run it ran in. A check another run has
    only planned stays without a result."""
    kept = dg.AssetCheckSpec("unique_id", asset="dim_kind")
    evaluated = dg.AssetCheckSpec("not_null_id", asset="dim_kind")
    ran = {"kept check": True}

    @dg.multi_asset(specs=[dg.AssetSpec("dim_kind")], check_specs=[kept, evaluated], can_subset=True)
    def dim_kind(context):
        yield dg.Output(None, output_name="dim_kind")
        if ran["kept check"]:
            yield dg.AssetCheckResult(asset_key="dim_kind", check_name="unique_id", passed=False)
        yield dg.AssetCheckResult(asset_key="dim_kind", check_name="not_null_id", passed=True)

    instance = dg.DagsterInstance.ephemeral()
    first = dg.materialize([dim_kind], instance=instance)
    ran["kept check"] = False
    second = dg.materialize([dim_kind], instance=instance, raise_on_error=False)
    keys = [kept.key, evaluated.key]

    outcomes = {o.check: o for o in latest_check_outcomes(instance, keys, this_run=second.run_id)}
    assert (outcomes["unique_id"].passed, outcomes["unique_id"].run_id) == (False, first.run_id)
    assert (outcomes["not_null_id"].passed, outcomes["not_null_id"].run_id) == (True, second.run_id)
    # Asked by another run, the plan of the second run is someone else's check in progress: no result.
    outcomes = {o.check: o for o in latest_check_outcomes(instance, keys, this_run="another-run")}
    assert (outcomes["unique_id"].passed, outcomes["unique_id"].run_id) == (None, second.run_id)
