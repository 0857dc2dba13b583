"""The municipality register seeds (SSB classification 131 and its 2023→2024 change table): their shape, and
the register's answer for a survey year. Read from the CSV files with pandas, independently of the module."""

from __future__ import annotations

import pandas as pd
import pytest

from itip_pipeline.core.settings import REPO_ROOT
from itip_pipeline.reference.municipality_register import last_year, register_for_year

SEEDS = REPO_ROOT / "dbt_project" / "seeds"


@pytest.fixture(scope="module")
def register() -> pd.DataFrame:
    frame = pd.read_csv(SEEDS / "municipality_register.csv", dtype=str, keep_default_na=False)
    return frame.astype({"valid_from_year": int, "valid_to_year": int})


@pytest.fixture(scope="module")
def change() -> pd.DataFrame:
    return pd.read_csv(SEEDS / "municipality_change_2024.csv", dtype=str, keep_default_na=False)


def _version(register: pd.DataFrame, year: int) -> pd.DataFrame:
    return register[(register.valid_from_year <= year) & (year <= register.valid_to_year)]


@pytest.mark.parametrize(
    ("year", "municipalities", "counties"),
    [
        (2020, 356, 11),
        (2021, 356, 11),
        (2022, 356, 11),
        (2023, 356, 11),
        (2024, 357, 15),
        (2025, 357, 15),
        (2026, 357, 15),
    ],
)
def test_each_year_has_one_version_with_the_official_counts(register, year, municipalities, counties):
    version = _version(register, year)
    assert version.classification_version.nunique() == 1
    assert len(version) == municipalities and version.kommunenummer.is_unique
    assert version.fylkesnummer.nunique() == counties
    assert (version.fylkesnummer == version.kommunenummer.str[:2]).all()
    assert version.kommunenummer.str.fullmatch(r"[0-9]{4}").all()
    assert version.groupby("fylkesnummer").fylkesnavn.nunique().eq(1).all()  # one name per county


def test_versions_follow_each_other_without_gaps(register):
    spans = register[["valid_from_year", "valid_to_year"]].drop_duplicates().sort_values("valid_from_year")
    assert (spans.valid_from_year.iloc[1:].to_numpy() == spans.valid_to_year.iloc[:-1].to_numpy() + 1).all()
    assert (spans.valid_from_year.min(), spans.valid_to_year.max()) == (2020, 2026)


def test_the_numbers_of_2020_to_2023_are_the_same_so_the_2023_change_table_serves_them_all(register):
    numbers = [set(_version(register, year).kommunenummer) for year in (2020, 2022, 2023)]
    assert numbers[0] == numbers[1] == numbers[2]


def test_every_2023_municipality_has_exactly_one_main_successor_in_2024(register, change):
    in_2023, in_2024 = set(_version(register, 2023).kommunenummer), set(_version(register, 2024).kommunenummer)
    main = change[change.main_successor == "true"]
    assert set(change.kommunenummer_2023) == in_2023
    assert main.kommunenummer_2023.is_unique and set(main.kommunenummer_2023) == in_2023
    assert set(change.kommunenummer_2024) == in_2024  # every 2024 municipality is reached, Haram by the split
    assert main.kommunenummer_2024.is_unique  # no two 2023 municipalities merged
    assert set(in_2024 - set(main.kommunenummer_2024)) == {"1580"}  # Haram, split from Ålesund
    split = change[change.change == "split"].set_index("kommunenummer_2024")
    assert split.kommunenummer_2023.tolist() == ["1507", "1507"] and split.main_successor.to_dict() == {
        "1508": "true",
        "1580": "false",
    }


def test_the_change_table_agrees_with_both_versions(register, change):
    names_2023 = _version(register, 2023).set_index("kommunenummer").kommunenavn
    names_2024 = _version(register, 2024).set_index("kommunenummer").kommunenavn
    assert (change.kommunenavn_2023 == change.kommunenummer_2023.map(names_2023)).all()
    assert (change.kommunenavn_2024 == change.kommunenummer_2024.map(names_2024)).all()
    same = change.kommunenummer_2023 == change.kommunenummer_2024
    assert set(change[same].change) == {"unchanged", "renamed"} and set(change[~same].change) == {"renumbered", "split"}
    # Renumbered: exactly the municipalities of the three split counties.
    renumbered = change[change.change == "renumbered"]
    assert set(renumbered.kommunenummer_2023.str[:2]) == {"30", "38", "54"}
    assert set(change[change.kommunenummer_2023.str[:2].isin(["30", "38", "54"])].change) == {"renumbered"}


def test_every_2024_county_is_reached_and_the_split_counties_go_where_the_reform_sent_them(register, change):
    county_2024 = _version(register, 2024).set_index("kommunenummer").fylkesnavn
    county_2023 = _version(register, 2023).set_index("kommunenummer").fylkesnavn
    main = change[change.main_successor == "true"]
    moved = pd.DataFrame(
        {"before": main.kommunenummer_2023.map(county_2023), "after": main.kommunenummer_2024.map(county_2024)}
    )
    assert moved.after.nunique() == 15
    assert moved.groupby("before").after.agg(set).to_dict() == {
        "Viken": {"Østfold", "Akershus", "Buskerud"},
        "Vestfold og Telemark": {"Vestfold", "Telemark"},
        "Troms og Finnmark": {"Troms", "Finnmark"},
        **{
            name: {name}
            for name in (
                "Oslo",
                "Rogaland",
                "Møre og Romsdal",
                "Nordland",
                "Innlandet",
                "Agder",
                "Vestland",
                "Trøndelag",
            )
        },
    }


def test_the_register_for_a_year(register):
    assert register_for_year(2023).numbers == frozenset(_version(register, 2023).kommunenummer)
    assert register_for_year(2025).version == "Kommuneinndeling 2024" and register_for_year(2025).covered
    later = register_for_year(last_year() + 1)
    assert later.numbers == register_for_year(last_year()).numbers and not later.covered
    assert register_for_year(2019).numbers == frozenset() and register_for_year(2019).version is None
    assert register_for_year(2023).counties == ("03", "11", "15", "18", "30", "34", "38", "42", "46", "50", "54")


def test_the_frames_of_the_finite_population_correction_are_the_registers_counts(register):
    frame = pd.read_csv(SEEDS / "population_frame.csv", dtype={"survey_year": int, "frame_size": int})
    municipal = frame[frame.population == "kommune"]
    assert len(municipal) > 0
    for row in municipal.itertuples():
        assert row.frame_size == len(_version(register, row.survey_year)), row.survey_year
    for row in frame[frame.population == "fylkeskommune"].itertuples():  # every county but Oslo
        assert row.frame_size == _version(register, row.survey_year).fylkesnummer.nunique() - 1, row.survey_year
