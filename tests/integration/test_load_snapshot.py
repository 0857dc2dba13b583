"""A file that changes while its year is loaded: what is validated, logged and archived is one and the same.

A vendor re-uploading, or a sync tool rewriting, a file between the load's fingerprint, its validation and
its archiving must not leave an archived copy whose content differs from the sha256 the load log records,
nor load rows that were never the archived file's.
"""

from __future__ import annotations

import hashlib

from itip_pipeline.ingest.loading import loader
from itip_pipeline.warehouse.working_db import open_for_writing

from support.delivery_builders import LOADED_YEAR, org_records, write_csv, write_delivery


def test_a_file_rewritten_during_validation_is_archived_as_validated(settings, monkeypatch):
    folder = write_delivery(settings.landing_dir / str(LOADED_YEAR), LOADED_YEAR)
    org_file = next(folder.glob("org_survey*"))
    validated = org_file.read_bytes()
    real_validate = loader.validate_year

    def validate_then_rewrite(*args, **kwargs):
        valid = real_validate(*args, **kwargs)
        # After validation, before archiving, the landing file is rewritten with other respondents.
        write_csv(org_file, org_records(LOADED_YEAR, n=5, first=10))
        return valid

    monkeypatch.setattr(loader, "validate_year", validate_then_rewrite)
    with open_for_writing(settings.work_db) as con:
        loader.load_year(con, settings, LOADED_YEAR)
        [(logged_sha,)] = con.execute(
            "select sha256 from raw.load_log where file_name = ? and status = 'loaded'", [org_file.name]
        ).fetchall()
        n_loaded = con.execute("select count(*) from raw.org_respondents").fetchone()[0]
    archived = settings.archive_dir / f"{logged_sha}.csv"
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == logged_sha  # the archive is content-addressed
    assert logged_sha == hashlib.sha256(validated).hexdigest()  # and holds the bytes that were validated
    assert n_loaded == 3


def test_a_killed_loads_private_copies_are_removed_by_the_next_load(settings):
    # A load killed mid-way leaves its copies behind; the next load (which holds the working database's
    # one writer lock, so no other load is running) removes them.
    write_delivery(settings.landing_dir / str(LOADED_YEAR), LOADED_YEAR)
    stale = settings.work_db.parent / "delivery-killed"
    stale.mkdir(parents=True)
    (stale / "citizen_panel_2025.xlsx").write_bytes(b"left behind")
    with open_for_writing(settings.work_db) as con:
        loader.load_year(con, settings, LOADED_YEAR)
    assert not stale.exists()
    assert not list(settings.work_db.parent.glob("delivery-*"))
