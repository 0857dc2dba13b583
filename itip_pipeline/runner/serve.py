"""`itip serve`: the Dagster webserver and the Dagster daemon as two processes, the way production runs them.

The webserver serves the UI and launches runs from it; the daemon runs the schedule, the sensors (landing folder,
run-failure mail, late delivery) and the run queue. Both use the instance prepared in DAGSTER_HOME (PostgreSQL
when ITIP_PG_URL is set). Ctrl-C or SIGTERM stops both; if either exits by itself the other is stopped too, so
a service manager sees the failure and restarts the pair.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

from itip_pipeline.core.settings import WORKSPACE_FILE, Settings
from itip_pipeline.instance.dagster_home import uses_postgres
from itip_pipeline.instance.opening import open_instance
from itip_pipeline.instance.orphaned_runs import orphaned_run_line

STOP_TIMEOUT_S = 30


def commands(host: str, port: int) -> dict[str, list[str]]:
    """The two processes: the same commands deploy/systemd/ runs as services."""
    workspace = str(WORKSPACE_FILE)
    return {
        "webserver": [sys.executable, "-m", "dagster_webserver", "-w", workspace, "-h", host, "-p", str(port)],
        "daemon": [sys.executable, "-m", "dagster._daemon", "run", "-w", workspace],
    }


def _default_signals() -> None:
    # A process started in the background inherits SIGINT/SIGTERM ignored; the children must honour them.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def serve(settings: Settings, host: str, port: int) -> int:
    """Run both until a signal or until one exits; return 0 after a requested stop, 1 when a process died."""
    settings.ensure_dirs()
    # The storage is created (or migrated) here, once, before two processes would race to.
    opened = open_instance(settings)
    for run_id in opened.orphaned_runs:
        print(orphaned_run_line(run_id))
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands(host, port).items():
            # Own process groups: a stop reaches each process and the code servers it started, in order.
            processes[name] = subprocess.Popen(
                command, cwd=WORKSPACE_FILE.parent, start_new_session=True, preexec_fn=_default_signals
            )
        storage = "PostgreSQL (ITIP_PG_URL)" if uses_postgres() else f"SQLite files in {opened.home}"
        print(
            f"Dagster UI: http://{host}:{port}  (webserver pid {processes['webserver'].pid}, daemon pid "
            f"{processes['daemon'].pid}; run history in {storage}). Ctrl-C stops both.",
            flush=True,
        )
        while not stop.wait(1):
            exited = [name for name, process in processes.items() if process.poll() is not None]
            if exited:
                print(
                    f"The Dagster {exited[0]} exited (code {processes[exited[0]].returncode}); stopping the other.",
                    file=sys.stderr,
                    flush=True,
                )
                return 1
        print("Stopping the Dagster webserver and daemon ...", flush=True)
        return 0
    finally:
        _stop_all(processes)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_all(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes.values():
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
