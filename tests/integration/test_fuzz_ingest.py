"""Property-based tests of ingest on hostile input: whatever the bytes, a clean frame or a DeliveryRejected.

Readers and validation either return frames of their documented shape or refuse with problems that each
name a file and a rule; no other exception may escape, and a refused load leaves the raw tables as they were.
"""

from __future__ import annotations

import io
import tempfile
import tracemalloc
import zipfile
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from itip_pipeline.core import contract
from itip_pipeline.ingest.files.readers import read_table
from itip_pipeline.ingest.loading.loader import LoadRejected, load_year
from itip_pipeline.ingest.problems import DeliveryRejected
from itip_pipeline.ingest.rules.codebook import read_codebook
from itip_pipeline.ingest.rules.validate import RESPONDENT_COLUMNS, validate_survey
from itip_pipeline.warehouse.working_db import open_for_writing

from support.delivery_builders import (
    PANEL_QUESTIONS,
    codebook_records,
    panel_records,
    write_csv,
    write_delivery,
    write_parquet,
    write_xlsx,
)

YEAR = 2025  # the question catalogue year the delivery builders follow
KEY = "fuzz-key"
PANEL_REQUIRED = contract.REQUIRED_ID_COLUMNS["panel"]
RAW_TABLES = ("raw.codebook", "raw.org_respondents", "raw.org_answers", "raw.panel_respondents", "raw.panel_answers")
# A generous deadline: it only catches a hang, never a slow but finishing example on a busy machine.
FUZZ = hypothesis_settings(max_examples=60, deadline=timedelta(seconds=10))


@pytest.fixture(scope="module")
def codebook():
    with tempfile.TemporaryDirectory() as folder:
        path = write_csv(Path(folder) / contract.CODEBOOK_FILE, codebook_records(), delimiter=",")
        return read_codebook(path, YEAR)


@pytest.fixture(scope="module")
def good_files():
    """The bytes of a good three-row panel delivery in each container format."""
    with tempfile.TemporaryDirectory() as folder:
        writers = {".csv": write_csv, ".xlsx": write_xlsx, ".parquet": write_parquet}
        return {
            suffix: write(Path(folder) / f"citizen_panel{suffix}", panel_records(YEAR)).read_bytes()
            for suffix, write in writers.items()
        }


def assert_documented_frame(frame: pd.DataFrame) -> None:
    """read_table's shape: unique trimmed lower-case names, text values, a rising source_row last."""
    names = list(frame.columns)
    assert names[-1] == "source_row" and len(set(names)) == len(names)
    assert all(name == name.strip().lower() and name for name in names)
    assert set(PANEL_REQUIRED) <= set(names)
    assert (frame.drop(columns="source_row").dtypes == "string").all()
    assert frame["source_row"].is_monotonic_increasing and (frame["source_row"] >= 2).all()
    assert len(frame) > 0 and frame.drop(columns="source_row").notna().any(axis=1).all()


def assert_problems_located(rejection: DeliveryRejected, files: set[str]) -> None:
    assert rejection.problems
    for problem in rejection.problems:
        assert problem.file in files and problem.rule


def read_or_refuse(path: Path) -> pd.DataFrame | None:
    """The frame read_table returns, checked; None when it refuses properly. Any other exception fails."""
    try:
        frame = read_table(path, PANEL_REQUIRED)
    except DeliveryRejected as rejection:
        assert_problems_located(rejection, {path.name})
        return None
    assert_documented_frame(frame)
    return frame


def read_bytes_as(data: bytes, suffix: str) -> pd.DataFrame | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"citizen_panel{suffix}"
        path.write_bytes(data)
        return read_or_refuse(path)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(contract.ACCEPTED_SUFFIXES))
def test_random_bytes_under_any_accepted_name(data, suffix):
    read_bytes_as(data, suffix)


