"""The one Dagster code location: `dagster dev -m itip_pipeline.definitions` (or `make ui`)."""

from __future__ import annotations

import dagster as dg

from itip_pipeline.core import build_state
from itip_pipeline.core.settings import get_settings
from itip_pipeline.defs.alert_sensors import late_delivery, run_failure_mail
from itip_pipeline.defs.automation import annual_load, annual_schedule, build_and_publish, ingest_year, landing_sensor
from itip_pipeline.defs.dbt.assets import dbt_resource, itip_dbt
from itip_pipeline.defs.ingest_assets import INGEST_ASSETS, LANDING_SPECS
from itip_pipeline.defs.mart_checks import build_mart_checks, mart_keys
from itip_pipeline.defs.publish_assets import build_publish_asset
from itip_pipeline.defs.reconciliation_check import reconciliation_check
from itip_pipeline.defs.report_assets import figure_book_and_exports
from itip_pipeline.instance import sqlite_storage

sqlite_storage.install()  # this process's writes to the run history: no disk flush per event
# A run's process loads this module as it starts: what it runs and builds from is hashed now (a start that
# `itip run` marked before importing it stands), so an edit during the run is never recorded as built.
build_state.mark_run_start(get_settings(), keep_earlier=True)
MART_KEYS = mart_keys(itip_dbt)

defs = dg.Definitions(
    assets=[*LANDING_SPECS, *INGEST_ASSETS, itip_dbt, build_publish_asset(MART_KEYS), figure_book_and_exports],
    asset_checks=[build_mart_checks(MART_KEYS), reconciliation_check],
    jobs=[annual_load, ingest_year, build_and_publish],
    schedules=[annual_schedule],
    sensors=[landing_sensor, run_failure_mail, late_delivery],
    resources={"dbt": dbt_resource()},
    # DuckDB takes one writer at a time: running steps in one process avoids re-importing per step.
    executor=dg.in_process_executor,
)
