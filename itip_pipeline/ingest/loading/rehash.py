"""Keeping every loaded panel year hashed under one key: a load re-hashes the other panel years first.

raw.load_log records the key fingerprint of each panel load. When the configured key differs from the one
a loaded year was hashed under (or the load predates the record), that year's accepted panel files and
codebook are read again from data/archive/ (content-addressed, and holding only accepted files, so exactly
what was loaded) and validated again; the loader then replaces those years' panel rows in the same
transaction as the new year's delivery, so the panel tables are never hashed under two keys. If one year
cannot be re-hashed, RehashFailed says why and nothing is written (the new delivery is not at fault, so it
is neither quarantined nor logged as refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from itip_pipeline.core.contract import REQUIRED_ID_COLUMNS
from itip_pipeline.core.settings import Settings
from itip_pipeline.ingest.files.delivery_files import survey_of
from itip_pipeline.ingest.files.readers import read_table
from itip_pipeline.ingest.loading.load_log import LoadedFiles
from itip_pipeline.ingest.privacy.pseudonym_key import refuse_default_key
from itip_pipeline.ingest.problems import DeliveryRejected
from itip_pipeline.ingest.rules.codebook import read_codebook
from itip_pipeline.ingest.rules.validate import SurveyFrames, validate_survey

PANEL = "panel"
CODEBOOK = "codebook"


class RehashFailed(RuntimeError):
    """The key changed but a loaded year cannot be re-hashed; nothing was changed."""


@dataclass(frozen=True)
class RehashedYear:
    year: int
    files: dict[str, str]  # the panel files, name -> sha256, as loaded before
    frames: SurveyFrames  # the panel under the current key


def stale_panel_years(loaded: LoadedFiles, under_current_key: LoadedFiles, besides: int) -> list[int]:
    """Loaded panel years (other than `besides`) whose latest load was hashed under another or no recorded key."""
    return sorted(
        year for (year, part) in loaded if part == PANEL and year != besides and (year, part) not in under_current_key
    )


def _archived(settings: Settings, year: int, name: str, sha: str) -> Path:
    archived = settings.archive_dir / f"{sha}{Path(name).suffix.lower()}"
    if archived.is_file():
        return archived
    raise RehashFailed(
        f"the pseudonym key changed, but the {year} panel's file {name} (sha256 {sha[:12]}…) that was loaded is "
        f"not in {settings.archive_dir}: restore it there, or set ITIP_PSEUDONYM_KEY back to the key it was "
        "loaded with; nothing was changed"
    )


def rehash_panel_years(loaded: LoadedFiles, years: list[int], settings: Settings) -> list[RehashedYear]:
    """The panels of `years`, validated again from the archive under the current key (nothing written)."""
    rehashed = []
    for year in years:
        # An older load log may list the codebook with each survey's files: it is not a panel file.
        files = {name: sha for name, sha in loaded[(year, PANEL)].items() if survey_of(name) == PANEL}
        try:
            refuse_default_key(list(files), settings.pseudonym_key)
            [(book_name, book_sha)] = loaded.get((year, CODEBOOK), {}).items() or [(None, None)]
            if book_name is None:
                raise RehashFailed(
                    f"the pseudonym key changed, but no codebook is recorded as loaded for {year}, "
                    "so its panel cannot be re-hashed; nothing was changed"
                )
            codebook = read_codebook(_archived(settings, year, book_name, book_sha), year)
            frames = validate_survey(
                [
                    (name, read_table(_archived(settings, year, name, sha), REQUIRED_ID_COLUMNS[PANEL]))
                    for name, sha in files.items()
                ],
                codebook,
                PANEL,
                year,
                settings.pseudonym_key,
            )
        except DeliveryRejected as error:
            raise RehashFailed(
                f"the pseudonym key changed, but the loaded {year} panel cannot be re-hashed; "
                f"nothing was changed:\n{error}"
            ) from None
        rehashed.append(RehashedYear(year, files, frames))
    return rehashed
