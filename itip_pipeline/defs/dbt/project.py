"""How dbt is started, in one place: its executable, command line and environment; the dbt project object and
its manifest, prepared once rather than at every import (`dbt parse` costs seconds).

The pipeline's build, `itip docs`, the tests and the benchmarks all start dbt through `dbt_command` and
`dbt_env`, so every dbt process sees the same profile, telemetry setting and BLAS threads.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

from dagster_dbt import DbtProject

from itip_pipeline.core.settings import Settings, get_settings
from itip_pipeline.defs.dbt.environment import dbt_variables
from itip_pipeline.defs.dbt.warm import CLIENT_EXECUTABLE, real_dbt

# dbt installed beside this interpreter, so nothing depends on the caller's PATH. Dagster's steps start it
# through CLIENT_EXECUTABLE, which uses a dbt imported ahead when `itip run` started one (warm.py).
DBT_EXECUTABLE = real_dbt()
DBT_SOURCES_WATCHED = ("models", "macros", "seeds", "tests", "dbt_project.yml")


def dbt_project() -> DbtProject:
    settings = get_settings()
    return DbtProject(project_dir=settings.dbt_project_dir, profiles_dir=settings.dbt_profiles_dir)


def dbt_command(settings: Settings, *args: str) -> list[str]:
    """`dbt <args>` on this project and its profiles, with the dbt installed beside this interpreter."""
    return [
        DBT_EXECUTABLE,
        *args,
        "--project-dir",
        str(settings.dbt_project_dir),
        "--profiles-dir",
        str(settings.dbt_profiles_dir),
    ]


@contextmanager
def dbt_environment() -> Iterator[None]:
    """`dbt_env`'s variables set in this process only while dagster-dbt starts a dbt process.

    Parse and build must see the same profile, or dbt discards its partial-parse state and parses again.
    """
    with patch.dict(os.environ, dbt_variables(get_settings().work_db)):
        yield


def _newest_source_mtime(project_dir: Path) -> float:
    paths = [project_dir / name for name in DBT_SOURCES_WATCHED]
    files = [p for path in paths for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file()]
    return max((p.stat().st_mtime for p in files), default=0.0)


def prepare_dbt_manifest() -> Path:
    """Run `dbt parse` only when the manifest is missing, older than the dbt project's files, or was parsed
    for another working database (then dbt's partial-parse state would not match the build's profile)."""
    project = dbt_project()
    manifest = project.manifest_path
    parsed_for = manifest.with_name("itip_parsed_for.txt")
    work_db = str(get_settings().work_db)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    # Two loads starting at once must not both write the manifest.
    with manifest.with_name(".itip_parse.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stale = (
            not manifest.exists()
            or manifest.stat().st_mtime < _newest_source_mtime(project.project_dir)
            or not parsed_for.exists()
            or parsed_for.read_text() != work_db
        )
        if stale:
            from dagster_dbt import DbtCliResource

            with dbt_environment():
                invocation = DbtCliResource(project_dir=project, dbt_executable=CLIENT_EXECUTABLE).cli(
                    ["parse", "--quiet"], target_path=project.target_path
                )
            invocation.wait()
            parsed_for.write_text(work_db)
    return manifest
