"""A delivered codebook checked against the question catalogue: ids, their history and their code bounds.

The catalogue (itip_pipeline.reference.question_catalogue) is the warehouse's memory of every question: which source
column carried it in each year, its scale, code bounds and "vet ikke" code. A codebook that disagrees with
it would publish numbers under the wrong question or count blanks in a base, and the dbt tests would catch
that only after loading, blocking every later year. So ingest refuses it, row by row:

- every (survey, question_id) must be in the catalogue (new questions are agreed, and catalogued, first);
- for a year the catalogue has, each row must be that year's catalogue row: the same source column for the
  id (two ids swapped are refused) and the same scale, min_code, max_code and dont_know_code;
- for a year the catalogue does not have (a new year such as 2026, or one before it starts, such as
  2020), scale and bounds must match the id's catalogue row nearest in time, and a source column that the
  nearest catalogued year used for another id is refused (a renumbered questionnaire must rename columns,
  not reuse them under new meanings). Nearest, not latest earlier: a year before the catalogue has no
  earlier year, and would otherwise pass with two ids swapped.
"""

from __future__ import annotations

import pandas as pd

from itip_pipeline.ingest.problems import Problem
from itip_pipeline.reference.question_catalogue import question_catalogue

BOUND_COLUMNS = ("scale", "min_code", "max_code", "dont_know_code")


def _key(column: str) -> str:
    return str(column).strip().lower()


def catalogue_problems(codebook: pd.DataFrame, year: int, file: str) -> list[Problem]:
    """Problems of the codebook (typed rows with source_row) against the catalogue; [] when it agrees.

    Linear in the codebook's rows: the catalogue is indexed once (by question, and by year and column), so a
    row costs a look-up, never a scan of the catalogue.
    """
    catalogue = question_catalogue()
    index = _CatalogueIndex(catalogue)
    problems: list[Problem] = []
    for row in codebook.itertuples(index=False):
        history = index.history.get((row.survey, row.question_id))
        where = {"file": file, "row": int(row.source_row)}
        if history is None:
            problems.append(
                Problem(
                    **where,
                    column="question_id",
                    value=row.question_id,
                    rule=f"not a {row.survey} question in the question catalogue; a new question needs an id agreed "
                    "with the warehouse team before delivery",
                )
            )
            continue
        if year in index.years.get(row.survey, ()):
            problems += _known_year_problems(row, history, index, year, where)
        else:
            problems += _bound_problems(row, _nearest_in_time(history, year), where)
            nearest_year = index.nearest_year(row.survey, year)
            problems += _reused_column_problems(row, index, nearest_year, where)
    return problems


class _CatalogueIndex:
    """The question catalogue indexed for the codebook's look-ups."""

    def __init__(self, catalogue: pd.DataFrame):
        self.history = {key: rows for key, rows in catalogue.groupby(["survey", "question_id"], sort=False)}
        self.years = {survey: set(rows["survey_year"]) for survey, rows in catalogue.groupby("survey", sort=False)}
        self._question_of: dict[tuple[str, int, str], str] = {}
        for survey, survey_year, column, question_id in catalogue[
            ["survey", "survey_year", "source_column", "question_id"]
        ].itertuples(index=False):
            self._question_of.setdefault((survey, int(survey_year), _key(column)), str(question_id))
        self._nearest: dict[tuple[str, int], int] = {}
        self._catalogue = catalogue

    def question_of(self, survey: str, year: int, source_column: str) -> str | None:
        return self._question_of.get((survey, year, _key(source_column)))

    def nearest_year(self, survey: str, year: int) -> int:
        if (survey, year) not in self._nearest:
            rows = self._catalogue[self._catalogue["survey"] == survey]
            self._nearest[(survey, year)] = int(_nearest_in_time(rows, year)["survey_year"])
        return self._nearest[(survey, year)]


def _known_year_problems(row, history: pd.DataFrame, index: _CatalogueIndex, year: int, where: dict) -> list[Problem]:
    that_year = history[history["survey_year"] == year]
    if that_year.empty:
        return [
            Problem(
                **where,
                column="question_id",
                value=row.question_id,
                rule=f"the question catalogue has no {row.survey} question {row.question_id} in {year}",
            )
        ]
    reference = that_year.iloc[0]
    if _key(reference["source_column"]) != _key(row.source_column):
        other = index.question_of(row.survey, year, row.source_column)
        also = f", and {row.source_column} is {other}" if other else ""
        return [
            Problem(
                **where,
                column="source_column",
                value=row.source_column,
                rule=f"contradicts the question catalogue: in {year} {row.question_id} is column "
                f"{reference['source_column']}{also} (question ids swapped or mistyped?)",
            )
        ]
    return _bound_problems(row, reference, where)


def _nearest_in_time(rows: pd.DataFrame, year: int) -> pd.Series:
    """The catalogue row whose year is nearest to `year`; on a tie (one year on each side) the earlier one."""
    distance = (rows["survey_year"] - year).abs() * 2 + (rows["survey_year"] > year)
    return rows.loc[distance.idxmin()]


def _reused_column_problems(row, index: _CatalogueIndex, other_year: int, where: dict) -> list[Problem]:
    other = index.question_of(row.survey, other_year, row.source_column)
    if other is None or other == row.question_id:
        return []
    return [
        Problem(
            **where,
            column="source_column",
            value=row.source_column,
            rule=f"in {other_year} column {row.source_column} was question {other}, not {row.question_id}; "
            "a column that changes meaning needs a new name",
        )
    ]


def _bound_problems(row, reference: pd.Series, where: dict) -> list[Problem]:
    problems = []
    for column in BOUND_COLUMNS:
        delivered, expected = getattr(row, column), reference[column]
        if pd.isna(delivered) or str(delivered) != str(expected):
            problems.append(
                Problem(
                    **where,
                    column=column,
                    value=None if pd.isna(delivered) else str(delivered),
                    rule=f"must be {expected} for {row.question_id}, as in the question catalogue "
                    f"({int(reference['survey_year'])})",
                )
            )
    return problems
