"""Dagster's instance folder (DAGSTER_HOME) with the settings this project needs: no telemetry, one run at a time,
runs that never start or lost their process failed rather than left in progress."""

from __future__ import annotations

import os
from pathlib import Path

from itip_pipeline.settings import Settings

DAGSTER_YAML = """\
# Written by itip_pipeline.dagster_home; edit there.
telemetry:
  enabled: false
# DuckDB takes one writer: queued runs start one at a time.
concurrency:
  runs:
    max_concurrent_runs: 1
# A run the UI launched whose worker never starts is failed after 3 minutes (the daemon's run monitoring).
# A run whose process died after starting is marked failed by itip_pipeline/orphaned_runs.py, at the start
# of `itip run` / `itip ui` and at every landing-sensor tick: the default run launcher cannot check workers.
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  poll_interval_seconds: 60
"""


def prepare_dagster_home(settings: Settings) -> Path:
    """Create DAGSTER_HOME with dagster.yaml and point this process (and its children) at it."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists() or config.read_text() != DAGSTER_YAML:
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    return settings.dagster_home
