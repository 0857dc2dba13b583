"""The dbt imported ahead (itip_pipeline/defs/dbt/warm.py): the process dagster-dbt starts behaves as a plain dbt
process would, whether a fork of the server runs the command or, with no server, the plain dbt does."""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from itip_pipeline.defs.dbt.environment import dbt_env
from itip_pipeline.defs.dbt.warm import CLIENT_EXECUTABLE, PYTHON_MODEL_IMPORTS, SOCKET_ENV, warm_dbt

from support.python_source import parse_source

TESTS = Path(__file__).resolve().parents[1]
FAKE = "fake_dbt:main"


def _server_env() -> dict[str, str]:
    return {**dbt_env(Path("unused.duckdb")), "PYTHONPATH": str(TESTS / "support")}


def _client(*args: str, cwd: Path, **extra: str) -> subprocess.Popen:
    """The client as dagster-dbt starts it: output and errors on one pipe, in the project's folder."""
    env = {**dbt_env(Path("unused.duckdb")), **extra}
    return subprocess.Popen(
        [CLIENT_EXECUTABLE, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd, env=env, text=True
    )


def test_a_fork_of_the_server_runs_the_command_with_the_clients_streams_folder_variables_and_status(tmp_path):
    with warm_dbt(_server_env(), entry=FAKE):
        client = _client("3", "--select", "x y", cwd=tmp_path, FAKE_DBT_SAY="from the client")
        output, _ = client.communicate(timeout=60)
        assert client.returncode == 3
    lines = output.splitlines()
    said = json.loads(lines[0])
    assert said["argv"] == ["dbt", "3", "--select", "x y"]
    assert said["cwd"] == str(tmp_path)
    assert said["variable"] == "from the client"
    assert said["pid"] != client.pid, "the command ran in the server's fork, not in the client"
    assert lines[1:] == ["on standard error"]
    assert SOCKET_ENV not in os.environ, "the server's address is set only while it runs"


def test_ctrl_c_on_the_client_reaches_the_fork(tmp_path):
    with warm_dbt(_server_env(), entry=FAKE):
        client = _client("wait", cwd=tmp_path)
        assert client.stdout.readline() == "waiting\n"
        client.send_signal(signal.SIGINT)
        rest, _ = client.communicate(timeout=60)
    assert (client.returncode, rest) == (130, "interrupted\n")


def test_the_server_imports_the_python_models_libraries_while_idle_and_its_forks_have_them(tmp_path):
    # Modules fake_dbt and the server do not import themselves: only the idle import can bring them.
    wanted = ("fractions", "wave")
    with warm_dbt(_server_env(), entry=FAKE, idle_imports=wanted):
        first = json.loads(_client("imported", *wanted, cwd=tmp_path).communicate(timeout=60)[0])
        deadline = time.monotonic() + 60
        seen = first
        while not all(seen.values()) and time.monotonic() < deadline:
            time.sleep(0.2)
            seen = json.loads(_client("imported", *wanted, cwd=tmp_path).communicate(timeout=60)[0])
    assert set(first) == set(wanted)
    assert seen == dict.fromkeys(wanted, True)


def test_the_real_servers_idle_imports_are_the_python_models(tmp_path):
    model = TESTS.parent / "dbt_project" / "models" / "intermediate" / "int_disclosure_control.py"
    nodes = list(ast.walk(parse_source(model)))
    imported = {n.module for n in nodes if isinstance(n, ast.ImportFrom)}
    imported |= {alias.name for n in nodes if isinstance(n, ast.Import) for alias in n.names}
    third_party = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    assert third_party, "the model imports numpy, pandas and scipy"
    assert third_party <= set(PYTHON_MODEL_IMPORTS)


def test_without_a_server_the_client_is_the_plain_dbt(tmp_path):
    plain = _client("--bogus-flag", cwd=tmp_path)
    output, _ = plain.communicate(timeout=120)
    assert plain.returncode == 2
    assert "No such option '--bogus-flag'" in output


def test_a_server_that_is_gone_leaves_the_plain_dbt_to_run(tmp_path):
    gone = _client("--bogus-flag", cwd=tmp_path, **{SOCKET_ENV: str(tmp_path / "no-server.sock")})
    output, _ = gone.communicate(timeout=120)
    assert gone.returncode == 2
    assert "No such option '--bogus-flag'" in output


def test_the_real_dbt_through_the_server_answers_as_the_plain_dbt(tmp_path):
    with warm_dbt(dbt_env(Path("unused.duckdb"))):
        warm = _client("--bogus-flag", cwd=tmp_path)
        warm_output, _ = warm.communicate(timeout=120)
    plain = _client("--bogus-flag", cwd=tmp_path)
    plain_output, _ = plain.communicate(timeout=120)
    assert (warm.returncode, warm_output) == (plain.returncode, plain_output)


def test_a_build_in_a_fork_leaves_its_database_closed_with_no_log_to_replay(tmp_path):
    # A plain dbt closes DuckDB as its interpreter exits, which writes the .wal into the file; the fork must too.
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        'name: wal\nversion: "1.0"\nconfig-version: 2\nprofile: wal\nflags: {send_anonymous_usage_stats: false}\n'
    )
    database = tmp_path / "wal.duckdb"
    (project / "profiles.yml").write_text(
        f"wal:\n  target: file\n  outputs:\n    file: {{type: duckdb, path: '{database}', threads: 1}}\n"
    )
    (project / "models" / "numbers.sql").write_text(
        "{{ config(materialized='table') }} select range as n from range(100000)"
    )
    with warm_dbt(dbt_env(database)):
        build = _client("build", "--project-dir", str(project), "--profiles-dir", str(project), cwd=project)
        output, _ = build.communicate(timeout=300)
    assert build.returncode == 0, output[-2000:]
    assert not Path(f"{database}.wal").exists()
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from main.numbers").fetchall() == [(100000,)]


def test_every_schema_the_server_prebuilds_is_a_dbt_class_with_one():
    import importlib

    from itip_pipeline.defs.dbt.warm import PREBUILT_SCHEMAS

    for name in PREBUILT_SCHEMAS:
        module, cls = name.split(":")
        schema = getattr(importlib.import_module(module), cls).json_schema()
        assert schema["type"] == "object", name
