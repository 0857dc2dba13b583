"""The published warehouse and its Parquet exports: what BI tools read, built only from this run's checked marts.

Test hook: with ITIP_TEST_HOLD_PUBLISH=<path> in the environment, the publish step writes <path>.waiting when
its checks have passed and waits, holding no lock, until <path> exists (at most HOLD_LIMIT_S). End-to-end tests
use it to let another run publish first; nothing sets it outside the tests.
"""

import os
import time
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from itip_pipeline.core import progress
from itip_pipeline.core.settings import get_settings
from itip_pipeline.publish.versions import PublishFailed, PublishRefused, publish
from itip_pipeline.warehouse import candidates
from itip_pipeline.warehouse.working_db import writer_lock

HOLD_PUBLISH = "ITIP_TEST_HOLD_PUBLISH"
HOLD_LIMIT_S = 1800.0
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
        _hold_for_test()
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
                    order=candidates.build_order(candidate),
                )
                step.done(f"{len(result.tables)} tables as version {result.version}")
        except PublishRefused as refused:
            candidates.discard(candidate)  # older than what is published: it will never be
            raise dg.Failure(description=str(refused), allow_retries=False) from None
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


def _hold_for_test() -> None:
    """The test hook in this module's docstring."""
    release = os.environ.get(HOLD_PUBLISH)
    if not release:
        return
    Path(f"{release}.waiting").write_text(str(os.getpid()), encoding="utf-8")
    deadline = time.monotonic() + HOLD_LIMIT_S
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
