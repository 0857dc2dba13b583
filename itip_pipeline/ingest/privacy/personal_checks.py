"""The personal-data rules applied to one delivered file: columns named as personal data, and personal values.

Both are refusals (see docs/data_contract.md, section 7). The recognisers live in `personal_data`; this
module turns their findings into `Problem`s naming file, row and column, with the value masked.
"""

from __future__ import annotations

import pandas as pd

from itip_pipeline.core.personal_values import forbidden_family, mask, personal_kind, personal_values
from itip_pipeline.ingest.problems import Problem

BOOKKEEPING_COLUMNS = ("source_file", "source_row")


def personal_data_problems(frame: pd.DataFrame) -> list[Problem]:
    """A file's personal data: each column whose name is in a personal-data family, and each cell elsewhere
    whose value is a birth number, e-mail address or phone number. `frame` carries source_file/source_row."""
    file = str(frame["source_file"].iloc[0]) if len(frame) else ""
    problems: list[Problem] = []
    for column in frame.columns:
        if column in BOOKKEEPING_COLUMNS:
            continue
        if personal_kind(column) is not None:  # a header that is itself an e-mail address or a phone number
            problems.append(
                Problem(
                    file=file,
                    column=mask(column),
                    rule=f"the column name is personal data ({personal_kind(column)}): remove or rename the column",
                )
            )
            continue
        family = forbidden_family(column)
        if family is not None:
            problems.append(
                Problem(
                    file=file,
                    column=column,
                    rule=f"the column name says {family}: direct identifiers and free text must not be delivered "
                    "under any name; remove the column",
                )
            )
            continue
        kinds = personal_values(frame[column])
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
