"""read_codebook: a good codebook comes back typed; each broken rule is reported at the file's row."""

from __future__ import annotations

import pytest

from itip_pipeline.core import contract
from itip_pipeline.ingest.problems import DeliveryRejected
from itip_pipeline.ingest.rules.codebook import read_codebook

from support.delivery_builders import codebook_records, write_csv
from support.operation_counts import values_compared

YEAR = 2025  # the codebook_records fixture is the catalogue's 2025 questionnaire


def problems_of(tmp_path, records):
    path = write_csv(tmp_path / contract.CODEBOOK_FILE, records, delimiter=",")
    with pytest.raises(DeliveryRejected) as caught:
        read_codebook(path, YEAR)
    assert {p.file for p in caught.value.problems} == {contract.CODEBOOK_FILE}
    return [(p.row, p.column, p.value, p.rule) for p in caught.value.problems]


def test_good_codebook_is_typed(tmp_path):
    records = codebook_records()
    codebook = read_codebook(write_csv(tmp_path / contract.CODEBOOK_FILE, records, delimiter=","), YEAR)
    assert list(codebook.columns) == ["survey_year", *contract.CODEBOOK_COLUMNS, "source_row"]
    assert codebook["question_id"].tolist() == records["question_id"].tolist()
    assert codebook["min_code"].dtype == "int64" and codebook["max_code"].tolist() == [5, 5, 5, 5]
    assert codebook["dont_know_code"].dtype == "Int64" and codebook["dont_know_code"].tolist() == [9, 9, 9, 9]
    assert codebook["source_row"].tolist() == [2, 3, 4, 5]
    assert (codebook["survey_year"] == YEAR).all()
    assert codebook["wording"].iloc[0] == "Spørsmål ai_adoption"


def test_missing_codebook(tmp_path):
    with pytest.raises(DeliveryRejected) as caught:
        read_codebook(tmp_path / contract.CODEBOOK_FILE, YEAR)
    assert caught.value.problems[0].file == contract.CODEBOOK_FILE
    assert "no codebook.csv" in caught.value.problems[0].rule


def test_missing_codebook_column(tmp_path):
    assert problems_of(tmp_path, codebook_records().drop(columns="scale")) == [
        (None, "scale", None, "required column is missing")
    ]


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("survey", "kommuner", "survey must be one of org, panel"),
        ("scale", "extent7", f"scale must be one of {', '.join(contract.SCALES)}"),
        ("question_id", "", "must not be blank"),
        ("min_code", "en", "must be a number, not text"),
        ("max_code", "4.5", "must be a whole number"),
        ("source_column", "Kommentar", "source_column must not be an identifier or a forbidden column"),
        ("source_column", "orgnr", "source_column must not be an identifier or a forbidden column"),
    ],
)
def test_bad_codebook_value(tmp_path, column, value, rule):
    records = codebook_records()
    records.loc[1, column] = value
    assert problems_of(tmp_path, records) == [(3, column, value or None, rule)]


def test_min_above_max(tmp_path):
    records = codebook_records()
    records.loc[0, "min_code"] = "6"
    assert problems_of(tmp_path, records) == [(2, "max_code", "5", "max_code must not be below min_code")]


def test_duplicate_keys_name_both_rows(tmp_path):
    records = codebook_records()
    records.loc[1, "source_column"] = "k01"  # the same column as row 2's K01, matched case-insensitively
    records.loc[3, "question_id"] = records.loc[2, "question_id"]
    assert problems_of(tmp_path, records) == [
        (2, "source_column", "K01", "the pair (survey, source_column) appears more than once"),
        (3, "source_column", "k01", "the pair (survey, source_column) appears more than once"),
        (4, "question_id", "citizen_ai_public_services", "the pair (survey, question_id) appears more than once"),
        (5, "question_id", "citizen_ai_public_services", "the pair (survey, question_id) appears more than once"),
    ]


def test_all_problems_are_collected(tmp_path):
    records = codebook_records()
    records.loc[0, "survey"] = "x"
    records.loc[2, "scale"] = "y"
    assert [row for row, *_ in problems_of(tmp_path, records)] == [2, 4]


@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024, 2025])
def test_a_codebook_written_from_the_catalogue_passes_in_every_catalogued_year(tmp_path, year):
    from itip_pipeline.reference.question_catalogue import question_catalogue

    rows = question_catalogue().query("survey_year == @year")
    records = rows[list(contract.CODEBOOK_COLUMNS)].astype(str)
    codebook = read_codebook(write_csv(tmp_path / contract.CODEBOOK_FILE, records, delimiter=","), year)
    assert codebook["question_id"].tolist() == rows["question_id"].tolist()


