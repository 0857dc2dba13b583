"""The no-op run: a published version records what it was built from, and `itip run` stops at once when
nothing differs and the published files are intact — and runs when anything does."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

from itip_pipeline.core import build_state
from itip_pipeline.core.published_layout import CURRENT, current_version_dir
from itip_pipeline.core.settings import get_settings

from support.published_folders import lay_out_published

VERSION = "20260101T000000000000Z-abcdef12"


@pytest.fixture
def published(tmp_path, monkeypatch):
    """A data folder as a publish leaves it (small stand-ins for the files), with its build state recorded."""
    project = tmp_path / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "models" / "fct.sql").write_text("select 1 as x\n")
    (project / "dbt_project.yml").write_text("name: t\n")
    (project / "profiles.yml").write_text("t: {}\n")
    monkeypatch.setenv("ITIP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ITIP_DBT_PROJECT_DIR", str(project))
    monkeypatch.setenv("ITIP_PSEUDONYM_KEY", "a-secret-key")
    settings = get_settings()
    settings.ensure_dirs()
    for year in (2024, 2025):
        (settings.landing_dir / str(year)).mkdir(parents=True)
        (settings.landing_dir / str(year) / "codebook.csv").write_text(f"codebook {year}\n")
        (settings.landing_dir / str(year) / "org_survey_stat.csv").write_text(f"answers {year}\n")
    settings.work_db.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(settings.work_db)).close()
    state = json.dumps(build_state.capture(settings, True))
    lay_out_published(settings, VERSION, {build_state.STATE_FILE: state.encode()})
    return settings


def _up_to_date(settings) -> str | None:
    """What `itip run` says before importing anything: the build state and the published files' intact check."""
    from itip_pipeline.runner.itip_run import _up_to_date as up_to_date

    summary = up_to_date(settings, 0.0)
    return summary.up_to_date if summary else None


def test_nothing_changed_is_said_with_the_version(published):
    assert f"Nothing changed since the published version {VERSION}" in _up_to_date(published)
    assert "a-secret-key" not in (current_version_dir(published.marts_dir) / build_state.STATE_FILE).read_text()


@pytest.mark.parametrize(
    "change, component",
    [
        (lambda s: (s.landing_dir / "2025" / "org_survey_stat.csv").write_text("answers corrected\n"), "landing"),
        (lambda s: (s.landing_dir / "2025" / "org_survey_kommune.csv").write_text("a new part\n"), "landing"),
        (lambda s: (s.landing_dir / "2025" / "README.txt").write_text("documentation\n"), "landing"),
        (lambda s: (s.landing_dir / "2026").mkdir(), "landing"),
        (lambda s: (s.dbt_project_dir / "models" / "fct.sql").write_text("select 2 as x\n"), "dbt_project"),
        (lambda s: (s.dbt_project_dir / "models" / "new.sql").write_text("select 1\n"), "dbt_project"),
        (
            lambda s: (s.dbt_project_dir / "dbt_project.yml").write_text("name: t\nvars: {apply_fpc: true}\n"),
            "dbt_project",
        ),
        (lambda s: (s.dbt_profiles_dir / "profiles.yml").write_text("t: {threads: 4}\n"), "dbt_profiles"),
    ],
)
def test_any_changed_input_means_a_real_run(published, change, component):
    change(published)
    assert _up_to_date(published) is None
    assert build_state.changed_inputs(published, current_version_dir(published.marts_dir)) == [component]


def test_another_pseudonym_key_means_a_real_run(published, monkeypatch):
    monkeypatch.setenv("ITIP_PSEUDONYM_KEY", "another-key")
    settings = get_settings()
    assert _up_to_date(settings) is None
    assert build_state.changed_inputs(settings, current_version_dir(settings.marts_dir)) == ["settings"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s.warehouse_db.write_bytes(b"the published marts, truncat"),
        lambda s: s.warehouse_db.write_bytes(b"the published marts!"),  # same size, other content
        lambda s: s.warehouse_db.unlink(),
        lambda s: s.work_db.unlink(),
        lambda s: (s.figure_book_dir / build_state.FIGURE_BOOK_MARKER).write_text("20251231T000000000000Z-00000000"),
        lambda s: (s.figure_book_dir / build_state.FIGURE_BOOK_MARKER).unlink(),
        lambda s: (current_version_dir(s.marts_dir) / build_state.STATE_FILE).write_text("{not json"),
        lambda s: (s.marts_dir / CURRENT).unlink(),
    ],
)
def test_published_files_not_intact_mean_a_real_run(published, damage):
    damage(published)
    assert _up_to_date(published) is None


def test_a_build_whose_landing_folder_differed_from_what_was_loaded_records_no_landing(published):
    state = build_state.capture(published, landing_matches_loaded=False)
    assert state["landing"] == build_state.UNKNOWN
    (current_version_dir(published.marts_dir) / build_state.STATE_FILE).write_text(json.dumps(state))
    assert _up_to_date(published) is None


def test_itip_run_stops_before_importing_anything_beyond_the_standard_library(published):
    script = (
        "import sys\nfrom itip_pipeline.runner.itip_run import run_all\n"
        "from itip_pipeline.core.settings import get_settings\n"
        "summary = run_all(get_settings())\n"
        "print(bool(summary.up_to_date), summary.unchanged, summary.published,"
        " sorted(m for m in ('dagster', 'dbt', 'pandas', 'duckdb', 'great_expectations') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True [2024, 2025] False []", result.stderr


def test_force_rebuilds_though_nothing_changed(published, monkeypatch, capsys):
    from itip_pipeline import cli
    from itip_pipeline.runner import itip_run as pipeline_run

    asked = {}

    def run_all(settings, years=None, force=False):
        asked["force"] = force
        return pipeline_run.RunSummary([], [2024, 2025], [], False, {}, {}, [], True, [], 1.0, None)

    monkeypatch.setattr(pipeline_run, "run_all", run_all)
    cli.main(["run", "--force"])
    assert asked == {"force": True} and "Built, checked and published" in capsys.readouterr().out

    monkeypatch.undo()
    monkeypatch.setenv("ITIP_DATA_DIR", str(published.data_dir))
    monkeypatch.setenv("ITIP_DBT_PROJECT_DIR", str(published.dbt_project_dir))
    monkeypatch.setenv("ITIP_PSEUDONYM_KEY", "a-secret-key")
    cli.main(["run"])
    assert f"Nothing changed since the published version {VERSION}" in capsys.readouterr().out
