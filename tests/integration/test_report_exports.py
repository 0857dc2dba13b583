"""The exports people open, written from a small published warehouse: the CSV files and the two workbooks."""

from __future__ import annotations

import shutil

import duckdb
import openpyxl
import pandas as pd
import pytest

from itip_pipeline.report.exports import SHEET_NAME_MAX, SHOWN, WORDS, sheet_names, write_exports
from itip_pipeline.report.published import Family, read_published
from itip_pipeline.warehouse.exported_tables import FLAGS

from support.report_fixture import SUPPRESSED_N, write_published_fixture

HEADER_ROW = 3


@pytest.fixture
def published(tmp_path):
    return read_published(write_published_fixture(tmp_path / "warehouse" / "itip.duckdb"))


@pytest.fixture
def exports(published, tmp_path):
    return write_exports(published, tmp_path / "marts")


def _family_rows(sheet) -> tuple[list[str], list[dict]]:
    header = [c.value for c in sheet[HEADER_ROW]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]
    return header, rows


def test_a_csv_opens_in_norwegian_excel_with_its_letters_numbers_and_flags(exports):
    path = next(p for p in exports.csv_files if p.stem == "mart_ai_adoption")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark, or Excel reads the legacy code page"
    header = raw[3:].split(b"\r\n")[0].decode("utf-8").split(";")
    assert header[:3] == ["year", "population", "population_label_no"]
    assert header.index("flag") == header.index("ci_high_pct") + 1, "the flag beside the value it qualifies"
    frame = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    for column in ("share_pct", "ci_low_pct", "ci_high_pct", "n_base", "dont_know_pct"):
        assert pd.api.types.is_numeric_dtype(frame[column]), f"{column} loads as {frame[column].dtype}"
    withheld = frame[frame["suppressed"]]
    assert len(withheld) == 1 and withheld["n_base"].iloc[0] == SUPPRESSED_N
    assert withheld[["share_pct", "ci_low_pct", "ci_high_pct"]].isna().all(axis=None), "withheld: empty, never 0"
    assert set(withheld["flag"]) == {"bc"}, "the suppressed 2025 cell is also the series break"
    assert set(frame.loc[frame["low_reliability"], "flag"]) == {"u"}
    assert frame.loc[~frame["suppressed"], "share_pct"].between(0, 100).all()
    assert "Har tatt i bruk kunstig intelligens" in set(frame["label_no"])
    assert "Påstander" in (path.parent / "indicator_families.csv").read_text(encoding="utf-8-sig")


def test_csv_values_are_the_warehouse_values_unrounded(exports, published):
    frame = pd.read_csv(exports.csv_files[0].parent / "fct_indicator.csv", sep=";", decimal=",", encoding="utf-8-sig")
    expected = published.tables["fct_indicator"]
    assert (expected["ci_high_pct"].dropna() % 0.1 != 0).any(), "the fixture has values with more than one decimal"
    for column in ("share_pct", "ci_low_pct", "ci_high_pct", "n_effective"):
        assert frame[column].tolist() == pytest.approx(expected[column].astype(float).tolist(), rel=0, nan_ok=True)
        assert (frame[column].fillna(-1) == expected[column].astype(float).fillna(-1)).all(), "bit-identical"


