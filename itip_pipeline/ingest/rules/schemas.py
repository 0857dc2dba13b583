"""Pandera schemas of delivered frames, and the translation of their failures into Problems.

The frames checked here are as `readers.read_table` returns them: delivered (lower-cased) column names,
every value text, plus `source_file` and `source_row` so a failure points at the file's own row. Each
check's `error` is the rule a Problem states (value sets, declared with Field(isin=...), are phrased
from pandera's check name); rules that depend on the year or on the codebook are added to the static
models by the `*_schema` builders.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from itip_pipeline.core import contract
from itip_pipeline.core.personal_values import forbidden_family
from itip_pipeline.ingest.files.readers import per_distinct_value
from itip_pipeline.ingest.problems import Problem
from itip_pipeline.ingest.rules.kommunenummer_rules import ASCII_3_DIGITS, ASCII_4_DIGITS, kommunenr_checks

NOT_A_NUMBER = "must be a number, not text"
NOT_WHOLE = "must be a whole number"
KOMMUNENR_BY_SECTOR = "kommunenr is required for sektor kommune and must be blank for stat and fylkeskommune"
MIN_ABOVE_MAX = "max_code must not be below min_code"
CODE_OUT_OF_RANGE = f"answer codes must lie in {contract.CODE_RANGE[0]}-{contract.CODE_RANGE[1]}"
WEIGHT_OUT_OF_RANGE = (
    f"vekt must be a number from {contract.WEIGHT_RANGE[0]} to {contract.WEIGHT_RANGE[1]} (a plausible weight)"
)
DUPLICATE_SOURCE_COLUMN = "the pair (survey, source_column) appears more than once"
DUPLICATE_QUESTION_ID = "the pair (survey, question_id) appears more than once"
# Row-level checks see several columns; each failure is reported once, at the column named here.
ROW_CHECK_COLUMNS = {
    KOMMUNENR_BY_SECTOR: "kommunenr",
    MIN_ABOVE_MAX: "max_code",
    DUPLICATE_SOURCE_COLUMN: "source_column",
    DUPLICATE_QUESTION_ID: "question_id",
}
LEADING_ZERO_LOST = (
    "kommunenr must be 4 digits: this one has 3, a lost leading zero (Oslo is 0301, not 301), as when a "
    "spreadsheet or statistics program stores the column as numbers; deliver kommunenr as text"
)
BUILTIN_RULES = {"not_nullable": "must not be blank", "column_in_dataframe": "required column is missing"}


class _LastConversion(threading.local):
    """The column last converted by as_numbers, with its numbers, while a schema validates a frame.

    Pandera runs a column's checks one after another on the same Series, and three of an answer column's
    checks read its numbers: converting 100,000 texts costs tens of milliseconds each time. The Series is held,
    so no other object can take its identity meanwhile; outside validation_problems nothing is kept, as a
    Series may change in place between two calls.
    """

    active = False
    values: pd.Series | None = None
    numbers: pd.Series | None = None


_last = _LastConversion()


@contextmanager
def _conversions_kept() -> Iterator[None]:
    _last.active = True
    try:
        yield
    finally:
        _last.active, _last.values, _last.numbers = False, None, None


def as_numbers(values: pd.Series) -> pd.Series:
    """Text as float64; NaN where blank or not a number. The result is shared: do not change it in place."""
    if _last.values is values:
        return _last.numbers
    # Parsed from a plain object array: the same parser as on the string column, without the nullable
    # result pandas builds for a string column first (about half the time).
    array = values.to_numpy(dtype=object, na_value=np.nan)
    if isinstance(values.dtype, pd.StringDtype):
        # Each distinct text parsed once. Only for text, where equal values are equal strings.
        parsed = per_distinct_value(array, _parsed_numbers, np.nan)
        numbers = pd.Series(parsed, index=values.index, dtype="float64")
    else:
        numbers = pd.Series(pd.to_numeric(array, errors="coerce"), index=values.index, dtype="float64")
    if _last.active:
        _last.values, _last.numbers = values, numbers
    return numbers


def _parsed_numbers(distinct: np.ndarray) -> np.ndarray:
    return np.asarray(pd.to_numeric(distinct, errors="coerce"), dtype="float64")


def is_number(values: pd.Series) -> pd.Series:
    return as_numbers(values).notna()


def is_whole_or_text(values: pd.Series) -> pd.Series:
    """True unless the value is a number with a fraction (text is the number check's to report)."""
    numbers = as_numbers(values)
    return numbers.isna() | (np.isfinite(numbers) & (numbers == np.round(numbers)))


def code_or_unreadable(values: pd.Series, low: int, high: int, dont_know: int | None) -> pd.Series:
    """True when the number is a code low..high or the "vet ikke" code, or when it is no whole number
    (reported by the checks above). A comparison, not a set of codes: the bounds cost nothing to check."""
    numbers = as_numbers(values)
    allowed = numbers.between(low, high) | (numbers == dont_know if dont_know is not None else False)
    return ~is_whole_or_text(values) | numbers.isna() | allowed


Text = Series[pd.StringDtype]


class Delivered(pa.DataFrameModel):
    """What every delivered frame carries besides its own columns."""

    source_file: Text = pa.Field(nullable=False)
    source_row: Series[int] = pa.Field(ge=1)

    class Config:
        strict = False


class CodebookModel(Delivered):
    survey: Text = pa.Field(nullable=False, isin=contract.SURVEYS)
    source_column: Text = pa.Field(nullable=False)
    question_id: Text = pa.Field(nullable=False)
    scale: Text = pa.Field(nullable=False, isin=contract.SCALES)
    min_code: Text = pa.Field(nullable=False)
    max_code: Text = pa.Field(nullable=False)
    dont_know_code: Text = pa.Field(nullable=True)
    wording: Text = pa.Field(nullable=True)

    @pa.check("source_column", error="source_column must not be an identifier or a forbidden column")
    def answer_column(cls, source_column: Text) -> Series[bool]:
        identifiers = set().union(*contract.ID_COLUMNS.values())
        return ~(source_column.str.strip().str.lower().isin(identifiers) | source_column.map(forbidden_family).notna())

    @pa.check("min_code", "max_code", "dont_know_code", error=NOT_A_NUMBER)
    def code_is_number(cls, code: Text) -> Series[bool]:
        return is_number(code)

    @pa.check("min_code", "max_code", "dont_know_code", error=NOT_WHOLE)
    def code_is_whole(cls, code: Text) -> Series[bool]:
        return is_whole_or_text(code)

    @pa.check("min_code", "max_code", "dont_know_code", error=CODE_OUT_OF_RANGE)
    def code_in_range(cls, code: Text) -> Series[bool]:
        low, high = contract.CODE_RANGE
        numbers = as_numbers(code)
        return numbers.isna() | ((numbers >= low) & (numbers <= high))

    @pa.dataframe_check(error=MIN_ABOVE_MAX)
    def min_not_above_max(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~(as_numbers(frame["min_code"]) > as_numbers(frame["max_code"]))

    @pa.dataframe_check(error=DUPLICATE_SOURCE_COLUMN)
    def unique_source_column(cls, frame: pd.DataFrame) -> Series[bool]:
        key = frame["source_column"].str.strip().str.lower()
        return ~pd.DataFrame({"survey": frame["survey"], "key": key}).duplicated(keep=False)

    @pa.dataframe_check(error=DUPLICATE_QUESTION_ID)
    def unique_question_id(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~frame[["survey", "question_id"]].duplicated(keep=False)


class OrgRespondentsModel(Delivered):
    aar: Text = pa.Field(nullable=False)
    orgnr: Text = pa.Field(nullable=False)
    sektor: Text = pa.Field(nullable=False, isin=contract.SECTORS)
    kommunenr: Text = pa.Field(nullable=True)

    @pa.check("orgnr", error="orgnr must be 9 digits ending in a valid mod-11 check digit")
    def valid_orgnr(cls, orgnr: Text) -> Series[bool]:
        return orgnr.map(contract.is_valid_orgnr, na_action="ignore").astype(bool)

    @pa.check("kommunenr", error="kommunenr must be 4 digits")
    def four_digits(cls, kommunenr: Text) -> Series[bool]:
        return (kommunenr.str.fullmatch(ASCII_4_DIGITS) | kommunenr.str.fullmatch(ASCII_3_DIGITS)).astype(bool)

    @pa.check("kommunenr", error=LEADING_ZERO_LOST)
    def leading_zero_kept(cls, kommunenr: Text) -> Series[bool]:
        # Refused, not padded: the file's column type is wrong, and a guessed zero would hide that.
        return ~kommunenr.str.fullmatch(ASCII_3_DIGITS).astype(bool)

    @pa.dataframe_check(error=KOMMUNENR_BY_SECTOR)
    def kommunenr_by_sector(cls, frame: pd.DataFrame) -> Series[bool]:
        if not {"sektor", "kommunenr"} <= set(frame.columns):
            return pd.Series(True, index=frame.index)
        blank = frame["kommunenr"].isna()
        municipal = frame["sektor"] == "kommune"
        other = frame["sektor"].isin(("stat", "fylkeskommune"))
        return ~((municipal & blank) | (other & ~blank)).fillna(False).astype(bool)


class PanelRespondentsModel(Delivered):
    aar: Text = pa.Field(nullable=False)
    respondent_id: Text = pa.Field(nullable=False)
    vekt: Text = pa.Field(nullable=False)
    kjonn: Text = pa.Field(nullable=False, isin=contract.GENDERS)
    aldersgruppe: Text = pa.Field(nullable=False, isin=contract.AGE_GROUPS)
    landsdel: Text = pa.Field(nullable=False, isin=contract.REGIONS)

    @pa.check(
        "respondent_id",
        error="respondent_id must be visible characters only: no zero-width, non-breaking, "
        "tab or other invisible characters (the same id with one would count as a second person)",
    )
    def visible_respondent_id(cls, respondent_id: Text) -> Series[bool]:
        # str.isprintable() is False for control, format (zero-width) and separator characters but the space.
        return respondent_id.map(str.isprintable, na_action="ignore").fillna(True).astype(bool)

    @pa.check("vekt", error=NOT_A_NUMBER)
    def weight_is_number(cls, vekt: Text) -> Series[bool]:
        return is_number(vekt)

    @pa.check("vekt", error=WEIGHT_OUT_OF_RANGE)
    def weight_plausible(cls, vekt: Text) -> Series[bool]:
        low, high = contract.WEIGHT_RANGE
        weights = as_numbers(vekt)
        return weights.isna() | ((weights >= low) & (weights <= high))


RESPONDENT_MODELS = {"org": OrgRespondentsModel, "panel": PanelRespondentsModel}


def respondents_schema(survey: str, year: int) -> pa.DataFrameSchema:
    """The survey's respondent model plus the rules that depend on the delivery's year."""
    schema = RESPONDENT_MODELS[survey].to_schema()
    year_check = pa.Check(
        lambda aar: as_numbers(aar) == year, error=f"aar must equal {year}, the year of the delivery folder"
    )
    schema = schema.update_column("aar", checks=[*schema.columns["aar"].checks, year_check])
    if survey == "org":
        checks = [*schema.columns["kommunenr"].checks, *kommunenr_checks(year)]
        schema = schema.update_column("kommunenr", checks=checks)
    return schema


def answers_schema(questions: pd.DataFrame, present: set[str]) -> pa.DataFrameSchema:
    """Answer-code rules for the codebook questions (one survey's rows) whose column is in the frame.

    `questions` needs source_key (the matched column name), question_id, min_code, max_code, dont_know_code.
    """
    columns = {}
    for question in questions.itertuples(index=False):
        if question.source_key not in present:
            continue
        # int(): a codebook read back from the database may carry its codes as int32 or float.
        low, high = int(question.min_code), int(question.max_code)
        dont_know = None if pd.isna(question.dont_know_code) else int(question.dont_know_code)
        named = "" if dont_know is None else f" or {dont_know} (vet ikke)"
        rule = f"must be a code {low}-{high}{named} of {question.question_id}, or blank"
        columns[question.source_key] = pa.Column(
            pd.StringDtype(),
            nullable=True,
            # ignore_na=False: each check sees the column itself, not a copy without its blanks, so the three
            # share one conversion to numbers (as_numbers); blanks pass each of them.
            checks=[
                pa.Check(lambda s: is_number(s) | s.isna(), error=NOT_A_NUMBER, ignore_na=False),
                pa.Check(is_whole_or_text, error=NOT_WHOLE, ignore_na=False),
                pa.Check(
                    lambda s, low=low, high=high, dk=dont_know: code_or_unreadable(s, low, high, dk),
                    error=rule,
                    ignore_na=False,
                ),
            ],
        )
    return pa.DataFrameSchema(columns)


def validation_problems(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> list[Problem]:
    """Every failure of the schema on the frame as a Problem at the file's own row, or [] if it passes."""
    try:
        with _conversions_kept():
            schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _failures_to_problems(errors.failure_cases, frame)
    return []


def _rule(check: str, column: str | None) -> str:
    if check.startswith("isin("):
        allowed = ast.literal_eval(check.removeprefix("isin(").removesuffix(")"))
        return f"{column} must be one of {', '.join(allowed)}"
    return BUILTIN_RULES.get(check, check)


def _failures_to_problems(failures: pd.DataFrame, frame: pd.DataFrame) -> list[Problem]:
    """Pandera's failure cases as Problems. Linear in the failures and the frame: every lookup is by position
    (a failure's row found once through the index), never a scan of the frame per failure."""
    file = str(frame["source_file"].iloc[0]) if len(frame) else ""
    positions = frame.index.get_indexer(pd.Index(failures["index"]).where(failures["index"].notna(), -1))
    source_files = frame["source_file"].to_numpy(dtype=object)
    source_rows = frame["source_row"].to_numpy()
    cells: dict[str, np.ndarray] = {}
    problems: list[Problem] = []
    row_checks_seen: set[tuple[str, int]] = set()
    for failure, position in zip(failures.itertuples(index=False), positions, strict=True):
        rule = _rule(failure.check, failure.column)
        if pd.isna(failure.index):
            column = failure.failure_case if failure.check == "column_in_dataframe" else failure.column
            problems.append(Problem(file=file, column=column, rule=rule))
            continue
        column = failure.column
        if failure.schema_context == "DataFrameSchema":
            if (rule, position) in row_checks_seen:
                continue
            row_checks_seen.add((rule, position))
            column = ROW_CHECK_COLUMNS.get(rule, column)
        if column not in cells:
            cells[column] = frame[column].to_numpy(dtype=object)
        value = cells[column][position]
        problems.append(
            Problem(
                file=str(source_files[position]),
                row=int(source_rows[position]),
                column=column,
                value=None if pd.isna(value) else str(value),
                rule=rule,
            )
        )
    return problems
