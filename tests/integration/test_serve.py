"""`itip serve` keeps its two processes together: a stop request ends both, and one dying ends the other.
(The real webserver and daemon on PostgreSQL: tests/e2e/test_postgres_deploy.py.)"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from itip_pipeline.instance.opening import OpenedInstance
from itip_pipeline.runner import serve as serve_module

SLEEPER = [
    sys.executable,
    "-c",
    "import time, pathlib, os; pathlib.Path(os.environ['PID_DIR'], str(os.getpid())).touch(); time.sleep(120)",
]


@pytest.fixture
def children(monkeypatch, tmp_path):
    """Stand-ins for the webserver and daemon that record their process ids; returns a function listing them."""
    monkeypatch.setenv("PID_DIR", str(tmp_path))
    monkeypatch.delenv("ITIP_PG_URL", raising=False)
    # Opening the instance (and failing orphaned runs) is covered by tests/e2e/test_postgres_deploy.py.
    monkeypatch.setattr(
        serve_module, "open_instance", lambda settings: OpenedInstance(settings.dagster_home, None, orphaned_runs=[])
    )

    def set_commands(webserver: list[str]):
        monkeypatch.setattr(serve_module, "commands", lambda host, port: {"webserver": webserver, "daemon": SLEEPER})

    return set_commands, lambda: [int(p.name) for p in tmp_path.iterdir() if p.name.isdigit()]


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_a_stop_request_ends_both_processes(settings, children, capsys):
    set_commands, pids = children
    set_commands(SLEEPER)
    before = signal.getsignal(signal.SIGTERM)

    def stop_once_both_run():  # both started means serve's own handler is in place
        while len(pids()) < 2:
            time.sleep(0.1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=stop_once_both_run, daemon=True).start()
    assert serve_module.serve(settings, "127.0.0.1", 3999) == 0
    assert len(pids()) == 2 and not any(_alive(pid) for pid in pids())
    out = capsys.readouterr().out
    assert "Dagster UI: http://127.0.0.1:3999" in out and f"SQLite files in {settings.dagster_home}" in out
    assert signal.getsignal(signal.SIGTERM) is before


def test_when_one_process_dies_the_other_is_stopped(settings, children, capsys):
    set_commands, pids = children
    # The stand-in webserver exits once the daemon's stand-in is up.
    set_commands(
        [
            sys.executable,
            "-c",
            "import os, pathlib, time\n"
            "while not any(p.name.isdigit() for p in pathlib.Path(os.environ['PID_DIR']).iterdir()):\n"
            "    time.sleep(0.1)\n"
            "raise SystemExit(3)",
        ]
    )
    assert serve_module.serve(settings, "127.0.0.1", 3999) == 1
    assert "The Dagster webserver exited (code 3); stopping the other." in capsys.readouterr().err
    [daemon] = pids()
    assert not _alive(daemon)
