"""The synthetic deliveries on disk: one shared generation, read back with plain pandas/pyreadstat.

Other tests import the readers from here; the deliveries come from the session fixture `synthetic_root`
in conftest.py, so they are generated once. Reading is deliberately independent of the project's readers.
"""

from __future__ import annotations

import zipfile
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
import yaml

from itip_pipeline.runner.itip_run import DEFAULT_YEARS
from itip_pipeline.synthetic.calibration import CALIBRATION_FILE

YEARS = DEFAULT_YEARS
ID_COLUMNS = {
    "org": ["aar", "orgnr", "sektor", "kommunenr"],
    "panel": ["aar", "respondent_id", "vekt", "kjonn", "aldersgruppe", "landsdel"],
}
PLAN = yaml.safe_load(CALIBRATION_FILE.read_text(encoding="utf-8"))["deliveries"]


def _csv_text(path: Path) -> tuple[str, str]:
    """(text, encoding) of a CSV: BOM -> utf-8-sig, else UTF-8 if it decodes, else Windows-1252."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "cp1252"


def read_delivery(path: Path) -> pd.DataFrame:
    """A delivered table with string ids and nullable integer codes, whatever its format."""
    if path.suffix == ".csv":
        text, encoding = _csv_text(path)
        delimiter = ";" if text.splitlines()[0].count(";") else ","
        frame = pd.read_csv(path, sep=delimiter, dtype=str, keep_default_na=False, encoding=encoding)
        frame = frame.replace("", None)
    elif path.suffix == ".xlsx":
        raw = pd.read_excel(path, header=None, dtype=object)
        header = next(i for i, row in raw.iterrows() if "aar" in set(row.dropna().astype(str)))
        frame = raw.iloc[header + 1 :].set_axis(raw.iloc[header].astype(str), axis=1).reset_index(drop=True)
    elif path.suffix == ".sav":
        frame, _ = pyreadstat.read_sav(str(path))
        frame = frame.replace("", None)
    else:
        frame = pd.read_parquet(path)
    survey = "org" if path.name.startswith("org_survey") else "panel"
    for column in frame.columns:
        if column == "vekt":
            frame[column] = pd.to_numeric(frame[column]).astype(float)
        elif column == "aar" or column not in ID_COLUMNS[survey]:
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


@cache
def read_survey(root: Path, year: int, survey: str) -> pd.DataFrame:
    """All of a year's files of one survey, stacked (cached: callers must not modify it)."""
    prefix = "org_survey" if survey == "org" else "citizen_panel"
    return pd.concat([read_delivery(p) for p in sorted((root / str(year)).glob(f"{prefix}*"))], ignore_index=True)


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
    text, encoding = _csv_text(path)
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
