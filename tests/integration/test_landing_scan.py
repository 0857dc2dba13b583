"""The landing scan on hostile landing folders: links out of it, odd year folders, odd file names, and
corrections that keep a file's size and modification time.

Every entry that is not a year's delivery folder is named and skipped with a sentence, no link is ever
followed (nothing outside the landing folder is read), and change is judged by content.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest

from itip_pipeline.core import build_state, hashing
from itip_pipeline.ingest.files.delivery_files import delivery_files
from itip_pipeline.ingest.loading import landing_watch
from itip_pipeline.ingest.loading.landing_watch import (
    FULL_CHECK_SECONDS,
    LandingCursor,
    changed_years,
    landing_folders,
    scan_year,
    years_as_loaded,
)
from itip_pipeline.ingest.problems import DeliveryRejected

from support.delivery_builders import org_records, write_csv, write_delivery

KNOWN = {2024, 2025}


def _age(folder: Path, seconds: float = 60) -> None:
    old = time.time() - seconds
    for path in folder.iterdir():
        os.utime(path, (old, old), follow_symlinks=False)


@pytest.fixture
def reads(monkeypatch):
    """Every file the landing scan and the no-op check hash, recorded."""
    read: list[Path] = []

    def recording(path):
        read.append(Path(path))
        return hashing.sha256_of(path)

    monkeypatch.setattr(landing_watch, "sha256_of", recording)
    monkeypatch.setattr(build_state, "sha256_of", recording)
    return read


def _hostile_landing(tmp_path: Path) -> Path:
    """A landing folder with a good 2025 delivery, `old -> /`, a 2024 folder that is a link to a delivery kept
    elsewhere, and inside 2025 an extra organisation file that is a link to a file outside."""
    landing = tmp_path / "landing"
    write_delivery(landing / "2025", 2025)
    elsewhere = write_delivery(tmp_path / "elsewhere" / "2024", 2024)
    outside = write_csv(tmp_path / "outside.csv", org_records(2025))
    (landing / "old").symlink_to("/", target_is_directory=True)
    (landing / "2024").symlink_to(elsewhere, target_is_directory=True)
    (landing / "2025" / "org_survey_extra.csv").symlink_to(outside)
    _age(landing / "2025")
    return landing


def test_no_link_out_of_the_landing_folder_is_followed(tmp_path, reads):
    landing = _hostile_landing(tmp_path)
    folders = landing_folders(landing, KNOWN)
    assert folders.years == [2025]
    assert sorted(folders.skipped) == ["2024", "old"]
    assert all(
        "is a link" in folders.skipped[name] and "never follows links" in folders.skipped[name]
        for name in ("2024", "old")
    )
    hashes = build_state.landing_hashes(landing)  # the no-op check of `itip run`
    [scan] = changed_years(landing, LandingCursor(), KNOWN)  # the sensor, and `itip run`'s unchanged years
    assert years_as_loaded(landing, [2025], {2025: scan.fingerprint}) == [2025]
    assert reads and all(path.parent == landing / "2025" and not path.is_symlink() for path in reads)
    assert set(hashes) == {"2025"}
    # The link inside 2025 still counts: its year is a candidate for a load, which refuses it by name.
    with pytest.raises(DeliveryRejected) as refused:
        delivery_files(landing, 2025)
    assert [p.file for p in refused.value.problems] == ["org_survey_extra.csv"]


def test_a_changed_link_target_changes_the_landing_state_without_reading_it(tmp_path, reads):
    landing = _hostile_landing(tmp_path)
    before = build_state.landing_hashes(landing)
    link = landing / "2025" / "org_survey_extra.csv"
    link.unlink()
    link.symlink_to("/etc/hostname")
    assert build_state.landing_hashes(landing) != before
    assert not any(path.name in ("hostname", "outside.csv") for path in reads)


def test_the_sensor_skips_a_linked_year_folder_and_names_it(settings, dbt_manifest, reads):
    from itip_pipeline.defs.automation import landing_sensor

    elsewhere = write_delivery(settings.data_dir.parent / "elsewhere" / "2024", 2024)
    _age(elsewhere)
    (settings.landing_dir / "2024").symlink_to(elsewhere, target_is_directory=True)
    (settings.landing_dir / "old").symlink_to("/", target_is_directory=True)
    with dg.instance_for_test() as instance:
        result = landing_sensor(dg.build_sensor_context(instance=instance))
    assert isinstance(result, dg.SkipReason) and reads == []


ODD_YEAR_FOLDERS = ["２０２５", "2025 ", "٢٠٢٥", "2025.old", "2025 (1)"]


def test_odd_year_folders_are_skipped_with_a_sentence_naming_the_year(tmp_path):
    for name in ODD_YEAR_FOLDERS:
        write_delivery(tmp_path / name, 2025)
    (tmp_path / "2025\x1b[2J").mkdir()  # a control character in a folder name: shown escaped
    folders = landing_folders(tmp_path, KNOWN)
    assert folders.years == []
    for name in ODD_YEAR_FOLDERS:
        assert "it looks like 2025" in folders.skipped[name] and "name the folder 2025" in folders.skipped[name]
    [(shown, reason)] = [(k, v) for k, v in folders.skipped.items() if k not in ODD_YEAR_FOLDERS]
    assert shown == "2025\\x1b[2J" and "\x1b" not in reason and "control or invisible" in reason


@pytest.mark.parametrize("name", ["２０２５", "٢٠٢٥", "2025.old"])
def test_itip_run_on_only_an_odd_year_folder_ends_in_a_sentence(settings, monkeypatch, name):
    from itip_pipeline.runner.itip_run import run_all
    from itip_pipeline.synthetic import generator

    def no_generation(*_args, **_kwargs):
        raise AssertionError("synthetic deliveries generated beside a delivery")

    monkeypatch.setattr(generator, "generate_deliveries", no_generation)
    write_delivery(settings.landing_dir / name, 2025)
    with pytest.raises(SystemExit) as stopped:
        run_all(settings)
    sentence = str(stopped.value.code)
    assert "nothing was loaded" in sentence and name in sentence and "name the folder 2025" in sentence
    assert sorted(p.name for p in settings.landing_dir.iterdir()) == [name]


def _same_size_correction(path: Path) -> None:
    """Rewrite `path` with other answers of the same length, then give it back its modification time, as
    `cp -p` from a corrected copy does."""
    before = path.stat()
    data = path.read_bytes()
    corrected = data.replace(b";1;", b";2;", 1) if b";1;" in data else data.replace(b";2;", b";1;", 1)
    assert corrected != data and len(corrected) == len(data)
    source = path.with_name("corrected.tmp.csv")
    source.write_bytes(corrected)
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    shutil.copy2(source, path)  # cp -p: content, then the times
    source.unlink()
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_the_sensor_notices_a_correction_with_the_same_size_and_modification_time(settings, dbt_manifest):
    from itip_pipeline.defs.automation import landing_sensor

    folder = write_delivery(settings.landing_dir / "2024", 2024)
    _age(folder)
    with dg.instance_for_test() as instance:
        first_tick = dg.build_sensor_context(instance=instance)
        [first] = landing_sensor(first_tick)
        _same_size_correction(next(folder.glob("org_survey*")))
        second = landing_sensor(dg.build_sensor_context(instance=instance, cursor=first_tick.cursor))
    assert not isinstance(second, dg.SkipReason), "the corrected delivery was not noticed"
    [request] = second
    assert request.partition_key == "2024"
    assert request.tags["itip/delivery_fingerprint"] != first.tags["itip/delivery_fingerprint"]


def test_a_file_replaced_by_rename_with_the_same_size_and_times_is_hashed_again(tmp_path):
    # rsync -t writes a temporary file and renames it over the old one: a new inode, the old size and mtime.
    folder = write_delivery(tmp_path / "2025", 2025)
    _age(folder)
    cursor = LandingCursor()
    [scan] = changed_years(tmp_path, cursor, KNOWN)
    cursor.fingerprints["2025"] = scan.fingerprint
    org = next(folder.glob("org_survey*"))
    _same_size_correction(org)
    replacement = org.with_name("replacement.partial")
    shutil.copy2(org, replacement)
    os.replace(replacement, org)
    [rescan] = changed_years(tmp_path, cursor, KNOWN)
    assert rescan.fingerprint != scan.fingerprint


def test_a_cached_hash_is_trusted_only_until_the_full_check_is_due(tmp_path, reads):
    # A file system whose change times cannot be trusted: every cheap signal as cached, the content not.
    write_delivery(tmp_path / "2025", 2025)
    _age(tmp_path / "2025")
    cursor, now = LandingCursor(), time.time()
    truth = scan_year(tmp_path, 2025, cursor, 0, now).fingerprint
    key = next(k for k in cursor.hashes if "org_survey" in k)
    cursor.hashes[key][4] = "0" * 64  # what the cache says; the file says otherwise
    hashed = len(reads)
    assert scan_year(tmp_path, 2025, cursor, 0, now + 60).fingerprint != truth  # cheap: the cache is trusted
    assert len(reads) == hashed
    due = scan_year(tmp_path, 2025, cursor, 0, now + FULL_CHECK_SECONDS + 1)
    assert due.fingerprint == truth and len(reads) == hashed + 3  # the full check read every file again


@pytest.mark.parametrize("text", ["[]", "null", '"x"', "{", "[" * 100_000 + "]" * 100_000, '{"hashes": {"a": 1}}'])
def test_a_damaged_sensor_cursor_starts_afresh(tmp_path, text):
    write_delivery(tmp_path / "2025", 2025)
    _age(tmp_path / "2025")
    assert [s.year for s in changed_years(tmp_path, LandingCursor.loads(text), KNOWN)] == [2025]


@pytest.mark.parametrize(
    "name, shown",
    [("2025\x1b[2J\x07", "2025\\x1b[2J\\x07"), (os.fsdecode(b"levering_\xff"), "levering_\\xff")],
    ids=["ESC-BEL", "not-UTF-8"],
)
def test_itip_check_refuses_a_folder_name_with_control_characters_shown_escaped(tmp_path, capsys, name, shown):
    from itip_pipeline.cli import main

    folder = write_delivery(tmp_path / name, 2025)
    (folder / "gamle\x1b]0;x\x07").mkdir()  # and a subfolder so named inside it
    with pytest.raises(SystemExit) as exited:
        main(["check", str(folder), "--year", "2025"])
    out = capsys.readouterr()
    text = out.out + out.err
    assert exited.value.code == 1 and "WOULD BE REFUSED" in text and shown in text
    assert "control or invisible formatting characters" in text and "gamle\\x1b]0;x\\x07" in text
    assert not any(char in text for char in ("\x1b", "\x07", "\udcff"))
