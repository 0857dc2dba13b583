"""The dbt CLI resource: dagster-dbt's, without the dbt start-up it does in this process before each command
(the build, and the parse of a stale manifest).

Before starting `dbt build`, dagster-dbt's DbtCliResource.cli() runs `dbt --version` in a subprocess and then
loads the dbt project, profile and DuckDB adapter inside the Dagster process, all on the run's critical path
(`_initialize_dbt_core_adapter`; benchmarks/RESULTS.md, "Measurements behind design choices"). That adapter
is used only to fetch column metadata and row counts from the warehouse, which itip does not ask dagster-dbt
for (dbt says each table's row count in its log, dbt_project/macros/row_counts.sql). So the version comes from
the installed dbt-core package, and no adapter is made; dagster-dbt is pinned (pyproject.toml), and test_dbt_cli checks
both hooks still exist.
"""

from __future__ import annotations

from functools import cached_property
from importlib.metadata import version as installed_version

from packaging import version

from itip_pipeline.defs.dbt.dagster_side import DbtCliResource


class DbtCliWithoutInProcessAdapter(DbtCliResource):
    @cached_property
    def _cli_version(self) -> version.Version:
        # dbt is the one installed beside this interpreter (warm.py's client starts it).
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 (dagster-dbt's signature)
        return None
