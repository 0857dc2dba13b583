"""Format traps refused by the readers: xlsx hidden sheets, data beyond the first sheet, formulas (with or
without cached values), and SPSS user-missing declarations, each named by file, sheet or cell, and column."""

from __future__ import annotations

import shutil
import zipfile

import openpyxl
import pyreadstat
import pytest

from itip_pipeline.core import contract
from itip_pipeline.ingest.files.readers import read_table
from itip_pipeline.ingest.problems import DeliveryRejected

from support.delivery_builders import org_records, panel_records, write_sav, write_xlsx

ORG_REQUIRED = contract.REQUIRED_ID_COLUMNS["org"]
PANEL_REQUIRED = contract.REQUIRED_ID_COLUMNS["panel"]


def _problems(path, required=ORG_REQUIRED) -> list[tuple]:
    with pytest.raises(DeliveryRejected) as caught:
        read_table(path, required)
    return [(p.file, p.row, p.column, p.value) for p in caught.value.problems], caught.value


def _edit(path, change) -> None:
    workbook = openpyxl.load_workbook(path)
    change(workbook)
    workbook.save(path)


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_refused_even_after_the_data_sheet(tmp_path, state):
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))

    def add_hidden(workbook):
        workbook.create_sheet("gammel")["A1"] = "stale"
        workbook["gammel"].sheet_state = state

    _edit(path, add_hidden)
    problems, rejection = _problems(path)
    assert problems == [("org_survey.xlsx", None, "sheet 'gammel'", None)]
    assert f"a {state} sheet" in str(rejection)


def test_a_hidden_first_sheet_with_a_stale_copy_is_refused(tmp_path):
    # The trap: a stale copy first and hidden, which a reader taking the first sheet would load as the data.
    path = write_xlsx(tmp_path / "citizen_panel.xlsx", panel_records(2024))

    def hide_a_stale_copy_in_front(workbook):
        stale = workbook.create_sheet("Ark0", 0)
        for row in workbook["Sheet"].iter_rows(values_only=True):
            stale.append(row)
        stale.sheet_state = "hidden"

    _edit(path, hide_a_stale_copy_in_front)
    problems, _ = _problems(path, PANEL_REQUIRED)
    # Both are named: the hidden copy, and the real data that is not on the first sheet.
    assert problems == [
        ("citizen_panel.xlsx", None, "sheet 'Ark0'", None),
        ("citizen_panel.xlsx", None, "sheet 'Sheet'", None),
    ]


def test_data_on_a_second_sheet_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))
    _edit(path, lambda workbook: workbook.create_sheet("Ark2").append(["merknad"]))
    problems, rejection = _problems(path)
    assert problems == [("org_survey.xlsx", None, "sheet 'Ark2'", None)]
    assert "first and only non-empty sheet" in str(rejection)


def test_an_empty_second_sheet_is_harmless(tmp_path):
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))
    _edit(path, lambda workbook: workbook.create_sheet("Ark2"))
    assert len(read_table(path, ORG_REQUIRED)) == 3


def _with_formula(tmp_path, cached: str | None):
    """org records whose K01 in the second data row (spreadsheet row 3, column E) is the formula =1+2."""
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))
    _edit(path, lambda workbook: workbook["Sheet"].cell(row=3, column=5, value="=1+2"))
    if cached is not None:  # openpyxl writes no cached value; a spreadsheet program would have written one
        patched = tmp_path / "patched.xlsx"
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
            for item in source.infolist():
                data = source.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    assert b"<f>1+2</f><v />" in data
                    data = data.replace(b"<f>1+2</f><v />", f"<f>1+2</f><v>{cached}</v>".encode())
                target.writestr(item, data)
        shutil.move(patched, path)
    return path


@pytest.mark.parametrize("cached", [None, "3", "1"], ids=["no-cached-value", "cached-right", "cached-stale"])
def test_a_formula_is_refused_with_or_without_a_cached_value(tmp_path, cached):
    problems, rejection = _problems(_with_formula(tmp_path, cached))
    assert problems == [("org_survey.xlsx", 3, "E", "=1+2")]
    assert "deliver values only" in str(rejection)


def test_text_that_starts_with_an_equals_sign_is_not_a_formula(tmp_path):
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))

    def text_cell(workbook):
        cell = workbook["Sheet"].cell(row=2, column=6, value="=ja")
        cell.data_type = "s"  # stored as text, as a spreadsheet program stores '=ja

    _edit(path, text_cell)
    frame = read_table(path, ORG_REQUIRED)
    assert frame["k02"].iloc[0] == "=ja"  # read as delivered; the code check refuses it later, by value


@pytest.mark.parametrize(
    ("declared", "shown"),
    [([9], "9"), ([{"lo": 7, "hi": 9}], "7-9"), ([8, 9], "8, 9")],
    ids=["one-code", "range", "two-codes"],
)
def test_spss_user_missing_declarations_are_refused_naming_column_and_codes(tmp_path, declared, shown):
    path = tmp_path / "citizen_panel.sav"
    write_sav(path, panel_records(2024).assign(P01=["1", "9", "4"]), value_labels={"P01": {9.0: "vet ikke"}})
    frame, meta = pyreadstat.read_sav(str(path))
    pyreadstat.write_sav(
        frame, str(path), missing_ranges={"P01": declared}, variable_value_labels=meta.variable_value_labels
    )
    problems, rejection = _problems(path, PANEL_REQUIRED)
    assert problems == [("citizen_panel.sav", None, "p01", shown)]
    assert "user-missing" in str(rejection)


