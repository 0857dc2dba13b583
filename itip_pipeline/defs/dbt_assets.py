"""The dbt project as Dagster assets: every model and seed an asset, every dbt test an asset check.

dbt sources on the raw schema are mapped onto the ingest assets, so the lineage reads landing files →
ingest → staging → intermediate → marts. The manifest is prepared once (`prepare_dbt_manifest`), not at
every import: `dbt parse` costs seconds.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from itip_pipeline.settings import get_settings
from itip_pipeline.work_db import writer_lock

# Which ingest asset writes each raw table that dbt reads as a source.
RAW_TABLE_ASSETS = {
    "codebook": ["raw", "codebook"],
    "org_respondents": ["raw", "org_survey"],
    "org_answers": ["raw", "org_survey"],
    "panel_respondents": ["raw", "citizen_panel"],
    "panel_answers": ["raw", "citizen_panel"],
}
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
        project.preparer.prepare(project)
    return manifest


class ItipDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        name = dbt_resource_props["name"]
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(RAW_TABLE_ASSETS.get(name, ["raw", name]))
        return dg.AssetKey([dbt_resource_props["schema"], name])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["schema"]


DBT_PROJECT = dbt_project()
DBT_PROJECT.prepare_if_dev()


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=ItipDbtTranslator(),
    name="itip_dbt",
)
def itip_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    settings = get_settings()
    # profiles.yml reads the working database's path from the environment of the dbt process.
    os.environ["ITIP_WORK_DB"] = str(settings.work_db)
    with writer_lock(settings.work_db):
        yield from dbt.cli(["build"], context=context).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=DBT_PROJECT, profiles_dir=str(get_settings().dbt_profiles_dir))
