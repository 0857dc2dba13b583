"""The latent propensities that decide who gives the high codes of a question (allocation.py ranks by them).

The published figures fix how many respondents of each group give each answer; these scores decide which
ones, so that the synthetic answers hang together as real ones do while every calibrated count stays exact.
The design and its numbers are in calibration.yaml (`latent`) and in the SYNTHETIC_README each year folder gets:

- an organisation's score for question q of family f in year t is
      √a·F[org, f] + √b·Q[org, q] + √c·E[org, q, t] + β_q·size[org] + γ[county, f]
  with F and Q fixed over the years (standard normal), E a fresh draw every year, a + b + c = 1 the
  variance shares, size the register's invented size (standard normal within the sector), β_q the size
  effect by question prefix and γ an invented county shift (municipalities only: their 2024 county, so
  the effect runs across the county reform as the warehouse's county_2024 breakdown does). An organisation
  that answers both years therefore mostly keeps its answer, which is what the warehouse's paired change
  test uses;
- a panel respondent's score is the age effect of the question's family plus a persistent part shared by
  the family's questions and the question's own noise; the panel is a fresh sample every year;
- one-answer questions (scale `choice`) get no score: their options are not one ordered scale of success,
  so their answers stay independent.

Every draw comes from its own named stream (seeding.py), per question or family and never per respondent
row, so the same seed gives the same scores whatever else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd

from itip_pipeline.synthetic.catalogues import indicator_catalogue
from itip_pipeline.synthetic.seeding import rng

Scores = Callable[[str, str], "np.ndarray | None"]
UNRANKED_SCALES = ("choice",)


@cache
def question_family(question_id: str) -> str:
    """The indicator family a question belongs to (indicator catalogue)."""
    indicators = indicator_catalogue()
    return indicators.loc[indicators.question_id == question_id, "family"].iloc[0]


def size_effect(calibration: dict, question_id: str) -> float:
    """β_q: the size effect of the longest matching prefix in calibration.yaml, else the default."""
    effects = calibration["latent"]["organisations"]["size_effect"]
    prefixes = [p for p in effects["by_prefix"] if question_id.startswith(p)]
    return float(effects["by_prefix"][max(prefixes, key=len)] if prefixes else effects["default"])


def county_of(register: pd.DataFrame) -> pd.Series:
    """A municipality's county by its 2024 kommunenummer; empty for the other organisations."""
    return register["kommunenr_from_2024"].fillna("").str[:2]


def county_shifts(calibration: dict, register: pd.DataFrame, family: str, seed: int) -> dict[str, float]:
    """γ[county, f]: the invented shift of every county for one question family."""
    counties = sorted(set(county_of(register)) - {""})
    sd = calibration["latent"]["organisations"]["county_sd"]
    return dict(zip(counties, rng(seed, "latent", "county", family).normal(0, sd, len(counties)), strict=True))


def organisation_scores(
    register: pd.DataFrame, respondents: pd.DataFrame, year: int, calibration: dict, seed: int
) -> Scores:
    """scores(question_id, scale) for the year's responding organisations, in the order of `respondents`."""
    shares = calibration["latent"]["organisations"]["variance_shares"]
    position = pd.Series(np.arange(len(register)), index=register["orgnr"])
    rows = position.loc[respondents["orgnr"]].to_numpy()
    size = register["size"].to_numpy()[rows]
    county = county_of(register).to_numpy()[rows]

    def draw(*labels: object) -> np.ndarray:
        # One draw per register row, so an organisation keeps its value whichever year it answers.
        return rng(seed, *labels).standard_normal(len(register))[rows]

    def scores(question_id: str, scale: str) -> np.ndarray | None:
        if scale in UNRANKED_SCALES:
            return None
        family = question_family(question_id)
        shifts = county_shifts(calibration, register, family, seed)
        return (
            np.sqrt(shares["family"]) * draw("latent", "family", family)
            + np.sqrt(shares["question"]) * draw("latent", "question", question_id)
            + np.sqrt(shares["year"]) * draw(year, "latent", "year", question_id)
            + size_effect(calibration, question_id) * size
            + np.array([shifts.get(c, 0.0) for c in county])
        )

    return scores


def panel_scores(respondents: pd.DataFrame, year: int, calibration: dict, seed: int) -> Scores:
    """scores(question_id, scale) for the year's panel respondents, in the order of `respondents`."""
    settings = calibration["latent"]["panel"]
    n = len(respondents)

    def scores(question_id: str, scale: str) -> np.ndarray | None:
        if scale in UNRANKED_SCALES:
            return None
        family = question_family(question_id)
        age = respondents["aldersgruppe"].map(settings["age_effect"].get(family, {})).fillna(0.0)
        return (
            age.to_numpy(dtype=float)
            + np.sqrt(settings["family_share"]) * rng(seed, year, "panel", "latent", family).standard_normal(n)
            + np.sqrt(1 - settings["family_share"]) * rng(seed, year, "panel", "latent", question_id).standard_normal(n)
        )

    return scores
