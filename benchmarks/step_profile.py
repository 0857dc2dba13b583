"""Where a data dir's `itip run` spent its time: Dagster step durations, and dbt's slowest nodes.

`itip run` prints nothing per step, but its Dagster instance (<data dir>/dagster_home) keeps every run's
step events. dbt's own timing comes from a separate `dbt build` on the same working database, with its
target path in the benchmark's work folder so its run_results.json is this build's and no one else's.

    DAGSTER_HOME=<data dir>/dagster_home python benchmarks/step_profile.py   -> JSON step durations
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def dagster_steps() -> list[dict]:
    """Every step of every run in $DAGSTER_HOME's instance: job, partition, step, seconds; oldest run first."""
    import dagster as dg

    instance = dg.DagsterInstance.get()
    steps = []
    for run in reversed(instance.get_runs()):
        for stat in instance.get_run_step_stats(run.run_id):
            if stat.start_time and stat.end_time:
                steps.append({"job": run.job_name, "partition": run.tags.get("dagster/partition", ""),
                              "step": stat.step_key, "seconds": stat.end_time - stat.start_time})
    return steps


def step_durations(data_dir: Path) -> list[dict]:
    """dagster_steps() for a data dir's instance, read in a child process that points DAGSTER_HOME there."""
    env = {**os.environ, "DAGSTER_HOME": str(data_dir / "dagster_home")}
    done = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def dbt_build_alone(data_dir: Path, target_dir: Path) -> tuple[float, list[dict]]:
    """Wall time of `dbt build` on the data dir's working database, and its nodes, slowest first."""
    from itip_pipeline.settings import get_settings

    settings = get_settings()
    env = {**os.environ, "ITIP_WORK_DB": str(data_dir / "work" / "itip_work.duckdb"), "DO_NOT_TRACK": "1"}
    dbt = str(Path(sys.executable).parent / "dbt")
    started = time.perf_counter()
    subprocess.run([dbt, "build", "--quiet", "--project-dir", str(settings.dbt_project_dir),
                    "--profiles-dir", str(settings.dbt_profiles_dir), "--target-path", str(target_dir),
                    "--log-path", str(target_dir / "logs")], env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    results = json.loads((target_dir / "run_results.json").read_text())["results"]
    nodes = sorted(({"node": r["unique_id"], "seconds": r["execution_time"]} for r in results),
                   key=lambda node: -node["seconds"])
    return seconds, nodes


if __name__ == "__main__":
    print(json.dumps(dagster_steps()))
