"""The synthetic generator's design beyond the published margins: organisations keep their answers from year
to year, larger organisations and some counties answer differently, and older citizens trust AI less.

Measured on the generator's in-memory tables (survey_tables, no files written) against the bands the design
states in calibration.yaml (`latent`); the exact margins are test_synthetic_calibration.py's business.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from itip_pipeline.synthetic.allocation import allocate
from itip_pipeline.synthetic.answers import codebook_rows
from itip_pipeline.synthetic.calibration import CodePlan, load_calibration
from itip_pipeline.synthetic.catalogues import indicator_catalogue
from itip_pipeline.synthetic.generator import survey_tables
from itip_pipeline.synthetic.identities import organisation_register
from itip_pipeline.synthetic.latent import county_of, county_shifts, size_effect

from support.paired_change import change_test, successes

YEARS = [2021, 2022, 2023, 2024, 2025]
SEED = 2025
# The design's stated phi of the same binary indicator between adjacent years, widened by 0.1 either side
# for sampling (about 90-330 organisations per series, a few dozen series per sector).
_TARGET = load_calibration()["latent"]["organisations"]["target_year_to_year_phi"]
PHI_BAND = (_TARGET[0] - 0.1, _TARGET[1] + 0.1)
INDICATORS = indicator_catalogue()
RANKED = INDICATORS[INDICATORS.measure != "single_choice"].drop_duplicates("question_id")
SUCCESS = {row.question_id: {int(c) for c in row.success_codes.split("|")} for row in RANKED.itertuples()}


@pytest.fixture(scope="module")
def tables() -> dict[int, dict[str, pd.DataFrame]]:
    return dict(survey_tables(YEARS, seed=SEED))


def _long(tables, survey: str) -> pd.DataFrame:
    """Every answer as a row: survey_year, the respondent's columns, question_id, answer_code."""
    frames = []
    for year, by_survey in tables.items():
        table = by_survey[survey]
        columns = dict(zip(*codebook_rows(survey, year)[["source_column", "question_id"]].T.to_numpy(), strict=True))
        ids = [c for c in table.columns if c not in columns]
        frame = table.melt(id_vars=ids, value_vars=list(columns), var_name="column", value_name="answer_code")
        frames.append(frame.assign(survey_year=year, question_id=frame.column.map(columns)))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def panel_answers(tables) -> pd.DataFrame:
    return _long(tables, "panel")


@pytest.fixture(scope="module")
def org_answers(tables) -> pd.DataFrame:
    register = organisation_register(load_calibration(), SEED).set_index("orgnr")
    answers = _long(tables, "org").rename(columns={"sektor": "sector"})
    answers = answers[answers.question_id.isin(SUCCESS)]
    success_pairs = {(question, code) for question, codes in SUCCESS.items() for code in codes}
    pairs = pd.MultiIndex.from_arrays([answers.question_id, answers.answer_code])
    return answers.assign(
        size=register.loc[answers.orgnr, "size"].to_numpy(),
        county=county_of(register).loc[answers.orgnr].to_numpy(),
        success=pairs.isin(success_pairs).astype(float),
    )


POPULATIONS = {"stat": {"stat"}, "kommune": {"kommune"}, "alle": {"stat", "kommune"}}


@pytest.fixture(scope="module")
def changes(org_answers) -> dict[str, pd.DataFrame]:
    """Per population, the change_test of every question asked in two adjacent years, one row each."""
    by_population = {}
    for population, groups in POPULATIONS.items():
        rows = []
        for question, answers in org_answers[org_answers.sector.isin(groups)].groupby("question_id"):
            years = sorted(set(answers.survey_year))
            for previous, year in zip(years, years[1:], strict=False):
                if year == previous + 1:
                    current = successes(answers, question, year, groups, SUCCESS[question])
                    before = successes(answers, question, previous, groups, SUCCESS[question])
                    rows.append({"question_id": question, "year": year, **change_test(current, before)})
        by_population[population] = pd.DataFrame(rows)
    return by_population


@pytest.mark.parametrize("sector", ["stat", "kommune"])
def test_organisations_keep_their_answers_from_year_to_year(changes, sector):
    phis = changes[sector].overlap_correlation.dropna()
    assert len(phis) >= 20
    assert PHI_BAND[0] <= phis.mean() <= PHI_BAND[1]
    assert (phis > 0).mean() > 0.9


def test_without_scores_the_years_would_be_independent():
    """The allocation, not the calibration, makes the correlation: random order gives none."""
    plan = CodePlan((((4, 5), 0.6), ((9,), 0.02)), {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0, 9: 1.0})
    persistent = np.random.default_rng(0).standard_normal(300)
    years = []
    for year in range(2):
        noise = np.random.default_rng(year + 1).standard_normal(300)
        years.append(
            {
                ranked: np.isin(allocate(plan, np.ones(300), np.random.default_rng(9 + year), scores), [4, 5])
                for ranked, scores in (("ranked", persistent + noise), ("random", None))
            }
        )
    for ranked in ("ranked", "random"):
        assert years[0][ranked].sum() == years[1][ranked].sum() == 180
    assert np.corrcoef(years[0]["ranked"], years[1]["ranked"])[0, 1] > 0.3
    assert abs(np.corrcoef(years[0]["random"], years[1]["random"])[0, 1]) < 0.15