@pytest.mark.parametrize("lang", ["no", "en"])
def test_each_workbook_is_in_one_language_with_a_readme_and_a_sheet_per_family(exports, published, lang):
    book = openpyxl.load_workbook(exports.workbooks[lang])
    names = sheet_names(published.families, lang)
    pick = 0 if lang == "no" else 1
    assert book.sheetnames == [WORDS["readme"][pick], *names.values(), WORDS["revisions"][pick]]
    assert len(names) == len(published.families), "a family the titles table does not list still gets its sheet"
    readme = "\n".join(str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c)
    assert ("SYNTETISKE DATA" if lang == "no" else "SYNTHETIC DATA") in readme
    assert ("SYNTHETIC DATA" if lang == "no" else "SYNTETISKE DATA") not in readme, "one language per sheet"
    assert "org_survey_synthetic.xlsx" in readme
    for letter, words in FLAGS.items():
        assert f"{letter}\n{words[0 if lang == 'no' else 1]}" in readme, f"the legend of flag {letter}"
    if lang == "en":
        assert "vet ikke included" in readme, "the English column notes come from the warehouse's descriptions"
    sheet = book[names["ai_adoption"]]
    header, rows = _family_rows(sheet)
    headings = {s.name(lang): s.heading(lang) for s in SHOWN}
    assert header[:3] == [headings["year"], headings[f"population_label_{lang}"], headings[f"label_{lang}"]]
    assert not set(header) & set(published.tables["mart_ai_adoption"].columns), "labels, not column names"
    share, flag = headings["share_pct"], headings["flag"]
    withheld = [r for r in rows if r[flag] and "c" in r[flag]]
    assert len(withheld) == 1 and withheld[0][share] is None and withheld[0][headings["n_base"]] == SUPPRESSED_N
    assert all(isinstance(r[share], (int, float)) for r in rows if not r[flag] or "c" not in r[flag]), (
        "numbers, not text"
    )
    remark = headings["remark"]
    said = ("b: brudd i serien", "c: holdt tilbake for konfidensialitet: for få svar")
    said = said if lang == "no" else ("b: break in series", "c: withheld for confidentiality: too few respondents")
    assert withheld[0][remark].startswith(said[0]) and said[1] in withheld[0][remark], "the flags in words"
    unreliable = [r for r in rows if r[flag] == "u"]
    assert unreliable and all(r[remark].startswith(("u: usikkert tall", "u: low reliability")) for r in unreliable)
    assert {r[headings[f"label_{lang}"]] for r in rows} == {
        "Har tatt i bruk kunstig intelligens" if lang == "no" else "Has adopted AI"
    }


def test_a_family_sheet_is_laid_out_for_reading_and_printing(exports, published):
    book = openpyxl.load_workbook(exports.workbooks["no"])
    for family, name in sheet_names(published.families, "no").items():
        sheet = book[name]
        header, rows = _family_rows(sheet)
        assert all(isinstance(h, str) and h for h in header), f"{name}: every column has a heading"
        assert sheet.freeze_panes == f"A{HEADER_ROW + 1}", f"{name}: the header stays in view"
        assert sheet.auto_filter.ref == f"A{HEADER_ROW}:{sheet.cell(1, len(header)).column_letter}{sheet.max_row}"
        assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}", f"{name}: the header on every page"
        setup = sheet.page_setup
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and int(setup.paperSize) == int(sheet.PAPERSIZE_A4)
        widths = [sheet.column_dimensions[sheet.cell(1, i).column_letter].width for i in range(1, len(header) + 1)]
        assert all(w and w >= 5 for w in widths), f"{name}: every column has a width"
        assert len(rows) == len(published.tables[next(f.table for f in published.families if f.family == family)])
        if "Andel (%)" in header:
            column = header.index("Andel (%)") + 1
            cells = [sheet.cell(HEADER_ROW + 1 + i, column) for i in range(len(rows))]
            assert {c.number_format for c in cells} == {"0.0"}, "one decimal shown"
        assert "Flagg" in header or family == "ai_use_mode_external", f"{name}: the flag column"
    shares = [r["Andel (%)"] for r in _family_rows(book[sheet_names(published.families, "no")["ai_adoption"]])[1]]
    assert published.tables["mart_ai_adoption"]["share_pct"].dropna().tolist() == [s for s in shares if s is not None]


def test_sheet_names_read_well_within_excels_limits():
    long_title = "Innbyggernes tillit til at personopplysninger ivaretas: [status] / utvikling?"
    families = [
        Family("citizen_data_protection_trust", "mart_a", "t", "t", "", pd.DataFrame()),
        Family("citizen_data_protection_trust_breakdown", "mart_b", "x", "x", "", pd.DataFrame()),
        Family("unlisted", "mart_c", long_title, long_title, "", pd.DataFrame()),
        Family("unlisted_too", "mart_d", long_title, long_title, "", pd.DataFrame()),
        Family("readme", "mart_e", "Les meg", "Read me", "", pd.DataFrame()),
    ]
    for lang in ("no", "en"):
        names = list(sheet_names(families, lang).values())
        assert all(len(n) <= SHEET_NAME_MAX for n in names), names
        assert len({n.casefold() for n in names} | {WORDS["readme"][0 if lang == "no" else 1].casefold()}) == 6
        assert not any(set(n) & set("[]:*?/\\") for n in names), names
        assert names[2].endswith("…") and " " not in names[2][-2:], "cut at a word, marked as cut"
    assert sheet_names(families, "no")["citizen_data_protection_trust_breakdown"] == "Tillit til personvern (grupper)"


