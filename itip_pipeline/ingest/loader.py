"""Loading one year's codebook or one survey's files into the raw schema: all or nothing, and idempotent.

A load reads and validates every file first; only a fully valid delivery touches the database, in one
transaction that replaces the year's rows. A file set already loaded (same names and content hashes, and
for the panel the same pseudonym key, by its fingerprint) is skipped. A rejected delivery is quarantined with its report and logged; the data tables stay as they were.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from itip_pipeline.contract import CODEBOOK_FILE, REQUIRED_ID_COLUMNS
from itip_pipeline.ingest.codebook import read_codebook
from itip_pipeline.ingest.custody import archive, quarantine
from itip_pipeline.ingest.delivery_files import codebook_file, sha256_of, survey_files
from itip_pipeline.ingest.problems import DeliveryRejected, Problem
from itip_pipeline.ingest.pseudonym_key import key_fingerprint, refuse_default_key
from itip_pipeline.ingest.raw_tables import SURVEY_TABLES
from itip_pipeline.ingest.readers import read_table
from itip_pipeline.ingest.validate import SurveyFrames, validate_survey
from itip_pipeline.settings import Settings

CODEBOOK = "codebook"


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


def loaded_files(
    con: duckdb.DuckDBPyConnection, key_fingerprint: str | None = None
) -> dict[tuple[int, str], dict[str, str]]:
    """The files of the latest successful load of each (year, survey), file name -> sha256, from the load log.

    With `key_fingerprint`, a panel load hashed under another (or an unrecorded) key does not count as loaded.
    """
    key_filter = "true"
    if key_fingerprint is not None:
        # A work database opened read-only before its upgrade has no fingerprints: every panel load is stale.
        recorded = con.execute("select count(*) from duckdb_columns() where schema_name = 'raw' and "
                               "table_name = 'load_log' and column_name = 'key_fingerprint'").fetchone()[0]
        key_filter = "survey <> 'panel'" + (" or key_fingerprint = $key" if recorded else "")
    rows = con.execute(
        f"""
        with latest as (
            select survey_year, survey, arg_max(load_id, loaded_at) as load_id
            from raw.load_log where status = 'loaded' group by all)
        select survey_year, survey, file_name, sha256
        from raw.load_log join latest using (survey_year, survey, load_id)
        where status = 'loaded' and ({key_filter})
        """, {"key": key_fingerprint} if "$key" in key_filter else None
    ).fetchall()
    files: dict[tuple[int, str], dict[str, str]] = {}
    for year, survey, name, sha in rows:
        files.setdefault((year, survey), {})[name] = sha
    return files


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.begin()
    try:
        yield
        con.commit()
    except BaseException:
        con.rollback()
        raise


def log_load(con, load_id: str, year: int, survey: str, files: dict[str, str], n_rows: dict[str, int],
             status: str, message: str | None, key_fingerprint: str | None = None) -> None:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    con.executemany(
        "insert into raw.load_log (load_id, survey_year, survey, file_name, sha256, n_rows, status, message, "
        "loaded_at, key_fingerprint) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(load_id, year, survey, name, sha, n_rows.get(name), status, message, now, key_fingerprint)
         for name, sha in files.items()],
    )


def _reject(con, settings: Settings, year: int, survey: str, paths: list[Path], files: dict[str, str],
            load_id: str, error: DeliveryRejected) -> LoadRejected:
    named = {p.file for p in error.problems}
    bad = [p for p in paths if p.name in named] or paths
    folder = quarantine(bad, error.problems, settings.quarantine_dir, year, survey)
    log_load(con, load_id, year, survey, files, {}, "rejected", f"{len(error.problems)} problem(s); report in {folder}")
    return LoadRejected(error, folder)


def _insert(con, table: str, frame: pd.DataFrame, load_id: str | None = None) -> None:
    frame = frame.assign(load_id=load_id) if load_id is not None else frame
    con.register("incoming", frame)
    try:
        columns = ", ".join(frame.columns)
        con.execute(f"insert into {table} ({columns}) select {columns} from incoming")
    finally:
        con.unregister("incoming")


def load_codebook(con: duckdb.DuckDBPyConnection, settings: Settings, year: int) -> LoadOutcome:
    """Replace raw.codebook for the year with the delivered codebook.csv."""
    path = codebook_file(settings.landing_dir, year)
    files = {path.name: sha256_of(path)}
    load_id = uuid.uuid4().hex
    if loaded_files(con).get((year, CODEBOOK)) == files:
        return LoadOutcome(CODEBOOK, year, "unchanged", load_id, files, 0)
    try:
        codebook = read_codebook(path, year)
    except DeliveryRejected as error:
        raise _reject(con, settings, year, CODEBOOK, [path], files, load_id, error) from None
    archive(path, files[path.name], settings.archive_dir)
    with transaction(con):
        con.execute("delete from raw.codebook where survey_year = ?", [year])
        _insert(con, "raw.codebook", codebook)
        log_load(con, load_id, year, CODEBOOK, files, {path.name: len(codebook)}, "loaded", None)
    return LoadOutcome(CODEBOOK, year, "loaded", load_id, files, len(codebook))


def loaded_codebook(con, year: int, survey: str) -> pd.DataFrame:
    codebook = con.execute(
        "select * from raw.codebook where survey_year = ? and survey = ?", [year, survey]
    ).df()
    if codebook.empty:
        raise DeliveryRejected.single(
            f"{year}/codebook.csv", f"no {survey} questions in the loaded {year} codebook: load the codebook first"
        )
    return codebook


def write_survey_year(con, survey: str, year: int, frames: SurveyFrames, files: dict[str, str], codebook_rows: int,
                      load_id: str, fingerprint: str | None, message: str | None = None) -> None:
    """Replace the survey's rows for the year with the validated frames and log the load (inside a transaction)."""
    rows_per_file = frames.respondents.groupby("source_file").size().to_dict()
    rows_per_file.update({name: codebook_rows for name in files if name == CODEBOOK_FILE})
    respondents_table, answers_table = SURVEY_TABLES[survey]
    for table in (respondents_table, answers_table):
        con.execute(f"delete from {table} where survey_year = ?", [year])
    _insert(con, respondents_table, frames.respondents, load_id)
    _insert(con, answers_table, frames.answers)
    log_load(con, load_id, year, survey, files, rows_per_file, "loaded", message, fingerprint)


