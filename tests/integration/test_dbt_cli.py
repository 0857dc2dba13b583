"""The dbt CLI resource starts dbt without dagster-dbt's in-process dbt start-up
(itip_pipeline/defs/dbt/cli_resource.py)."""

from __future__ import annotations

import time
from functools import cached_property
from importlib.metadata import version

import dagster_dbt.core.resource as dagster_dbt_resource
from dagster_dbt import DbtCliResource


def test_the_hooks_it_replaces_still_exist_in_the_pinned_dagster_dbt():
    assert callable(DbtCliResource._initialize_dbt_core_adapter)
    assert isinstance(DbtCliResource.__dict__["_cli_version"], cached_property)


def test_no_dbt_version_subprocess_and_no_in_process_adapter(monkeypatch, dbt_manifest):
    from itip_pipeline.defs.dbt.assets import dbt_resource

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"dagster-dbt started {args[0]}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_subprocess)
    resource = dbt_resource()
    assert str(resource._cli_version) == version("dbt-core")
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_dbt_is_started_with_one_blas_thread(monkeypatch):
    import os

    from itip_pipeline.core.blas_threads import ONE_BLAS_THREAD
    from itip_pipeline.defs.dbt.project import dbt_environment

    for name in ONE_BLAS_THREAD:
        monkeypatch.delenv(name, raising=False)
    with dbt_environment():
        assert {name: os.environ.get(name) for name in ONE_BLAS_THREAD} == ONE_BLAS_THREAD
    assert "OPENBLAS_NUM_THREADS" not in os.environ, "set only while dbt starts"


def test_a_dbt_build_interrupted_while_its_events_are_stored_is_stopped_and_waited_for(dbt_manifest):
    """The dbt step yields each node's events as dbt streams them; a run stopped at one of those yields must not
    let go of the working database's lock while dbt still writes it."""
    import subprocess
    import sys
    from types import SimpleNamespace

    from itip_pipeline.defs.dbt.assets import _stop_dbt

    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    deaf = subprocess.Popen(
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)"]
    )
    time.sleep(0.5)  # both interpreters started and, for the second, its handler set
    _stop_dbt(SimpleNamespace(process=polite, termination_timeout_seconds=30))
    assert polite.returncode not in (None, -9), "ended by the interrupt, not killed"
    _stop_dbt(SimpleNamespace(process=deaf, termination_timeout_seconds=0.5))
    assert deaf.returncode == -9, "killed once the interrupt was ignored past the timeout"
