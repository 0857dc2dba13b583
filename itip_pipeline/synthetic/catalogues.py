"""The dbt seeds the generator reads: question catalogue, indicator catalogue and published figures."""

from __future__ import annotations

from functools import cache

import pandas as pd

from itip_pipeline.question_catalogue import question_catalogue  # noqa: F401  (re-exported for the generator)
from itip_pipeline.settings import get_settings


def _seed(name: str) -> pd.DataFrame:
    return pd.read_csv(get_settings().dbt_project_dir / "seeds" / f"{name}.csv", dtype=str, keep_default_na=False)


@cache
def indicator_catalogue() -> pd.DataFrame:
    return _seed("indicator_catalogue")


@cache
def published_figures() -> pd.DataFrame:
    return _seed("published_figures")


def success_codes(text: str) -> tuple[int, ...]:
    """'3|4|5' -> (3, 4, 5)."""
    return tuple(int(code) for code in text.split("|"))
