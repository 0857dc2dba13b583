"""Reading a year's codebook.csv, the map from delivered question columns to stable question ids.

The codebook is checked as a whole before any survey file is read against it: first against the contract
(schemas.CodebookModel: columns, value sets, code bounds within contract.CODE_RANGE), then against the
question catalogue (catalogue_rules). It comes back typed: integer codes, trimmed text. Columns beyond
the contract's are ignored.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from itip_pipeline.core import contract
from itip_pipeline.ingest.files.readers import read_table
from itip_pipeline.ingest.problems import DeliveryRejected
from itip_pipeline.ingest.rules.catalogue_rules import catalogue_problems
from itip_pipeline.ingest.rules.schemas import CodebookModel, as_numbers, validation_problems

# raw.codebook's columns: what a loaded codebook keeps of the checked one.
RAW_CODEBOOK_COLUMNS = ("survey_year", *contract.CODEBOOK_COLUMNS)


def read_codebook(path: Path, year: int) -> pd.DataFrame:
    """The checked codebook: survey_year, contract.CODEBOOK_COLUMNS and source_row, one row per question column.

    min_code and max_code are int64, dont_know_code Int64 (<NA> when the question has none), the rest
    "string". A missing or bad codebook raises DeliveryRejected naming the file, row, column, value, rule.
    """
    path = Path(path)
    if not path.is_file():
        raise DeliveryRejected.single(path.name, f"the delivery has no {contract.CODEBOOK_FILE}")
    frame = read_table(path, contract.CODEBOOK_COLUMNS)
    frame.insert(0, "source_file", pd.array([path.name] * len(frame), dtype="string"))
    problems = validation_problems(CodebookModel.to_schema(), frame)
    if problems:
        raise DeliveryRejected(problems)

    codebook = frame[[*contract.CODEBOOK_COLUMNS, "source_row"]].copy()
    # Safe casts: CodebookModel has checked every code is a whole number within contract.CODE_RANGE.
    for column in ("min_code", "max_code", "dont_know_code"):
        codebook[column] = as_numbers(codebook[column]).astype("Int64")
    codebook = codebook.astype({"min_code": "int64", "max_code": "int64"})
    codebook.insert(0, "survey_year", year)
    problems = catalogue_problems(codebook, year, path.name)
    if problems:
        raise DeliveryRejected(problems)
    return codebook.reset_index(drop=True)
