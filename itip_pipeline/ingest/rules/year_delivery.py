"""Validating one year's whole delivery — codebook and both surveys — with nothing written.

A year is accepted or refused as one: the codebook is read and checked first (against the contract and
the question catalogue), then every file of both surveys is read and validated against that delivered
codebook, and all their problems are collected before deciding. The loader writes only a year that comes
back from here; the vendor self-check (self_check, `itip check`) calls this and stops.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from itip_pipeline.core.contract import REQUIRED_ID_COLUMNS, SURVEYS
from itip_pipeline.ingest.files.delivery_files import DeliveryFiles
from itip_pipeline.ingest.files.readers import read_tables
from itip_pipeline.ingest.problems import DeliveryRejected, Problem
from itip_pipeline.ingest.rules.codebook import read_codebook
from itip_pipeline.ingest.rules.validate import SurveyFrames, validate_survey


@dataclass(frozen=True)
class ValidYear:
    year: int
    files: DeliveryFiles
    codebook: pd.DataFrame  # read_codebook's frame (with source_row)
    surveys: dict[str, SurveyFrames]


def validate_year(files: DeliveryFiles, year: int, pseudonym_key: str) -> ValidYear:
    """The year's delivery (as delivery_files.delivery_files found it), checked as a whole; DeliveryRejected
    with every problem found.

    Running out of memory is a refusal too (naming the year folder), never a traceback: the delivery is
    larger than this machine can check, and nothing of it is loaded.
    """
    try:
        # Every file is read before any is judged, so that one refusal names every unreadable file.
        problems: list[Problem] = []
        tables: dict[str, list[tuple[str, pd.DataFrame]]] = {}
        codebook = None
        try:
            codebook = read_codebook(files.codebook, year)
        except DeliveryRejected as rejected:
            problems += rejected.problems
        for survey in SURVEYS:
            try:
                tables[survey] = read_tables(files.surveys[survey], REQUIRED_ID_COLUMNS[survey])
            except DeliveryRejected as rejected:
                problems += rejected.problems
        surveys: dict[str, SurveyFrames] = {}
        for survey in tables if codebook is not None else ():
            try:
                surveys[survey] = validate_survey(tables[survey], codebook, survey, year, pseudonym_key)
            except DeliveryRejected as rejected:
                problems += rejected.problems
    except MemoryError:
        raise DeliveryRejected.single(
            str(year),
            "the delivery needs more memory to check than this machine has; split the organisation "
            "survey over several files, or ask the warehouse team to load it on a larger machine",
        ) from None
    if problems:
        raise DeliveryRejected(problems)
    return ValidYear(year, files, codebook, surveys)
