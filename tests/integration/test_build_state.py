"""The no-op run: a published version records what it was built from, and `itip run` stops at once when
nothing differs and the published files are intact — and runs when anything does."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

from itip_pipeline.core import build_state
from itip_pipeline.core.published_intact import write_manifest
from itip_pipeline.core.published_layout import CURRENT, EXPORTS, current_version_dir
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


def _summary(settings):
    """What `itip run` answers before importing anything (the build state and the published files' intact
    check): the no-op's summary, or None when the run has work to do."""
    from itip_pipeline.runner.itip_run import _up_to_date as up_to_date

    return up_to_date(settings, 0.0)


def _up_to_date(settings) -> str | None:
    summary = _summary(settings)
    return summary.up_to_date if summary else None


def test_nothing_changed_is_said_with_the_version(published):
    assert f"Nothing changed since the published version {VERSION}" in _up_to_date(published)
    assert "a-secret-key" not in (current_version_dir(published.marts_dir) / build_state.STATE_FILE).read_text()


@pytest.mark.parametrize(
    "change, component",
    [
        (lambda s: (s.landing_dir / "2025" / "org_survey_stat.csv").write_text("answers corrected\n"), "landing"),
        (lambda s: (s.landing_dir / "2025" / "org_survey_kommune.csv").write_text("a new part\n"), "landing"),
        (lambda s: (s.landing_dir / "2025" / "org_survey_stat.csv.partial").write_text("half\n"), "landing"),
        (lambda s: (s.landing_dir / "2025" / ".~lock.codebook.csv#").write_text("lock\n"), "landing"),
        (lambda s: (s.landing_dir / "2025" / "codebook.csv").unlink(), "landing"),
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


def _stray_year_folder(settings):
    (settings.landing_dir / "2020").mkdir()
    (settings.landing_dir / "2020" / "codebook.csv").write_text("not a survey year\n")


@pytest.mark.parametrize(
    "stray, skipped",
    [
        (_stray_year_folder, ["2020"]),
        (lambda s: (s.landing_dir / "notes").mkdir(), ["notes"]),
        (lambda s: (s.landing_dir / "README.md").write_text("what lies here\n"), ["README.md"]),
        (lambda s: (s.landing_dir / "2025" / "README.txt").write_text("documentation\n"), []),
        (lambda s: (s.landing_dir / "2025" / "SYNTHETIC_README.md").write_text("documentation\n"), []),
        (lambda s: (s.landing_dir / "2025" / "notes").mkdir(), []),
    ],
)
def test_what_the_load_passes_over_is_answered_by_the_no_op_and_named(published, stray, skipped):
    stray(published)
    summary = _summary(published)
    assert summary is not None and summary.up_to_date.startswith("Nothing changed")
    assert sorted(summary.skipped) == skipped
    assert all("skipped" in summary.skipped[name] for name in skipped)
    # The stray beside a changed delivery part does not hide the change.
    (published.landing_dir / "2025" / "org_survey_stat.csv").write_text("answers corrected\n")
    assert _summary(published) is None


def test_the_no_op_prints_the_stray_entries_it_passed_over(published, capsys):
    from itip_pipeline import cli

    (published.landing_dir / "2020").mkdir()
    cli.main(["run"])
    printed = capsys.readouterr().out
    assert "Skipped: " in printed and "2020 is not a survey year of this warehouse" in printed
    assert printed.index("Skipped: ") < printed.index("Nothing changed since the published version")


def test_a_reason_given_when_nothing_changed_makes_no_release_and_says_so(published, capsys):
    from itip_pipeline import cli

    version = current_version_dir(get_settings().marts_dir)
    with pytest.raises(SystemExit) as ended:
        cli.main(["run", "--reason", "correction"])
    printed = capsys.readouterr().out
    assert ended.value.code == 1
    assert "No release was made, so the reason 'correction' was not recorded" in printed and "--force" in printed
    assert current_version_dir(get_settings().marts_dir) == version  # no version was made


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


def _publish_as_the_dbt_step_would(settings):
    """What the dbt step and publish record: the build state captured, written beside the current version."""
    state = build_state.capture(settings, landing_matches_loaded=True)
    (current_version_dir(settings.marts_dir) / build_state.STATE_FILE).write_text(json.dumps(state))


def _run_that_edits_while_building(edit):
    """`itip run`'s work after its start: `edit` lands while it builds, then the build is recorded and published."""
    from itip_pipeline.runner import itip_run as pipeline_run

    def load_build_publish(settings, years, seed, started):
        edit(settings)
        _publish_as_the_dbt_step_would(settings)
        return pipeline_run.RunSummary([], [2024, 2025], [], False, {}, {}, [], True, [], 1.0, None, version=VERSION)

    return load_build_publish


@pytest.fixture
def own_code(published, tmp_path, monkeypatch):
    """The pipeline's code folder as build_state hashes it, a copy the test may edit."""
    code = tmp_path / "code"
    (code / "report").mkdir(parents=True)
    (code / "report" / "charts.py").write_text("WIDTH = 440\n")
    monkeypatch.setattr(build_state, "CODE_DIR", code)
    version = current_version_dir(published.marts_dir)
    (version / build_state.STATE_FILE).write_text(json.dumps(build_state.capture(published, True)))
    write_manifest(version, skip=tuple(p.name for p in version.glob(f"{EXPORTS}-*")))  # as publish records it
    return code


@pytest.mark.parametrize(
    "edit, component",
    [
        # a `git pull` of the dbt project while the run loads: dbt then builds from the edited model
        (lambda s: (s.dbt_project_dir / "models" / "fct.sql").write_text("select 2 as x\n"), "dbt_project"),
        # a deploy of the pipeline's code while the run builds: the running process still has the old code
        (lambda s: (build_state.CODE_DIR / "report" / "charts.py").write_text("WIDTH = 600\n"), "code"),
    ],
)
def test_an_input_edited_while_a_run_builds_makes_the_next_run_real(published, own_code, monkeypatch, edit, component):
    from itip_pipeline.runner import itip_run as pipeline_run

    assert _up_to_date(published) is not None
    monkeypatch.setattr(pipeline_run, "_load_build_publish", _run_that_edits_while_building(edit))
    summary = pipeline_run.run_all(published, force=True)
    assert summary.changed_during_run == [component]
    assert _up_to_date(published) is None, "the next run must rebuild with the edited input"
    recorded = json.loads((current_version_dir(published.marts_dir) / build_state.STATE_FILE).read_text())
    assert recorded[component] == build_state.UNKNOWN


def test_an_input_edited_after_the_build_captured_its_state_still_makes_the_next_run_real(published, own_code):
    """Edited after dbt read it (while the checks or publish run): the record holds the start's hash."""
    started = build_state.mark_run_start(published)
    _publish_as_the_dbt_step_would(published)
    (own_code / "report" / "charts.py").write_text("WIDTH = 600\n")
    assert build_state.changed_since_start(published) == ["code"]
    recorded = json.loads((current_version_dir(published.marts_dir) / build_state.STATE_FILE).read_text())
    assert recorded["code"] == started["code"] != build_state.inputs(published)["code"]
    assert _up_to_date(published) is None


def test_the_summary_says_which_input_changed_during_the_run(published, own_code, monkeypatch, capsys):
    from itip_pipeline import cli
    from itip_pipeline.runner import itip_run as pipeline_run

    edit = lambda s: (s.dbt_project_dir / "models" / "fct.sql").write_text("select 3 as x\n")  # noqa: E731
    monkeypatch.setattr(pipeline_run, "_load_build_publish", _run_that_edits_while_building(edit))
    cli.main(["run", "--force"])
    out = capsys.readouterr().out
    assert f"While this run was building, the dbt project changed: version {VERSION} was built" in out
    assert "the next `itip run` rebuilds" in out


DAMAGED_STATES = {
    "an empty list": b"[]",
    "null": b"null",
    "a string": b'"x"',
    "a number": b"17",
    "a deeply nested array": b"[" * 200_000 + b"]" * 200_000,
    "invalid UTF-8": b'{"code": "\xff\xfe"}',
    "a truncated file": b'{"code": "ab',
    "an empty file": b"",
    "a hash that is a list": b'{"code": [1, 2]}',
    "a landing that is a list": b'{"landing": ["2025"]}',
}


@pytest.mark.parametrize("content", DAMAGED_STATES.values(), ids=DAMAGED_STATES.keys())
def test_a_damaged_build_state_means_rebuild_said_in_a_sentence(published, content):
    path = current_version_dir(published.marts_dir) / build_state.STATE_FILE
    path.write_bytes(content)
    assert _up_to_date(published) is None
    why = build_state.why_rebuilding(published, current_version_dir(published.marts_dir))
    assert why.startswith(str(path)) and why.endswith("rebuilds.") and "Traceback" not in why
    assert build_state.changed_inputs(published, current_version_dir(published.marts_dir)) == sorted(
        build_state.current_state(published)
    )


def test_a_damaged_build_state_is_said_by_itip_run_which_then_builds(published, monkeypatch, capsys):
    from itip_pipeline import cli
    from itip_pipeline.runner import itip_run as pipeline_run

    (current_version_dir(published.marts_dir) / build_state.STATE_FILE).write_text("[[[[")
    built = []

    def load_build_publish(settings, years, seed, started):
        built.append(True)
        return pipeline_run.RunSummary([], [2024, 2025], [], False, {}, {}, [], True, [], 1.0, None, version=VERSION)

    monkeypatch.setattr(pipeline_run, "_load_build_publish", load_build_publish)
    cli.main(["run"])
    out = capsys.readouterr().out
    assert built == [True]
    assert "build_state.json is not valid JSON (it may be truncated)" in out and "so this run rebuilds" in out


@pytest.mark.parametrize("marker", [b"\xff\xfe\x00", b"../../etc", b""], ids=["not UTF-8", "a path", "empty"])
def test_a_damaged_figure_book_marker_means_rebuild(published, marker):
    (published.figure_book_dir / build_state.FIGURE_BOOK_MARKER).write_bytes(marker)
    assert _up_to_date(published) is None


@pytest.mark.parametrize(
    "text",
    ["[]", "null", '"x"', "[" * 100_000, '{"fingerprints": [1]}', '{"hashes": {"2025/a.csv": 5}}', '{"fing'],
)
def test_a_damaged_landing_cursor_starts_afresh_and_says_so(text):
    from itip_pipeline.ingest.loading.landing_watch import LandingCursor

    cursor = LandingCursor.loads(text)
    assert (cursor.fingerprints, cursor.hashes) == ({}, {})
    assert "the landing sensor's cursor" in cursor.damaged and "hashed again" in cursor.damaged
    good = LandingCursor({"2025": "abc"}, {"2025/a.csv": [1, 2, 3, 4, "ff", 1700000000.0]})
    assert LandingCursor.loads(good.dumps()) == good


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b""),  # emptied
        lambda p: p.write_bytes(b"not a database, only text" * 100),  # overwritten
        lambda p: p.write_bytes(p.read_bytes()[:5000]),  # cut short
    ],
    ids=["emptied", "overwritten", "truncated"],
)
def test_a_damaged_working_database_ends_itip_run_in_a_sentence(published, damage, monkeypatch):
    from itip_pipeline.runner import itip_run as pipeline_run

    con = duckdb.connect(str(published.work_db))
    con.execute("create table t as select range as x from range(100000)")
    con.close()
    damage(published.work_db)
    assert _up_to_date(published) is None, "the no-op must not hide a damaged working database"
    monkeypatch.setattr(pipeline_run, "_unchanged_years", lambda *a: pytest.fail("the run went on"))
    with pytest.raises(SystemExit) as stopped:
        pipeline_run.run_all(published)
    said = str(stopped.value.code)
    assert said.startswith(f"The working database {published.work_db} cannot be opened as a DuckDB database")
    assert "move it aside" in said and "itip run --force" in said


