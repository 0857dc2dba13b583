"""Who answers: an invented register of organisations, each year's responding organisations, the panel.

Organisation numbers are random but valid (mod-11); the municipalities are the real ones of the municipality
register (SSB classification 131), renumbered by the 2024 county reform as SSB's change table says. Panel ids
are pseudonymous running numbers, never anything personal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from itip_pipeline.core.contract import AGE_GROUPS, GENDERS, REGIONS, orgnr_check_digit
from itip_pipeline.reference.municipality_register import municipality_change_2024, register_for_year
from itip_pipeline.synthetic.seeding import rng

_OPEN = (0, 9999)  # first and last year of an organisation that exists throughout
OSLO = "03"  # a county and a municipality in one: no county municipality of its own


def _orgnumbers(count: int, generator: np.random.Generator, share_starting_with_8: float) -> list[str]:
    numbers: list[str] = []
    while len(numbers) < count:
        first = "8" if generator.random() < share_starting_with_8 else "9"
        body = first + "".join(map(str, generator.integers(0, 10, 7)))
        check = orgnr_check_digit(body)
        if check is not None and body + str(check) not in numbers:
            numbers.append(body + str(check))
    return numbers


def _municipalities() -> list[tuple[str | None, str]]:
    """(kommunenummer 2020-2023 or None, kommunenummer from 2024) for every municipality of the register:
    each 2023 municipality with its main successor in SSB's change table, then those new in 2024 (Haram)."""
    main = municipality_change_2024().query("main_successor")
    pairs: list[tuple[str | None, str]] = list(zip(main.kommunenummer_2023, main.kommunenummer_2024, strict=True))
    new = sorted(register_for_year(2024).numbers - set(main.kommunenummer_2024))
    return pairs + [(None, number) for number in new]


def _county_municipalities() -> list[tuple[int, int]]:
    """(first year, last year) of every county municipality; Oslo (03) is a municipality only. Counties of
    2023 that the 2024 reform split end in 2023; the counties it made start in 2024."""
    before, after = set(register_for_year(2023).counties), set(register_for_year(2024).counties)
    spans = [_OPEN if county in after else (_OPEN[0], 2023) for county in sorted(before - {OSLO})]
    return spans + [(2024, _OPEN[1]) for _ in sorted(after - before)]


def organisation_register(calibration: dict, seed: int) -> pd.DataFrame:
    """Every invented organisation: orgnr, sector, years it exists, kommunenummer, willingness to answer and
    size. The size is invented (standard normal within the sector: the log of a municipality's population or
    of an agency's staff, standardised) and never delivered; it shifts the answers (latent.py)."""
    settings = calibration["organisations"]
    municipalities = _municipalities()
    county_spans = _county_municipalities()
    n_stat = settings["pool"]["stat"]
    rows = (
        [("stat", *_OPEN, None, None)] * n_stat
        + [
            ("kommune", 2024 if before is None else _OPEN[0], _OPEN[1], before, after)
            for before, after in municipalities
        ]
        + [("fylkeskommune", first, last, None, None) for first, last in county_spans]
    )
    register = pd.DataFrame(
        rows, columns=["sector", "first_year", "last_year", "kommunenr_before_2024", "kommunenr_from_2024"]
    )
    generator = rng(seed, "register")
    register.insert(0, "orgnr", _orgnumbers(len(register), generator, settings["orgnr_share_starting_with_8"]))
    register["willingness"] = generator.random(len(register))
    register["size"] = rng(seed, "register", "size").standard_normal(len(register))
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
    return pd.DataFrame(
        {
            "aar": year,
            "orgnr": chosen["orgnr"],
            "sektor": chosen["sector"],
            "kommunenr": kommunenr,
        }
    ).reset_index(drop=True)


def _draw(generator: np.random.Generator, shares: dict, allowed: tuple[str, ...], n: int) -> np.ndarray:
    if set(shares) != set(allowed):
        raise ValueError(f"panel shares must cover exactly {allowed}")
    return generator.choice(list(shares), size=n, p=np.array(list(shares.values())) / sum(shares.values()))


def panel_respondents(calibration: dict, year: int, n: int, seed: int) -> pd.DataFrame:
    """n panel respondents: pseudonymous id, weight (mean 1), gender, age group and region."""
    panel = calibration["panel"]
    generator = rng(seed, year, "panel")
    age = _draw(generator, panel["age_group"], AGE_GROUPS, n)
    raw = pd.Series(age).map(panel["weight_factor_by_age"]).to_numpy() * generator.lognormal(
        0, panel["weight_noise_sigma"], n
    )
    low, high = panel["weight_range"]
    weight = np.clip(raw / raw.mean(), low, high)
    return pd.DataFrame(
        {
            "aar": year,
            "respondent_id": [f"P{year}-{i:06d}" for i in range(1, n + 1)],
            "vekt": np.round(weight / weight.mean(), 4),
            "kjonn": _draw(generator, panel["gender"], GENDERS, n),
            "aldersgruppe": age,
            "landsdel": _draw(generator, panel["region"], REGIONS, n),
        }
    )
