"""A run whose process is killed is marked failed at the next start-up, not left STARTED forever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import dagster as dg

from itip_pipeline.instance.dagster_home import instance_yaml
from itip_pipeline.instance.orphaned_runs import fail_orphaned_runs

# A job executing in its own process, as `itip run` and the UI's run workers do; it waits until killed.
RUN = textwrap.dedent("""
    import time
    import dagster as dg

    @dg.op
    def wait_for_the_test():
        print("started", flush=True)
        time.sleep(300)

    @dg.job
    def slow():
        wait_for_the_test()

    slow.execute_in_process(instance=dg.DagsterInstance.get())
""")


def _start_run(home) -> subprocess.Popen:
    env = {**os.environ, "DAGSTER_HOME": str(home), "DO_NOT_TRACK": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", RUN], env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stdout.readline().strip() == "started"
    return process


def test_a_killed_run_is_marked_failed_and_a_live_one_is_left_running(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(instance_yaml(postgres=False))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    killed, alive = _start_run(home), _start_run(home)
    try:
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait(timeout=30)
        instance = dg.DagsterInstance.get()
        runs = instance.get_runs()
        assert {run.status for run in runs} == {dg.DagsterRunStatus.STARTED}, "the kill left its run STARTED"

        marked = fail_orphaned_runs(instance)

        statuses = {run.run_id: run.status for run in instance.get_runs()}
        assert len(marked) == 1 and statuses.pop(marked[0]) == dg.DagsterRunStatus.FAILURE
        assert list(statuses.values()) == [dg.DagsterRunStatus.STARTED], "a live run is not touched"
        assert fail_orphaned_runs(instance) == []
    finally:
        for process in (killed, alive):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