def test_a_folder_in_place_of_the_working_database_ends_itip_run_in_a_sentence(published):
    from itip_pipeline.runner import itip_run as pipeline_run

    published.work_db.unlink()
    published.work_db.mkdir()
    with pytest.raises(SystemExit) as stopped:
        pipeline_run.run_all(published)
    assert str(stopped.value.code).startswith(f"The working database {published.work_db} cannot be opened")


def test_a_full_disk_during_itip_run_ends_in_a_sentence(published, monkeypatch):
    import errno

    from itip_pipeline.runner import itip_run as pipeline_run

    def full_disk(settings):
        raise OSError(errno.ENOSPC, "No space left on device", str(settings.work_db))

    monkeypatch.setattr(pipeline_run, "_check_work_db_free", full_disk)
    with pytest.raises(SystemExit) as stopped:
        pipeline_run.run_all(published, force=True)
    said = str(stopped.value.code)
    assert f"No space left on device on {published.work_db}; the disk is full" in said
    assert "published nothing" in said


def test_a_dagster_run_process_keeps_the_start_itip_run_marked(published, own_code):
    """`itip run` marks its start, then imports the code location, which marks a start only where none is."""
    started = build_state.mark_run_start(published)
    (own_code / "report" / "charts.py").write_text("WIDTH = 600\n")
    assert build_state.mark_run_start(published, keep_earlier=True) == started
    assert build_state.mark_run_start(published)["code"] != started["code"], "a new `itip run` starts afresh"


@pytest.mark.parametrize(
    "pointer",
    [lambda p: p.symlink_to(CURRENT), lambda p: p.symlink_to("versions/gone"), lambda p: p.write_text("v")],
    ids=["a link in a loop", "a link to nothing", "a file"],
)
def test_a_current_pointer_that_leads_nowhere_means_rebuild_said_in_a_sentence(published, pointer):
    current = published.marts_dir / CURRENT
    current.unlink()
    pointer(current)
    assert current_version_dir(published.marts_dir) is None
    assert _up_to_date(published) is None
    why = build_state.why_rebuilding(published, current_version_dir(published.marts_dir))
    assert why.startswith(f"{current} does not lead to a published version folder")
