"""read_table: good files in every accepted format, and every way a file can be unreadable."""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest

from itip_pipeline.core import contract
from itip_pipeline.ingest.files.readers import read_table, read_tables
from itip_pipeline.ingest.problems import DeliveryRejected

from support.delivery_builders import org_records, panel_records, write_csv, write_parquet, write_sav, write_xlsx
from support.hostile_workbooks import write_shared_strings_xlsx

ORG_REQUIRED = contract.REQUIRED_ID_COLUMNS["org"]
PANEL_REQUIRED = contract.REQUIRED_ID_COLUMNS["panel"]


def rejected(path, required=ORG_REQUIRED) -> DeliveryRejected:
    with pytest.raises(DeliveryRejected) as caught:
        read_table(path, required)
    assert all(p.file == path.name for p in caught.value.problems)
    return caught.value


def assert_org_values(frame: pd.DataFrame, first_row: int) -> None:
    expected = org_records(2024)
    assert list(frame.columns) == ["aar", "orgnr", "sektor", "kommunenr", "k01", "k02", "source_row"]
    assert (frame.drop(columns="source_row").dtypes == "string").all()
    assert frame["orgnr"].tolist() == expected["orgnr"].tolist()
    assert frame["kommunenr"].tolist() == [pd.NA, "0301", "0301"]
    assert frame["k01"].tolist() == ["1", "2", "3"]
    assert frame["k02"].tolist() == [pd.NA, "9", pd.NA]
    assert frame["source_row"].tolist() == list(range(first_row, first_row + 3))


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_csv_with_either_delimiter_and_optional_bom(tmp_path, delimiter, encoding):
    path = write_csv(tmp_path / "org_survey.csv", org_records(2024), delimiter=delimiter, encoding=encoding)
    assert_org_values(read_table(path, ORG_REQUIRED), first_row=2)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_csv_keeps_norwegian_letters_in_utf8_and_windows_1252(tmp_path, encoding):
    records = panel_records(2024).assign(P02=["blåbærsyltetøy", "ÆØÅ", "x"])
    path = write_csv(tmp_path / "citizen_panel.csv", records, encoding=encoding)
    assert read_table(path, PANEL_REQUIRED)["p02"].tolist() == ["blåbærsyltetøy", "ÆØÅ", "x"]


def test_column_names_are_trimmed_and_lower_cased(tmp_path):
    records = org_records(2024).rename(columns={"aar": " AAR ", "orgnr": "OrgNr"})
    frame = read_table(write_csv(tmp_path / "org_survey.csv", records), ORG_REQUIRED)
    assert list(frame.columns[:2]) == ["aar", "orgnr"]


def test_blank_lines_are_skipped_and_later_rows_keep_their_numbers(tmp_path):
    path = write_csv(tmp_path / "org_survey.csv", org_records(2024), lines=["", "2024;974760673;stat;;1;"])
    frame = read_table(path, ORG_REQUIRED)
    assert frame["source_row"].tolist() == [2, 3, 4, 6]
    assert frame["orgnr"].iloc[-1] == "974760673"


def test_xlsx_with_title_rows_counts_them_in_source_row(tmp_path):
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024), title_rows=["IT i praksis 2024", "Eksport"])
    assert_org_values(read_table(path, ORG_REQUIRED), first_row=4)


def test_sav_reads_numeric_codes_not_value_labels(tmp_path):
    labels = {"P01": {1.0: "Svært liten grad", 5.0: "Svært stor grad", 9.0: "Vet ikke"}}
    records = panel_records(2024).assign(P01=["1", "5", "9"])
    frame = read_table(write_sav(tmp_path / "citizen_panel.sav", records, labels), PANEL_REQUIRED)
    assert frame["p01"].tolist() == ["1", "5", "9"]
    assert frame["respondent_id"].tolist() == ["R00000", "R00001", "R00002"]
    assert frame["source_row"].tolist() == [2, 3, 4]


def test_parquet_numbers_record_plus_header(tmp_path):
    records = org_records(2024).assign(K01=[1.0, 2.0, 3.5])
    frame = read_table(write_parquet(tmp_path / "org_survey.parquet", records), ORG_REQUIRED)
    assert frame["k01"].tolist() == ["1", "2", "3.5"]
    assert frame["source_row"].tolist() == [2, 3, 4]


