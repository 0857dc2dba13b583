"""Shared fixtures: settings pointed at a temporary data folder, the synthetic deliveries and the dbt manifest,
each made once."""

from __future__ import annotations

import os

from itip_pipeline.core.blas_threads import limit_this_process

limit_this_process()  # before anything imports numpy: the differencing attacker runs many small SVDs

import pytest  # noqa: E402

from itip_pipeline.core.settings import Settings, get_settings  # noqa: E402

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

    from itip_pipeline.ingest.loading.loader import load_year
    from itip_pipeline.warehouse.working_db import open_for_writing

    write_delivery(settings.landing_dir / str(LOADED_YEAR), LOADED_YEAR)
    with open_for_writing(settings.work_db) as con:
        load_year(con, settings, LOADED_YEAR)
    return settings


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory):
    """The five synthetic years 2021-2025 (seed 2025), generated once for the whole session."""
    from itip_pipeline.runner.itip_run import DEFAULT_YEARS
    from itip_pipeline.synthetic.generator import generate_deliveries

    root = tmp_path_factory.mktemp("synthetic")
    generate_deliveries(root, DEFAULT_YEARS, seed=2025)
    return root


@pytest.fixture(scope="session")
def dbt_manifest():
    from itip_pipeline.defs.dbt.project import prepare_dbt_manifest

    return prepare_dbt_manifest()


@pytest.fixture(scope="session")
def published_once(tmp_path_factory, dbt_manifest):
    """One complete `itip run` (in this process) on a fresh data folder with generated SYNTHETIC deliveries and
    stray entries beside them: (settings, summary, terminal text). The expensive part of the end-to-end and
    fault modules, made once. Tests that change the folder work on a copy (`data_folders.copy_published`), except the e2e
    module, which restores what it changes."""
    import io

    from itip_pipeline.runner.itip_run import run_all

    root = tmp_path_factory.mktemp("published")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITIP_DATA_DIR", str(root / "data"))
        patch.setenv("DAGSTER_HOME", str(root / "data" / "dagster_home"))
        patch.delenv("ITIP_PSEUDONYM_KEY", raising=False)  # the synthetic files run on the default key
        settings = get_settings()
        # Stray entries beside the deliveries: a year outside the partitions and a folder that is no year.
        for stray in ("2020", "misc"):
            (settings.landing_dir / stray).mkdir(parents=True)
            (settings.landing_dir / stray / "codebook.csv").write_text("survey,source_column\n")
        terminal = io.StringIO()  # what `itip run` shows on the terminal while the run is on
        summary = run_all(settings, terminal=terminal)
    return settings, summary, terminal.getvalue()
