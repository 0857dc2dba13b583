"""Loading one year's codebook or one survey's files into the raw schema: all or nothing, and idempotent.

A load reads and validates every file first; only a fully valid delivery touches the database, in one
transaction that replaces the year's rows. A file set already loaded (same names and content hashes) is
skipped. A rejected delivery is quarantined with its report and logged; the data tables stay as they were.
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

from itip_pipeline.contract import REQUIRED_ID_COLUMNS
from itip_pipeline.ingest.codebook import read_codebook
from itip_pipeline.ingest.custody import archive, quarantine
from itip_pipeline.ingest.delivery_files import codebook_file, sha256_of, survey_files
from itip_pipeline.ingest.problems import DeliveryRejected, Problem
from itip_pipeline.ingest.raw_tables import SURVEY_TABLES
from itip_pipeline.ingest.readers import read_table
from itip_pipeline.ingest.validate import validate_survey
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


class LoadRejected(DeliveryRejected):
    """A rejected delivery, after it was quarantined and logged."""

    def __init__(self, rejected: DeliveryRejected, quarantine_folder: Path):
        super().__init__(rejected.problems)
        self.quarantine_folder = quarantine_folder


def loaded_files(con: duckdb.DuckDBPyConnection) -> dict[tuple[int, str], dict[str, str]]:
    """The files of the latest successful load of each (year, survey), file name -> sha256, from the load log."""
    rows = con.execute(
        """
        with latest as (
            select survey_year, survey, arg_max(load_id, loaded_at) as load_id
            from raw.load_log where status = 'loaded' group by all)
        select survey_year, survey, file_name, sha256
        from raw.load_log join latest using (survey_year, survey, load_id)
        where status = 'loaded'
        """
    ).fetchall()
    files: dict[tuple[int, str], dict[str, str]] = {}
    for year, survey, name, sha in rows:
        files.setdefault((year, survey), {})[name] = sha
    return files


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.begin()
    try:
        yield
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _log(con, load_id: str, year: int, survey: str, files: dict[str, str], n_rows: dict[str, int],
         status: str, message: str | None) -> None:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    con.executemany(
        "insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(load_id, year, survey, name, sha, n_rows.get(name), status, message, now) for name, sha in files.items()],
    )


def _reject(con, settings: Settings, year: int, survey: str, paths: list[Path], files: dict[str, str],
            load_id: str, error: DeliveryRejected) -> LoadRejected:
    named = {p.file for p in error.problems}
    bad = [p for p in paths if p.name in named] or paths
    folder = quarantine(bad, error.problems, settings.quarantine_dir, year, survey)
    _log(con, load_id, year, survey, files, {}, "rejected", f"{len(error.problems)} problem(s); report in {folder}")
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
    with _transaction(con):
        con.execute("delete from raw.codebook where survey_year = ?", [year])
        _insert(con, "raw.codebook", codebook)
        _log(con, load_id, year, CODEBOOK, files, {path.name: len(codebook)}, "loaded", None)
    return LoadOutcome(CODEBOOK, year, "loaded", load_id, files, len(codebook))


def _loaded_codebook(con, year: int, survey: str) -> pd.DataFrame:
    codebook = con.execute(
        "select * from raw.codebook where survey_year = ? and survey = ?", [year, survey]
    ).df()
    if codebook.empty:
        raise DeliveryRejected.single(
            f"{year}/codebook.csv", f"no {survey} questions in the loaded {year} codebook: load the codebook first"
        )
    return codebook


def load_survey(con: duckdb.DuckDBPyConnection, settings: Settings, survey: str, year: int) -> LoadOutcome:
    """Validate every file of one survey's delivery for the year, then replace that year's rows."""
    paths = survey_files(settings.landing_dir, year, survey)
    book = codebook_file(settings.landing_dir, year)
    # The codebook is part of the fingerprint: a corrected crosswalk must remap unchanged data files.
    files = {p.name: sha256_of(p) for p in [*paths, book]}
    load_id = uuid.uuid4().hex
    if loaded_files(con).get((year, survey)) == files:
        return LoadOutcome(survey, year, "unchanged", load_id, files, 0)
    try:
        codebook = _loaded_codebook(con, year, survey)
        frames = validate_survey(
            [(p.name, read_table(p, REQUIRED_ID_COLUMNS[survey])) for p in paths],
            codebook, survey, year, settings.pseudonym_key,
        )
    except DeliveryRejected as error:
        raise _reject(con, settings, year, survey, paths, files, load_id, error) from None
    for path in paths:
        archive(path, files[path.name], settings.archive_dir)
    rows_per_file = frames.respondents.groupby("source_file").size().to_dict()
    rows_per_file[book.name] = len(codebook)
    respondents_table, answers_table = SURVEY_TABLES[survey]
    with _transaction(con):
        for table in (respondents_table, answers_table):
            con.execute(f"delete from {table} where survey_year = ?", [year])
        _insert(con, respondents_table, frames.respondents, load_id)
        _insert(con, answers_table, frames.answers)
        _log(con, load_id, year, survey, files, rows_per_file, "loaded", None)
    return LoadOutcome(survey, year, "loaded", load_id, files, len(frames.respondents), len(frames.answers),
                       list(frames.warnings))