def test_a_workbook_column_of_mixed_cells_reads_each_cell_as_it_shows(tmp_path):
    # 1, 1.0 and True are one value to Python, three cells to a spreadsheet: each is read as its own text, while
    # equal cells are written once (a million answer codes hold a handful of texts).
    cells = [1, 1.0, True, " ja ", None, 2.5, 1, "1"]
    records = org_records(2024, n=len(cells))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(records.columns))
    for cell, record in zip(cells, records.to_dict("records"), strict=True):
        sheet.append([cell if column == "K01" else (value or None) for column, value in record.items()])
    workbook.save(tmp_path / "org_survey.xlsx")
    frame = read_table(tmp_path / "org_survey.xlsx", ORG_REQUIRED)
    assert frame["k01"].tolist() == ["1", "1", "True", "ja", pd.NA, "2.5", "1", "1"]


def test_parquet_text_is_trimmed_and_blank_text_is_missing(tmp_path):
    # A column of strings is taken as it is, not cell by cell, and read as every other column is.
    records = org_records(2024).assign(K01=["  ja ", "", None], K02=["nei\u00a0", "\t", "tre"])
    frame = read_table(write_parquet(tmp_path / "org_survey.parquet", records), ORG_REQUIRED)
    assert frame["k01"].tolist() == ["ja", pd.NA, pd.NA]
    assert frame["k02"].tolist() == ["nei", pd.NA, "tre"]


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "org_survey.json"
    path.write_text("{}")
    assert "unsupported file type '.json'" in rejected(path).problems[0].rule


def test_missing_file(tmp_path):
    assert "cannot be opened" in rejected(tmp_path / "org_survey.csv").problems[0].rule


@pytest.mark.parametrize("suffix", contract.ACCEPTED_SUFFIXES)
def test_empty_file(tmp_path, suffix):
    path = tmp_path / f"org_survey{suffix}"
    path.write_bytes(b"")
    assert "empty (0 bytes)" in rejected(path).problems[0].rule


def test_header_only_csv(tmp_path):
    path = write_csv(tmp_path / "org_survey.csv", org_records(2024).iloc[:0])
    assert rejected(path).problems[0].rule == "the file has a header but no data rows"


def test_header_only_xlsx_below_title_rows(tmp_path):
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024).iloc[:0], title_rows=["Tittel"])
    assert rejected(path).problems[0].rule == "the file has a header but no data rows"


@pytest.mark.parametrize(("delimiter", "name"), [("\t", "tab"), ("|", "'|'")])
def test_other_delimiters_are_named(tmp_path, delimiter, name):
    path = write_csv(tmp_path / "org_survey.csv", org_records(2024), delimiter=delimiter)
    problem = rejected(path).problems[0]
    assert problem.row == 1
    assert f"separated by {name}" in problem.rule


def test_nul_bytes_under_csv(tmp_path):
    path = tmp_path / "org_survey.csv"
    path.write_bytes(b"aar;orgnr\x00\x01\x02")
    assert "binary content" in rejected(path).problems[0].rule


def test_bytes_that_are_neither_utf8_nor_cp1252(tmp_path):
    path = tmp_path / "org_survey.csv"
    path.write_bytes(b"aar;orgnr;sektor;kommunenr\r\n2024;\x81\x8d;stat;\r\n")
    assert "byte 0x81" in rejected(path).problems[0].rule


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf", b"\r\naar;orgnr;sektor;kommunenr\r\n2024;974760673;stat;\r\n"])
def test_csv_whose_first_line_is_not_a_header(tmp_path, content):
    path = tmp_path / "org_survey.csv"
    path.write_bytes(content)
    problem = rejected(path).problems[0]
    assert (problem.row, problem.rule) == (1, "the first line must be the header row, but it is blank")