def test_a_sav_without_declarations_keeps_vet_ikke_as_9(tmp_path):
    path = write_sav(
        tmp_path / "citizen_panel.sav",
        panel_records(2024).assign(P01=["1", "9", "4"]),
        value_labels={"P01": {9.0: "vet ikke"}},
    )
    assert read_table(path, PANEL_REQUIRED)["p01"].tolist() == ["1", "9", "4"]


def _patch_sheet(path, old: bytes, new: bytes) -> None:
    """Replace bytes in the first sheet's XML, as a spreadsheet program would have written them."""
    patched = path.with_name("patched.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old in data
                data = data.replace(old, new, 1)
            target.writestr(item, data)
    shutil.move(patched, path)


@pytest.mark.parametrize(
    "hiding",
    [b'hidden="1"', b'hidden="true"', b'ht="0" customHeight="1"', b'ht="0.4" customHeight="1"', b"ht='2.9'"],
    ids=["hidden", "hidden-true", "zero-height", "0.4-points", "2.9-points-single-quoted"],
)
def test_a_hidden_row_holding_data_is_refused(tmp_path, hiding):
    # A row hidden (or filtered out, or zero high) in Excel is invisible to the vendor but would be read.
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))
    _patch_sheet(path, b'<row r="3">', b'<row r="3" ' + hiding + b">")
    problems, rejection = _problems(path)
    assert problems == [("org_survey.xlsx", 3, None, None)]
    assert "hidden row" in str(rejection)


@pytest.mark.parametrize(
    "hiding",
    [b'width="8" hidden="1"', b'width="0" customWidth="1"', b'width="0.1" customWidth="1"'],
    ids=["hidden", "zero-width", "0.1-characters"],
)
def test_a_hidden_column_holding_data_is_refused(tmp_path, hiding):
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))
    _patch_sheet(path, b"<sheetData>", b'<cols><col min="5" max="6" ' + hiding + b"/></cols><sheetData>")
    problems, rejection = _problems(path)
    assert problems == [("org_survey.xlsx", None, "E", None), ("org_survey.xlsx", None, "F", None)]
    assert "hidden column" in str(rejection)


def test_rows_lower_than_readable_by_the_sheets_default_are_refused_unless_sized_themselves(tmp_path):
    # The sheet's default row height makes every row invisible that does not set its own height.
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))
    _patch_sheet(path, b'defaultRowHeight="15"', b'defaultRowHeight="0.4" customHeight="1"')
    for shown in (1, 2):
        _patch_sheet(path, f'<row r="{shown}">'.encode(), f'<row r="{shown}" ht="15" customHeight="1">'.encode())
    problems, rejection = _problems(path)
    assert problems == [("org_survey.xlsx", 3, None, None), ("org_survey.xlsx", 4, None, None)]
    assert "under 3 points high" in str(rejection)


def test_columns_narrower_than_a_character_by_the_sheets_default_are_refused(tmp_path):
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))
    _patch_sheet(path, b'<sheetFormatPr baseColWidth="8"', b'<sheetFormatPr defaultColWidth="0.1"')
    _patch_sheet(path, b"<sheetData>", b'<cols><col min="1" max="4" width="9"/></cols><sheetData>')
    problems, _ = _problems(path)
    assert problems == [("org_survey.xlsx", None, "E", None), ("org_survey.xlsx", None, "F", None)]


@pytest.mark.parametrize("size", [b'ht="3"', b'ht="12.75"'])
def test_rows_of_a_readable_height_are_read(tmp_path, size):
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))
    _patch_sheet(path, b'<row r="3">', b'<row r="3" ' + size + b">")
    assert len(read_table(path, ORG_REQUIRED)) == 3


def test_hidden_rows_and_columns_without_values_are_harmless(tmp_path):
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))
    _patch_sheet(path, b"<sheetData>", b'<cols><col min="9" max="9" hidden="1"/></cols><sheetData>')
    _patch_sheet(path, b"</sheetData>", b'<row r="30" hidden="1"/></sheetData>')
    assert len(read_table(path, ORG_REQUIRED)) == 3


def test_an_array_formula_is_refused_showing_its_text(tmp_path):
    from openpyxl.worksheet.formula import ArrayFormula

    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))
    _edit(path, lambda workbook: workbook["Sheet"].__setitem__("E2", ArrayFormula("E2:E4", "={1;2;3}")))
    problems, _ = _problems(path)
    assert problems[0] == ("org_survey.xlsx", 2, "E", "={1;2;3}")


def test_a_user_missing_declaration_on_a_string_variable_is_named_not_called_corrupt(tmp_path):
    # pyreadstat cannot read the data of such a file at all; the declaration is found in the metadata first.
    path = tmp_path / "citizen_panel.sav"
    pyreadstat.write_sav(panel_records(2024), str(path), missing_ranges={"kjonn": ["annet"]})
    problems, rejection = _problems(path, PANEL_REQUIRED)
    assert problems == [("citizen_panel.sav", None, "kjonn", "annet")]
    assert "user-missing" in str(rejection) and "corrupt" not in str(rejection)


def test_a_what_if_data_table_is_refused_naming_its_range(tmp_path):
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))
    _patch_sheet(
        path,
        b'<c r="E2" t="n"><v>1</v></c>',
        b'<c r="E2"><f t="dataTable" ref="E2:E3" dt2D="0" dtr="0" r1="A1"/><v>1</v></c>',
    )
    problems, _ = _problems(path)
    assert problems == [("org_survey.xlsx", 2, "E", "data table E2:E3")]
