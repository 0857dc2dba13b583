"""The question catalogue (dbt_project/seeds/question_catalogue.csv), read in one place for Python.

One row per (survey, question_id, survey_year): the source column the question had that year, its scale,
code bounds and "vet ikke" code. dbt reads the same seed as `stg_question_catalogue`; ingest checks each
delivered codebook against it, and the synthetic generator writes deliveries from it.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from itip_pipeline.reference.seeds import seed

CODE_COLUMNS = ("survey_year", "min_code", "max_code", "dont_know_code")


@cache
def question_catalogue() -> pd.DataFrame:
    frame = seed("question_catalogue")
    for column in CODE_COLUMNS:
        frame[column] = frame[column].astype(int)
    return frame