def test_ragged_csv_rows_are_named(tmp_path):
    path = write_csv(tmp_path / "org_survey.csv", org_records(2024), lines=["2024;974760673;stat", "1;2;3;4;5;6;7"])
    problems = rejected(path).problems
    assert [(p.row, p.rule) for p in problems] == [
        (5, "has 3 fields, the header has 6"),
        (6, "has 7 fields, the header has 6"),
    ]


def test_missing_required_columns_are_each_named(tmp_path):
    path = write_csv(tmp_path / "org_survey.csv", org_records(2024).drop(columns=["orgnr", "sektor"]))
    problems = rejected(path).problems
    assert [(p.column, p.rule) for p in problems] == [
        ("orgnr", "required column is missing"),
        ("sektor", "required column is missing"),
    ]


def test_duplicate_column_names_after_normalising(tmp_path):
    records = org_records(2024).rename(columns={"K02": " k01"})
    problem = rejected(write_csv(tmp_path / "org_survey.csv", records)).problems[0]
    assert (problem.column, problem.rule) == ("k01", "the column name appears more than once in the header")


def test_values_under_a_blank_header_are_refused(tmp_path):
    records = org_records(2024).rename(columns={"K02": ""})
    problem = rejected(write_csv(tmp_path / "org_survey.csv", records)).problems[0]
    assert (problem.row, problem.column, problem.rule) == (3, "#6", "values in a column without a header")


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("org_survey.xlsx", lambda p: write_xlsx(p, org_records(2024))),
        ("org_survey.parquet", lambda p: write_parquet(p, org_records(2024))),
        ("org_survey.sav", lambda p: write_sav(p, org_records(2024))),
    ],
)
def test_truncated_binary_formats(tmp_path, name, write):
    path = write(tmp_path / name)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert "corrupt or truncated" in rejected(path).problems[0].rule


def test_oversize_file_is_refused_unread(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "org_survey.csv", org_records(2024))
    monkeypatch.setattr(contract, "MAX_FILE_BYTES", path.stat().st_size - 1)
    assert "more than the limit" in rejected(path).problems[0].rule


def test_zip_bomb_xlsx_is_refused_before_parsing(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    monkeypatch.setattr(contract, "MAX_XLSX_UNCOMPRESSED_BYTES", unpacked - 1)
    assert "possible zip bomb" in rejected(path).problems[0].rule
    monkeypatch.setattr(contract, "MAX_XLSX_UNCOMPRESSED_BYTES", unpacked)
    assert len(read_table(path, ORG_REQUIRED)) == 3


def _elements(path, part: str, name: str) -> int:
    """How many elements of the name (any namespace) the workbook's part holds, counted by an XML parser."""
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read(part))
    return sum(1 for element in root.iter() if element.tag.rsplit("}", 1)[-1] == name)


def _declared(path, part: str) -> int:
    with zipfile.ZipFile(path) as archive:
        return archive.getinfo(part).file_size


@pytest.mark.parametrize(
    "limit, measure",
    [
        ("MAX_XLSX_SHARED_STRINGS_BYTES", lambda path: _declared(path, "xl/sharedStrings.xml")),
        ("MAX_XLSX_SHEET_BYTES", lambda path: _declared(path, "xl/worksheets/sheet1.xml")),
        (
            "MAX_XLSX_OTHER_PART_BYTES",
            lambda path: max(_declared(path, p) for p in ("[Content_Types].xml", "xl/workbook.xml")),
        ),
        ("MAX_XLSX_CELLS", lambda path: _elements(path, "xl/worksheets/sheet1.xml", "c")),
        ("MAX_XLSX_SHARED_STRINGS", lambda path: _elements(path, "xl/sharedStrings.xml", "si")),
    ],
)
def test_a_workbook_over_any_work_limit_is_refused_unread_and_one_at_it_is_read(tmp_path, monkeypatch, limit, measure):
    # The parts' sizes and the counts of cells and shared strings, each checked before the workbook is
    # opened: a small file whose shared strings unpack to gigabytes is refused in the time of one chunk.
    records = org_records(2024, n=30)
    path = write_shared_strings_xlsx(tmp_path / "org_survey.xlsx", [list(records), *records.to_numpy().tolist()])
    at_limit = measure(path)
    assert at_limit > 0
    monkeypatch.setattr(contract, limit, at_limit - 1)
    monkeypatch.setattr("openpyxl.load_workbook", None)  # refused before the workbook is opened
    [problem] = rejected(path).problems
    assert "possible zip bomb" in problem.rule and f"the limit is {at_limit - 1} " in problem.rule
    monkeypatch.undo()
    monkeypatch.setattr(contract, limit, at_limit)
    assert len(read_table(path, ORG_REQUIRED)) == 30


