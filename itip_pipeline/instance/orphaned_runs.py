"""Runs whose process died, marked failed: they must not stay STARTED forever and hold the one-run queue.

A SIGKILL, an out-of-memory kill or a reboot ends a run's process without a word to the Dagster instance,
so the run stays STARTED; with one run allowed at a time (dagster.yaml), the landing sensor's next run would
wait QUEUED behind it until someone cleared it by hand. Every run here executes its steps in one process
(the in-process executor), and Dagster records that process's id in the run's "Executing steps in process"
event. `itip run` and `itip ui` call `fail_orphaned_runs` at start-up: a run still in progress whose process
is gone, or whose id now belongs to a process started after the run (a reused id), is marked failed.
This looks at processes on this machine, which is where the instance's runs execute (a local instance).
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster._core.events import DagsterEventType

IN_PROGRESS = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
# A process's start time is known to the clock tick; a run starts after its process, never before.
START_SLACK_S = 1.0


def _process_start_epoch(pid: int) -> float | None:
    """When the live process `pid` started (seconds since the epoch), or None if there is none (or a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime")
        )
    except (OSError, StopIteration):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (command) "; the command may contain spaces
    if fields[0] in ("Z", "X"):
        return None
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def _run_process_id(instance: dg.DagsterInstance, run_id: str) -> int | None:
    for entry in reversed(instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT)):
        data = entry.dagster_event.event_specific_data if entry.dagster_event else None
        pid = getattr(data, "metadata", {}).get("pid") if data else None
        if pid is not None:
            return int(pid.value)
    return None


def is_orphaned(instance: dg.DagsterInstance, run_id: str) -> bool:
    record = instance.get_run_record_by_id(run_id)
    pid = _run_process_id(instance, run_id)
    if record is None or pid is None:  # no steps started yet: Dagster's own start timeout covers it
        return False
    started = _process_start_epoch(pid)
    run_start = record.start_time or record.create_timestamp.timestamp()
    return started is None or started > run_start + START_SLACK_S


def fail_orphaned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark every in-progress run whose process is gone as failed; the ids of the runs marked."""
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS)):
        if is_orphaned(instance, run.run_id):
            instance.report_run_failed(
                run,
                message="The process running this run ended without finishing it (killed, out of memory "
                "or a reboot); marked failed so later runs are not held behind it. Nothing it did was published.",
            )
            failed.append(run.run_id)
    return failed


def orphaned_run_line(run_id: str) -> str:
    """What a command prints for a run it found without its process and marked failed."""
    return f"Run {run_id} had lost its process (killed?); marked it failed in the Dagster instance."