def load_survey(con: duckdb.DuckDBPyConnection, settings: Settings, survey: str, year: int) -> LoadOutcome:
    """Validate every file of one survey's delivery for the year, then replace that year's rows."""
    paths = survey_files(settings.landing_dir, year, survey)
    book = codebook_file(settings.landing_dir, year)
    # The codebook is part of the fingerprint: a corrected crosswalk must remap unchanged data files.
    files = {p.name: sha256_of(p) for p in [*paths, book]}
    load_id = uuid.uuid4().hex
    fingerprint = key_fingerprint(settings.pseudonym_key) if survey == "panel" else None
    if loaded_files(con, fingerprint).get((year, survey)) == files:
        return LoadOutcome(survey, year, "unchanged", load_id, files, 0)
    try:
        if survey == "panel":
            refuse_default_key([p.name for p in paths], settings.pseudonym_key)
        codebook = loaded_codebook(con, year, survey)
        frames = validate_survey(
            [(p.name, read_table(p, REQUIRED_ID_COLUMNS[survey])) for p in paths],
            codebook, survey, year, settings.pseudonym_key,
        )
    except DeliveryRejected as error:
        raise _reject(con, settings, year, survey, paths, files, load_id, error) from None
    for path in paths:
        archive(path, files[path.name], settings.archive_dir)
    with transaction(con):
        write_survey_year(con, survey, year, frames, files, len(codebook), load_id, fingerprint)
    return LoadOutcome(survey, year, "loaded", load_id, files, len(frames.respondents), len(frames.answers),
                       list(frames.warnings))
