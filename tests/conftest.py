"""Shared fixtures: settings pointed at a temporary data folder, the synthetic deliveries and the dbt manifest,
each made once."""

from __future__ import annotations

import os

import pytest

from itip_pipeline.settings import Settings, get_settings

os.environ.setdefault("DO_NOT_TRACK", "1")
TEST_PSEUDONYM_KEY = "itip-test-key"


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Settings whose every data path is under tmp_path (the dbt project stays the repo's)."""
    monkeypatch.setenv("ITIP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "data" / "dagster_home"))
    # The test deliveries are not named *_synthetic*, so they need a key other than the public default.
    monkeypatch.setenv("ITIP_PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)
    configured = get_settings()
    configured.ensure_dirs()
    return configured


@pytest.fixture
def loaded(settings) -> Settings:
    """Settings whose working database holds a good LOADED_YEAR delivery, loaded from data/landing/<year>/."""
    from delivery_builders import LOADED_YEAR, write_delivery

    from itip_pipeline.ingest.loader import load_year
    from itip_pipeline.work_db import open_for_writing

    write_delivery(settings.landing_dir / str(LOADED_YEAR), LOADED_YEAR)
    with open_for_writing(settings.work_db) as con:
        load_year(con, settings, LOADED_YEAR)
    return settings


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory):
    """The five synthetic years 2021-2025 (seed 2025), generated once for the whole session."""
    from itip_pipeline.pipeline_run import DEFAULT_YEARS
    from itip_pipeline.synthetic.generator import generate_deliveries

    root = tmp_path_factory.mktemp("synthetic")
    generate_deliveries(root, DEFAULT_YEARS, seed=2025)
    return root


@pytest.fixture(scope="session")
def dbt_manifest():
    from itip_pipeline.defs.dbt_project import prepare_dbt_manifest

    return prepare_dbt_manifest()