def test_a_label_that_looks_like_a_formula_stays_text(tmp_path):
    path = write_published_fixture(tmp_path / "w.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute('update marts.mart_ai_adoption set label_no = \'=HYPERLINK("http://x","klikk")\'')
    exports = write_exports(read_published(path), tmp_path / "marts")
    book = openpyxl.load_workbook(exports.workbooks["no"])
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c for c in cells if c.value.startswith("=") or c.data_type == "f"]
    assert '\'=HYPERLINK("http://x","klikk")' in [c.value for c in cells]  # shown as text, as delivered
    csv_cells = (tmp_path / "marts" / "csv" / "mart_ai_adoption.csv").read_text(encoding="utf-8-sig")
    assert ";=" not in csv_cells and "\n=" not in csv_cells and "'=HYPERLINK" in csv_cells.replace('"', "")


def test_real_deliveries_get_no_synthetic_warning(tmp_path):
    published = read_published(write_published_fixture(tmp_path / "w.duckdb", synthetic=False))
    assert not published.is_synthetic
    exports = write_exports(published, tmp_path / "marts")
    for path in exports.workbooks.values():
        book = openpyxl.load_workbook(path)
        text = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c]
        assert not any("SYNTHETIC" in c or "SYNTETISKE" in c for c in text)
        assert not any("SYNTHETIC" in (s.oddFooter.left.text or "") for s in book)


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


@pytest.mark.parametrize("lang", ["no", "en"])
def test_a_revised_row_says_its_release_and_old_value_and_a_sheet_lists_every_revision(exports, published, lang):
    book = openpyxl.load_workbook(exports.workbooks[lang])
    names = sheet_names(published.families, lang)
    headings = {s.name(lang): s.heading(lang) for s in SHOWN}
    revised, remark = headings["revised"], headings["remark"]
    pick = 0 if lang == "no" else 1
    # The rows marts.revisions names, found here by their own columns, not by the key the code builds.
    _, adoption = _family_rows(book[names["ai_adoption"]])
    marked = {(r[headings["year"]], r[headings[f"population_label_{lang}"]]): r[revised] for r in adoption}
    municipalities = ("Kommuner", "Municipalities")[pick]
    assert (
        marked.pop((2025, municipalities))
        == (("revidert i utgivelse 2025.2 (gammel verdi 38,0)", "revised in release 2025.2 (old value 38.0)")[pick])
    )
    assert set(marked.values()) == {None}, "a figure never revised says nothing"
    _, statements = _family_rows(book[names["infosec_statement"]])
    flagged = [r for r in statements if r[revised]]
    assert [(r[headings["year"]], r[headings["flag"]]) for r in flagged] == [(2023, "u")]
    assert (
        flagged[0][revised]
        == (
            (
                "revidert i utgivelse 2025.2 (flagg før: publisert)",
                "revised in release 2025.2 (flag before: published)",
            )[pick]
        )
    )
    assert flagged[0][remark].startswith(("u: usikkert tall", "u: low reliability")), "the flag says why, as before"
    header, _ = _family_rows(book[names["new_family"]])
    assert revised not in header, "no revised column on a sheet with no revised figure"
    # The revisions sheet: every row of marts.revisions, newest release first, in words.
    sheet = book[WORDS["revisions"][pick]]
    header, rows = _family_rows(sheet)
    assert header == list(WORDS["revision_columns"][pick])
    cells = published.tables["revisions"]
    assert len(rows) == len(cells)
    figure, sheet_or_table, old, new = header[4], header[3], header[6], header[7]
    assert {r[sheet_or_table] for r in rows} == {
        names.get(f.family) for f in published.families if f.table in set(cells["table_name"])
    } | {"fct_indicator"}, "a family's sheet by name, another table by its name"
    withheld = next(r for r in rows if r[new] is None and r[old] == 37.0)
    county = ("Har tatt i bruk kunstig intelligens", "Has adopted AI")[pick] + " · Vestfold · " + municipalities
    assert withheld[figure] == f"{county} · 2025"
    assert withheld[header[10]] == ("holdt tilbake for konfidensialitet (c)", "withheld for confidentiality (c)")[pick]
    readme = "\n".join(str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c)
    assert revised in readme and WORDS["revisions"][pick] in readme, "the read-me explains the column and the sheet"
