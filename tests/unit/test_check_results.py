"""The check results page's rows, from Dagster's latest check evaluations: run links, order, and no delivered
values copied from a check on a raw table."""

from __future__ import annotations

from types import SimpleNamespace

import dagster as dg

from itip_pipeline.report.check_results import latest_check_outcomes, run_url


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
