"""validate_survey: the raw frames of a clean survey-year, and every problem of a bad one, at the file's row."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest

from itip_pipeline.core import contract
from itip_pipeline.ingest.files.readers import read_table
from itip_pipeline.ingest.privacy.pseudonymise import pseudonymise_all
from itip_pipeline.ingest.problems import DeliveryRejected
from itip_pipeline.ingest.rules.codebook import read_codebook
from itip_pipeline.ingest.rules.validate import validate_survey

from support.delivery_builders import (
    ORG_QUESTIONS,
    PANEL_QUESTIONS,
    codebook_records,
    org_records,
    panel_records,
    write_csv,
    write_xlsx,
)
from support.operation_counts import values_compared

KEY = "test-key"


@pytest.fixture
def codebook(tmp_path):
    # Read as 2025's (the questionnaire codebook_records follows); the survey rules below are the 2024 ones.
    return read_codebook(write_csv(tmp_path / contract.CODEBOOK_FILE, codebook_records(), delimiter=","), 2025)


def read_back(tmp_path, name: str, records: pd.DataFrame, survey: str = "org") -> tuple[str, pd.DataFrame]:
    return name, read_table(write_csv(tmp_path / name, records), contract.REQUIRED_ID_COLUMNS[survey])


def rejected(files, codebook, survey="org", year=2024) -> list[tuple]:
    with pytest.raises(DeliveryRejected) as caught:
        validate_survey(files, codebook, survey, year, KEY)
    return [(p.file, p.row, p.column, p.value, p.rule) for p in caught.value.problems]


def test_org_files_become_raw_frames(tmp_path, codebook):
    files = [
        read_back(tmp_path, "org_survey_a.csv", org_records(2024, n=3)),
        read_back(tmp_path, "org_survey_b.csv", org_records(2024, n=2, first=3)),
    ]
    result = validate_survey(files, codebook, "org", 2024, KEY)
    assert list(result.respondents.columns) == [
        "survey_year",
        "orgnr",
        "sector",
        "kommunenr",
        "source_file",
        "source_row",
    ]
    assert result.n_rows == 5
    assert result.respondents["source_file"].tolist() == ["org_survey_a.csv"] * 3 + ["org_survey_b.csv"] * 2
    assert result.respondents["source_row"].tolist() == [2, 3, 4, 2, 3]
    assert result.respondents["sector"].tolist() == ["stat", "kommune", "kommune", "stat", "kommune"]
    assert result.respondents["kommunenr"].isna().tolist() == [True, False, False, True, False]
    assert (result.respondents["survey_year"] == 2024).all()

    assert list(result.answers.columns) == ["survey_year", "orgnr", "question_id", "answer_code"]
    assert len(result.answers) == 5 * len(ORG_QUESTIONS)
    assert result.answers["answer_code"].dtype == "Int64"
    first = result.answers[result.answers["orgnr"] == files[0][1]["orgnr"].iloc[1]]
    assert dict(zip(first["question_id"], first["answer_code"], strict=True)) == {
        "ai_adoption": 2,
        "ai_task_administrative": 9,
    }
    assert result.answers["answer_code"].isna().sum() == 3  # K02 is blank for every even respondent
    assert result.warnings == []


def test_panel_ids_are_pseudonymised_and_dropped(tmp_path, codebook):
    result = validate_survey(
        [read_back(tmp_path, "citizen_panel.csv", panel_records(2024), "panel")], codebook, "panel", 2024, KEY
    )
    stored = "survey_year respondent_number respondent_key weight gender age_group region source_file source_row"
    assert list(result.respondents.columns) == stored.split()
    expected = hmac.new(KEY.encode(), b"R00001", hashlib.sha256).hexdigest()
    assert result.respondents["respondent_key"].iloc[1] == expected
    assert result.respondents["weight"].tolist() == [0.5, 0.6, 0.7]
    assert result.respondents["respondent_number"].tolist() == [1, 2, 3]
    assert result.answers["respondent_number"].tolist() == [n for n in (1, 2, 3) for _ in PANEL_QUESTIONS]
    assert len(result.answers) == 3 * len(PANEL_QUESTIONS)
    for frame in (result.respondents, result.answers):
        assert "respondent_id" not in frame.columns
        assert not frame.astype(str).isin(["R00000", "R00001", "R00002"]).any().any()


def test_panel_respondents_are_numbered_across_the_years_files_and_their_answers_carry_the_number(tmp_path, codebook):
    second = panel_records(2024, n=5).iloc[3:].reset_index(drop=True)  # R00003, R00004
    files = [
        read_back(tmp_path, "citizen_panel_a.csv", panel_records(2024), "panel"),
        read_back(tmp_path, "citizen_panel_b.csv", second, "panel"),
    ]
    result = validate_survey(files, codebook, "panel", 2024, KEY)
    respondents = result.respondents
    assert respondents["respondent_number"].tolist() == [1, 2, 3, 4, 5]
    assert respondents["source_file"].tolist() == ["citizen_panel_a.csv"] * 3 + ["citizen_panel_b.csv"] * 2
    number_of = dict(zip(respondents["respondent_key"], respondents["respondent_number"], strict=True))
    assert number_of[_pseudonym("R00004", KEY)] == 5
    # each answer row is its own respondent's: P01 is 1 + i % 5 for respondent R0000i
    p01 = result.answers[result.answers["question_id"] == PANEL_QUESTIONS[0][1]]
    assert p01["respondent_number"].tolist() == [1, 2, 3, 4, 5]
    assert p01["answer_code"].tolist() == [1, 2, 3, 4, 5]


def _pseudonym(respondent_id: str, key: str) -> str:
    return pseudonymise_all([respondent_id], key)[0]


def test_pseudonymise_is_keyed_and_stable():
    assert _pseudonym("R1", "a") == _pseudonym("R1", "a")
    assert _pseudonym("R1", "a") != _pseudonym("R1", "b")
    assert _pseudonym("R1", "a") != _pseudonym("R2", "a")
    assert len(_pseudonym("R1", "a")) == 64
    with pytest.raises(ValueError):
        _pseudonym("R1", "")


@pytest.mark.parametrize("key", ["a", "k" * 64, "lengre enn en blokk: " * 5, "nøkkel-æøå", "\x00\x00"])
def test_pseudonyms_are_the_standard_hmac_sha256_for_any_key_length(key):
    ids = ["R1", "P2025-0000001", "", "Ærlig Ødegård", "x" * 200]
    expected = [hmac.new(key.encode("utf-8"), rid.encode("utf-8"), hashlib.sha256).hexdigest() for rid in ids]
    assert pseudonymise_all(ids, key) == expected
    assert [_pseudonym(rid, key) for rid in ids] == expected
    with pytest.raises(ValueError):
        pseudonymise_all(ids, "")


def test_unknown_column_is_a_warning_and_not_loaded(tmp_path, codebook):
    records = org_records(2024).assign(Q99=["1", "2", "3"])
    result = validate_survey([read_back(tmp_path, "org_survey.csv", records)], codebook, "org", 2024, KEY)
    [warning] = result.warnings
    assert (warning.file, warning.column) == ("org_survey.csv", "q99")
    assert "not in the 2024 codebook for org" in warning.rule
    assert "q99" not in set(result.answers["question_id"])


@pytest.mark.parametrize("header", [None, "K0２", "KO2", "K 02"], ids=["absent", "full-width-2", "letter-O", "space"])
def test_codebook_question_absent_from_file_is_refused(tmp_path, codebook, header):
    # A look-alike header must not pass: the question would load as blank for everyone, with only a warning.
    records = org_records(2024)
    records = records.drop(columns="K02") if header is None else records.rename(columns={"K02": header})
    problems = rejected([read_back(tmp_path, "org_survey.csv", records)], codebook)
    assert [(file, column) for file, _row, column, _value, _rule in problems] == [("org_survey.csv", "K02")]
    assert "question ai_task_administrative is in the codebook but not in the file" in problems[0][4]


def test_forbidden_column_is_refused(tmp_path, codebook):
    records = org_records(2024).assign(Epost=["a@b.no", "", ""])
    assert rejected([read_back(tmp_path, "org_survey.csv", records)], codebook) == [
        (
            "org_survey.csv",
            None,
            "epost",
            None,
            "the column name says e-mail: direct identifiers and free text "
            "must not be delivered under any name; remove the column",
        ),
    ]


def test_duplicate_respondent_across_files_names_both_rows(tmp_path, codebook):
    files = [
        read_back(tmp_path, "org_survey_a.csv", org_records(2024, n=3)),
        read_back(tmp_path, "org_survey_b.csv", org_records(2024, n=2, first=2)),
    ]
    duplicated = files[0][1]["orgnr"].iloc[2]
    assert rejected(files, codebook) == [
        ("org_survey_b.csv", 2, "orgnr", duplicated, "orgnr appears more than once: also in org_survey_a.csv row 4"),
    ]


def test_duplicate_panel_respondent_within_a_file(tmp_path, codebook):
    records = panel_records(2024)
    records.loc[2, "respondent_id"] = "R00000"
    problems = rejected([read_back(tmp_path, "citizen_panel.csv", records, "panel")], codebook, "panel")
    assert problems == [
        (
            "citizen_panel.csv",
            4,
            "respondent_id",
            "<masked: 6 characters>",
            "respondent_id appears more than once: also in citizen_panel.csv row 2",
        ),
    ]


def test_every_problem_is_collected(tmp_path, codebook):
    records = org_records(2024)
    records.loc[0, "orgnr"] = "123456789"
    records.loc[1, "K01"] = "tre"
    records.loc[2, "K02"] = "7"
    records.loc[2, "aar"] = "2023"
    problems = rejected([read_back(tmp_path, "org_survey.csv", records)], codebook)
    assert sorted((row, column, value) for _, row, column, value, _ in problems) == [
        (2, "orgnr", "123456789"),
        (3, "k01", "tre"),
        (4, "aar", "2023"),
        (4, "k02", "7"),
    ]


def test_rows_are_the_files_rows_below_xlsx_title_rows(tmp_path, codebook):
    records = panel_records(2024)
    records.loc[0, "vekt"] = "abc"
    path = write_xlsx(tmp_path / "citizen_panel.xlsx", records, title_rows=["Innbyggerpanelet", "2024"])
    frame = read_table(path, contract.REQUIRED_ID_COLUMNS["panel"])
    problems = rejected([("citizen_panel.xlsx", frame)], codebook, "panel")
    assert problems == [("citizen_panel.xlsx", 4, "vekt", "abc", "must be a number, not text")]


def test_codebook_codes_as_the_database_returns_them(tmp_path, codebook):
    stored = codebook.astype({"min_code": "int32", "max_code": "int32", "dont_know_code": "float64"})
    records = org_records(2024)
    records.loc[0, "K01"] = "8"
    assert rejected([read_back(tmp_path, "org_survey.csv", records)], stored) == [
        ("org_survey.csv", 2, "k01", "8", "must be a code 1-5 or 9 (vet ikke) of ai_adoption, or blank"),
    ]


def test_no_files(codebook):
    assert rejected([], codebook) == [("org_survey*", None, None, None, "no org file in the 2024 delivery")]


def test_problems_carry_every_field(tmp_path, codebook):
    records = org_records(2024)
    records.loc[1, "sektor"] = "privat"
    with pytest.raises(DeliveryRejected) as caught:
        validate_survey([read_back(tmp_path, "org_survey.csv", records)], codebook, "org", 2024, KEY)
    assert [p.as_dict() for p in caught.value.problems] == [
        {
            "file": "org_survey.csv",
            "row": 3,
            "column": "sektor",
            "value": "privat",
            "rule": "sektor must be one of stat, kommune, fylkeskommune",
        },
    ]
    assert "org_survey.csv, row 3, column 'sektor', value 'privat'" in str(caught.value)


def test_kommunenr_is_read_trimmed_and_checked_against_the_year(tmp_path, codebook):
    records = org_records(2024)
    records.loc[1, "kommunenr"], records.loc[2, "kommunenr"] = " 0301 ", "\u00a03101"  # spaces, a no-break space
    result = validate_survey([read_back(tmp_path, "org_survey_a.csv", records)], codebook, "org", 2024, KEY)
    assert result.respondents["kommunenr"].tolist()[1:] == ["0301", "3101"]
    assert rejected([read_back(tmp_path, "org_survey_b.csv", records.assign(aar="2023"))], codebook, year=2023) == [
        (
            "org_survey_b.csv",
            4,
            "kommunenr",
            "3101",
            "kommunenr must be a municipality number valid in 2023; this number is valid from 2024 (the municipality "
            "register (SSB classification 131, dbt_project/seeds/municipality_register.csv)): use the municipality's "
            "number of 2023",
        ),
    ]


def test_a_year_after_the_register_loads_against_its_newest_version_with_a_warning(tmp_path, codebook):
    records = org_records(2027)
    records.loc[1, "kommunenr"] = "3101"
    result = validate_survey([read_back(tmp_path, "org_survey_a.csv", records)], codebook, "org", 2027, KEY)
    (warning,) = result.warnings
    assert (warning.file, warning.column) == ("org_survey_a.csv", "kommunenr")
    assert "checked up to 2026" in warning.rule and "newest version, Kommuneinndeling 2024" in warning.rule
    assert (
        validate_survey(
            [read_back(tmp_path, "org_survey_b.csv", org_records(2026))], codebook, "org", 2026, KEY
        ).warnings
        == []
    )


def _elements_compared(monkeypatch, files, codebook) -> int:
    """How many values validate_survey compares with `==` on pandas Series while refusing the files."""
    with values_compared(monkeypatch) as compared, pytest.raises(DeliveryRejected):
        validate_survey(files, codebook, "org", 2024, KEY)
    return compared[0]


def test_validation_work_grows_linearly_in_rows_with_every_row_a_duplicate_or_a_bad_code(
    tmp_path, codebook, monkeypatch
):
    # Every second row repeats the orgnr of the row before, every fifth has an answer code out of range: a
    # scan of the whole column per problem (finding a duplicate's first row so) grows with rows × problems.
    work = []
    for rows in (20, 200, 2000):
        records = org_records(2024, n=rows)
        records["orgnr"] = records["orgnr"].iloc[[i - i % 2 for i in range(rows)]].to_numpy()
        records.loc[::5, "K01"] = "6"
        files = [read_back(tmp_path, f"org_survey_{rows}.csv", records)]
        work.append(_elements_compared(monkeypatch, files, codebook))
    assert work[0] > 0
    # Linear: ten times the rows, about ten times the work (a scan per problem would be a hundred times).
    assert work[1] <= 15 * work[0] and work[2] <= 15 * work[1], work
