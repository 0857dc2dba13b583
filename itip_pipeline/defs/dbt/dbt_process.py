"""What the pipeline changes in each dbt process it starts, before dbt runs: warm.py's server (and so its forks)
and its plain dbt, through which project.dbt_command and Dagster's steps start every one. A `dbt` started by hand
runs as dbt ships. None of these changes alters what dbt builds, the lines it prints or its run_results.json (each
module says why).
"""

from __future__ import annotations

from itip_pipeline.defs.dbt.build_artifacts import skip_build_manifest
from itip_pipeline.defs.dbt.parse_state import use_folder_free_profile_hash
from itip_pipeline.defs.dbt.quiet_events import skip_unwritten_events


def prepare() -> None:
    use_folder_free_profile_hash()
    skip_unwritten_events()
    skip_build_manifest()
