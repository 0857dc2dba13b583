"""Great Expectations on every mart as blocking Dagster asset checks: a failure stops publishing.

The checks read the run's candidate build (itip_pipeline.warehouse.candidates), not the shared working database, so
they judge exactly the marts this run will publish.
"""

from __future__ import annotations

import dagster as dg

from itip_pipeline.core import progress
from itip_pipeline.core.settings import get_settings
from itip_pipeline.report import predraw
from itip_pipeline.report.check_results import EXPECTATION_LIST
from itip_pipeline.warehouse import candidates
from itip_pipeline.warehouse.working_db import writer_lock

CHECK_NAME = "great_expectations"


def mart_keys(dbt_assets_def: dg.AssetsDefinition) -> list[dg.AssetKey]:
    return sorted((k for k in dbt_assets_def.keys if k.path[0] == "marts"), key=lambda k: k.to_user_string())


def build_mart_checks(keys: list[dg.AssetKey]) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(
                CHECK_NAME,
                asset=key,
                blocking=True,
                description="Great Expectations suite (itip_pipeline/quality/mart_suite.py); "
                "HTML report under data/reports/great_expectations/.",
            )
            for key in keys
        ],
        name="mart_expectations",
    )
    def _checks(context):  # an AssetCheckExecutionContext (a string annotation here would not be recognised)
        from itip_pipeline.quality.mart_suite import report_index, validate_marts

        settings = get_settings()
        report_root = settings.gx_report_dir
        candidate = candidates.checked_build(settings.candidates_dir, context.run.run_id)
        # The book's charts drawn on the other core while this step and publish run (report/predraw.py).
        predraw.start(candidate, settings.chart_cache_dir)
        frames, loaded_years = candidates.read_marts(candidate, [key.path[-1] for key in keys])
        # Great Expectations rewrites its suite files under report_root; two runs writing them at once left JSON
        # that neither could read back. The folder's own lock, not the working database's: these files only.
        with writer_lock(report_root), progress.step("checks (Great Expectations)") as step:
            validations = validate_marts(
                frames, settings.dbt_project_dir / "seeds", loaded_years, report_root, run_name=context.run.run_id
            )
            failing = [v.table for v in validations if not v.success]
            step.done(
                f"{len(validations) - len(failing)}/{len(validations)} marts pass"
                + (f"; FAILING: {', '.join(failing)}" if failing else "")
            )
        results = {r.table: r for r in validations}
        for key in keys:
            result = results[key.path[-1]]
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=CHECK_NAME,
                passed=result.success,
                metadata={
                    "expectations": result.evaluated,
                    EXPECTATION_LIST: dg.MetadataValue.json(
                        [{"expectation": name, "passed": ok} for name, ok in result.expectations]
                    ),
                    "failures": dg.MetadataValue.md("\n".join(f"- {f}" for f in result.failures) or "none"),
                    "report": dg.MetadataValue.path(str(report_index(report_root))),
                    "survey years": ", ".join(map(str, sorted(loaded_years))),
                },
            )

    return _checks
