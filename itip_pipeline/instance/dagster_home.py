"""Dagster's instance folder (DAGSTER_HOME) with the settings this project needs: no telemetry, one run at a time,
runs that never start or lost their process failed rather than left in progress; the run history in SQLite files
there by default, or in PostgreSQL when ITIP_PG_URL is set (the production deployment, deploy/README.md).

deploy/dagster.yaml is `instance_yaml(postgres=True)` for services started without `itip`; a test keeps it equal
(`python -m itip_pipeline.instance.dagster_home > deploy/dagster.yaml` rewrites it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from itip_pipeline.core.settings import Settings
from itip_pipeline.instance.postgres_url import POSTGRES_URL_VAR

_HEADER = (
    "# Written by itip_pipeline.instance.dagster_home; edit there (deploy/README.md explains the PostgreSQL variant).\n"
)
POSTGRES_STORAGE = f"""\
# Run history, event logs and schedule/sensor state in PostgreSQL. The connection is read from the
# environment when a Dagster process starts, never from this file or the repository:
#   {POSTGRES_URL_VAR}=postgresql://USER:PASSWORD@HOST:5432/DATABASE
# (percent-encode special characters in the password; ?sslmode=require for a server on another machine).
storage:
  postgres:
    postgres_url:
      env: {POSTGRES_URL_VAR}
"""
SETTINGS = """\
telemetry:
  enabled: false
# DuckDB takes one writer: queued runs start one at a time.
concurrency:
  runs:
    max_concurrent_runs: 1
# A run the UI launched whose worker never starts is failed after 3 minutes (the daemon's run monitoring).
# A run whose process died after starting is marked failed by itip_pipeline/instance/orphaned_runs.py, at the start
# of `itip run` / `itip ui` and at every landing-sensor tick: the default run launcher cannot check workers.
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  poll_interval_seconds: 60
"""


def uses_postgres(env: Mapping[str, str] | None = None) -> bool:
    """True when ITIP_PG_URL is set: the instance keeps its history in PostgreSQL."""
    return bool((os.environ if env is None else env).get(POSTGRES_URL_VAR, "").strip())


def instance_yaml(postgres: bool) -> str:
    return _HEADER + (POSTGRES_STORAGE if postgres else "") + SETTINGS


def prepare_dagster_home(settings: Settings) -> Path:
    """Create DAGSTER_HOME with dagster.yaml (PostgreSQL when ITIP_PG_URL is set, else SQLite) and point this process
    (and its children) at it."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    config = settings.dagster_home / "dagster.yaml"
    wanted = instance_yaml(uses_postgres())
    if not config.exists() or config.read_text() != wanted:
        config.write_text(wanted)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    return settings.dagster_home


if __name__ == "__main__":
    print(instance_yaml(postgres=True), end="")
