"""Keeping every loaded panel year hashed under one key: the panel step re-hashes the other years first.

raw.load_log records the key fingerprint of each panel load. When the configured key differs from the one
a loaded year was hashed under (or the load predates the record), that year's accepted panel files are read
again from data/archive/ (content-addressed, so exactly what was loaded; the landing copy is used if it is
unchanged) and its rows replaced under the current key. All stale years change in one transaction, so the
panel tables are never hashed under two keys; if one year cannot be re-hashed, none is, and nothing new is
loaded until it can be.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import duckdb

from itip_pipeline.contract import CODEBOOK_FILE, REQUIRED_ID_COLUMNS
from itip_pipeline.ingest.delivery_files import sha256_of, year_dir
from itip_pipeline.ingest.loader import (
    LoadOutcome,
    load_survey,
    loaded_codebook,
    loaded_files,
    transaction,
    write_survey_year,
)
from itip_pipeline.ingest.problems import DeliveryRejected
from itip_pipeline.ingest.pseudonym_key import key_fingerprint, refuse_default_key
from itip_pipeline.ingest.readers import read_table
from itip_pipeline.ingest.validate import validate_survey
from itip_pipeline.settings import Settings

PANEL = "panel"


class RehashFailed(RuntimeError):
    """The key changed but a loaded year cannot be re-hashed; nothing was changed."""


def stale_panel_years(con: duckdb.DuckDBPyConnection, fingerprint: str) -> dict[int, dict[str, str]]:
    """Loaded panel years whose latest load was hashed under another or an unrecorded key, with their files."""
    current = loaded_files(con, fingerprint)
    return {year: files for (year, survey), files in loaded_files(con).items()
            if survey == PANEL and (year, survey) not in current}


def _accepted_copy(settings: Settings, year: int, name: str, sha: str) -> Path:
    """The archived copy of an accepted file, or the landing file if it is still the same content."""
    archived = settings.archive_dir / f"{sha}{Path(name).suffix.lower()}"
    if archived.is_file():
        return archived
    landed = year_dir(settings.landing_dir, year) / name
    if landed.is_file() and not landed.is_symlink() and sha256_of(landed) == sha:
        return landed
    raise RehashFailed(
        f"the pseudonym key changed, but the {year} panel file {name} (sha256 {sha[:12]}…) that was loaded is "
        f"neither in {settings.archive_dir} nor unchanged in {year_dir(settings.landing_dir, year)}: restore it "
        "there, or set ITIP_PSEUDONYM_KEY back to the key it was loaded with; nothing was changed"
    )


def rehash_panel_years(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[int]:
    """Re-hash every loaded panel year that is not under the current key; returns those years."""
    fingerprint = key_fingerprint(settings.pseudonym_key)
    stale = stale_panel_years(con, fingerprint)
    rewritten = []
    for year, files in sorted(stale.items()):
        names = [name for name in files if name != CODEBOOK_FILE]
        try:
            refuse_default_key(names, settings.pseudonym_key)
            frames = validate_survey(
                [(name, read_table(_accepted_copy(settings, year, name, files[name]), REQUIRED_ID_COLUMNS[PANEL]))
                 for name in names],
                loaded_codebook(con, year, PANEL), PANEL, year, settings.pseudonym_key,
            )
        except DeliveryRejected as error:
            raise RehashFailed(f"the pseudonym key changed, but the loaded {year} panel cannot be re-hashed; "
                               f"nothing was changed:\n{error}") from None
        rewritten.append((year, files, frames, len(loaded_codebook(con, year, PANEL))))
    with transaction(con):
        for year, files, frames, codebook_rows in rewritten:
            write_survey_year(con, PANEL, year, frames, files, codebook_rows, uuid.uuid4().hex, fingerprint,
                              message=f"re-hashed under the key with fingerprint {fingerprint}")
    return [year for year, *_ in rewritten]


def load_panel(con: duckdb.DuckDBPyConnection, settings: Settings, year: int) -> LoadOutcome:
    """The panel step: bring every loaded year to the current key, then load the year's delivery."""
    rehashed = rehash_panel_years(con, settings)
    outcome = load_survey(con, settings, PANEL, year)
    return replace(outcome, rehashed_years=rehashed)
