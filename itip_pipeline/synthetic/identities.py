"""Who answers: an invented register of organisations, each year's responding organisations, the panel.

Organisation numbers are random but valid (mod-11); kommunenummer follow the real county layout and the
2024 county reform. Panel ids are pseudonymous running numbers, never anything personal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from itip_pipeline.contract import AGE_GROUPS, GENDERS, REGIONS, orgnr_check_digit
from itip_pipeline.synthetic.seeding import rng

_OPEN = (0, 9999)  # first and last year of an organisation that exists throughout


def _orgnumbers(count: int, generator: np.random.Generator, share_starting_with_8: float) -> list[str]:
    numbers: list[str] = []
    while len(numbers) < count:
        first = "8" if generator.random() < share_starting_with_8 else "9"
        body = first + "".join(map(str, generator.integers(0, 10, 7)))
        check = orgnr_check_digit(body)
        if check is not None and body + str(check) not in numbers:
            numbers.append(body + str(check))
    return numbers


def _municipalities(calibration: dict) -> list[tuple[str | None, str]]:
    """(kommunenummer 2020-2023 or None, kommunenummer from 2024) for every municipality."""
    per_county = calibration["municipalities_per_county_2020"]
    pairs: list[tuple[str | None, str]] = []
    for county, count in per_county.items():
        before = [f"{county}{i:02d}" for i in range(1, count + 1)]
        split = calibration["county_split_2024"].get(county)
        after = [f"{new}{i:02d}" for new, n in split.items() for i in range(1, n + 1)] if split else before
        if len(after) != count:
            raise ValueError(f"county_split_2024 for {county} must place all {count} municipalities")
        pairs.extend(zip(before, after))
    for county, count in calibration["new_municipalities_2024"].items():
        pairs.extend((None, f"{county}{per_county[county] + i:02d}") for i in range(1, count + 1))
    return pairs


def _county_municipalities(calibration: dict) -> list[tuple[int, int]]:
    """(first year, last year) of every county municipality; Oslo (03) is a municipality only."""
    split = calibration["county_split_2024"]
    spans = []
    for county in calibration["municipalities_per_county_2020"]:
        if county != "03":
            spans.append((_OPEN[0], 2023) if county in split else _OPEN)
    spans.extend((2024, _OPEN[1]) for new_counties in split.values() for _ in new_counties)
    return spans


def organisation_register(calibration: dict, seed: int) -> pd.DataFrame:
    """Every invented organisation: orgnr, sector, years it exists, kommunenummer, willingness to answer."""
    settings = calibration["organisations"]
    municipalities = _municipalities(calibration)
    county_spans = _county_municipalities(calibration)
    n_stat = settings["pool"]["stat"]
    rows = (
        [("stat", *_OPEN, None, None)] * n_stat
        + [("kommune", 2024 if before is None else _OPEN[0], _OPEN[1], before, after) for before, after in municipalities]
        + [("fylkeskommune", first, last, None, None) for first, last in county_spans]
    )
    register = pd.DataFrame(rows, columns=["sector", "first_year", "last_year", "kommunenr_before_2024", "kommunenr_from_2024"])
    generator = rng(seed, "register")
    register.insert(0, "orgnr", _orgnumbers(len(register), generator, settings["orgnr_share_starting_with_8"]))
    register["willingness"] = generator.random(len(register))
    return register


def organisations_for_year(register: pd.DataFrame, calibration: dict, year: int, seed: int) -> pd.DataFrame:
    """The responding organisations of a year as the id columns aar, orgnr, sektor, kommunenr."""
    settings = calibration["organisations"]
    noise = rng(seed, year, "response").normal(0, settings["recurrence_noise"], len(register))
    scored = register.assign(score=register["willingness"] + noise)
    scored = scored[(scored.first_year <= year) & (year <= scored.last_year)]
    chosen = pd.concat(
        scored[scored.sector == sector].nlargest(settings["respondents"][sector][year], "score").sort_values("orgnr")
        for sector in settings["respondents"]
    )
    kommunenr = chosen["kommunenr_from_2024" if year >= 2024 else "kommunenr_before_2024"]
    return pd.DataFrame({
        "aar": year, "orgnr": chosen["orgnr"], "sektor": chosen["sector"], "kommunenr": kommunenr,
    }).reset_index(drop=True)


def _draw(generator: np.random.Generator, shares: dict, allowed: tuple[str, ...], n: int) -> np.ndarray:
    if set(shares) != set(allowed):
        raise ValueError(f"panel shares must cover exactly {allowed}")
    return generator.choice(list(shares), size=n, p=np.array(list(shares.values())) / sum(shares.values()))


def panel_respondents(calibration: dict, year: int, n: int, seed: int) -> pd.DataFrame:
    """n panel respondents: pseudonymous id, weight (mean 1), gender, age group and region."""
    panel = calibration["panel"]
    generator = rng(seed, year, "panel")
    age = _draw(generator, panel["age_group"], AGE_GROUPS, n)
    raw = pd.Series(age).map(panel["weight_factor_by_age"]).to_numpy() * generator.lognormal(0, panel["weight_noise_sigma"], n)
    low, high = panel["weight_range"]
    weight = np.clip(raw / raw.mean(), low, high)
    return pd.DataFrame({
        "aar": year,
        "respondent_id": [f"P{year}-{i:06d}" for i in range(1, n + 1)],
        "vekt": np.round(weight / weight.mean(), 4),
        "kjonn": _draw(generator, panel["gender"], GENDERS, n),
        "aldersgruppe": age,
        "landsdel": _draw(generator, panel["region"], REGIONS, n),
    })
