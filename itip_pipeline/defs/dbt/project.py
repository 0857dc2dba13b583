"""How dbt is started, in one place: its executable, command line and environment; the dbt project object and
its manifest, prepared once rather than at every import (`dbt parse` costs seconds). Dagster and dagster-dbt are
imported only where they are used, so `itip run` can parse ahead (`parse_ahead`) before it imports them.

The pipeline's build, `itip docs`, the tests and the benchmarks all start dbt through `dbt_command` and
`dbt_env`, so every dbt process sees the same profile, telemetry setting and BLAS threads.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from unittest.mock import patch

from itip_pipeline.core.settings import Settings, get_settings
from itip_pipeline.defs.dbt.environment import dbt_env, dbt_variables
from itip_pipeline.defs.dbt.warm import CLIENT_EXECUTABLE

DBT_SOURCES_WATCHED = ("models", "macros", "seeds", "tests", "dbt_project.yml")
# The name (stem) of the working database the manifest was parsed for. dbt's nodes carry it, so a database of
# another name needs a parse; its folder is not part of what dbt parses (parse_state.py), so a new data folder
# does not.
PARSED_FOR = "itip_parsed_for.txt"
TARGET = "target"  # dbt's target folder in the project, DbtProject's default: the manifest and parse state
SAVED_PARSE = "partial_parse.msgpack"  # dbt's parse of the project in TARGET, which each build starts from

if TYPE_CHECKING:
    from itip_pipeline.defs.dbt.dagster_side import DbtProject


def dbt_project() -> DbtProject:
    from itip_pipeline.defs.dbt.dagster_side import DbtProject

    settings = get_settings()
    return DbtProject(project_dir=settings.dbt_project_dir, profiles_dir=settings.dbt_profiles_dir)


def dbt_command(settings: Settings, *args: str) -> list[str]:
    """`dbt <args>` on this project and its profiles; run it with `dbt_env`'s environment.

    Every dbt process starts through warm.py's client, as Dagster's steps start it: a fork of the dbt imported
    ahead when `itip run` started one, otherwise the dbt installed beside this interpreter (nothing depends on the
    caller's PATH), both with parse_state.py's profile hash, so the build, `itip docs`, the tests and the
    benchmarks share one parse state."""
    return [
        CLIENT_EXECUTABLE,
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
    """The newest change to the dbt project's files. Folders count too: removing or renaming a file changes
    only its folder's time, and the manifest must then lose that node."""
    paths = [project_dir / name for name in DBT_SOURCES_WATCHED]
    entries = [p for path in paths if path.exists() for p in [path, *(path.rglob("*") if path.is_dir() else [])]]
    return max((p.stat().st_mtime for p in entries), default=0.0)


def prepare_dbt_manifest() -> Path:
    """Run `dbt parse` only when the manifest is missing, older than the dbt project's files, or was parsed
    for a working database of another name (PARSED_FOR; dbt then checks its saved state against the build's
    profile, and parses only what that requires: parse_state.py)."""
    project = dbt_project()
    work_db = get_settings().work_db
    with _parse_lock(project.manifest_path, work_db) as stale:
        if stale():
            from itip_pipeline.defs.dbt.cli_resource import DbtCliWithoutInProcessAdapter

            with dbt_environment():
                resource = DbtCliWithoutInProcessAdapter(project_dir=project, dbt_executable=CLIENT_EXECUTABLE)
                invocation = resource.cli(["parse", "--quiet"], target_path=project.target_path)
            invocation.wait()
            _mark_parsed(project.manifest_path, work_db)
    return project.manifest_path


def parse_ahead(settings: Settings) -> None:
    """prepare_dbt_manifest's parse, started before Dagster is imported, so it runs on the other core while this
    process starts (with a warm dbt server, in a fork of it). Quiet: a parse that fails here is done again by
    prepare_dbt_manifest, which says why; one that succeeds leaves it nothing to do."""
    manifest = settings.dbt_project_dir / TARGET / "manifest.json"
    with _parse_lock(manifest, settings.work_db) as stale:
        if not stale():
            return
        parse = dbt_command(settings, "parse", "--quiet")
        done = subprocess.run(
            [*parse, "--target-path", str(manifest.parent)],
            env=dbt_env(settings.work_db),
            cwd=settings.dbt_project_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        if done.returncode == 0:
            _mark_parsed(manifest, settings.work_db)


@contextmanager
def _parse_lock(manifest: Path, work_db: Path) -> Iterator:
    """Held while the manifest is checked and parsed: two loads starting at once must not both write it. Yields
    a function saying whether the manifest is stale for a build on `work_db`."""
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with manifest.with_name(".itip_parse.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield lambda: _stale(manifest, work_db)


def _stale(manifest: Path, work_db: Path) -> bool:
    parsed_for = manifest.with_name(PARSED_FOR)
    project_dir = manifest.parent.parent  # the manifest is <project>/target/manifest.json
    return (
        not manifest.exists()
        or manifest.stat().st_mtime < _newest_source_mtime(project_dir)
        or not parsed_for.exists()
        or parsed_for.read_text() != work_db.stem
    )


def _mark_parsed(manifest: Path, work_db: Path) -> None:
    manifest.with_name(PARSED_FOR).write_text(work_db.stem)
