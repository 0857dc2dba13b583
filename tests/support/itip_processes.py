"""`itip` as a real command in a child process, on a data folder of the test's own."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ITIP = str(Path(sys.executable).parent / "itip")
# The session's copy of the dbt project (tests/conftest.py) is the one setting a child keeps.
KEPT = ("ITIP_DBT_PROJECT_DIR",)


def itip_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without the ITIP_* settings and DAGSTER_HOME a test may have set, pointed at
    `data_dir`: the child reads only what a user's shell would give it."""
    clean = {k: v for k, v in os.environ.items() if k in KEPT or not (k.startswith("ITIP_") or k == "DAGSTER_HOME")}
    return {**clean, "ITIP_DATA_DIR": str(data_dir), "DO_NOT_TRACK": "1", **extra}
