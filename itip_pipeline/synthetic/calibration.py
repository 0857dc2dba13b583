"""Targets for every answer distribution: published figures first, calibration.yaml for the rest.

A `CodePlan` says, for one question x year x group (a sector, or the panel's `innbyggere`), which share
of the base gets which codes. The allocation (allocation.py) turns it into answers exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from itip_pipeline.core.survey_years import parse_years
from itip_pipeline.reference.question_catalogue import question_catalogue
from itip_pipeline.synthetic.catalogues import (
    dont_know_in_base,
    indicator_catalogue,
    population_groups,
    published_figures,
    success_codes,
)

CALIBRATION_FILE = Path(__file__).with_name("calibration.yaml")
PANEL_GROUP = "innbyggere"
POOLED = "alle"
# A free sector's share is kept inside these bounds when it is shifted to meet a pooled figure.
_SHARE_BOUNDS = (0.02, 0.98)
_POOLED_TOLERANCE = 0.005
# A pooled figure whose sectors all have published values is only checked, to the reconciliation's ±1 point.
_DETERMINED_TOLERANCE = 0.01


@cache
def load_calibration(path: Path = CALIBRATION_FILE) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass(frozen=True)
class CodePlan:
    # (codes, share of the base) taken in this order; the base's remainder gets the other codes.
    constraints: tuple[tuple[tuple[int, ...], float], ...]
    # Relative weight of each code: splits a constraint among its codes and the remainder among the rest.
    shape: dict[int, float]


@dataclass(frozen=True)
class _Figure:
    figure_id: str
    question_id: str
    codes: tuple[int, ...]
    population: str
    years: tuple[int, ...]
    share: float


def usable_figures(calibration: dict | None = None) -> list[_Figure]:
    """Published survey figures with a value that the generator targets (not the `unattainable` ones).

    A figure counts when its indicator is in the indicator catalogue with the same measure, which leaves
    out policy targets and figures from other surveys.
    """
    calibration = calibration or load_calibration()
    indicators = indicator_catalogue().set_index(["indicator_id", "item"])
    figures = []
    for row in published_figures().itertuples():
        key = (row.indicator_id, row.item)
        if not row.value_pct or key not in indicators.index or row.figure_id in calibration["unattainable"]:
            continue
        indicator = indicators.loc[key]
        if indicator.measure != row.measure:
            continue
        figures.append(
            _Figure(
                row.figure_id,
                indicator.question_id,
                success_codes(indicator.success_codes),
                row.population,
                tuple(parse_years(row.year)),
                float(row.value_pct) / 100,
            )
        )
    return figures


def dont_know_rate(calibration: dict, survey: str, question_id: str) -> float:
    rates = calibration["dont_know_rate"]
    prefixes = [p for p in rates["by_prefix"] if question_id.startswith(p)]
    return rates["by_prefix"][max(prefixes, key=len)] if prefixes else rates["default"][survey]


class TargetBook:
    """Every target of one calibration: `plan(question_id, year, bases)` per group of respondents."""

    def __init__(self, calibration: dict | None = None):
        self.calibration = calibration or load_calibration()
        self.yaml_shares = self.calibration["success_shares"]
        self.fixed: dict[tuple[str, str, int], float] = {}
        self.pooled: dict[tuple[str, int], float] = {}
        self.choices: dict[tuple[str, str, int], list[tuple[tuple[int, ...], float]]] = {}
        scales = question_catalogue().drop_duplicates("question_id").set_index("question_id")["scale"]
        figures = usable_figures(self.calibration)
        # Sector figures first: pooled figures shift only the sectors left free by them.
        for figure in sorted(figures, key=lambda f: f.population == POOLED):
            if scales[figure.question_id] == "choice":
                self._add_choice(figure)
            elif figure.population == POOLED:
                self._add_pooled(figure)
            else:
                self._add_sector(figure)

    def _yaml_share(self, question_id: str, group: str, year: int) -> float | None:
        return self.yaml_shares.get(question_id, {}).get(group, {}).get(year)

    def _add_choice(self, figure: _Figure) -> None:
        if figure.population == POOLED or len(figure.years) > 1:
            raise ValueError(f"{figure.figure_id}: only single-year sector figures are supported for choice questions")
        constraints = self.choices.setdefault((figure.question_id, figure.population, figure.years[0]), [])
        if any(set(codes) & set(figure.codes) for codes, _ in constraints):
            raise ValueError(f"{figure.figure_id}: overlaps another published option share of the same question")
        constraints.append((figure.codes, figure.share))

    def _add_sector(self, figure: _Figure) -> None:
        if len(figure.years) == 1:
            year = figure.years[0]
            if self._yaml_share(figure.question_id, figure.population, year) is not None:
                raise ValueError(
                    f"calibration.yaml sets {figure.question_id}/{figure.population}/{year}, "
                    f"which published figure {figure.figure_id} decides"
                )
            self.fixed[(figure.question_id, figure.population, year)] = figure.share
            return
        shape = {y: self._share(figure.question_id, figure.population, y) for y in figure.years}
        shift = figure.share - sum(shape.values()) / len(shape)
        for year, share in shape.items():
            self.fixed[(figure.question_id, figure.population, year)] = share + shift

    def _add_pooled(self, figure: _Figure) -> None:
        sizes = self.calibration["organisations"]["respondents"]
        pooled_groups = population_groups(POOLED)
        shape = {}
        for year in figure.years:
            bases = {sector: sizes[sector][year] for sector in pooled_groups}
            shape[year] = sum(bases[s] * self._share(figure.question_id, s, year) for s in pooled_groups) / sum(
                bases.values()
            )
        shift = figure.share - sum(shape.values()) / len(shape)
        for year, share in shape.items():
            self.pooled[(figure.question_id, year)] = share + shift

    def _share(self, question_id: str, group: str, year: int) -> float:
        share = self.fixed.get((question_id, group, year), self._yaml_share(question_id, group, year))
        if share is None:
            raise ValueError(f"no target for {question_id}/{group}/{year}: add it to calibration.yaml")
        return share

    def success_shares(self, question_id: str, year: int, bases: dict[str, int]) -> dict[str, float]:
        """Success share per group; a pooled figure moves its sectors without their own published value."""
        shares = {group: self._share(question_id, group, year) for group, base in bases.items() if base}
        target = self.pooled.get((question_id, year))
        if target is None:
            return shares
        pooled_groups = [g for g in shares if g in population_groups(POOLED)]
        free = [g for g in pooled_groups if (question_id, g, year) not in self.fixed]
        if not free:
            # Every pooled sector has its own published value: the pooled share follows from them and can
            # only be checked, to the reconciliation's tolerance.
            if abs(pooled_share(shares, bases, pooled_groups) - target) > _DETERMINED_TOLERANCE:
                raise ValueError(
                    f"{question_id} {year}: the pooled target {target:.3f} contradicts its sectors' "
                    f"published values (pooled {pooled_share(shares, bases, pooled_groups):.3f})"
                )
            return shares

        def shifted(delta: float) -> dict[str, float]:
            low, high = _SHARE_BOUNDS
            return {g: min(high, max(low, s + delta)) if g in free else s for g, s in shares.items()}

        def pooled(delta: float) -> float:
            return pooled_share(shifted(delta), bases, pooled_groups)

        low, high = -1.0, 1.0
        for _ in range(60):
            middle = (low + high) / 2
            low, high = (middle, high) if pooled(middle) < target else (low, middle)
        if abs(pooled(low) - target) > _POOLED_TOLERANCE:
            raise ValueError(f"{question_id} {year}: the pooled target {target:.3f} is out of reach")
        return shifted(low)

    def plan(self, question_id: str, year: int, bases: dict[str, int]) -> dict[str, CodePlan]:
        """The code plan of every group with a non-empty base."""
        catalogue = question_catalogue()
        row = catalogue[(catalogue.question_id == question_id) & (catalogue.survey_year == year)].iloc[0]
        if row.scale == "choice":
            weights = self.calibration["choice_weights"][question_id]
            return {
                group: CodePlan(
                    tuple(self.choices.get((question_id, group, year), [])),
                    {int(code): float(w) for code, w in weights[group].items()},
                )
                for group, base in bases.items()
                if base
            }
        codes = success_codes(_success_codes_of(question_id))
        dont_know = dont_know_rate(self.calibration, row.survey, question_id)
        # A headline base without "vet ikke" states its target among the substantive answers: the plan's
        # shares are of the whole base, "vet ikke" included.
        known = 1 - dont_know if not dont_know_in_base(question_id) else 1.0
        profile = self.calibration["scale_profiles"][row.scale]
        shape = {code: float(w) for code, w in zip(range(row.min_code, row.max_code + 1), profile, strict=True)}
        shape[int(row.dont_know_code)] = 1.0
        return {
            group: CodePlan(
                ((codes, share * known), ((int(row.dont_know_code),), min(dont_know, 1 - share * known))), shape
            )
            for group, share in self.success_shares(question_id, year, bases).items()
        }


def pooled_share(shares: dict[str, float], bases: dict[str, int], groups: list[str]) -> float:
    """The unweighted pooled share of `groups`: each respondent counts once."""
    return sum(bases[g] * shares[g] for g in groups) / sum(bases[g] for g in groups)


def _success_codes_of(question_id: str) -> str:
    indicators = indicator_catalogue()
    return indicators.loc[indicators.question_id == question_id, "success_codes"].iloc[0]
