"""The dbt seeds the generator reads: question and indicator catalogues, populations and published figures."""

from __future__ import annotations

from functools import cache

import pandas as pd

from itip_pipeline.reference.seeds import seed


@cache
def indicator_catalogue() -> pd.DataFrame:
    return seed("indicator_catalogue")


@cache
def scale_labels() -> pd.DataFrame:
    return seed("answer_scale_labels")


@cache
def published_figures() -> pd.DataFrame:
    return seed("published_figures")


@cache
def population_groups(population: str) -> tuple[str, ...]:
    """The respondent groups a population pools, as the warehouse defines it (seeds/populations.csv)."""
    populations = seed("populations").set_index("population")
    return tuple(populations.loc[population, "respondent_groups"].split("|"))


def dont_know_in_base(question_id: str) -> bool:
    """Whether the question's indicator counts "vet ikke" in its headline base (indicator catalogue)."""
    indicators = indicator_catalogue()
    return indicators.loc[indicators.question_id == question_id, "dont_know_in_base"].iloc[0] == "true"


def success_codes(text: str) -> tuple[int, ...]:
    """'3|4|5' -> (3, 4, 5)."""
    return tuple(int(code) for code in text.split("|"))
