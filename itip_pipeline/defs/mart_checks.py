"""Great Expectations on every mart as blocking Dagster asset checks: a failure stops publishing."""

from __future__ import annotations

import dagster as dg
import duckdb

from itip_pipeline.settings import get_settings
from itip_pipeline.work_db import writer_lock

CHECK_NAME = "great_expectations"


def mart_keys(dbt_assets_def: dg.AssetsDefinition) -> list[dg.AssetKey]:
    return sorted((k for k in dbt_assets_def.keys if k.path[0] == "marts"), key=lambda k: k.to_user_string())


def build_mart_checks(keys: list[dg.AssetKey]) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(CHECK_NAME, asset=key, blocking=True,
                              description="Great Expectations suite (itip_pipeline/quality/mart_suite.py); "
                              "HTML report under data/reports/great_expectations/.")
            for key in keys
        ],
        name="mart_expectations",
    )
    def _checks(context):  # AssetCheckExecutionContext (a string annotation is refused by Dagster)
        from itip_pipeline.quality.mart_suite import report_index, validate_marts

        settings = get_settings()
        report_root = settings.gx_report_dir
        # The lock covers the validation too: Great Expectations rewrites its suite files under report_root,
        # and two runs writing them at once left JSON that neither could read back.
        with writer_lock(settings.work_db):
            con = duckdb.connect(str(settings.work_db), read_only=True)
            try:
                frames = {key.path[-1]: con.execute(f"select * from marts.{key.path[-1]}").df() for key in keys}
                loaded = con.execute("select distinct survey_year from raw.codebook").fetchall()
                loaded_years = {year for (year,) in loaded}
            finally:
                con.close()
            validations = validate_marts(frames, settings.dbt_project_dir / "seeds", loaded_years, report_root,
                                         run_name=context.run.run_id)
        results = {r.table: r for r in validations}
        for key in keys:
            result = results[key.path[-1]]
            yield dg.AssetCheckResult(
                asset_key=key, check_name=CHECK_NAME, passed=result.success,
                metadata={
                    "expectations": result.evaluated,
                    "failures": dg.MetadataValue.md("\n".join(f"- {f}" for f in result.failures) or "none"),
                    "report": dg.MetadataValue.path(str(report_index(report_root))),
                    "survey years": ", ".join(map(str, sorted(loaded_years))),
                },
            )

    return _checks
