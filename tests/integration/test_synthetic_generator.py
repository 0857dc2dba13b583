"""The synthetic generator: deterministic, realistic sizes and valid identifiers, varying panel weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from itip_pipeline.core.contract import AGE_GROUPS, GENDERS, REGIONS, is_valid_orgnr
from itip_pipeline.reference.municipality_register import municipality_change_2024, register_for_year
from itip_pipeline.synthetic.allocation import allocate, split_counts
from itip_pipeline.synthetic.calibration import CodePlan
from itip_pipeline.synthetic.generator import generate_deliveries

from support.synthetic_files import YEARS, read_delivery, read_survey

SIZE_RANGES = {"stat": (95, 100), "kommune": (230, 240), "fylkeskommune": (6, 11)}


def _contents(root, year):
    return {
        p.name: read_delivery(p)
        for p in sorted((root / str(year)).iterdir())
        if p.name.startswith(("org_survey", "citizen_panel"))
    }


def test_same_seed_gives_the_same_files_and_another_seed_different_answers(synthetic_root, tmp_path):
    again = generate_deliveries(tmp_path / "again", [2022, 2023], seed=2025)
    for year in (2022, 2023):
        first, second = _contents(synthetic_root, year), _contents(tmp_path / "again", year)
        assert first.keys() == second.keys()
        for name in first:
            pd.testing.assert_frame_equal(first[name], second[name])
    for path in again:
        assert path.read_bytes() == (synthetic_root / path.parent.name / path.name).read_bytes(), path.name
    generate_deliveries(tmp_path / "other", [2022], seed=7)
    other = _contents(tmp_path / "other", 2022)
    original = _contents(synthetic_root, 2022)
    assert not original["org_survey_synthetic.xlsx"].equals(other["org_survey_synthetic.xlsx"])
    assert not original["citizen_panel_synthetic.csv"].equals(other["citizen_panel_synthetic.csv"])


@pytest.mark.parametrize("year", YEARS)
def test_organisations_are_realistic_in_number_and_identifiers(synthetic_root, year):
    orgs = read_survey(synthetic_root, year, "org")
    counts = orgs["sektor"].value_counts()
    for sector, (low, high) in SIZE_RANGES.items():
        assert low <= counts[sector] <= high
    assert orgs["orgnr"].is_unique and orgs["orgnr"].map(is_valid_orgnr).all()
    assert orgs["orgnr"].str[0].isin(["8", "9"]).all()
    assert (orgs["aar"] == year).all()
    kommunenr = orgs.loc[orgs.sektor == "kommune", "kommunenr"]
    # Real municipality numbers, each valid in the year (SSB classification 131), never more than exist.
    assert kommunenr.isin(register_for_year(year).numbers).all()
    assert len(kommunenr) <= len(register_for_year(year).numbers)
    assert kommunenr.is_unique and orgs.loc[orgs.sektor != "kommune", "kommunenr"].isna().all()


def test_the_same_organisations_mostly_recur_and_reform_counties_are_renumbered(synthetic_root):
    first, last = read_survey(synthetic_root, 2023, "org"), read_survey(synthetic_root, 2024, "org")
    assert len(set(first.orgnr) & set(last.orgnr)) > 0.8 * len(first)
    moved = first.merge(last, on="orgnr", suffixes=("_2023", "_2024"))
    moved = moved[moved.sektor_2023 == "kommune"]
    from_viken = moved[moved.kommunenr_2023.str.startswith("30")]
    assert len(from_viken) and from_viken.kommunenr_2024.str[:2].isin(["31", "32", "33"]).all()
    # Every municipality takes the 2024 number SSB's change table gives it (Ålesund: the part keeping the name).
    successor = municipality_change_2024().query("main_successor").set_index("kommunenummer_2023").kommunenummer_2024
    assert (moved.kommunenr_2024 == moved.kommunenr_2023.map(successor)).all()
    assert (moved.kommunenr_2023 == moved.kommunenr_2024).sum() > 100  # the counties the reform left alone


@pytest.mark.parametrize("year", YEARS)
def test_panel_has_pseudonymous_ids_plausible_weights_and_demographics(synthetic_root, year):
    panel = read_survey(synthetic_root, year, "panel")
    assert len(panel) == 1000 and (panel["aar"] == year).all()
    assert panel["respondent_id"].is_unique and panel["respondent_id"].str.fullmatch(rf"P{year}-\d{{6}}").all()
    weights = panel["vekt"].to_numpy()
    assert np.isfinite(weights).all() and (weights > 0).all()
    assert weights.min() >= 0.29 and weights.max() <= 3.6 and abs(weights.mean() - 1) < 0.01 and weights.std() > 0.2
    assert set(panel.kjonn) == set(GENDERS) and set(panel.aldersgruppe) == set(AGE_GROUPS)
    assert set(panel.landsdel) == set(REGIONS)
    assert panel.groupby("aldersgruppe")["vekt"].mean()["18-29"] > panel.groupby("aldersgruppe")["vekt"].mean()["60+"]


def test_scale_multiplies_the_panel(tmp_path):
    generate_deliveries(tmp_path, [2025], scale=2.5)
    assert len(read_survey(tmp_path, 2025, "panel")) == 2500


def test_benefit_questions_are_asked_only_to_ai_adopters(synthetic_root):
    orgs = read_survey(synthetic_root, 2025, "org")
    non_adopters = ~orgs["K01"].isin([3, 4, 5])
    assert orgs.loc[non_adopters, ["K06", "K07", "K08", "K09", "K10"]].isna().all().all()
    assert orgs.loc[~non_adopters, "K06"].notna().mean() > 0.9


def test_split_counts_sums_to_the_total_in_proportion():
    assert split_counts(10, [1, 1, 1]).tolist() in ([4, 3, 3], [3, 4, 3], [3, 3, 4])
    assert split_counts(7, [0, 2, 5]).tolist() == [0, 2, 5]
    assert split_counts(0, [1, 2]).tolist() == [0, 0]


@pytest.mark.parametrize("base,share", [(97, 0.63), (238, 0.51), (11, 0.64), (1, 0.4)])
def test_allocation_with_unit_weights_gives_exactly_the_rounded_count(base, share):
    plan = CodePlan((((3, 4, 5), share), ((9,), 0.02)), {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0, 9: 1.0})
    codes = allocate(plan, np.ones(base), np.random.default_rng(1))
    assert np.isin(codes, [3, 4, 5]).sum() == round(share * base)
    assert set(codes) <= {1, 2, 3, 4, 5, 9}


def test_weighted_allocation_hits_the_weighted_share():
    weights = np.random.default_rng(3).lognormal(0, 0.5, 1000)
    plan = CodePlan((((4, 5), 0.47),), {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0})
    codes = allocate(plan, weights, np.random.default_rng(2))
    assert abs(weights[np.isin(codes, [4, 5])].sum() / weights.sum() - 0.47) < weights.max() / weights.sum()