def test_last_years_codebook_delivered_for_another_year_is_refused(tmp_path):
    # 2024's columns are q24_*; delivered again as the 2025 codebook they contradict the 2025 catalogue.
    from itip_pipeline.reference.question_catalogue import question_catalogue

    rows = question_catalogue().query("survey_year == 2024 and question_id == 'ai_adoption'")
    path = write_csv(
        tmp_path / contract.CODEBOOK_FILE, rows[list(contract.CODEBOOK_COLUMNS)].astype(str), delimiter=","
    )
    with pytest.raises(DeliveryRejected) as caught:
        read_codebook(path, 2025)
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [(2, "source_column", "q24_07")]
    assert "in 2025 ai_adoption is column K01" in caught.value.problems[0].rule


@pytest.mark.parametrize(("column", "value"), [("max_code", "4"), ("scale", "agree5"), ("dont_know_code", "")])
def test_a_year_the_catalogue_does_not_know_must_keep_each_questions_bounds(tmp_path, column, value):
    records = codebook_records()
    records.loc[0, column] = value
    path = write_csv(tmp_path / contract.CODEBOOK_FILE, records, delimiter=",")
    with pytest.raises(DeliveryRejected) as caught:
        read_codebook(path, 2026)
    [problem] = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (2, column, value or None)
    assert "for ai_adoption, as in the question catalogue (2025)" in problem.rule


def _catalogue_codebook(year: int):
    from itip_pipeline.reference.question_catalogue import question_catalogue

    return question_catalogue().query("survey_year == @year")[list(contract.CODEBOOK_COLUMNS)].astype(str)


@pytest.mark.parametrize("year", [2019, 2020])
def test_a_year_before_the_catalogue_is_held_to_its_first_year(tmp_path, year):
    # The catalogue starts in 2021: an older year's codebook must agree with 2021's columns and bounds,
    # as a year after the catalogue must agree with its last year.
    good = _catalogue_codebook(2021).reset_index(drop=True)
    assert len(read_codebook(write_csv(tmp_path / contract.CODEBOOK_FILE, good, delimiter=","), year)) == len(good)
    swapped = good.copy()
    swapped.loc[[0, 1], "question_id"] = good.loc[[1, 0], "question_id"].to_numpy()
    with pytest.raises(DeliveryRejected) as caught:
        read_codebook(write_csv(tmp_path / contract.CODEBOOK_FILE, swapped, delimiter=","), year)
    columns = [p for p in caught.value.problems if p.column == "source_column"]
    assert [p.row for p in columns] == [2, 3]
    assert f"in 2021 column {good.loc[0, 'source_column']} was question {good.loc[0, 'question_id']}" in (
        columns[0].rule
    )


@pytest.mark.parametrize("year", [YEAR, YEAR + 1], ids=["catalogued-year", "new-year"])
def test_checking_the_codebook_against_the_catalogue_costs_a_look_up_per_row_not_a_scan(tmp_path, monkeypatch, year):
    # A codebook of known and unknown questions, 100 and 1,000 rows: the values compared with `==` grow
    # with the rows alone, not rows × catalogue (a scan of the catalogue per row).
    import pandas as pd

    from itip_pipeline.reference.question_catalogue import question_catalogue

    work = {}
    base = codebook_records()
    for rows in (100, 1000):
        records = pd.concat([base] * (rows // len(base) + 1), ignore_index=True).head(rows)
        known = records.index < len(base)
        records["question_id"] = records["question_id"].where(
            known, records["question_id"] + "_" + records.index.astype(str)
        )
        records["source_column"] = records["source_column"].where(known, "X" + records.index.astype(str))
        path = write_csv(tmp_path / contract.CODEBOOK_FILE, records, delimiter=",")
        with values_compared(monkeypatch) as compared, pytest.raises(DeliveryRejected):
            read_codebook(path, year)
        work[rows] = compared[0]
    catalogue_rows = len(question_catalogue())
    assert work[1000] <= 15 * work[100] + 10 * catalogue_rows, work
    assert work[1000] < 20 * 1000 + 10 * catalogue_rows, work  # a scan per row: 1000 × the catalogue and more
