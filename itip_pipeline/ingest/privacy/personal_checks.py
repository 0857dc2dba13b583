"""The personal-data rules applied to one delivered file: columns named as personal data, and personal values.

Both are refusals (see docs/data_contract.md, section 7). The recognisers live in `personal_data`; this
module turns their findings into `Problem`s naming file, row and column, with the value masked.
"""

from __future__ import annotations

import pandas as pd

from itip_pipeline.core.personal_values import (
    forbidden_family,
    looks_like_person_name,
    mask,
    personal_kind,
    personal_values,
)
from itip_pipeline.ingest.problems import Problem

BOOKKEEPING_COLUMNS = ("source_file", "source_row")
# A column is taken for people's names by what it holds, whatever its name: at least this many distinct
# values, and at least this share of them reading as a name ("Kari Nordmann"). One name among codes, or a
# few two-word place names among one-word ones ("Nordre Land" among "Oslo", "Bergen"), is not enough.
NAMES_MIN_DISTINCT = 3
NAMES_MIN_SHARE = 0.8
NAMES_SAMPLE = 200


def personal_data_problems(frame: pd.DataFrame) -> list[Problem]:
    """A file's personal data: each column whose name is in a personal-data family or whose values are
    mostly people's names, and each cell elsewhere whose value is a birth number, e-mail address or phone
    number. `frame` carries source_file/source_row."""
    file = str(frame["source_file"].iloc[0]) if len(frame) else ""
    problems: list[Problem] = []
    for column in frame.columns:
        if column in BOOKKEEPING_COLUMNS:
            continue
        # Both checks judge each distinct value once; duplicates dropped before blanks, as the blanks' test
        # costs as much as the hashing and is then run on the few distinct values only.
        distinct = frame[column].drop_duplicates().dropna()
        refusal = _column_refusal(column, distinct)
        if refusal is not None:
            problems.append(Problem(file=file, column=refusal[0], rule=refusal[1]))
            continue
        kinds = personal_values(distinct)
        if not kinds:
            continue
        for position in frame.index[frame[column].isin(list(kinds)).fillna(False)]:
            value = str(frame.at[position, column])
            problems.append(
                Problem(
                    file=str(frame.at[position, "source_file"]),
                    row=int(frame.at[position, "source_row"]),
                    column=column,
                    value=value,
                    rule=f"personal data ({kinds[value]}): not to be delivered in any column "
                    "(a panel id must be a pseudonym from the panel system)",
                )
            )
    return problems


def _column_refusal(column: str, distinct: pd.Series) -> tuple[str, str] | None:
    """(column as it may be shown, rule) when the whole column is personal data, by its name or its distinct
    non-blank values (in the order they first come)."""
    if personal_kind(column) is not None:  # a header that is itself an e-mail address or a phone number
        return mask(column), f"the column name is personal data ({personal_kind(column)}): remove or rename the column"
    family = forbidden_family(column)
    if family is not None:
        return column, (
            f"the column name says {family}: direct identifiers and free text must not be delivered under any "
            "name; remove the column"
        )
    names = _share_of_names(distinct)
    if names is not None:
        return column, (
            f"the column holds people's names ({names}); direct identifiers must not be delivered under any "
            "name; remove the column"
        )
    return None


def _share_of_names(distinct: pd.Series) -> str | None:
    """How many of the column's distinct values read as a person's name ("4 of 5 distinct values read as a
    first and last name"), when enough of them do to take the column for names; None otherwise."""
    if len(distinct) < NAMES_MIN_DISTINCT:
        return None
    # The first distinct values decide for a column of ids or codes, so a million ids cost a few hundred calls.
    first = distinct.iloc[:NAMES_SAMPLE]
    if sum(1 for value in first if looks_like_person_name(value)) < NAMES_MIN_SHARE * len(first):
        return None
    names = sum(1 for value in distinct if looks_like_person_name(value))
    if names < NAMES_MIN_SHARE * len(distinct):
        return None
    return f"{names} of {len(distinct)} distinct values read as a first and last name"
