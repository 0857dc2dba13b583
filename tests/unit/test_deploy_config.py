"""The production instance settings: deploy/dagster.yaml is what `itip` writes for PostgreSQL, and SQLite stays the
default."""

from __future__ import annotations

import yaml

from itip_pipeline.core.settings import REPO_ROOT
from itip_pipeline.instance.dagster_home import instance_yaml, prepare_dagster_home, uses_postgres

DEPLOY = REPO_ROOT / "deploy"


def test_the_documented_dagster_yaml_is_the_one_itip_writes_for_postgresql():
    assert (DEPLOY / "dagster.yaml").read_text() == instance_yaml(postgres=True), (
        "deploy/dagster.yaml is out of date: python -m itip_pipeline.instance.dagster_home > deploy/dagster.yaml"
    )


def test_postgresql_adds_only_the_storage_read_from_the_environment():
    sqlite, postgres = yaml.safe_load(instance_yaml(False)), yaml.safe_load(instance_yaml(True))
    assert postgres.pop("storage") == {"postgres": {"postgres_url": {"env": "ITIP_PG_URL"}}}
    assert postgres == sqlite and "storage" not in sqlite
    assert sqlite["telemetry"] == {"enabled": False}
    assert sqlite["concurrency"]["runs"]["max_concurrent_runs"] == 1
    assert sqlite["run_monitoring"]["enabled"] is True


def test_itip_writes_the_postgresql_instance_only_when_itip_pg_url_is_set(settings, monkeypatch):
    monkeypatch.delenv("ITIP_PG_URL", raising=False)
    config = prepare_dagster_home(settings) / "dagster.yaml"
    assert not uses_postgres() and "storage" not in yaml.safe_load(config.read_text())
    monkeypatch.setenv("ITIP_PG_URL", "postgresql://itip:secret@db.example.org/itip")
    assert (
        uses_postgres()
        and "postgres" in yaml.safe_load(prepare_dagster_home(settings).joinpath("dagster.yaml").read_text())["storage"]
    )
    assert "secret" not in config.read_text()  # the file names the variable, never its value
    monkeypatch.setenv("ITIP_PG_URL", " ")
    assert "storage" not in yaml.safe_load(prepare_dagster_home(settings).joinpath("dagster.yaml").read_text())