def test_cells_are_counted_across_stream_chunks(tmp_path, monkeypatch):
    # Chunks of 7 bytes cut nearly every tag in two; the count must equal the parser's all the same.
    from itip_pipeline.ingest.files import readers

    records = org_records(2024, n=30)
    path = write_shared_strings_xlsx(tmp_path / "org_survey.xlsx", [list(records), *records.to_numpy().tolist()])
    cells = _elements(path, "xl/worksheets/sheet1.xml", "c")
    monkeypatch.setattr(readers, "_STREAM_CHUNK", 7)
    monkeypatch.setattr(contract, "MAX_XLSX_CELLS", cells - 1)
    assert f"the limit is {cells - 1} cells" in rejected(path).problems[0].rule
    monkeypatch.setattr(contract, "MAX_XLSX_CELLS", cells)
    assert len(read_table(path, ORG_REQUIRED)) == 30


def test_read_tables_names_every_unreadable_file_not_only_the_first(tmp_path):
    good = write_csv(tmp_path / "org_survey_good.csv", org_records(2024))
    corrupt = tmp_path / "org_survey_corrupt.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 not a workbook")
    empty = tmp_path / "org_survey_empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(DeliveryRejected) as caught:
        read_tables([corrupt, good, empty], ORG_REQUIRED)
    assert [p.file for p in caught.value.problems] == [corrupt.name, empty.name]
    assert [name for name, _ in read_tables([good], ORG_REQUIRED)] == [good.name]


@pytest.mark.parametrize(
    "lookalike",
    ["\u043ergnr", "\uff4frgnr", "orgn\u0433"],  # Cyrillic o, full-width o, Cyrillic ghe for r
    ids=["cyrillic-o", "full-width-o", "cyrillic-ghe"],
)
def test_a_column_name_written_with_look_alike_characters_is_named_not_silently_ignored(tmp_path, lookalike):
    # Beside the real column: two columns that read the same, so which one holds the data cannot be told.
    records = org_records(2024)
    records[lookalike] = ["x", "y", "z"]
    records.to_csv(tmp_path / "org_survey.csv", sep=";", index=False)  # names Python would fold: not itertuples
    [problem] = rejected(tmp_path / "org_survey.csv").problems
    assert problem.column == "orgnr" and "look the same" in problem.rule and lookalike.lower() in problem.rule
    # Instead of the real column: the required column is missing, and the sentence names the look-alike.
    alone = org_records(2024).rename(columns={"orgnr": lookalike})
    alone.to_csv(tmp_path / "org_survey.csv", sep=";", index=False)
    [problem] = rejected(tmp_path / "org_survey.csv").problems
    assert problem.column == "orgnr" and "required column is missing" in problem.rule
    assert repr(lookalike.lower()) in problem.rule


@pytest.mark.parametrize(
    "cell, value",
    [
        (b'<c r="E2" t="n"><v>22.33.44.55</v>', "22.33.44.55"),  # a number cell the parser cannot convert
        (b'<c r="E2" t="d"><v>kari@example.no</v>', "kari@example.no"),  # a date cell likewise
    ],
    ids=["phone-in-a-number-cell", "e-mail-in-a-date-cell"],
)
def test_a_parser_error_quoting_a_personal_value_is_refused_without_it(tmp_path, cell, value):
    path = write_xlsx(tmp_path / "org_survey.xlsx", org_records(2024))
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="E2" t="n"><v>1</v>', cell, 1)
            target.writestr(item, data)
    rejection = rejected(patched)
    assert "corrupt or truncated" in str(rejection) and value not in str(rejection)
    assert rejection.__cause__ is None and rejection.__suppress_context__  # nor does the error travel on with it
