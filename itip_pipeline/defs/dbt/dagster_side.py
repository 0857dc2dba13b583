"""dagster-dbt in a Dagster process that never imports dbt-core: dbt runs in processes of its own.

dagster-dbt imports dbt-core whenever it can (`dagster_dbt.compat`), for a few types and dbt's node selector,
seconds of CPU at the start of every Dagster process: each `itip run`, the UI's code server, every test that
loads the definitions. Here dbt never runs inside that process: every dbt command is a process of its own
(`dbt_warm`, warm.py), started through DbtCliWithoutInProcessAdapter, which makes no adapter in this process
either. Without dbt-core, dagster-dbt takes its own definitions of those types (its path for the dbt Fusion
engine, which is never installed beside Python) and reads the whole-project selection from the manifest. The
assets, checks and lineage are the same, which tests/e2e/test_dbt_core_outside_dagster.py checks.

This package imports dagster-dbt from here only. Importing this module refuses `dbt.version`, the import by
which dagster-dbt decides whether dbt-core is there, and only in this process (the dbt processes are fresh
interpreters); a process that has already imported dagster-dbt or dbt-core keeps them as they are.
"""

from __future__ import annotations

import sys

REFUSED = "dbt.version"  # what dagster_dbt.compat imports to find dbt-core


class _RefuseDbtCore:
    """An import finder that makes `dbt.version` unimportable, so dagster-dbt runs as without dbt-core."""

    def find_spec(self, name, path=None, target=None):  # noqa: ARG002 (the finder protocol's signature)
        if name == REFUSED:
            raise ModuleNotFoundError(f"dbt-core runs in its own processes, not in the Dagster process ({__name__})")
        return None


# Once per process, as this module is imported (under Python's import lock).
if "dagster_dbt.compat" not in sys.modules and REFUSED not in sys.modules:
    sys.meta_path.insert(0, _RefuseDbtCore())

from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets  # noqa: E402 (after the refusal)

__all__ = ["DagsterDbtTranslator", "DbtCliResource", "DbtProject", "dbt_assets"]
