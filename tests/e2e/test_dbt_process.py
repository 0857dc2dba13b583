"""dbt started as the pipeline starts it (its client, which prepares dbt as defs/dbt/dbt_process.py says), against
the `dbt` dbt ships: a build writes the same JSON lines, which are what Dagster reads (quiet_events.py), and the
same run_results.json but no manifest.json, which a parse still writes (build_artifacts.py). Real dbt processes,
so in the full tier."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from itip_pipeline.defs.dbt.environment import dbt_env
from itip_pipeline.defs.dbt.warm import CLIENT_EXECUTABLE

SHIPPED_DBT = str(Path(sys.executable).parent / "dbt")
PROFILE = "tiny:\n  target: t\n  outputs:\n    t: {type: duckdb, path: \"{{ env_var('ITIP_WORK_DB') }}\", threads: 1}\n"
TESTS = "version: 2\nmodels:\n  - name: b\n    columns:\n      - name: n\n        data_tests: [not_null, unique]\n"
# What differs between any two runs of one build: times, durations, process and invocation ids.
VARYING = re.compile(r"\d+(\.\d+)?")
MANIFEST_WRITTEN = re.compile(r"^Wrote artifact (Writable|Semantic)Manifest to")


def _project(root: Path) -> Path:
    project = root / "project"  # a copy of its own for each dbt: their parse states are not shared
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        'name: tiny\nversion: "1.0"\nconfig-version: 2\nprofile: tiny\nflags: {send_anonymous_usage_stats: false}\n'
    )
    (project / "profiles.yml").write_text(PROFILE)
    (project / "models" / "a.sql").write_text("select 1 as n")
    (project / "models" / "b.sql").write_text("select n + 1 as n from {{ ref('a') }}")
    (project / "models" / "b.yml").write_text(TESTS)
    return project


def _run(executable: str, project: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [executable, *args, "--project-dir", str(project)],
        cwd=project,
        env={**dbt_env(project / "work.duckdb"), "DBT_PROFILES_DIR": str(project)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def _lines(executable: str, project: Path, *flags: str) -> list[tuple[str, str, str]]:
    done = _run(executable, project, "build", "--log-format", "json", *flags)
    infos = [json.loads(line)["info"] for line in done.stdout.splitlines()]
    return [(info["name"], info["level"], VARYING.sub("#", info["msg"].replace(str(project), "…"))) for info in infos]


def _both(tmp_path: Path, *flags: str) -> tuple[list, list]:
    """The lines of the shipped dbt and of the pipeline's, each building its own copy of the project twice (a
    full parse, then a partial one)."""
    said = []
    for name, executable in (("shipped", SHIPPED_DBT), ("pipeline", CLIENT_EXECUTABLE)):
        project = _project(tmp_path / name)
        said.append(_lines(executable, project, *flags) + _lines(executable, project, *flags))
    return said[0], said[1]


def test_the_pipelines_dbt_writes_the_lines_the_shipped_dbt_writes(tmp_path):
    shipped, pipelines = _both(tmp_path)
    assert pipelines == shipped
    names = {name for name, _, _ in shipped}
    assert {"LogModelResult", "LogTestResult", "EndOfRunSummary"} <= names  # what Dagster reads is among them
    assert {level for _, level, _ in shipped} <= {"info", "warn", "error"}


def test_with_debug_the_pipelines_dbt_writes_every_debug_line(tmp_path):
    shipped, pipelines = _both(tmp_path, "--debug")
    debug = [line for line in pipelines if line[1] == "debug"]
    assert len(debug) > 20 and any(name == "SQLQuery" for name, _, _ in debug)
    # Every statement dbt runs is said, as often as the shipped dbt says it, and every kind of line is there. The
    # counts of connection lines follow the threads' timing, and the manifests a build does not write are not said
    # to be written.
    statements = Counter(line for line in pipelines if line[0] == "SQLQuery")
    assert statements == Counter(line for line in shipped if line[0] == "SQLQuery") and len(statements) > 5
    kept = {name for name, _, message in shipped if not MANIFEST_WRITTEN.search(message)}
    assert {name for name, _, _ in pipelines} == kept


def test_a_build_writes_its_run_results_and_no_manifest_and_a_parse_writes_its_manifest(tmp_path):
    written = {}
    for name, executable in (("shipped", SHIPPED_DBT), ("pipeline", CLIENT_EXECUTABLE)):
        project = _project(tmp_path / name)
        _run(executable, project, "build", "--target-path", "built")
        _run(executable, project, "parse", "--target-path", "parsed")
        results = json.loads((project / "built" / "run_results.json").read_text())["results"]
        written[name] = {
            "built": sorted(p.name for p in (project / "built").glob("*.json")),
            "parsed": sorted(p.name for p in (project / "parsed").glob("*.json")),
            "results": sorted((r["unique_id"], r["status"]) for r in results),
        }
    shipped, pipelines = written["shipped"], written["pipeline"]
    assert "manifest.json" in shipped["built"] and "manifest.json" not in pipelines["built"]
    assert "run_results.json" in pipelines["built"] and pipelines["results"] == shipped["results"]
    assert len(pipelines["results"]) == 4  # two models, two tests
    assert "manifest.json" in pipelines["parsed"] and pipelines["parsed"] == shipped["parsed"]
