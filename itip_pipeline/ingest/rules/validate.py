"""Validating one survey-year's files against the contract and the codebook, and shaping the raw frames.

`validate_survey` collects every problem in every file before deciding; only a clean survey-year comes
back as frames ready for the raw tables (respondents, and answers long by question id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from itip_pipeline.core import contract
from itip_pipeline.core.personal_values import forbidden_family
from itip_pipeline.ingest.files.readers import column_key
from itip_pipeline.ingest.privacy.personal_checks import personal_data_problems
from itip_pipeline.ingest.privacy.pseudonymise import pseudonymise_all
from itip_pipeline.ingest.problems import DeliveryRejected, Problem
from itip_pipeline.ingest.rules.kommunenummer_rules import coverage_warning
from itip_pipeline.ingest.rules.schemas import (
    answers_schema,
    as_numbers,
    respondents_schema,
    validation_problems,
)

# The raw.<survey>_respondents columns, load_id left to the loader.
RESPONDENT_COLUMNS = {
    "org": ("survey_year", "orgnr", "sector", "kommunenr", "source_file", "source_row"),
    "panel": (
        "survey_year",
        "respondent_number",
        "respondent_key",
        "weight",
        "gender",
        "age_group",
        "region",
        "source_file",
        "source_row",
    ),
}
# The delivered id, and what the answers carry: the orgnr, or the panel respondent's number in the year
# (raw_tables.py says why not its pseudonym).
RESPONDENT_KEYS = {"org": ("orgnr", "orgnr"), "panel": ("respondent_id", "respondent_number")}


@dataclass(frozen=True)
class SurveyFrames:
    respondents: pd.DataFrame
    answers: pd.DataFrame
    warnings: list[Problem]
    n_rows: int


def validate_survey(
    files: Sequence[tuple[str, pd.DataFrame]], codebook: pd.DataFrame, survey: str, year: int, pseudonym_key: str
) -> SurveyFrames:
    """Check the survey's files (name, frame from read_table) for the year; raise DeliveryRejected with all problems.

    On success: respondents in the raw table's columns (no load_id), answers as one row per respondent ×
    codebook question (answer_code Int64, <NA> = blank), warnings for unknown columns (not loaded) and for
    a year after the municipality register's last checked year, and the number of respondents.
    """
    if not files:
        raise DeliveryRejected.single(f"{contract.FILE_PREFIXES[survey]}*", f"no {survey} file in the {year} delivery")
    questions = codebook[codebook["survey"] == survey].assign(source_key=lambda q: q["source_column"].map(column_key))
    frames = [_with_source(name, frame) for name, frame in files]
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for frame in frames:
        file_problems, file_warnings = _column_problems(frame, questions, survey, year)
        present = set(frame.columns)
        schema = respondents_schema(survey, year).add_columns(answers_schema(questions, present).columns)
        problems += file_problems + validation_problems(schema, frame)
        warnings += file_warnings
    problems += _duplicate_respondents(frames, survey)
    if survey == "org":
        warnings += [w for w in (coverage_warning(year, str(f["source_file"].iloc[0])) for f in frames) if w]
    if problems:
        raise DeliveryRejected(problems)

    respondents: list[pd.DataFrame] = []
    for frame in frames:  # a panel's respondents numbered 1..n over the year's files, each file's rows in order
        first_number = 1 + sum(len(r) for r in respondents)
        respondents.append(_respondents(frame, survey, year, pseudonym_key, first_number))
    stored_key = RESPONDENT_KEYS[survey][1]
    answers = [
        _answers(frame, file_respondents[stored_key], questions, survey, year)
        for frame, file_respondents in zip(frames, respondents, strict=True)
    ]
    return SurveyFrames(
        respondents=pd.concat(respondents, ignore_index=True),
        answers=pd.concat(answers, ignore_index=True),
        warnings=warnings,
        n_rows=sum(len(r) for r in respondents),
    )


def _with_source(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    text = frame.drop(columns="source_row").astype("string").reset_index(drop=True)
    text.insert(0, "source_file", pd.array([name] * len(text), dtype="string"))
    text["source_row"] = frame["source_row"].to_numpy(dtype="int64")
    return text


def _column_problems(
    frame: pd.DataFrame, questions: pd.DataFrame, survey: str, year: int
) -> tuple[list[Problem], list[Problem]]:
    """Personal data and absent codebook questions (errors), and unknown columns (warnings)."""
    file = str(frame["source_file"].iloc[0])
    delivered = [c for c in frame.columns if c not in ("source_file", "source_row")]
    expected = set(contract.ID_COLUMNS[survey]) | set(questions["source_key"])
    errors = personal_data_problems(frame)
    warnings = [
        Problem(file=file, column=c, rule=f"not in the {year} codebook for {survey}; the column is not loaded")
        for c in delivered
        if c not in expected and forbidden_family(c) is None
    ]
    return errors + _absent_questions(file, delivered, questions), warnings


def _absent_questions(file: str, delivered: list[str], questions: pd.DataFrame) -> list[Problem]:
    """Codebook questions the file lacks: refused, since a look-alike header (q24_O7 for q24_07) would
    otherwise load the question as blank for everyone. A question not asked goes in as an empty column."""
    return [
        Problem(
            file=file,
            column=q.source_column,
            rule=f"question {q.question_id} is in the codebook but not in the file; deliver the column (blank "
            "where not asked), or check the header for a mistyped name",
        )
        for q in questions.itertuples(index=False)
        if q.source_key not in delivered
    ]


def _duplicate_respondents(frames: list[pd.DataFrame], survey: str) -> list[Problem]:
    """The same respondent twice, within a file or across the survey's files for the year: each repeat
    named at its row, with the file and row where the id came first. One hashing pass over the ids (linear
    in rows), and work per repeat only for the repeats."""
    delivered_key = RESPONDENT_KEYS[survey][0]
    ids = pd.concat(
        [f[[delivered_key, "source_file", "source_row"]] for f in frames if delivered_key in f.columns],
        ignore_index=True,
    )
    ids = ids.dropna(subset=[delivered_key]).reset_index(drop=True)
    repeated = ids[delivered_key].duplicated(keep="first").to_numpy(dtype=bool)
    if not repeated.any():
        return []
    repeats = ids[repeated]
    firsts = ids[~repeated & ids[delivered_key].isin(repeats[delivered_key].unique()).to_numpy(dtype=bool)]
    first_of = {
        key: (file, row)
        for key, file, row in zip(firsts[delivered_key], firsts["source_file"], firsts["source_row"], strict=True)
    }
    return [
        Problem(
            file=str(file),
            row=int(row),
            column=delivered_key,
            value=str(key),
            rule=f"{delivered_key} appears more than once: also in {first_of[key][0]} row {first_of[key][1]}",
        )
        for key, file, row in zip(repeats[delivered_key], repeats["source_file"], repeats["source_row"], strict=True)
    ]


def _respondents(frame: pd.DataFrame, survey: str, year: int, pseudonym_key: str, first_number: int) -> pd.DataFrame:
    respondents = frame.rename(columns=contract.ID_COLUMNS[survey])
    respondents["survey_year"] = np.int64(year)
    if survey == "panel":
        respondents["respondent_number"] = np.arange(first_number, first_number + len(respondents), dtype="int32")
        # The ids as a plain array: iterating the string column itself goes through pandas element by element.
        ids = respondents["respondent_id"].to_numpy(dtype=object)
        respondents["respondent_key"] = pd.array(pseudonymise_all(ids, pseudonym_key), dtype="string")
        respondents["weight"] = as_numbers(respondents["weight"])
    return respondents[list(RESPONDENT_COLUMNS[survey])]


def _answers(frame: pd.DataFrame, keys: pd.Series, questions: pd.DataFrame, survey: str, year: int) -> pd.DataFrame:
    """One row per respondent × codebook question (a question the file lacks is blank), each respondent's rows
    together: the stored key then repeats row after row, which the working database compresses; question after
    question, neighbouring rows' keys all differ, and each is written whole (benchmarks/RESULTS.md)."""
    codes = np.full((len(frame), len(questions)), np.nan)
    for position, source_key in enumerate(questions["source_key"]):
        if source_key in frame.columns:
            codes[:, position] = as_numbers(frame[source_key]).to_numpy()
    question_ids = np.asarray(questions["question_id"], dtype=object)
    return pd.DataFrame(
        {
            "survey_year": np.full(codes.size, year, dtype="int64"),
            RESPONDENT_KEYS[survey][1]: keys.array.repeat(len(questions)),  # the orgnr's text, the number's int32
            "question_id": pd.array(np.tile(question_ids, len(frame)), dtype="string"),
            "answer_code": pd.array(codes.ravel(), dtype="Int64"),
        }
    )
