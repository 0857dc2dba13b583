"""`itip run` parses a stale dbt project ahead, before it imports Dagster (defs/dbt/project.py, parse_ahead):
a parse that succeeds leaves the definitions' own prepare_dbt_manifest nothing to do; one that fails leaves
it to parse again and say why."""

from __future__ import annotations

import shutil

import pytest
from dagster_dbt import DbtCliResource

from itip_pipeline.core.settings import REPO_ROOT, get_settings
from itip_pipeline.defs.dbt.project import PARSED_FOR, TARGET, parse_ahead, prepare_dbt_manifest


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the dbt project, parsed for a working database of its own."""
    copy = tmp_path / "dbt_project"
    shutil.copytree(REPO_ROOT / "dbt_project", copy, ignore=shutil.ignore_patterns(TARGET, "logs"))
    monkeypatch.setenv("ITIP_DBT_PROJECT_DIR", str(copy))
    monkeypatch.setenv("ITIP_WORK_DB", str(tmp_path / "work" / "itip_work.duckdb"))
    return copy


def test_a_parse_ahead_leaves_the_definitions_nothing_to_parse(project, monkeypatch):
    settings = get_settings()
    parse_ahead(settings)
    manifest = project / TARGET / "manifest.json"
    assert manifest.is_file()
    assert (project / TARGET / PARSED_FOR).read_text() == settings.work_db.stem

    def parses_again(*_args, **_kwargs):
        raise AssertionError("prepare_dbt_manifest parsed a manifest parse_ahead had just made")

    monkeypatch.setattr(DbtCliResource, "cli", parses_again)
    assert prepare_dbt_manifest() == manifest


def test_a_new_data_folder_needs_no_parse_but_another_database_name_does(project, tmp_path, monkeypatch):
    """dbt's parse does not depend on the working database's folder (parse_state.py), only on its name."""
    parse_ahead(get_settings())
    parsed = []
    monkeypatch.setattr(DbtCliResource, "cli", lambda *_args, **_kwargs: parsed.append(True) or _Done())
    monkeypatch.setenv("ITIP_WORK_DB", str(tmp_path / "another_folder" / "itip_work.duckdb"))
    prepare_dbt_manifest()
    assert parsed == []
    monkeypatch.setenv("ITIP_WORK_DB", str(tmp_path / "work" / "another_name.duckdb"))
    prepare_dbt_manifest()
    assert parsed == [True]
    assert (project / TARGET / PARSED_FOR).read_text() == "another_name"


class _Done:
    """A finished dbt invocation, in place of a parse."""

    def wait(self):
        return self


def test_a_parse_ahead_that_fails_leaves_the_parse_to_the_definitions(project):
    (project / "models" / "staging" / "stg_broken.sql").write_text("select * from {{ ref('no_such_model') }}\n")
    parse_ahead(get_settings())
    assert not (project / TARGET / PARSED_FOR).exists()


def test_a_removed_model_leaves_the_manifest_at_the_next_preparation(project):
    # Removing a file changes no file's time, only its folder's: the manifest must be made again all the same.
    removed = project / "models" / "staging" / "stg_removed.sql"
    removed.write_text("select 1 as n\n")
    manifest = prepare_dbt_manifest()
    assert "model.itip.stg_removed" in manifest.read_text()
    removed.unlink()  # after the parse: every file left is older than the manifest, the folder is not
    assert "model.itip.stg_removed" not in prepare_dbt_manifest().read_text()
