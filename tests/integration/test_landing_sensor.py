"""The landing sensor: a run for a new or changed delivery, none for an unchanged or half-written one."""

from __future__ import annotations

import os
import time

import dagster as dg

from itip_pipeline.ingest.loading.landing_watch import (
    LandingCursor,
    changed_years,
    landing_folders,
    loaded_fingerprints,
)

from support.delivery_builders import org_records, write_csv, write_delivery

KNOWN = {2024, 2025}


def _age(folder, seconds=60):
    old = time.time() - seconds
    for path in folder.iterdir():
        os.utime(path, (old, old))


def test_new_then_unchanged_then_changed_delivery(tmp_path):
    write_delivery(tmp_path / "2025", 2025)
    _age(tmp_path / "2025")
    cursor = LandingCursor()
    [scan] = changed_years(tmp_path, cursor, KNOWN)
    assert scan.year == 2025
    cursor.fingerprints["2025"] = scan.fingerprint

    restored = LandingCursor.loads(cursor.dumps())
    assert changed_years(tmp_path, restored, KNOWN) == []

    org_file = next((tmp_path / "2025").glob("org_survey*"))
    write_csv(org_file, org_records(2025, n=4))
    _age(tmp_path / "2025")
    [rescan] = changed_years(tmp_path, restored, KNOWN)
    assert rescan.fingerprint != scan.fingerprint


def test_a_file_still_being_written_is_not_picked_up(tmp_path):
    write_delivery(tmp_path / "2025", 2025)
    assert changed_years(tmp_path, LandingCursor(), KNOWN, settle_seconds=30) == []  # just written
    _age(tmp_path / "2025")
    (tmp_path / "2025" / "citizen_panel_2025.csv.partial").write_bytes(b"half")
    assert changed_years(tmp_path, LandingCursor(), KNOWN) == []
    (tmp_path / "2025" / "citizen_panel_2025.csv.partial").unlink()
    assert [s.year for s in changed_years(tmp_path, LandingCursor(), KNOWN)] == [2025]


def test_years_outside_the_partitions_and_stray_files_are_ignored(tmp_path):
    write_delivery(tmp_path / "2019", 2019)
    (tmp_path / "2025").mkdir()
    (tmp_path / "2025" / "notes.txt").write_text("not a delivery")
    _age(tmp_path / "2019")
    _age(tmp_path / "2025")
    assert changed_years(tmp_path, LandingCursor(), KNOWN) == []


def test_every_stray_entry_of_the_landing_folder_is_named_with_the_reason_it_is_skipped(tmp_path):
    for name in ("2019", "2020", "1999", "2025", "misc", "2025_old", ".hidden"):
        (tmp_path / name).mkdir()
    (tmp_path / "notes.txt").write_text("not a delivery")
    folders = landing_folders(tmp_path, KNOWN | {2020, 2023})
    assert folders.years == [2020, 2025]
    assert sorted(folders.skipped) == ["1999", "2019", "2025_old", "misc", "notes.txt"]
    assert str(tmp_path / "1999") in folders.skipped["1999"] and "2020–2025" in folders.skipped["1999"]
    assert "not a year folder" in folders.skipped["misc"]


def test_cached_hashes_are_reused_while_size_and_mtime_stay(tmp_path, monkeypatch):
    write_delivery(tmp_path / "2025", 2025)
    _age(tmp_path / "2025")
    cursor = LandingCursor()
    changed_years(tmp_path, cursor, KNOWN)
    import itip_pipeline.ingest.loading.landing_watch as watch

    def no_hashing(path):
        raise AssertionError(f"{path} was hashed again")

    monkeypatch.setattr(watch, "sha256_of", no_hashing)
    assert len(changed_years(tmp_path, cursor, KNOWN)) == 1  # cursor has hashes but no fingerprint yet


def test_a_year_the_load_log_holds_is_not_requested_again(settings):
    from itip_pipeline.ingest.loading.loader import load_year
    from itip_pipeline.warehouse.working_db import open_for_writing

    folder = write_delivery(settings.landing_dir / "2025", 2025)
    _age(folder)
    assert [s.year for s in changed_years(settings.landing_dir, LandingCursor(), KNOWN, {})] == [2025]
    with open_for_writing(settings.work_db) as con:
        load_year(con, settings, 2025)
    loaded = loaded_fingerprints(settings.work_db)
    assert changed_years(settings.landing_dir, LandingCursor(), KNOWN, loaded) == []
    write_csv(next(folder.glob("org_survey*")), org_records(2025, n=4))
    _age(folder)
    assert [s.year for s in changed_years(settings.landing_dir, LandingCursor(), KNOWN, loaded)] == [2025]


def test_the_dagster_sensor_requests_the_right_partition_once(settings, dbt_manifest):
    from itip_pipeline.defs.automation import landing_sensor

    write_delivery(settings.landing_dir / "2024", 2024)
    _age(settings.landing_dir / "2024")
    (settings.landing_dir / "2020").mkdir()  # outside the partitions: skipped with a warning, never requested
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance)
        first = landing_sensor(context)
        assert [r.partition_key for r in first] == ["2024"]
        assert first[0].tags["itip/delivery_fingerprint"] in context.cursor
        second = landing_sensor(dg.build_sensor_context(instance=instance, cursor=context.cursor))
    assert isinstance(second, dg.SkipReason)


def test_the_sensor_waits_while_a_load_holds_the_working_database(settings, dbt_manifest):
    from itip_pipeline.defs.automation import landing_sensor
    from itip_pipeline.warehouse.working_db import open_for_writing

    write_delivery(settings.landing_dir / "2024", 2024)
    _age(settings.landing_dir / "2024")
    with dg.instance_for_test() as instance, open_for_writing(settings.work_db):
        result = landing_sensor(dg.build_sensor_context(instance=instance))
    assert isinstance(result, dg.SkipReason) and "load holds" in result.skip_message
