"""Loading one year's delivery (codebook and both surveys) into the raw schema: all or nothing, and idempotent.

A load validates the whole year first (year_delivery); only a fully valid year touches the database, in one
transaction that replaces the year's codebook and both surveys' rows. A year whose files are all already
loaded (same names and content hashes, and for the panel the same pseudonym key, by its fingerprint) is
skipped. Every refusal goes through `_reject`: quarantine with its report, and a load-log row; the data
tables stay as they were. Every load-log row records the fingerprint of the key the load ran under; when
the key has changed, the other loaded panel years are re-hashed (rehash) in the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from itip_pipeline.core.hashing import key_fingerprint, sha256_of
from itip_pipeline.core.settings import Settings
from itip_pipeline.ingest.files.delivery_files import delivery_files, safe_files, survey_of, year_dir
from itip_pipeline.ingest.files.private_copy import private_copy, scratch_folder
from itip_pipeline.ingest.loading.archive_quarantine import archive, quarantine
from itip_pipeline.ingest.loading.load_log import loaded_files
from itip_pipeline.ingest.loading.rehash import PANEL, RehashedYear, rehash_panel_years, stale_panel_years
from itip_pipeline.ingest.privacy.pseudonym_key import refuse_default_key
from itip_pipeline.ingest.problems import DeliveryRejected, Problem
from itip_pipeline.ingest.rules.codebook import RAW_CODEBOOK_COLUMNS
from itip_pipeline.ingest.rules.validate import SurveyFrames
from itip_pipeline.ingest.rules.year_delivery import ValidYear, validate_year
from itip_pipeline.warehouse.raw_tables import SURVEY_TABLES
from itip_pipeline.warehouse.transactions import transaction

CODEBOOK = "codebook"
DELIVERY = "delivery"  # the load log's and quarantine's name for a refusal about the year folder as a whole


@dataclass(frozen=True)
class LoadOutcome:
    survey: str  # "org", "panel" or "codebook"
    year: int
    status: str  # "loaded" or "unchanged"
    load_id: str
    files: dict[str, str]  # file name -> sha256
    n_rows: int  # respondents (or codebook rows) in the delivery
    n_answers: int = 0
    warnings: list[Problem] = field(default_factory=list)
    rehashed_years: list[int] = field(default_factory=list)  # other panel years re-hashed under a new key


class LoadRejected(DeliveryRejected):
    """A rejected delivery, after it was quarantined and logged."""

    def __init__(self, rejected: DeliveryRejected, quarantine_folder: Path):
        super().__init__(rejected.problems)
        self.quarantine_folder = quarantine_folder


def _log(
    con,
    load_id: str,
    year: int,
    survey: str,
    files: dict[str, str],
    n_rows: dict[str, int],
    status: str,
    message: str | None,
    key_fingerprint: str | None = None,
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    con.executemany(
        "insert into raw.load_log (load_id, survey_year, survey, file_name, sha256, n_rows, status, message, "
        "loaded_at, key_fingerprint) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (load_id, year, survey, name, sha, n_rows.get(name), status, message, now, key_fingerprint)
            for name, sha in files.items()
        ],
    )


def _reject(
    con, settings: Settings, year: int, source: Path, present: dict[str, str], load_id: str, error: DeliveryRejected
) -> LoadRejected:
    """The one refusal path: quarantine the files the problems name (from `source`: the private copies once
    taken, else the landing folder), write the report, log the refusal."""
    named = {p.file for p in error.problems}
    paths = [source / name for name in present]
    bad = [p for p in paths if p.name in named] or paths
    part = _refused_part(error)
    folder = quarantine(bad, error.problems, settings.quarantine_dir, year, part)
    message = f"{len(error.problems)} problem(s); report in {folder}"
    by_part: dict[str, dict[str, str]] = {}
    for name, sha in present.items():
        by_part.setdefault(survey_of(name) or DELIVERY, {})[name] = sha
    if not by_part:  # nothing safe to fingerprint (an empty or missing folder): log the refusal itself
        by_part = {part: {error.problems[0].file: ""}}
    for logged_part, part_files in by_part.items():
        _log(
            con,
            load_id,
            year,
            logged_part,
            part_files,
            {},
            "rejected",
            message,
            key_fingerprint(settings.pseudonym_key),
        )
    return LoadRejected(error, folder)


def _refused_part(error: DeliveryRejected) -> str:
    """The part the problems are about ("codebook", "org", "panel"), or "delivery" when several or the folder."""
    parts = {survey_of(p.file.rsplit("/", 1)[-1].rstrip("*")) for p in error.problems}
    return parts.pop() if len(parts) == 1 and None not in parts else DELIVERY


def _insert(con, table: str, frame: pd.DataFrame, load_id: str | None = None) -> None:
    frame = frame.assign(load_id=load_id) if load_id is not None else frame
    con.register("incoming", frame)
    try:
        columns = ", ".join(frame.columns)
        con.execute(f"insert into {table} ({columns}) select {columns} from incoming")
    finally:
        con.unregister("incoming")


def load_year(con: duckdb.DuckDBPyConnection, settings: Settings, year: int) -> dict[str, LoadOutcome]:
    """Validate the year's whole delivery, then replace the year's codebook and both surveys in one transaction.

    The files are read from a private copy (snapshot), so the sha256 logged and archived is that of the
    bytes validated. Returns an outcome per part ("codebook", "org", "panel"). Every refusal — a missing or
    unexpected file, an unreadable one, a broken rule, memory or integer limits — is quarantined, logged
    and raised as LoadRejected, and leaves every raw table as it was.
    """
    load_id = uuid.uuid4().hex
    fingerprint = key_fingerprint(settings.pseudonym_key)
    present = {p.name: sha256_of(p) for p in safe_files(settings.landing_dir, year)}
    folder = year_dir(settings.landing_dir, year)  # where the files a refusal quarantines are read from
    with scratch_folder(settings.work_db.parent) as scratch:
        try:
            # From here on only the private copies are read: the landing folder may change meanwhile.
            delivered = private_copy(delivery_files(settings.landing_dir, year), scratch)
            folder = scratch
            present.update({p.name: sha256_of(p) for p in delivered.data_files})
            parts = {CODEBOOK: [delivered.codebook], **delivered.surveys}
            files = {part: {p.name: present[p.name] for p in paths} for part, paths in parts.items()}
            loaded, under_key = loaded_files(con), loaded_files(con, fingerprint)
            stale = stale_panel_years(loaded, under_key, besides=year)
            if not stale and all(under_key.get((year, part)) == part_files for part, part_files in files.items()):
                return {
                    part: LoadOutcome(part, year, "unchanged", load_id, part_files, 0)
                    for part, part_files in files.items()
                }
            refuse_default_key([p.name for p in delivered.surveys[PANEL]], settings.pseudonym_key)
            valid = validate_year(delivered, year, settings.pseudonym_key)
            rehashed = rehash_panel_years(loaded, stale, settings)  # RehashFailed: nothing written
            for path in delivered.data_files:
                archive(path, present[path.name], settings.archive_dir)
            with transaction(con):
                _replace_year(con, valid, load_id)
                for part, part_files in files.items():
                    _log(con, load_id, year, part, part_files, _rows_per_file(valid, part), "loaded", None, fingerprint)
                for other in rehashed:
                    _rewrite_panel(con, other, fingerprint)
        except DeliveryRejected as error:
            raise _reject(con, settings, year, folder, present, load_id, error) from None
        except (OverflowError, duckdb.ConversionException, duckdb.OutOfRangeException) as error:
            # The contract's bounds should make this impossible; should a value still not fit, refuse the year.
            rejected = DeliveryRejected.single(
                str(year), f"a value does not fit the warehouse's columns ({type(error).__name__})"
            )
            raise _reject(con, settings, year, folder, present, load_id, rejected) from None
    rehashed_years = [other.year for other in rehashed]
    return {
        CODEBOOK: LoadOutcome(CODEBOOK, year, "loaded", load_id, files[CODEBOOK], len(valid.codebook)),
        **{
            survey: LoadOutcome(
                survey,
                year,
                "loaded",
                load_id,
                files[survey],
                frames.n_rows,
                len(frames.answers),
                list(frames.warnings),
                rehashed_years if survey == PANEL else [],
            )
            for survey, frames in valid.surveys.items()
        },
    }


def _write_survey(con, survey: str, year: int, frames: SurveyFrames, load_id: str) -> None:
    respondents_table, answers_table = SURVEY_TABLES[survey]
    for table in (respondents_table, answers_table):
        con.execute(f"delete from {table} where survey_year = ?", [year])
    _insert(con, respondents_table, frames.respondents, load_id)
    _insert(con, answers_table, frames.answers)


def _rewrite_panel(con, rehashed: RehashedYear, fingerprint: str) -> None:
    """Replace a loaded panel year's rows with its re-hashed frames, logged as a load of the same files."""
    load_id = uuid.uuid4().hex
    _write_survey(con, PANEL, rehashed.year, rehashed.frames, load_id)
    rows = rehashed.frames.respondents.groupby("source_file").size().to_dict()
    _log(
        con,
        load_id,
        rehashed.year,
        PANEL,
        rehashed.files,
        rows,
        "loaded",
        f"re-hashed under the key with fingerprint {fingerprint}",
        fingerprint,
    )


def _replace_year(con, valid: ValidYear, load_id: str) -> None:
    year = valid.year
    con.execute("delete from raw.codebook where survey_year = ?", [year])
    _insert(con, "raw.codebook", valid.codebook[list(RAW_CODEBOOK_COLUMNS)])
    for survey, frames in valid.surveys.items():
        _write_survey(con, survey, year, frames, load_id)


def _rows_per_file(valid: ValidYear, part: str) -> dict[str, int]:
    if part == CODEBOOK:
        return {valid.files.codebook.name: len(valid.codebook)}
    return valid.surveys[part].respondents.groupby("source_file").size().to_dict()
