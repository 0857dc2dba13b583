"""Shared fixtures: a settings object pointed at a temporary data folder, and the dbt manifest, prepared once."""

from __future__ import annotations

import os

import pytest

from itip_pipeline.settings import Settings, get_settings

os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Settings whose every data path is under tmp_path (the dbt project stays the repo's)."""
    monkeypatch.setenv("ITIP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "data" / "dagster_home"))
    configured = get_settings()
    configured.ensure_dirs()
    return configured


@pytest.fixture(scope="session")
def dbt_manifest():
    from itip_pipeline.defs.dbt_project import prepare_dbt_manifest

    return prepare_dbt_manifest()
