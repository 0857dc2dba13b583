"""A small dbt project in a temporary folder, built with the project's dbt against a DuckDB file of its own:
for tests of one of dbt_project's macro or test files used as it is, without the whole project."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DBT = Path(sys.executable).parent / "dbt"

PROFILES = """
tiny:
  target: work
  outputs:
    work:
      type: duckdb
      path: "{database}"
      threads: 1
"""


def tiny_project(folder: Path, project_yml: str) -> Path:
    """The project folder under `folder`, with its dbt_project.yml, a profile for `folder`/tiny.duckdb and an
    empty models folder."""
    project = folder / "tiny"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(project_yml, encoding="utf-8")
    (project / "profiles.yml").write_text(PROFILES.format(database=folder / "tiny.duckdb"), encoding="utf-8")
    return project


def run_dbt(project: Path, *args: str) -> subprocess.CompletedProcess:
    """`dbt ARGS` on the project, its output captured, without the caller's environment."""
    return subprocess.run(
        [str(DBT), *args, "--project-dir", str(project), "--profiles-dir", str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": str(DBT.parent), "HOME": str(project), "DO_NOT_TRACK": "1"},
    )
