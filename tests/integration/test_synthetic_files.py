"""The synthetic deliveries on disk: one shared generation, read back with plain pandas/pyreadstat.

The readers are in support/synthetic_files.py; the deliveries come from the session fixture `synthetic_root` in
tests/conftest.py, so they are generated once.
"""

from __future__ import annotations

import zipfile

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest

from support.synthetic_files import ID_COLUMNS, PLAN, YEARS, csv_text, read_survey


@pytest.mark.parametrize("year", YEARS)
def test_each_year_holds_exactly_the_planned_files(synthetic_root, year):
    planned = {spec["file"] for survey in ("org", "panel") for spec in PLAN[year][survey]}
    found = {p.name for p in (synthetic_root / str(year)).iterdir()}
    assert found == planned | {"codebook.csv", "SYNTHETIC_README.txt"}
    assert all("synthetic" in name for name in planned)
    assert "SYNTETISKE DATA" in (synthetic_root / str(year) / "SYNTHETIC_README.txt").read_text(encoding="utf-8")


def _specs(suffix: str):
    return [
        pytest.param(year, spec, id=f"{year}/{spec['file']}")
        for year in YEARS
        for survey in ("org", "panel")
        for spec in PLAN[year][survey]
        if spec["file"].endswith(suffix)
    ]


@pytest.mark.parametrize("year,spec", _specs(".csv"))
def test_csv_files_have_the_planned_delimiter_and_encoding(synthetic_root, year, spec):
    path = synthetic_root / str(year) / spec["file"]
    text, encoding = csv_text(path)
    header = text.splitlines()[0]
    assert encoding == spec["encoding"] or (spec["encoding"] == "cp1252" and encoding == "utf-8" and text.isascii())
    assert header.startswith(spec["delimiter"].join(["aar", "orgnr" if "org" in path.name else "respondent_id"]))
    other = "," if spec["delimiter"] == ";" else ";"
    assert other not in header and '"' not in text


@pytest.mark.parametrize("year,spec", _specs(".xlsx"))
def test_xlsx_files_start_with_the_synthetic_title_rows(synthetic_root, year, spec):
    raw = pd.read_excel(synthetic_root / str(year) / spec["file"], header=None, nrows=spec["title_rows"] + 1)
    assert raw.iloc[0, 0] == "SYNTETISKE DATA – ikke ekte svar"
    assert raw.iloc[spec["title_rows"], 0] == "aar"


@pytest.mark.parametrize("year,spec", _specs(".sav"))
def test_sav_files_are_labelled_synthetic_with_value_labels(synthetic_root, year, spec):
    _, meta = pyreadstat.read_sav(str(synthetic_root / str(year) / spec["file"]), metadataonly=True)
    assert "SYNTETISKE DATA" in meta.file_label
    answer_labels = [labels for column, labels in meta.variable_value_labels.items() if column not in ("aar", "vekt")]
    assert answer_labels and all(labels[9] == "Vet ikke" and len(labels) >= 6 for labels in answer_labels)


@pytest.mark.parametrize("year,spec", _specs(".parquet"))
def test_parquet_files_carry_synthetic_metadata(synthetic_root, year, spec):
    assert pq.read_schema(synthetic_root / str(year) / spec["file"]).metadata[b"synthetic"] == b"true"


def test_xlsx_metadata_carries_no_run_time(synthetic_root):
    path = synthetic_root / "2022" / "org_survey_synthetic.xlsx"
    with zipfile.ZipFile(path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2022, 6, 1, 0, 0, 0)}
        assert b"2022-06-01T00:00:00Z" in archive.read("docProps/core.xml")


@pytest.mark.parametrize("year", YEARS)
def test_columns_are_the_id_columns_then_the_codebook_columns(synthetic_root, year):
    codebook = pd.read_csv(synthetic_root / str(year) / "codebook.csv", dtype=str)
    assert list(codebook.columns) == [
        "survey",
        "source_column",
        "question_id",
        "scale",
        "min_code",
        "max_code",
        "dont_know_code",
        "wording",
    ]
    for survey in ("org", "panel"):
        table = read_survey(synthetic_root, year, survey)
        expected = ID_COLUMNS[survey] + list(codebook.loc[codebook.survey == survey, "source_column"])
        assert list(table.columns) == expected
        answers = table[expected[len(ID_COLUMNS[survey]) :]]
        values = set(answers.stack().astype(int))
        assert values <= {1, 2, 3, 4, 5, 9} and 9 in values
        assert 0.005 < answers.isna().to_numpy().mean() < 0.5
