"""The check results of the latest runs, as a person reads them: every dbt test and Great Expectations check,
from Dagster's own records of asset-check evaluations, each with the run it ran in.

Details are copied only for checks on the marts (aggregates); a check on a raw table can carry delivered
values in its metadata, which stay in Dagster.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# Where the Dagster UI is served (`make ui`); a deployment elsewhere sets ITIP_DAGSTER_UI_URL.
DEFAULT_DAGSTER_UI = "http://127.0.0.1:3000"
DETAIL_KEYS = ("failures", "failed", "status")


@dataclass(frozen=True)
class CheckOutcome:
    table: str  # the asset the check is on, e.g. marts/fct_indicator
    check: str
    passed: bool | None  # None: planned or skipped, no evaluation recorded
    run_id: str
    detail: str


def dagster_ui_url() -> str:
    return os.environ.get("ITIP_DAGSTER_UI_URL", DEFAULT_DAGSTER_UI).rstrip("/")


def run_url(run_id: str) -> str:
    return f"{dagster_ui_url()}/runs/{run_id}"


def latest_check_outcomes(instance, check_keys) -> list[CheckOutcome]:
    """The latest evaluation of each check key (failures first, then by table and check)."""
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(list(check_keys))
    outcomes = []
    for key, record in records.items():
        evaluation = (
            record.event.dagster_event.event_specific_data if record.event and record.event.dagster_event else None
        )
        passed = getattr(evaluation, "passed", None)
        if passed is None:  # only planned so far (another run is checking it now): no result to show
            evaluation = None
        outcomes.append(
            CheckOutcome(
                key.asset_key.to_user_string(), key.name, passed, record.run_id, _detail(key.asset_key.path, evaluation)
            )
        )
    return sorted(outcomes, key=lambda o: (o.passed is not False, o.table, o.check))


def _detail(asset_path, evaluation) -> str:
    if evaluation is None:
        return ""
    parts = [evaluation.description] if getattr(evaluation, "description", None) else []
    if asset_path and asset_path[0] == "marts" and not evaluation.passed:
        for name in DETAIL_KEYS:
            value = (evaluation.metadata or {}).get(name)
            if value is not None:
                parts.append(f"{name}: {getattr(value, 'value', value)}"[:600])
    return " — ".join(parts)
