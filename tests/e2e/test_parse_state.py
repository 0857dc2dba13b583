"""dbt's parse state kept when only the working database's folder changes (itip_pipeline/defs/dbt/parse_state.py),
in both kinds of dbt process the pipeline starts: a fork of the warm server and the plain dbt."""

from __future__ import annotations

import json
import re
import subprocess
from contextlib import nullcontext
from pathlib import Path

import pytest

from itip_pipeline.core.settings import get_settings
from itip_pipeline.defs.dbt.environment import dbt_env
from itip_pipeline.defs.dbt.warm import CLIENT_EXECUTABLE, warm_dbt

PROFILE = "tiny:\n  target: t\n  outputs:\n    t: {type: duckdb, path: \"{{ env_var('ITIP_WORK_DB') }}\", threads: 1}\n"


def _project(root: Path) -> Path:
    project = root / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        'name: tiny\nversion: "1.0"\nconfig-version: 2\nprofile: tiny\nflags: {send_anonymous_usage_stats: false}\n'
    )
    (project / "profiles.yml").write_text(PROFILE)
    for name in ("a", "b", "c"):
        (project / "models" / f"{name}.sql").write_text("select 1 as n")
    return project


def _parse(project: Path, work_db: Path) -> tuple[int, set[str]]:
    """How many files the parse read (0: the saved state was used), and the database the nodes are in."""
    done = subprocess.run(
        [CLIENT_EXECUTABLE, "parse", "--project-dir", str(project), "--profiles-dir", str(project)],
        cwd=project,
        env=dbt_env(work_db),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    performance = json.loads((project / "target" / "perf_info.json").read_text())
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    return performance["parsed_path_count"], {node["database"] for node in manifest["nodes"].values()}


@pytest.mark.parametrize("warm", [True, False], ids=["fork of the warm server", "plain dbt"])
def test_a_new_folder_for_the_working_database_keeps_the_parse_and_a_new_database_name_does_not(tmp_path, warm):
    project = _project(tmp_path)
    first, second = tmp_path / "one" / "work.duckdb", tmp_path / "two" / "work.duckdb"
    renamed = tmp_path / "other.duckdb"
    runs = []
    with warm_dbt(dbt_env(first)) if warm else nullcontext():
        for work_db in (first, second, renamed):
            work_db.parent.mkdir(parents=True, exist_ok=True)
            runs.append(_parse(project, work_db))
    (full, _), (again, _), (renamed_count, _) = runs
    assert full > 3 and [databases for _, databases in runs] == [{"work"}, {"work"}, {"other"}]
    assert again == 0, "the same database in another folder parsed the project again"
    assert renamed_count == full, "a database of another name must be parsed for: the nodes carry its name"


def test_the_project_never_reads_where_the_working_database_is():
    # The parse state is kept across folders because nothing dbt parses depends on the database's path.
    project = get_settings().dbt_project_dir
    read = re.compile(r"target\s*(\.\s*path|\[\s*['\"]path['\"]\s*\]|\.get\(\s*['\"]path)")
    files = [
        path
        for folder in ("models", "macros", "tests", "seeds", "analyses", "snapshots")
        for path in (project / folder).rglob("*")
        if path.is_file() and path.suffix in {".sql", ".py", ".yml", ".yaml", ".md"}
    ]
    files.append(project / "dbt_project.yml")
    assert len(files) > 50
    assert [path for path in files if read.search(path.read_text(encoding="utf-8"))] == []
