"""The check results of the latest runs, as a person reads them: every dbt test and Great Expectations check,
from Dagster's own records of asset-check evaluations, each with the run it ran in.

Dagster records a dbt test as an asset check only when dbt attaches it to one model, or its config names one (each
singular test in `tests/assert_*.sql` does); a test on a raw source (`source_not_null_raw_...`) has no check
(defs/dbt/source_tests.py). `every_dbt_test` adds those from dbt's own run_results.json and manifest of the latest
build, so the page lists every test.

Details are copied only for checks on the marts (aggregates); a check on a raw table can carry delivered
values in its metadata, which stay in Dagster.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# Where the Dagster UI is served (`make ui`); a deployment elsewhere sets ITIP_DAGSTER_UI_URL.
DEFAULT_DAGSTER_UI = "http://127.0.0.1:3000"
DETAIL_KEYS = ("failures", "failed", "status")
# A Great Expectations check's metadata entry listing each expectation and whether it passed (defs/mart_checks):
# the page shows one row per expectation.
EXPECTATION_LIST = "expectation_list"


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


def latest_check_outcomes(instance, check_keys, this_run: str | None = None) -> list[CheckOutcome]:
    """The latest evaluation of each check key (failures first, then by table and check). A check that run
    `this_run` (the one asking, past its dbt build) planned and did not evaluate was not run again because its
    table was kept unchanged (warehouse/kept_reference.py): its last evaluation stands, with the run it ran in."""
    from dagster._core.storage.asset_check_execution_record import (
        COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES as evaluated,
    )

    storage = instance.event_log_storage
    records = dict(storage.get_latest_asset_check_execution_by_key(list(check_keys)))
    for key, record in records.items():
        if this_run and record.run_id == this_run and record.status not in evaluated:
            earlier = storage.get_asset_check_execution_history(key, limit=1, status=evaluated)
            records[key] = earlier[0] if earlier else record
    outcomes = []
    for key, record in records.items():
        evaluation = (
            record.event.dagster_event.event_specific_data if record.event and record.event.dagster_event else None
        )
        passed = getattr(evaluation, "passed", None)
        if passed is None:  # only planned so far (another run is checking it now): no result to show
            evaluation = None
        table = key.asset_key.to_user_string()
        outcomes.append(CheckOutcome(table, key.name, passed, record.run_id, _detail(key.asset_key.path, evaluation)))
        listed = (getattr(evaluation, "metadata", None) or {}).get(EXPECTATION_LIST)
        for entry in getattr(listed, "value", listed) or []:
            name = f"{key.name}: {entry['expectation']}"
            outcomes.append(CheckOutcome(table, name, bool(entry["passed"]), record.run_id, ""))
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


def every_dbt_test(checks: list[CheckOutcome], build_dir: Path | None, manifest: Path) -> list[CheckOutcome]:
    """`checks` and, for every dbt test of the build in `build_dir` (a dbt target folder with run_results.json)
    that Dagster holds no check for, its outcome from dbt's run_results; the run is the one that ran the build's
    other tests. The tests' nodes are read from `manifest`, the project's parse the build started from (a build
    writes no manifest of its own: defs/dbt/build_artifacts.py)."""
    if build_dir is None or not (build_dir / "run_results.json").is_file() or not manifest.is_file():
        return checks
    results = json.loads((build_dir / "run_results.json").read_text(encoding="utf-8"))["results"]
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    tests = {r["unique_id"]: r for r in results if r["unique_id"].startswith("test.") and r["unique_id"] in nodes}
    names = {nodes[uid]["name"] for uid in tests}
    known = {c.check for c in checks}
    runs = Counter(c.run_id for c in checks if c.check in names)
    run_id = runs.most_common(1)[0][0] if runs else ""
    added = [
        CheckOutcome(
            _tested_table(nodes[uid], nodes),
            nodes[uid]["name"],
            {"pass": True, "fail": False, "error": False}.get(result["status"]),
            run_id,
            f"failures: {result['failures']}" if result.get("failures") else "",
        )
        for uid, result in tests.items()
        if nodes[uid]["name"] not in known
    ]
    return sorted([*checks, *added], key=lambda o: (o.passed is not False, o.table, o.check))


def _tested_table(test: dict, nodes: dict) -> str:
    """What a dbt test reads, as the page names tables: raw/<table> for a source, <schema>/<model> otherwise."""
    tables = []
    for uid in test.get("depends_on", {}).get("nodes", []):
        kind, _, *rest = uid.split(".")
        if kind == "source":
            tables.append(f"raw/{rest[-1]}")
        elif uid in nodes:
            tables.append(f"{nodes[uid]['schema']}/{nodes[uid]['name']}")
    return ", ".join(tables) or "dbt"
