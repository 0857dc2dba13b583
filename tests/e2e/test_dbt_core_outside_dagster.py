"""The Dagster process loads the definitions without importing dbt-core (itip_pipeline/defs/dbt/dagster_side.py),
and dagster-dbt then makes the same assets, checks, lineage and jobs as it does with dbt-core imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys

DESCRIBE = """
import json, sys
{before}
import itip_pipeline.definitions as definitions
repository = definitions.defs.get_repository_def()
graph = repository.asset_graph
keys = sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string())
print(json.dumps({{
    "dbt_core_imported": "dbt.version" in sys.modules,
    "assets": [k.to_user_string() for k in keys],
    "groups": [graph.get(k).group_name for k in keys],
    "descriptions": [graph.get(k).description for k in keys],
    "lineage": sorted(
        f"{{k.to_user_string()}} <- {{p.to_user_string()}}" for k in keys for p in graph.get(k).parent_keys
    ),
    "checks": sorted(str(k) for k in graph.asset_check_keys),
    "jobs": sorted(job.name for job in repository.get_all_jobs()),
}}))
"""


def _describe(before: str, tmp_path) -> dict:
    env = {**os.environ, "ITIP_DATA_DIR": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path / "data" / "dh")}
    done = subprocess.run(
        [sys.executable, "-c", DESCRIBE.format(before=before)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_the_definitions_load_without_dbt_core_and_equal_those_made_with_it(dbt_manifest, tmp_path):
    without = _describe("", tmp_path)
    # dagster-dbt imported first finds dbt-core, as in a process that imported it before the definitions.
    with_core = _describe("import dagster_dbt", tmp_path)
    assert without["dbt_core_imported"] is False
    assert with_core["dbt_core_imported"] is True
    assert len(without["assets"]) > 80 and len(without["checks"]) > 100
    for part in ("assets", "groups", "descriptions", "lineage", "checks", "jobs"):
        assert without[part] == with_core[part], part
