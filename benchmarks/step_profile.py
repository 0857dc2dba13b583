"""Where a data dir's `itip run` spent its time: its Dagster runs and their steps, and dbt's slowest nodes.

`itip run` prints nothing per step, but its Dagster instance (<data dir>/dagster_home) keeps every run's
step events. Whatever jobs the pipeline runs (one run per year and a build run, or one `annual_load` over a
partition range), each run is named by its job and its partition or partition range, read from its tags.
dbt's own timing comes from a separate `dbt build` on the same working database, with its target path in
the benchmark's work folder so its run_results.json is this build's and no one else's.

    DAGSTER_HOME=<data dir>/dagster_home python benchmarks/step_profile.py   -> JSON runs with their steps
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

PARTITION_TAG = "dagster/partition"
RANGE_TAGS = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")


def run_label(job: str, tags: dict[str, str]) -> str:
    """'ingest_year 2024', 'annual_load 2021–2025' or 'build_and_publish'."""
    start, end = (tags.get(tag) for tag in RANGE_TAGS)
    if start and end:
        return f"{job} {start}" if start == end else f"{job} {start}–{end}"
    return f"{job} {tags[PARTITION_TAG]}" if tags.get(PARTITION_TAG) else job


def dagster_runs() -> list[dict]:
    """Every run in $DAGSTER_HOME's instance, oldest first: its label, wall seconds and steps' seconds."""
    import dagster as dg

    instance = dg.DagsterInstance.get()
    runs = []
    for record in reversed(instance.get_run_records()):
        run = record.dagster_run
        steps = [
            {"step": stat.step_key, "seconds": stat.end_time - stat.start_time}
            for stat in instance.get_run_step_stats(run.run_id)
            if stat.start_time and stat.end_time
        ]
        seconds = record.end_time - record.start_time if record.start_time and record.end_time else None
        runs.append(
            {
                "run": run_label(run.job_name, dict(run.tags)),
                "status": run.status.value,
                "seconds": seconds,
                "steps": steps,
            }
        )
    return runs


def slowest_steps(runs: list[dict], limit: int) -> list[dict]:
    """The `limit` slowest steps over all runs, each with its run's label."""
    steps = [{"run": run["run"], **step} for run in runs for step in run["steps"]]
    return sorted(steps, key=lambda step: -step["seconds"])[:limit]


def run_durations(data_dir: Path) -> list[dict]:
    """dagster_runs() for a data dir's instance, read in a child process that points DAGSTER_HOME there."""
    env = {**os.environ, "DAGSTER_HOME": str(data_dir / "dagster_home")}
    done = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def dbt_build_alone(data_dir: Path, target_dir: Path) -> tuple[float, list[dict]]:
    """Wall time of `dbt build` on the data dir's working database, and its nodes, slowest first."""
    from itip_pipeline.core.settings import get_settings
    from itip_pipeline.defs.dbt.environment import dbt_env
    from itip_pipeline.defs.dbt.project import dbt_command

    command = dbt_command(
        get_settings(), "build", "--quiet", "--target-path", str(target_dir), "--log-path", str(target_dir / "logs")
    )
    started = time.perf_counter()
    subprocess.run(command, env=dbt_env(data_dir / "work" / "itip_work.duckdb"), check=True, capture_output=True)
    seconds = time.perf_counter() - started
    results = json.loads((target_dir / "run_results.json").read_text())["results"]
    nodes = sorted(
        ({"node": r["unique_id"], "seconds": r["execution_time"]} for r in results), key=lambda node: -node["seconds"]
    )
    return seconds, nodes


if __name__ == "__main__":
    print(json.dumps(dagster_runs()))
