"""The dbt project object and its manifest, prepared once rather than at every import (`dbt parse` costs seconds)."""

from __future__ import annotations

import sys
from pathlib import Path

from dagster_dbt import DbtProject

from itip_pipeline.settings import get_settings

# dbt installed beside this interpreter, so nothing depends on the caller's PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
DBT_SOURCES_WATCHED = ("models", "macros", "seeds", "tests", "dbt_project.yml")


def dbt_project() -> DbtProject:
    settings = get_settings()
    return DbtProject(project_dir=settings.dbt_project_dir, profiles_dir=settings.dbt_profiles_dir)


def _newest_source_mtime(project_dir: Path) -> float:
    paths = [project_dir / name for name in DBT_SOURCES_WATCHED]
    files = [p for path in paths for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file()]
    return max((p.stat().st_mtime for p in files), default=0.0)


def prepare_dbt_manifest() -> Path:
    """Run `dbt parse` only when the manifest is missing or older than the dbt project's files."""
    project = dbt_project()
    manifest = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(project.project_dir):
        from dagster_dbt import DbtCliResource

        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["parse", "--quiet"], target_path=project.target_path
        ).wait()
    return manifest
