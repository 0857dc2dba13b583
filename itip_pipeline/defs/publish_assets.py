"""The published warehouse and its Parquet exports: what BI tools read, built only from this run's checked marts."""

import dagster as dg
from dagster import AssetExecutionContext

from itip_pipeline.core import progress
from itip_pipeline.core.settings import get_settings
from itip_pipeline.publish.versions import PublishFailed, publish
from itip_pipeline.warehouse import candidates
from itip_pipeline.warehouse.working_db import writer_lock

WAREHOUSE_KEY = dg.AssetKey(["published", "warehouse"])
PARQUET_KEY = dg.AssetKey(["published", "parquet_exports"])


def build_publish_asset(mart_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                WAREHOUSE_KEY,
                deps=mart_keys,
                group_name="published",
                kinds={"duckdb"},
                description="data/warehouse/itip.duckdb, schema marts: the file BI tools open read-only; "
                "replaced atomically, only after every blocking check passed, with the marts this "
                "run built and checked (its candidate), never another run's. The same version is "
                "data/marts/current/itip.duckdb.",
            ),
            dg.AssetSpec(
                PARQUET_KEY,
                deps=[WAREHOUSE_KEY],
                group_name="published",
                kinds={"parquet"},
                description="data/marts/current/<table>.parquet (and data/marts/<table>.parquet, links to them): "
                "every published mart for tools without DuckDB, the same version as the warehouse.",
            ),
        ],
        name="publish_marts",
    )
    def _publish(context: AssetExecutionContext):
        settings = get_settings()
        try:
            candidate = candidates.checked_build(settings.candidates_dir, context.run_id)
            # One publish at a time: each prunes old versions.
            with writer_lock(settings.work_db), progress.step("publish") as step:
                result = publish(
                    candidate,
                    settings.warehouse_db,
                    settings.marts_dir,
                    label=context.run_id,
                    build_state=candidates.build_state_of(candidate),
                )
                step.done(f"{len(result.tables)} tables as version {result.version}")
        except (candidates.CandidateMissing, PublishFailed) as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None
        candidates.discard(candidate)
        context.log.info(f"Published {len(result.tables)} tables as version {result.version} to {result.warehouse}")
        yield dg.MaterializeResult(
            asset_key=WAREHOUSE_KEY,
            metadata={
                "path": dg.MetadataValue.path(str(result.warehouse)),
                "version": result.version,
                "version_folder": dg.MetadataValue.path(str(result.version_dir)),
                "tables": dg.MetadataValue.json(result.tables),
            },
        )
        yield dg.MaterializeResult(
            asset_key=PARQUET_KEY,
            metadata={"folder": dg.MetadataValue.path(str(settings.marts_dir)), "files": len(result.parquet_files)},
        )

    return _publish
