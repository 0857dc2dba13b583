"""A year added to a warehouse that holds the others publishes exactly what a build of all the years from scratch
publishes: every mart of the published DuckDB file and every Parquet file, row for row, flags included. Whatever
a run reuses from an earlier one (years skipped as unchanged, anything cached by content) must not change one
published number."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb

from itip_pipeline.core.published_layout import current_version_dir
from itip_pipeline.core.settings import get_settings
from itip_pipeline.runner.itip_run import DEFAULT_YEARS
from itip_pipeline.synthetic.generator import generate_deliveries

from support.itip_processes import ITIP, itip_env
from support.published_tables import parquet_differences, warehouse_differences

NEW_YEAR = DEFAULT_YEARS[-1]


def _itip_run(data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ITIP, "run"], env=itip_env(data_dir), capture_output=True, text=True, timeout=1200)


def _land(deliveries: Path, data_dir: Path, years: list[int]) -> None:
    for year in years:
        shutil.copytree(deliveries / str(year), data_dir / "landing" / str(year))


def test_a_year_added_incrementally_publishes_what_a_build_from_scratch_does(tmp_path, monkeypatch):
    deliveries = tmp_path / "deliveries"
    generate_deliveries(deliveries, DEFAULT_YEARS, seed=2025)
    incremental, scratch = tmp_path / "incremental", tmp_path / "scratch"

    # The years before the new one, loaded and built (whether this publishes depends on the reconciliation with
    # the newest report, which needs the new year: it is the loads and the build that count here).
    _land(deliveries, incremental, DEFAULT_YEARS[:-1])
    first = _itip_run(incremental)
    earlier = ", ".join(map(str, DEFAULT_YEARS[:-1]))
    assert f"Loaded: {earlier}." in first.stdout, first.stdout + first.stderr
    # The new year alone: the earlier years are skipped as unchanged, and the build reuses what it may.
    _land(deliveries, incremental, [NEW_YEAR])
    added = _itip_run(incremental)
    assert added.returncode == 0, added.stdout + added.stderr
    assert f"Loaded: {NEW_YEAR}. Unchanged since their last load (skipped): {earlier}." in added.stdout
    # What the new year cannot change is kept from the first build (warehouse/kept_reference.py).
    assert re.search(r"dbt build: \d+ nodes built and tested; \d+ reference nodes kept", added.stdout), added.stdout

    _land(deliveries, scratch, DEFAULT_YEARS)
    whole = _itip_run(scratch)
    assert whole.returncode == 0, whole.stdout + whole.stderr
    assert f"Loaded: {', '.join(map(str, DEFAULT_YEARS))}." in whole.stdout

    versions, warehouses = [], []
    for data_dir in (incremental, scratch):
        monkeypatch.setenv("ITIP_DATA_DIR", str(data_dir))
        settings = get_settings()
        versions.append(current_version_dir(settings.marts_dir))
        assert versions[-1] is not None, f"{data_dir}: no published version"
        warehouses.append(versions[-1] / settings.warehouse_db.name)
    assert all(path.is_file() for path in warehouses)
    assert warehouse_differences(*warehouses) == []
    assert parquet_differences(*versions) == []
    # The publishing history is what differs: a release per publish, the last one the same release of 2025.
    histories = [
        duckdb.connect(str(path), read_only=True).execute("select release_id from marts.releases order by 1").fetchall()
        for path in warehouses
    ]
    assert histories == [[("2024.1",), ("2025.1",)], [("2025.1",)]]
    assert len(list(versions[0].glob("*.parquet"))) > 20  # the published version's tables, not an empty folder
