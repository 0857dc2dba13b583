"""The pandera rules, each with a good and a bad frame, and the Problems their failures become."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itip_pipeline.core import contract
from itip_pipeline.core.settings import get_settings
from itip_pipeline.ingest.rules.schemas import (
    WEIGHT_OUT_OF_RANGE,
    answers_schema,
    as_numbers,
    respondents_schema,
    validation_problems,
)

from support.delivery_builders import delivered_frame, org_records, panel_records

ORG_FILE = "org_survey_2024.csv"


def _register_path():
    return get_settings().dbt_project_dir / "seeds" / "municipality_register.csv"


PANEL_FILE = "citizen_panel_2024.csv"


def org_problems(records: pd.DataFrame, year: int = 2024) -> list[tuple]:
    frame = delivered_frame(records, ORG_FILE)
    return [
        (p.file, p.row, p.column, p.value, p.rule) for p in validation_problems(respondents_schema("org", year), frame)
    ]


def panel_problems(records: pd.DataFrame) -> list[tuple]:
    frame = delivered_frame(records, PANEL_FILE)
    return [(p.row, p.column, p.value, p.rule) for p in validation_problems(respondents_schema("panel", 2024), frame)]


def test_good_frames_pass():
    assert org_problems(org_records(2024)) == []
    assert panel_problems(panel_records(2024)) == []


def test_invalid_orgnr():
    records = org_records(2024)
    records.loc[1, "orgnr"] = "974760674"
    assert org_problems(records) == [
        (ORG_FILE, 3, "orgnr", "974760674", "orgnr must be 9 digits ending in a valid mod-11 check digit")
    ]


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULL_WIDTH], ids=["arabic-indic", "full-width"])
def test_ids_in_non_ascii_digits_are_refused(digits):
    # str.isdigit() and a regular expression's \d accept these; the organisation would count twice.
    records = org_records(2024)
    orgnr, kommunenr = records.loc[0, "orgnr"].translate(digits), records.loc[1, "kommunenr"].translate(digits)
    records.loc[0, "orgnr"], records.loc[1, "kommunenr"] = orgnr, kommunenr
    assert orgnr.isdigit() and not contract.is_valid_orgnr(orgnr)
    assert org_problems(records) == [
        (ORG_FILE, 2, "orgnr", orgnr, "orgnr must be 9 digits ending in a valid mod-11 check digit"),
        (ORG_FILE, 3, "kommunenr", kommunenr, "kommunenr must be 4 digits"),
    ]


def test_year_mismatch_names_both_years():
    records = org_records(2023)
    problems = org_problems(records, year=2024)
    assert [(row, value) for _, row, _, value, _ in problems] == [(2, "2023"), (3, "2023"), (4, "2023")]
    assert problems[0][4] == "aar must equal 2024, the year of the delivery folder"


def test_missing_required_column():
    assert org_problems(org_records(2024).drop(columns="sektor")) == [
        (ORG_FILE, None, "sektor", None, "required column is missing")
    ]


def test_unknown_sector():
    records = org_records(2024)
    records.loc[0, "sektor"] = "privat"
    assert org_problems(records) == [
        (ORG_FILE, 2, "sektor", "privat", "sektor must be one of stat, kommune, fylkeskommune")
    ]


REGISTER = "the municipality register (SSB classification 131, dbt_project/seeds/municipality_register.csv)"


def _other_year(year: int, span: str) -> str:
    return (
        f"kommunenr must be a municipality number valid in {year}; this number is valid {span} ({REGISTER}): "
        f"use the municipality's number of {year}"
    )


def _never(year: int) -> str:
    return (
        f"kommunenr must be a municipality number valid in {year}; this number is no municipality in "
        f"{REGISTER}, in any year it covers"
    )


@pytest.mark.parametrize(
    ("year", "kommunenr"),
    [
        (2021, "3001"),
        (2023, "3053"),
        (2023, "1507"),
        (2022, "5401"),
        (2024, "3101"),
        (2024, "1580"),
        (2025, "3236"),
        (2025, "5601"),
        (2026, "0301"),
        (2021, "5001"),
    ],
)
def test_a_municipality_of_the_year_passes(year, kommunenr):
    records = org_records(year)
    records.loc[1, "kommunenr"] = kommunenr
    assert org_problems(records, year=year) == []


@pytest.mark.parametrize(
    ("year", "kommunenr", "rule"),
    [
        (2023, "3101", _other_year(2023, "from 2024")),  # Halden's 2024 number in a 2023 file
        (2023, "1580", _other_year(2023, "from 2024")),  # Haram, split from Ålesund in 2024
        (2025, "3001", _other_year(2025, "2020-2023")),  # Halden's Viken number in a 2025 file
        (2024, "5444", _other_year(2024, "2020-2023")),  # Sør-Varanger's Troms og Finnmark number
        (2024, "1507", _other_year(2024, "2020-2023")),  # Ålesund before the split
        (2024, "3199", _never(2024)),
        (2021, "0101", _never(2021)),  # Halden's number before 2020: not a municipality of the register's years
        (2025, "9999", _never(2025)),  # SSB's "Uoppgitt" (not stated) is no municipality
        (2022, "0000", _never(2022)),
    ],
)
def test_a_kommunenr_not_valid_in_the_year_is_refused_saying_why(year, kommunenr, rule):
    records = org_records(year)
    records.loc[1, "kommunenr"] = kommunenr
    assert org_problems(records, year=year) == [(ORG_FILE, 3, "kommunenr", kommunenr, rule)]


def test_a_lost_leading_zero_is_refused_with_a_hint_not_padded():
    records = org_records(2024)
    records.loc[1, "kommunenr"] = "301"
    (problem,) = org_problems(records)
    assert problem[:4] == (ORG_FILE, 3, "kommunenr", "301")
    assert "lost leading zero (Oslo is 0301, not 301)" in problem[4] and "deliver kommunenr as text" in problem[4]


@pytest.mark.parametrize("kommunenr", ["03 01", "0301.0", "30011", "\u200b0301", "03O1", "-301"])
def test_a_kommunenr_not_of_4_digits_is_refused_once(kommunenr):
    records = org_records(2024)
    records.loc[1, "kommunenr"] = kommunenr
    assert org_problems(records) == [(ORG_FILE, 3, "kommunenr", kommunenr, "kommunenr must be 4 digits")]


def test_after_the_registers_last_year_the_newest_version_applies():
    last = int(pd.read_csv(_register_path(), dtype=str).valid_to_year.astype(int).max())
    later = last + 1
    records = org_records(later)
    records.loc[1, "kommunenr"] = "3101"
    assert org_problems(records, year=later) == []
    records.loc[1, "kommunenr"] = "3001"
    assert org_problems(records, year=later) == [(ORG_FILE, 3, "kommunenr", "3001", _other_year(later, "2020-2023"))]


def test_before_the_register_begins_no_kommunenr_can_be_checked():
    records = org_records(2019)
    assert org_problems(records, year=2019) == [
        (ORG_FILE, row, "kommunenr", "0301", f"kommunenr cannot be checked for 2019: {REGISTER} begins in 2020")
        for row in (3, 4)
    ]


def test_kommunenr_required_for_municipalities_and_blank_for_others():
    records = org_records(2024)
    records.loc[0, "kommunenr"] = "0301"  # row 2 is a state agency
    records.loc[1, "kommunenr"] = ""  # row 3 is a municipality
    rule = "kommunenr is required for sektor kommune and must be blank for stat and fylkeskommune"
    assert org_problems(records) == [(ORG_FILE, 2, "kommunenr", "0301", rule), (ORG_FILE, 3, "kommunenr", None, rule)]


@pytest.mark.parametrize(
    ("weight", "rule"),
    [
        ("0", WEIGHT_OUT_OF_RANGE),
        ("-1.5", WEIGHT_OUT_OF_RANGE),
        ("inf", WEIGHT_OUT_OF_RANGE),
        ("1e308", WEIGHT_OUT_OF_RANGE),
        ("100.5", WEIGHT_OUT_OF_RANGE),
        ("0.009", WEIGHT_OUT_OF_RANGE),
        ("", "must not be blank"),
        ("abc", "must be a number, not text"),
    ],
)
def test_bad_weights(weight, rule):
    assert WEIGHT_OUT_OF_RANGE == "vekt must be a number from 0.01 to 100.0 (a plausible weight)"
    records = panel_records(2024)
    records.loc[2, "vekt"] = weight
    assert panel_problems(records) == [(4, "vekt", weight or None, rule)]


@pytest.mark.parametrize(("column", "value"), [("kjonn", "ukjent"), ("aldersgruppe", "15-17"), ("landsdel", "Oslo")])
def test_background_values_outside_their_sets(column, value):
    records = panel_records(2024)
    records.loc[0, column] = value
    [(row, problem_column, problem_value, rule)] = panel_problems(records)
    assert (row, problem_column, problem_value) == (2, column, value)
    assert rule.startswith(f"{column} must be one of")


def test_blank_respondent_id():
    records = panel_records(2024)
    records.loc[1, "respondent_id"] = ""
    assert panel_problems(records) == [(3, "respondent_id", None, "must not be blank")]


@pytest.mark.parametrize(
    "spoiled",
    ["\u200bR00001", "R00001\u200b", "R00\u00a0001", "R00001\u2060", "R0000\t1"],
    ids=["leading-zero-width", "trailing-zero-width", "inner-nbsp", "word-joiner", "tab"],
)
def test_a_respondent_id_with_invisible_characters_is_refused(spoiled):
    # It would pass as a second person beside the same id without them: the uniqueness check sees two ids.
    records = panel_records(2024)
    records.loc[1, "respondent_id"] = spoiled
    [(row, column, value, rule)] = panel_problems(records)
    # An id is personal data: the problem shows its length, never its characters (personal_data.must_mask).
    assert (row, column, value) == (3, "respondent_id", f"<masked: {len(spoiled)} characters>")
    assert "invisible" in rule


QUESTIONS = pd.DataFrame(
    {
        "source_key": ["k01", "k02"],
        "question_id": ["ai_adoption", "ai_task_administrative"],
        "min_code": [1, 1],
        "max_code": [5, 4],
        "dont_know_code": pd.array([9, None], dtype="Int64"),
    }
)


def answer_problems(k01: list[str], k02: list[str]) -> list[tuple]:
    frame = delivered_frame(pd.DataFrame({"K01": k01, "K02": k02}), ORG_FILE)
    return [
        (p.row, p.column, p.value, p.rule)
        for p in validation_problems(answers_schema(QUESTIONS, {"k01", "k02"}), frame)
    ]


def test_answer_codes_in_scale_dont_know_blank_and_integral_floats_pass():
    assert answer_problems(["1", "5", "9", "", "3.0"], ["4", "", "1", "2", "3"]) == []


def test_answer_codes_that_are_outside_the_scale_text_or_fractions():
    assert sorted(answer_problems(["6", "tre", "3.5", "1", "0"], ["9", "1", "1", "1", "1"])) == [
        (2, "k01", "6", "must be a code 1-5 or 9 (vet ikke) of ai_adoption, or blank"),
        (2, "k02", "9", "must be a code 1-4 of ai_task_administrative, or blank"),
        (3, "k01", "tre", "must be a number, not text"),
        (4, "k01", "3.5", "must be a whole number"),
        (6, "k01", "0", "must be a code 1-5 or 9 (vet ikke) of ai_adoption, or blank"),
    ]


def test_answers_schema_only_checks_columns_in_the_file():
    assert list(answers_schema(QUESTIONS, {"k02"}).columns) == ["k02"]


def test_an_answer_columns_checks_convert_its_text_to_numbers_once(monkeypatch):
    conversions = []
    to_numeric = pd.to_numeric
    monkeypatch.setattr(
        pd, "to_numeric", lambda values, **kw: conversions.append(len(values)) or to_numeric(values, **kw)
    )
    # blanks among the values: the checks must see the column itself, not a copy per check without them
    assert sorted(answer_problems(["1", "", "tre", "3.5"], ["4", "", "", "1"])) == [
        (4, "k01", "tre", "must be a number, not text"),
        (5, "k01", "3.5", "must be a whole number"),
    ]
    # one per answer column, for its three checks, each of its distinct texts once (blanks are not parsed)
    assert conversions == [3, 2]


def test_numbers_are_not_kept_after_validation():
    values = pd.Series(["1", "2"], dtype="string")
    frame = delivered_frame(pd.DataFrame({"K01": ["1", "2"], "K02": ["1", "2"]}), ORG_FILE)
    validation_problems(answers_schema(QUESTIONS, {"k01", "k02"}), frame)
    assert as_numbers(values).tolist() == [1.0, 2.0]
    values[0] = "7"  # the same Series changed in place
    assert as_numbers(values).tolist() == [7.0, 2.0]


# Text near numbers: digits, signs, decimal marks, exponents, spaces, words pandas reads (inf, nan) and blanks.
_NUMBER_LIKE = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list("0123456789" * 3 + "+-.,eE _\u0663")), max_size=8),
    st.sampled_from(["inf", "-inf", "nan", "NaN", " 3", "3 ", "-0", "0x10", "1_000"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_NUMBER_LIKE, max_size=30))
def test_numbers_are_those_pandas_reads_from_the_whole_column(texts):
    """as_numbers parses each distinct text once; every value still gets the number pandas' parser gives
    when it reads the whole column at once (a zero's sign aside, which no rule reads)."""
    values = pd.Series(texts, dtype="string")
    whole = pd.to_numeric(values.to_numpy(dtype=object, na_value=np.nan), errors="coerce")
    expected = pd.Series(whole, dtype="float64")
    assert as_numbers(values).equals(expected)