def test_scores_rank_the_codes_and_keep_the_exact_counts():
    plan = CodePlan((((4, 5), 0.47), ((9,), 0.05)), {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0, 9: 1.0})
    scores = np.random.default_rng(4).standard_normal(238)
    codes = allocate(plan, np.ones(238), np.random.default_rng(5), scores)
    assert np.isin(codes, [4, 5]).sum() == round(0.47 * 238) and (codes == 9).sum() == round(0.05 * 238)
    substantive = codes != 9
    # Higher score, never a lower code; "vet ikke" is drawn at random from below the success run.
    by_score = codes[substantive][np.argsort(-scores[substantive])]
    assert (np.diff(by_score) <= 0).all()
    assert scores[codes == 9].max() < scores[np.isin(codes, [4, 5])].min()
    assert scores[codes == 9].min() < np.median(scores[np.isin(codes, [1, 2, 3])])


def test_weighted_ranked_allocation_hits_the_weighted_share():
    weights = np.random.default_rng(3).lognormal(0, 0.5, 1000)
    plan = CodePlan((((4, 5), 0.47), ((9,), 0.04)), {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0, 9: 1.0})
    codes = allocate(plan, weights, np.random.default_rng(2), np.random.default_rng(6).standard_normal(1000))
    tolerance = weights.max() / weights.sum()
    assert abs(weights[np.isin(codes, [4, 5])].sum() / weights.sum() - 0.47) < tolerance
    assert abs(weights[codes == 9].sum() / weights.sum() - 0.04) < tolerance


def test_larger_municipalities_answer_higher_except_on_barriers(org_answers):
    calibration = load_calibration()
    municipal = org_answers[(org_answers.sector == "kommune") & org_answers.answer_code.notna()]
    large = municipal["size"] > municipal["size"].median()
    gap = (
        municipal[large].groupby("question_id").success.mean() - municipal[~large].groupby("question_id").success.mean()
    )
    sign = pd.Series({q: np.sign(size_effect(calibration, q)) for q in gap.index})
    assert gap[sign > 0].mean() > 0.05  # the design gives about +10 points between the halves
    assert gap[sign < 0].mean() < -0.02  # barriers: about -5 points
    assert (np.sign(gap[sign != 0]) == sign[sign != 0]).mean() > 0.8


def test_counties_differ_as_their_invented_shifts_say(org_answers):
    register = organisation_register(load_calibration(), SEED)
    municipal = org_answers[(org_answers.sector == "kommune") & org_answers.answer_code.notna()]
    infosec = municipal[municipal.question_id.str.startswith("infosec_")]
    # Centre each question-year so that only the county differences remain.
    residual = infosec.success - infosec.groupby(["question_id", "survey_year"]).success.transform("mean")
    by_county = residual.groupby(infosec.county).mean()
    shifts = pd.Series(county_shifts(load_calibration(), register, "infosec_statement", SEED))
    assert len(by_county) >= 14
    assert np.corrcoef(by_county, shifts.loc[by_county.index])[0, 1] > 0.5


def _weighted_share(panel: pd.DataFrame, ages: list[str]) -> float:
    rows = panel[panel.aldersgruppe.isin(ages)]
    return (rows.vekt * rows.success).sum() / rows.vekt.sum()


@pytest.mark.parametrize(
    ("question", "dont_know_in_base"),
    [("citizen_ai_public_services", True), ("citizen_ai_health_decision_support", False)],
)
def test_older_citizens_trust_ai_less_as_the_report_says(panel_answers, question, dont_know_in_base):
    panel = panel_answers[(panel_answers.question_id == question) & panel_answers.answer_code.notna()]
    if not dont_know_in_base:
        panel = panel[panel.answer_code != 9]
    panel = panel.assign(success=panel.answer_code.isin(SUCCESS[question]))
    young, old = _weighted_share(panel, ["18-29"]), _weighted_share(panel, ["60+"])
    assert young - old > 0.08  # the design gives about 15-20 points
    assert _weighted_share(panel, ["30-44"]) > old


def test_data_protection_trust_has_no_age_gradient_the_report_does_not_give(panel_answers):
    panel = panel_answers[
        (panel_answers.question_id == "citizen_data_protection_trust") & panel_answers.answer_code.notna()
    ]
    panel = panel.assign(success=panel.answer_code.isin(SUCCESS["citizen_data_protection_trust"]))
    assert abs(_weighted_share(panel, ["18-29"]) - _weighted_share(panel, ["60+"])) < 0.05


@pytest.mark.parametrize("population", ["kommune", "alle"])
def test_paired_variance_of_a_change_is_below_the_independent_one(changes, population):
    tests = changes[population]
    assert len(tests) >= 20 and (tests.n_overlap > 0).all()
    ratio = tests.paired_variance / tests.independent_variance
    assert (ratio < 1).mean() > 0.9
    assert ratio.median() < 0.8  # about 1 − phi · overlap share
