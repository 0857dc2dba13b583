"""Shares computed straight from the synthetic files reproduce every published figure within 1 point.

The share is the warehouse's headline: answers in the success codes / non-blank answers, "vet ikke" in the
base unless the indicator catalogue leaves it out; `alle` pools state agencies and municipalities (not
county municipalities); the panel is weighted by `vekt`; a year range is the mean of the yearly shares.
Computed here with pandas only, independent of the generator's own bookkeeping.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from itip_pipeline.cli import parse_years
from itip_pipeline.core.contract import SECTORS
from itip_pipeline.synthetic.calibration import CALIBRATION_FILE, TargetBook

from support.synthetic_files import read_survey

SEEDS = CALIBRATION_FILE.parents[2] / "dbt_project" / "seeds"
FIGURES = pd.read_csv(SEEDS / "published_figures.csv", dtype=str, keep_default_na=False)
INDICATORS = pd.read_csv(SEEDS / "indicator_catalogue.csv", dtype=str, keep_default_na=False)
CALIBRATION = yaml.safe_load(CALIBRATION_FILE.read_text(encoding="utf-8"))
SURVEY_FIGURES = FIGURES[FIGURES.value_pct != ""].merge(INDICATORS, on=["indicator_id", "item", "measure"])
TARGETED = SURVEY_FIGURES[~SURVEY_FIGURES.figure_id.isin(CALIBRATION["unattainable"])]


def _answered(root, year: int, question_id: str, population: str) -> tuple[pd.Series, pd.Series]:
    """The non-blank answers to a question in one population, and their weights."""
    survey = "panel" if population == "innbyggere" else "org"
    codebook = pd.read_csv(root / str(year) / "codebook.csv", dtype=str)
    column = codebook.loc[(codebook.survey == survey) & (codebook.question_id == question_id), "source_column"].item()
    table = read_survey(root, year, survey)
    if population == "alle":
        table = table[table.sektor.isin(["stat", "kommune"])]
    elif population != "innbyggere":
        table = table[table.sektor == population]
    answered = table[table[column].notna()]
    weights = answered["vekt"] if survey == "panel" else pd.Series(1.0, index=answered.index)
    return answered[column], weights


def _share(
    root, year: int, question_id: str, codes: list[int], population: str, dont_know_in_base: bool = True
) -> float:
    answers, weights = _answered(root, year, question_id, population)
    if not dont_know_in_base:
        answers, weights = answers[answers != 9], weights[answers != 9]
    return weights[answers.isin(codes)].sum() / weights.sum()


def test_every_survey_figure_is_either_targeted_or_declared_unattainable():
    assert len(TARGETED) >= 50
    assert set(CALIBRATION["unattainable"]) <= set(SURVEY_FIGURES.figure_id)


@pytest.mark.parametrize("figure", TARGETED.itertuples(), ids=lambda f: f.figure_id)
def test_published_figure_is_reproduced_within_one_point(synthetic_root, figure):
    codes = [int(c) for c in figure.success_codes.split("|")]
    shares = [
        _share(synthetic_root, y, figure.question_id, codes, figure.population, figure.dont_know_in_base == "true")
        for y in parse_years(figure.year)
    ]
    assert abs(100 * sum(shares) / len(shares) - float(figure.value_pct)) <= 1.0


def test_unattainable_figures_are_out_of_reach_even_with_every_county_municipality_counted(synthetic_root):
    for figure in SURVEY_FIGURES[SURVEY_FIGURES.figure_id.isin(CALIBRATION["unattainable"])].itertuples():
        year = parse_years(figure.year)[0]
        codes = [int(c) for c in figure.success_codes.split("|")]
        answers = {s: _answered(synthetic_root, year, figure.question_id, s)[0] for s in SECTORS}
        best = (
            answers["stat"].isin(codes).sum() + answers["kommune"].isin(codes).sum() + len(answers["fylkeskommune"])
        ) / sum(len(a) for a in answers.values())
        assert 100 * best < float(figure.value_pct) - 1


def test_strategy_options_and_vet_ikke_sum_to_the_whole_base(synthetic_root):
    orgs = read_survey(synthetic_root, 2025, "org")
    stat = orgs.loc[(orgs.sektor == "stat") & orgs["K20"].notna(), "K20"]
    assert set(stat) == {1, 2, 3, 4, 5, 9}
    assert abs(stat.value_counts(normalize=True).sum() - 1) < 1e-9
    assert stat.isin([4, 5, 9]).mean() == pytest.approx(0.25, abs=0.01)


def test_vet_ikke_appears_at_a_few_percent(synthetic_root):
    orgs = read_survey(synthetic_root, 2025, "org")
    answers = orgs.iloc[:, 4:].stack()
    assert 0.01 < (answers == 9).mean() < 0.08


def test_calibration_file_may_not_repeat_a_published_value():
    calibration = copy.deepcopy(CALIBRATION)
    calibration["success_shares"]["ai_adoption"]["stat"][2025] = 0.6
    with pytest.raises(ValueError, match="F001"):
        TargetBook(calibration)


def test_a_missing_target_is_named():
    calibration = copy.deepcopy(CALIBRATION)
    del calibration["success_shares"]["authority_support"]["kommune"][2023]
    book = TargetBook(calibration)
    with pytest.raises(ValueError, match="authority_support/kommune/2023"):
        book.plan("authority_support", 2023, {"stat": 90, "kommune": 200, "fylkeskommune": 8})
