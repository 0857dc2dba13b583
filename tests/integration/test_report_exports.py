"""The exports people open in Excel, written from a small published warehouse."""

from __future__ import annotations

import shutil

import duckdb
import openpyxl
import pandas as pd
import pytest

from itip_pipeline.report.exports import SUPPRESSED_MARK, write_exports
from itip_pipeline.report.published import read_published

from support.report_fixture import SUPPRESSED_N, write_published_fixture


@pytest.fixture
def published(tmp_path):
    return read_published(write_published_fixture(tmp_path / "warehouse" / "itip.duckdb"))


@pytest.fixture
def exports(published, tmp_path):
    return write_exports(published, tmp_path / "marts")


def test_a_csv_opens_in_norwegian_excel_with_its_letters_numbers_and_suppression_marks(exports):
    path = next(p for p in exports.csv_files if p.stem == "mart_ai_adoption")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark, or Excel reads the legacy code page"
    header = raw[3:].split(b"\r\n")[0].decode("utf-8")
    assert header.split(";")[:3] == ["year", "population", "population_label_no"]
    frame = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype={"share_pct": str})
    suppressed = frame[frame["suppressed"]]
    assert len(suppressed) == 1 and suppressed["n_base"].iloc[0] == SUPPRESSED_N
    assert (suppressed[["share_pct", "ci_low_pct", "ci_high_pct"]] == SUPPRESSED_MARK).all(axis=None)
    shown = frame[~frame["suppressed"]]
    assert shown["share_pct"].str.contains(",").all(), "decimal comma in a column that also holds the mark"
    assert pd.to_numeric(shown["share_pct"].str.replace(",", ".")).between(0, 100).all()
    assert frame["ci_high_pct"].astype(str).str.contains(",").any()
    assert "Har tatt i bruk kunstig intelligens" in set(frame["label_no"])
    assert "Påstander" in (path.parent / "indicator_families.csv").read_text(encoding="utf-8-sig")


def test_the_workbook_has_a_readme_and_a_sheet_per_family_with_marks_not_zeros(exports, published):
    book = openpyxl.load_workbook(exports.workbook)
    assert book.sheetnames[0] == "README"
    assert book.sheetnames[1:] == [f.family[:31] for f in published.families]
    assert "new_family" in book.sheetnames, "a family the titles table does not list still gets its sheet"
    readme = "\n".join(str(c) for row in book["README"].iter_rows(values_only=True) for c in row if c is not None)
    assert "SYNTHETIC" in readme and "org_survey_synthetic.xlsx" in readme
    assert "vet ikke included" in readme, "the method notes come from the warehouse's column comments"
    sheet = book["ai_adoption"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    hidden = [r for r in rows if r["suppressed"]]
    assert len(hidden) == 1 and hidden[0]["share_pct"] == SUPPRESSED_MARK and hidden[0]["n_base"] == SUPPRESSED_N
    assert all(isinstance(r["share_pct"], (int, float)) for r in rows if not r["suppressed"]), "numbers, not text"
    assert {"label_no", "ci_low_pct", "ci_high_pct", "n_base", "policy_target_pct"} <= set(header)


def test_real_deliveries_get_no_synthetic_warning(tmp_path):
    published = read_published(write_published_fixture(tmp_path / "w.duckdb", synthetic=False))
    assert not published.is_synthetic
    exports = write_exports(published, tmp_path / "marts")
    readme = [
        c for row in openpyxl.load_workbook(exports.workbook)["README"].iter_rows(values_only=True) for c in row if c
    ]
    assert not any("SYNTHETIC" in str(c) for c in readme)


def test_a_warehouse_that_cannot_name_its_files_is_treated_as_synthetic(tmp_path):
    path = write_published_fixture(tmp_path / "w.duckdb", synthetic=False)
    with duckdb.connect(str(path)) as con:
        con.execute("drop table marts.published_provenance")
    assert read_published(path).is_synthetic


def test_a_table_dropped_from_the_warehouse_loses_its_csv(published, tmp_path):
    write_exports(published, tmp_path / "marts")
    stale = tmp_path / "marts" / "csv" / "mart_gone.csv"
    shutil.copy(tmp_path / "marts" / "csv" / "mart_ai_adoption.csv", stale)
    write_exports(published, tmp_path / "marts")
    assert not stale.exists()
