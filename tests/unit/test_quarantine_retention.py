"""Refused deliveries are kept for a retention period: `itip purge --older-than AGE` removes older ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itip_pipeline.cli import main
from itip_pipeline.ingest.loading.archive_quarantine import QUARANTINE_STAMP
from itip_pipeline.ingest.loading.quarantine_retention import parse_age, purge_quarantine

NOW = datetime.now(UTC)


def _refused(quarantine_dir, year: int, survey: str, age: timedelta):
    folder = quarantine_dir / str(year) / survey / (NOW - age).strftime(QUARANTINE_STAMP)
    folder.mkdir(parents=True)
    (folder / "citizen_panel.csv").write_text("respondent_id\n")
    (folder / "report.md").write_text("# Rejected\n")
    return folder


@pytest.fixture
def quarantine(settings):
    q = settings.quarantine_dir
    return {
        "old": _refused(q, 2023, "panel", timedelta(days=120)),
        "month": _refused(q, 2024, "panel", timedelta(days=30, hours=1)),
        "day": _refused(q, 2024, "org", timedelta(hours=13)),
        "hour": _refused(q, 2024, "org", timedelta(minutes=30)),
    }


@pytest.mark.parametrize(
    "text, age",
    [
        ("90d", timedelta(days=90)),
        ("12h", timedelta(hours=12)),
        ("30D", timedelta(days=30)),
        ("2w", timedelta(weeks=2)),
        (" 1d ", timedelta(1)),
    ],
)
def test_ages(text, age):
    assert parse_age(text) == age


@pytest.mark.parametrize("text", ["90", "d", "-5d", "1.5d", "90 days", "3m", ""])
def test_a_bad_age_is_a_sentence(text):
    with pytest.raises(ValueError, match="e.g. 90d, 12h or 2w"):
        parse_age(text)


def test_dry_run_lists_and_removes_nothing(settings, quarantine, capsys):
    main(["purge", "--older-than", "30d", "--dry-run"])
    out = capsys.readouterr().out
    assert "Would remove 2 quarantine folder(s)" in out
    assert str(quarantine["old"].relative_to(settings.quarantine_dir)) in out
    assert all(folder.is_dir() for folder in quarantine.values())


@pytest.mark.parametrize(
    "age, kept",
    [
        (None, {"month", "day", "hour"}),  # the documented default, 90 days
        ("30d", {"day", "hour"}),
        ("12h", {"hour"}),
    ],
)
def test_purge_removes_only_folders_older_than_the_age(settings, quarantine, capsys, age, kept):
    main(["purge", *(["--older-than", age] if age else [])])
    assert {name for name, folder in quarantine.items() if folder.is_dir()} == kept
    assert f"Removed {4 - len(kept)} quarantine folder(s)" in capsys.readouterr().out
    assert (settings.quarantine_dir / "2023").exists() == ("old" in kept)  # emptied parents go too


def test_purge_leaves_what_is_not_a_quarantine_folder(settings, quarantine):
    notes = settings.quarantine_dir / "2023" / "panel" / "notes-from-the-vendor"
    notes.mkdir()
    outside = settings.data_dir / "elsewhere"
    outside.mkdir()
    (settings.quarantine_dir / "2023" / "panel" / "19990101T000000000000Z").symlink_to(outside)
    removed = purge_quarantine(settings.quarantine_dir, timedelta(days=1))
    assert [f.path for f in removed] == [quarantine["old"], quarantine["month"]]
    assert notes.is_dir() and outside.is_dir()


def test_a_bad_age_on_the_command_line_is_refused_without_a_traceback(quarantine):
    with pytest.raises(SystemExit, match="itip purge: '90' is not an age"):
        main(["purge", "--older-than", "90"])
    assert all(folder.is_dir() for folder in quarantine.values())
