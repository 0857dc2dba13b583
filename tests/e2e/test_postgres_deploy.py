"""The production deployment on a real PostgreSQL: `itip serve` (webserver and daemon as two processes) against a
throwaway server this test starts, the daemon runs a year's load, and its run and events are in PostgreSQL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import dagster as dg
import psycopg2
import pytest

from itip_pipeline.core.settings import REPO_ROOT

from support.delivery_builders import LOADED_YEAR, TEST_PSEUDONYM_KEY, write_delivery
from support.local_servers import free_port, graphql, wait_for_code_location
from support.postgres_server import postgres_server

LOCATION = {"repositoryLocationName": "itip", "repositoryName": "__repository__"}


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_server() as (port, _connect):
        yield f"postgresql://itip@127.0.0.1:{port}/itip"


def _stop_landing_sensor(base: str, log: Path) -> None:
    """The test launches the load itself: the landing sensor would start a whole annual_load for the same folder.

    Dagster's stop reads the sensor's stored state and inserts one when there is none, and the daemon's first tick
    inserts it too: a stop that loses that race fails on the server (HTTP 500 or a PythonError). The stop is
    asked again until it is answered, as a user would click again; only a server that never answers fails."""
    deadline = time.monotonic() + 60
    while True:
        try:
            sensor = graphql(
                base,
                "query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { ... on Sensor { sensorState { id }"
                " } } }",
                {"s": {**LOCATION, "sensorName": "landing_sensor"}},
            )["sensorOrError"]
            answer = graphql(
                base,
                "mutation($id: String) { stopSensor(id: $id) { __typename ... on StopSensorMutationResult { "
                "instigationState { status } } ... on PythonError { message } } }",
                {"id": sensor["sensorState"]["id"]},
            )["stopSensor"]
        except urllib.error.HTTPError as error:
            answer = {"__typename": f"HTTP {error.code}"}
        if answer["__typename"] == "StopSensorMutationResult":
            assert answer["instigationState"]["status"] == "STOPPED", answer
            return
        assert time.monotonic() < deadline, f"the sensor could not be stopped: {answer}\n{log.read_text()[-3000:]}"
        time.sleep(1)


def _launch(base: str, job: str, partition: str) -> str:
    launched = graphql(
        base,
        "mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename "
        "... on LaunchRunSuccess { run { runId status } } ... on PythonError { message } } }",
        {
            "p": {
                "selector": {**LOCATION, "jobName": job},
                "runConfigData": {},
                "executionMetadata": {"tags": [{"key": "dagster/partition", "value": partition}]},
            }
        },
    )
    assert launched["launchRun"]["__typename"] == "LaunchRunSuccess", launched
    assert launched["launchRun"]["run"]["status"] == "QUEUED"  # the daemon's run queue starts it
    return launched["launchRun"]["run"]["runId"]


def _query(url: str, sql: str, *params) -> list[tuple]:
    with psycopg2.connect(url) as con, con.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_the_daemon_runs_a_load_and_its_history_is_in_postgresql(postgres_url, tmp_path):
    data = tmp_path / "data"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ITIP_PG_URL": postgres_url,
        "ITIP_DATA_DIR": str(data),
        "DAGSTER_HOME": str(data / "dagster_home"),
        "ITIP_PSEUDONYM_KEY": TEST_PSEUDONYM_KEY,
        "DO_NOT_TRACK": "1",
    }
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [sys.executable, "-m", "itip_pipeline.cli", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_code_location(base, serve, timeout_s=240)
        _stop_landing_sensor(base, tmp_path / "serve.log")
        write_delivery(data / "landing" / str(LOADED_YEAR), LOADED_YEAR)
        run_id = _launch(base, "ingest_year", str(LOADED_YEAR))
        deadline = time.monotonic() + 240
        while (status := _query(postgres_url, "SELECT status FROM runs WHERE run_id = %s", run_id)[0][0]) not in (
            "SUCCESS",
            "FAILURE",
            "CANCELED",
        ):
            assert time.monotonic() < deadline, f"the run is still {status} after 240 s"
            time.sleep(1)
        assert status == "SUCCESS", (tmp_path / "serve.log").read_text()[-3000:]
        events = {
            kind
            for (kind,) in _query(
                postgres_url, "SELECT DISTINCT dagster_event_type FROM event_logs WHERE run_id = %s", run_id
            )
        }
        # Queued by the webserver, started by the daemon's run queue, materialized; stored under Dagster's names.
        kinds = (
            dg.DagsterEventType.RUN_ENQUEUED,
            dg.DagsterEventType.RUN_STARTING,
            dg.DagsterEventType.RUN_START,
            dg.DagsterEventType.ASSET_MATERIALIZATION,
            dg.DagsterEventType.RUN_SUCCESS,
        )
        assert {kind.value for kind in kinds} <= events, events
        materialized = _query(
            postgres_url,
            "SELECT DISTINCT asset_key FROM event_logs WHERE run_id = %s AND "
            "dagster_event_type = 'ASSET_MATERIALIZATION'",
            run_id,
        )
        assert '["raw", "org_answers"]' in {key for (key,) in materialized}, materialized
        # The sensors' state and ticks (schedule storage) are there too; no SQLite history was written.
        assert _query(postgres_url, "SELECT count(*) FROM job_ticks")[0][0] > 0
        assert not list((data / "dagster_home").rglob("*.db"))
    finally:
        os.kill(serve.pid, signal.SIGTERM)
        try:
            code = serve.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            raise
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert f"Dagster UI: http://127.0.0.1:{port}" in output and "run history in PostgreSQL" in output
    assert code == 0, output[-3000:]
    for pid in map(int, re.findall(r"(?:webserver|daemon) pid (\d+)", output)):
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text(), pid
