"""The environment every dbt process gets, whoever starts it: the profile's database, telemetry off, one BLAS
thread, and the interpreter `dbt_warm` starts its client with.

Standard library and core only, so `itip run` can start the warm dbt (warm.py) before it imports Dagster.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from itip_pipeline.core.blas_threads import ONE_BLAS_THREAD
from itip_pipeline.defs.dbt.warm import PYTHON_ENV


def dbt_variables(work_db: Path) -> dict[str, str]:
    # ITIP_WORK_DB is the database profiles.yml points at; DO_NOT_TRACK keeps dbt's telemetry off.
    # DBT_LOG_LEVEL_FILE=none: no dbt.log. dbt writes every statement of every node to it at debug level, about
    # a tenth of a build's time, and what it would say is kept elsewhere: Dagster stores dbt's events per run,
    # and each build's run_results.json names the nodes that failed and why.
    return {
        "ITIP_WORK_DB": str(work_db),
        "DO_NOT_TRACK": "1",
        "DBT_LOG_LEVEL_FILE": "none",
        PYTHON_ENV: sys.executable,
        **ONE_BLAS_THREAD,
    }


def dbt_env(work_db: Path) -> dict[str, str]:
    """This process's environment plus what every dbt process needs, for a dbt started as a subprocess."""
    return {**os.environ, **dbt_variables(work_db)}
