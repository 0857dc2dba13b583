"""The published warehouse and its Parquet exports: what BI tools read, built only from checked marts."""

import dagster as dg
from dagster import AssetExecutionContext

from itip_pipeline.publish import publish
from itip_pipeline.settings import get_settings
from itip_pipeline.work_db import writer_lock

WAREHOUSE_KEY = dg.AssetKey(["published", "warehouse"])
PARQUET_KEY = dg.AssetKey(["published", "parquet_exports"])


def build_publish_asset(mart_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.multi_asset(
        specs=[
            dg.AssetSpec(WAREHOUSE_KEY, deps=mart_keys, group_name="published", kinds={"duckdb"},
                         description="data/warehouse/itip.duckdb, schema marts: the file BI tools open read-only; "
                         "replaced atomically, only after every blocking check passed."),
            dg.AssetSpec(PARQUET_KEY, deps=[WAREHOUSE_KEY], group_name="published", kinds={"parquet"},
                         description="data/marts/<table>.parquet: every published mart for tools without DuckDB."),
        ],
        name="publish_marts",
    )
    def _publish(context: AssetExecutionContext):
        settings = get_settings()
        with writer_lock(settings.work_db):
            result = publish(settings.work_db, settings.warehouse_db, settings.marts_dir)
        context.log.info(f"Published {len(result.tables)} tables to {result.warehouse}")
        yield dg.MaterializeResult(
            asset_key=WAREHOUSE_KEY,
            metadata={"path": dg.MetadataValue.path(str(result.warehouse)),
                      "tables": dg.MetadataValue.json(result.tables)},
        )
        yield dg.MaterializeResult(
            asset_key=PARQUET_KEY,
            metadata={"folder": dg.MetadataValue.path(str(settings.marts_dir)), "files": len(result.parquet_files)},
        )

    return _publish