@FUZZ
@given(
    bom=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]),
    encoding=st.sampled_from(["utf-8", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-32"]),
    endings=st.lists(st.sampled_from(["\n", "\r", "\r\n"]), min_size=4, max_size=4),
    odd=st.lists(st.tuples(st.integers(0, 400), st.binary(min_size=1, max_size=3)), max_size=3),
)
def test_csv_in_odd_encodings_line_endings_and_stray_bytes(good_files, bom, encoding, endings, odd):
    lines = good_files[".csv"].decode("ascii").splitlines()
    text = "".join(line + ending for line, ending in zip(lines, endings, strict=True))
    data = bytearray(text.encode(encoding))
    for position, stray in odd:
        data[min(position, len(data)) : min(position, len(data))] = stray
    frame = read_bytes_as(bom + bytes(data), ".csv")
    # UTF-8 (with its own BOM or none) and Windows-1252 are the contract's encodings; any mix of line
    # endings must read as the same three rows.
    if not odd and encoding in ("utf-8", "cp1252", "latin-1") and bom in (b"", b"\xef\xbb\xbf"):
        assert frame is not None
        assert frame["respondent_id"].tolist() == panel_records(YEAR)["respondent_id"].tolist()
    if encoding.startswith(("utf-16", "utf-32")):
        assert frame is None


def _rezip(original: bytes, change) -> bytes:
    """The xlsx with change(name, data) -> data | None applied to every entry (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = change(info.filename, source.read(info.filename))
            if data is not None:
                target.writestr(info.filename, data)
    return out.getvalue()


@FUZZ
@given(cut=st.floats(0, 0.999))
def test_truncated_xlsx_is_refused(good_files, cut):
    data = good_files[".xlsx"]
    assert read_bytes_as(data[: int(len(data) * cut)], ".xlsx") is None


@FUZZ
@given(entry=st.integers(0, 20), noise=st.binary(max_size=200), keep=st.integers(0, 5000))
def test_xlsx_with_a_corrupted_entry(good_files, entry, noise, keep):
    names = zipfile.ZipFile(io.BytesIO(good_files[".xlsx"])).namelist()
    target = names[entry % len(names)]
    read_bytes_as(
        _rezip(good_files[".xlsx"], lambda name, data: data[:keep] + noise if name == target else data), ".xlsx"
    )


@pytest.mark.parametrize("dropped", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml"])
def test_a_valid_zip_without_its_workbook_parts_is_refused(good_files, dropped):
    stripped = _rezip(good_files[".xlsx"], lambda name, data: None if name == dropped else data)
    assert read_bytes_as(stripped, ".xlsx") is None


def _sheet_with(rows_xml: str, dimension: str, original: bytes) -> bytes:
    def change(name, data):
        if name != "xl/worksheets/sheet1.xml":
            return data
        text = data.decode()
        start = text.index('<dimension ref="') + len('<dimension ref="')
        text = text[:start] + dimension + text[text.index('"', start) :]
        return text.replace("</sheetData>", rows_xml + "</sheetData>").encode()

    return _rezip(original, change)


def test_xlsx_reads_rows_below_a_stale_dimension(good_files):
    row = '<row r="40"><c r="B40" t="inlineStr"><is><t>R00099</t></is></c></row>'
    frame = read_bytes_as(_sheet_with(row, "A1:H4", good_files[".xlsx"]), ".xlsx")
    assert frame["source_row"].tolist() == [2, 3, 4, 40]
    assert frame["respondent_id"].iloc[-1] == "R00099"


def test_a_tiny_xlsx_claiming_the_whole_sheet_reads_in_bounded_memory(good_files):
    far = '<row r="1048576"><c r="B1048576" t="inlineStr"><is><t>R99999</t></is></c></row>'
    data = _sheet_with(far, "A1:XFD1048576", good_files[".xlsx"])
    assert len(data) < 20_000
    tracemalloc.start()
    try:
        frame = read_bytes_as(data, ".xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Four real rows: padding them and the million-row gap to 16384 columns would take gigabytes.
    assert peak < 50_000_000
    assert frame["source_row"].tolist() == [2, 3, 4, 1048576]


def test_a_five_megabyte_csv_field_is_refused_at_its_row(tmp_path):
    records = panel_records(YEAR).assign(notat=["", "x" * 5_000_000, ""])
    path = write_csv(tmp_path / "citizen_panel.csv", records)
    with pytest.raises(DeliveryRejected) as caught:
        read_table(path, PANEL_REQUIRED)
    [problem] = caught.value.problems
    assert (problem.file, problem.row) == (path.name, 3)
    assert "field larger than field limit" in problem.rule


# openpyxl cuts a cell to Excel's limit of 32767 characters on writing; parquet keeps all 5 MB.
@pytest.mark.parametrize(("suffix", "stored"), [(".xlsx", 32767), (".parquet", 5_000_000)])
def test_a_five_megabyte_cell_in_an_unknown_column_is_read_and_not_loaded(tmp_path, codebook, suffix, stored):
    records = panel_records(YEAR).assign(notat=["x" * 5_000_000, "", ""])
    writer = {".xlsx": write_xlsx, ".parquet": write_parquet}[suffix]
    path = writer(tmp_path / f"citizen_panel{suffix}", records)
    frame = read_table(path, PANEL_REQUIRED)
    assert frame["notat"].str.len().max() == stored
    result = validate_survey([(path.name, frame)], codebook, "panel", YEAR, KEY)
    assert "notat" in {w.column for w in result.warnings}
    longest = result.respondents.astype(str).apply(lambda column: column.str.len().max()).max()
    assert longest < 100


MESSY_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "1e400",
            "1e-400",
            "0",
            "-1",
            "3.5",
            "9",
            "2024",
            "R00000",
            "mann",
            "60+",
            "oslo",
            "\u00a0",
            "1,5",
            "0x10",
            "١",
        ]
    ),
)
MESSY_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**63), 2**63 - 1).map(float), st.none()
)
MESSY_COLUMN = st.one_of(
    st.lists(MESSY_TEXT, min_size=3, max_size=3),
    st.lists(MESSY_NUMBER, min_size=3, max_size=3),
    st.lists(st.integers(-(2**63), 2**63 - 1), min_size=3, max_size=3),
)
MESSED_COLUMNS = st.sampled_from([*PANEL_REQUIRED, *(q[0] for q in PANEL_QUESTIONS)])


def assert_valid_survey_frames(result, n_rows: int) -> None:
    """validate_survey's documented shape, and the rules it promises on every accepted row."""
    assert list(result.respondents.columns) == list(RESPONDENT_COLUMNS["panel"])
    assert list(result.answers.columns) == ["survey_year", "respondent_number", "question_id", "answer_code"]
    assert result.respondents["respondent_number"].tolist() == list(range(1, n_rows + 1))
    assert result.n_rows == n_rows == len(result.respondents)
    assert len(result.answers) == n_rows * len(PANEL_QUESTIONS)
    weights = result.respondents["weight"]
    assert (weights > 0).all() and weights.map(lambda w: w < float("inf")).all()
    assert result.answers["answer_code"].dropna().isin([1, 2, 3, 4, 5, 9]).all()
    assert result.respondents["respondent_key"].str.fullmatch(r"[0-9a-f]{64}").all()


@FUZZ
@given(
    messed=st.dictionaries(MESSED_COLUMNS, MESSY_COLUMN, min_size=1, max_size=4),
    suffix=st.sampled_from([".csv", ".parquet", ".xlsx"]),
)
def test_random_values_in_id_and_answer_columns(codebook, messed, suffix):
    records = panel_records(YEAR).astype(object)
    for column, values in messed.items():
        records[column] = values
    if suffix != ".parquet":
        # Text containers carry text; keep the delimiter out so the row stays one row.
        records = records.map(
            lambda v: "" if v is None else str(v).replace(";", ".").replace("\r", "").replace("\n", "")
        )
    if suffix == ".xlsx":
        records = records.map(lambda v: "".join(ch for ch in v if ch.isprintable()))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"citizen_panel{suffix}"
        try:
            {".csv": write_csv, ".xlsx": write_xlsx, ".parquet": write_parquet}[suffix](path, records)
        except (ValueError, TypeError, OverflowError):
            return  # a frame the writer cannot store is no delivery
        frame = read_or_refuse(path)
        if frame is None:
            return
        try:
            result = validate_survey([(path.name, frame)], codebook, "panel", YEAR, KEY)
        except DeliveryRejected as rejection:
            assert_problems_located(rejection, {path.name})
            return
    assert_valid_survey_frames(result, len(frame))


def _raw_rows(con) -> dict[str, list[tuple]]:
    return {table: con.execute(f"select * from {table} order by all").fetchall() for table in RAW_TABLES}


@hypothesis_settings(
    max_examples=15, deadline=timedelta(seconds=20), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(st.binary(max_size=2048), st.none()),
    suffix=st.sampled_from(contract.ACCEPTED_SUFFIXES),
    messed=st.dictionaries(MESSED_COLUMNS, st.lists(MESSY_TEXT, min_size=3, max_size=3), max_size=2),
)
def test_a_rejected_load_leaves_the_raw_tables_as_they_were(settings, good_files, data, suffix, messed):
    folder = settings.landing_dir / str(YEAR)
    if not folder.exists():
        write_delivery(folder, YEAR)
        with open_for_writing(settings.work_db) as con:
            load_year(con, settings, YEAR)
    for old in folder.glob("citizen_panel*"):
        old.unlink()
    path = folder / f"citizen_panel_{YEAR}{suffix}"
    if data is None:
        records = panel_records(YEAR).assign(**messed).astype(str)
        write_csv(path.with_suffix(".csv"), records)
    else:
        path.write_bytes(data)
    with open_for_writing(settings.work_db) as con:
        before = _raw_rows(con)
        try:
            outcome = load_year(con, settings, YEAR)["panel"]
        except LoadRejected as rejection:
            assert_problems_located(rejection, {p.name for p in folder.iterdir()} | {f"{YEAR}/codebook.csv"})
            assert _raw_rows(con) == before
            assert rejection.quarantine_folder.is_relative_to(settings.quarantine_dir)
            return
        assert outcome.status in ("loaded", "unchanged")
        loaded = con.execute("select count(*) from raw.panel_respondents where survey_year = ?", [YEAR]).fetchone()[0]
    assert loaded == outcome.n_rows or outcome.status == "unchanged"


@pytest.mark.parametrize("reserved", ["source_file", "Source_Row"])
def test_a_delivered_column_with_a_name_the_ingest_adds_is_refused(tmp_path, codebook, reserved):
    path = write_csv(tmp_path / "citizen_panel.csv", panel_records(YEAR).assign(**{reserved: "x"}))
    with pytest.raises(DeliveryRejected) as caught:
        read_table(path, PANEL_REQUIRED)
    assert [(p.file, p.column) for p in caught.value.problems] == [(path.name, reserved.lower())]


def test_a_parquet_column_of_lists_is_refused_by_name(tmp_path):
    records = panel_records(YEAR).astype(object)
    records["respondent_id"] = [["a", "b"], ["c"], []]
    path = write_parquet(tmp_path / "citizen_panel.parquet", records)
    with pytest.raises(DeliveryRejected) as caught:
        read_table(path, PANEL_REQUIRED)
    assert [(p.file, p.column) for p in caught.value.problems] == [(path.name, "respondent_id")]
