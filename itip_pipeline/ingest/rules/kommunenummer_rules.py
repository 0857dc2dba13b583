"""The kommunenummer rules that depend on the survey year: a delivered kommunenr must be a municipality that
existed that year, by the municipality register (SSB classification 131, itip_pipeline.reference.municipality_register).

A number that is no municipality of the year is refused, and the rule says which case it is, since the fix
differs: a number of another year (a Viken number 30xx of 2020-2023 in a 2025 file, a 2024 number in a 2023
file) wants the municipality's number of the delivery's year; a number that no version of the register has
is a typo or an invented number. The shape rules (four ASCII digits, a lost leading zero) are static and live
in schemas.OrgRespondentsModel; values failing them are left to those rules here. After the register's last
checked year the newest version applies, and `coverage_warning` says so in the load report.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from itip_pipeline.ingest.problems import Problem
from itip_pipeline.reference.municipality_register import last_year, municipality_register, register_for_year

# [0-9], not \d: a regular expression's \d also matches Arabic-Indic and full-width digits.
ASCII_4_DIGITS = r"[0-9]{4}"
ASCII_3_DIGITS = r"[0-9]{3}"  # a kommunenummer that lost its leading zero (301 for 0301)
REGISTER = "the municipality register (SSB classification 131, dbt_project/seeds/municipality_register.csv)"


def _years(first: int, last: int) -> str:
    """A number's years of validity in words; the newest version runs on ("from 2024")."""
    if last >= last_year():
        return f"from {first}"
    return str(first) if first == last else f"{first}-{last}"


def _spans() -> pd.Series:
    """Every kommunenummer of the register → the years it is valid, in words."""
    register = municipality_register()
    spans = register.groupby("kommunenummer").agg(first=("valid_from_year", "min"), last=("valid_to_year", "max"))
    return spans.apply(lambda s: _years(s["first"], s["last"]), axis=1)


def kommunenr_checks(year: int) -> list[pa.Check]:
    """The register checks of the year's kommunenr column: one check per kind of failure, each its own rule."""
    in_year = register_for_year(year)
    if in_year.version is None:
        return [
            pa.Check(
                lambda kommunenr: ~_four_digits(kommunenr),
                error=f"kommunenr cannot be checked for {year}: {REGISTER} begins in "
                f"{municipality_register().valid_from_year.min()}",
            )
        ]
    spans = _spans()
    other_years = spans[~spans.index.isin(in_year.numbers)]
    checks = [
        pa.Check(
            lambda kommunenr, numbers=frozenset(numbers): ~(_four_digits(kommunenr) & kommunenr.isin(numbers)),
            error=f"kommunenr must be a municipality number valid in {year}; this number is valid {span} "
            f"({REGISTER}): use the municipality's number of {year}",
        )
        for span, numbers in other_years.groupby(other_years).groups.items()
    ]
    known = frozenset(spans.index)
    checks.append(
        pa.Check(
            lambda kommunenr: ~(_four_digits(kommunenr) & ~kommunenr.isin(known)),
            error=f"kommunenr must be a municipality number valid in {year}; this number is no municipality in "
            f"{REGISTER}, in any year it covers",
        )
    )
    return checks


def coverage_warning(year: int, file: str) -> Problem | None:
    """A warning for a survey year after the register's last checked year, None otherwise."""
    in_year = register_for_year(year)
    if in_year.covered or in_year.version is None:
        return None
    return Problem(
        file=file,
        column="kommunenr",
        rule=f"{REGISTER} is checked up to {last_year()}: the kommunenr of {year} were checked against its newest "
        f"version, {in_year.version}; add SSB's version for {year} to the seed if municipalities changed",
    )


def _four_digits(kommunenr: pd.Series) -> pd.Series:
    return kommunenr.str.fullmatch(ASCII_4_DIGITS).fillna(False).astype(bool)
