"""The municipality register (dbt_project/seeds/municipality_register.csv), read in one place for Python.

Norway's municipalities and counties per version of Statistics Norway's classification 131 (the seed's
description in _seeds.yml names the source): which kommunenummer exist in a survey year, and in which county.
The delivery contract checks a delivered kommunenr against it, and the synthetic generator draws its
municipalities from it; dbt reads the same seed (marts.dim_municipality).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd

from itip_pipeline.reference.seeds import seed


@cache
def municipality_register() -> pd.DataFrame:
    """Every row of the seed: valid_from_year, valid_to_year (int), kommunenummer, kommunenavn, fylkesnummer, …"""
    return seed("municipality_register").astype({"valid_from_year": int, "valid_to_year": int})


@dataclass(frozen=True)
class RegisterYear:
    """The register's answer for one survey year."""

    year: int
    municipalities: pd.DataFrame  # kommunenummer, kommunenavn, fylkesnummer, fylkesnavn valid that year
    version: str | None  # SSB's classification version applied, None before the register begins
    covered: bool  # False after the last checked year (the newest version is applied) and before the first

    @property
    def numbers(self) -> frozenset[str]:
        return frozenset(self.municipalities["kommunenummer"])

    @property
    def counties(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.municipalities["fylkesnummer"])))


def first_year() -> int:
    return int(municipality_register()["valid_from_year"].min())


def last_year() -> int:
    """The last year the register has been checked against SSB's classification."""
    return int(municipality_register()["valid_to_year"].max())


@cache
def register_for_year(year: int) -> RegisterYear:
    """The municipalities valid in the year. After the last checked year the newest version applies
    (covered=False: municipality numbers change only by a reform decided well ahead, so the newest version
    is the best knowledge, and the load says it used it); before the first year there is none."""
    register = municipality_register()
    if year < first_year():
        return RegisterYear(year, register.iloc[0:0], None, covered=False)
    applied = min(year, last_year())
    rows = register[(register.valid_from_year <= applied) & (applied <= register.valid_to_year)]
    columns = ["kommunenummer", "kommunenavn", "fylkesnummer", "fylkesnavn"]
    return RegisterYear(
        year, rows[columns].reset_index(drop=True), rows["classification_version"].iloc[0], covered=year <= last_year()
    )


@cache
def municipality_change_2024() -> pd.DataFrame:
    """SSB's 2023 → 2024 crosswalk (seed municipality_change_2024), main_successor as bool."""
    frame = seed("municipality_change_2024")
    return frame.assign(main_successor=frame["main_successor"] == "true")
