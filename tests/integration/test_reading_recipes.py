"""The README's recipes for reading the CSV files, taken from README.md itself so that the text cannot drift
from the files: each reads every CSV file as written there and finds every numeric column numeric, with the
warehouse's values unrounded.

pandas: the snippet runs as written. R is not part of the test environment: its `read.csv2` call is parsed and
read with pandas under R's documented semantics (read.csv2: sep ";", dec ",", header TRUE, na.strings "NA",
an empty numeric field is NA; fileEncoding "UTF-8-BOM" drops the byte-order mark). Excel: the Power Query
snippet's delimiter, code page and culture are parsed and checked against the files (the culture's decimal
sign from CLDR via babel), and the files are read with them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from babel.numbers import get_decimal_symbol

from itip_pipeline.report.exports import write_exports
from itip_pipeline.report.published import read_published

from support.report_fixture import write_published_fixture

README = Path(__file__).resolve().parents[2] / "README.md"
RECIPE_FILE = "fct_indicator.csv"
# R's readers and the defaults its documentation gives them.
R_READERS = {"read.csv2": {"sep": ";", "dec": ",", "na.strings": "NA"}, "read.csv": {"sep": ",", "dec": "."}}
R_ENCODINGS = {"UTF-8-BOM": "utf-8-sig", "UTF-8": "utf-8"}  # R's "UTF-8" keeps the mark in the first name
WINDOWS_CODE_PAGES = {65001: "utf-8-sig"}  # Power Query's 65001 decodes UTF-8 and ignores the mark


def _snippet(language: str) -> str:
    section = README.read_text(encoding="utf-8").split("## Reading the data files", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1, f"one {language} recipe in the README's section on reading the data files"
    assert RECIPE_FILE in blocks[0], f"the {language} recipe reads {RECIPE_FILE}"
    return blocks[0]


@pytest.fixture(scope="module")
def published_files(tmp_path_factory):
    """The fixture warehouse's exports where the recipes look for them: (folder, published warehouse)."""
    root = tmp_path_factory.mktemp("recipes")
    published = read_published(write_published_fixture(root / "warehouse" / "itip.duckdb"))
    write_exports(published, root / "data" / "marts")
    return root, published


def _numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [
        c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]


def _assert_numbers_read_as_numbers(read: pd.DataFrame, table: pd.DataFrame, name: str) -> None:
    numeric = _numeric_columns(table)
    assert numeric, f"{name} has numeric columns"
    for column in numeric:
        assert column in read, f"{name}: column {column!r} (the header as read: {list(read.columns)[:3]}…)"
        assert column in _numeric_columns(read), f"{name}.{column} reads as {read[column].dtype}, not numbers"
        expected = table[column].astype(float).fillna(-1.0).tolist()
        assert read[column].astype(float).fillna(-1.0).tolist() == expected, f"{name}.{column}: unrounded values"


def _every_table(published):
    """Every table with a number column: a table of text alone (the method notes, the populations' estimands)
    has no number for a recipe to read."""
    tables = sorted((name, frame) for name, frame in published.tables.items() if _numeric_columns(frame))
    assert len(tables) > 5, "the fixture has tables of numbers"
    return tables


def test_the_pandas_recipe_reads_every_numeric_column_as_numbers(published_files, monkeypatch):
    root, published = published_files
    monkeypatch.chdir(root)
    snippet = _snippet("python")
    for table, frame in _every_table(published):
        namespace: dict = {}
        exec(snippet.replace(RECIPE_FILE, f"{table}.csv"), namespace)  # the README's lines, run as written
        _assert_numbers_read_as_numbers(namespace["frame"], frame, table)


def _r_call(snippet: str) -> tuple[str, str, dict[str, str]]:
    call = re.fullmatch(r'\s*frame <- ([\w.]+)\("([^"]+)"(.*)\)\s*', snippet, flags=re.DOTALL)
    assert call, f"one R call reading the file: {snippet!r}"
    reader, path, rest = call.groups()
    arguments = dict(re.findall(r',\s*([\w.]+)\s*=\s*"([^"]*)"', rest))
    assert re.sub(r',\s*[\w.]+\s*=\s*"[^"]*"', "", rest).strip() == "", f"arguments the test reads: {rest!r}"
    return reader, path, arguments


def test_the_r_recipe_parameters_read_every_numeric_column_as_numbers(published_files):
    root, published = published_files
    reader, path, arguments = _r_call(_snippet("r"))
    assert reader in R_READERS, f"an R reader whose defaults the test knows: {reader}"
    options = {**R_READERS[reader], **arguments}
    unknown = set(options) - {"sep", "dec", "na.strings", "fileEncoding"}
    assert not unknown, f"the test does not know what R does with {unknown}"
    for table, frame in _every_table(published):
        read = pd.read_csv(
            root / path.replace(RECIPE_FILE, f"{table}.csv"),
            sep=options["sep"],
            decimal=options["dec"],
            encoding=R_ENCODINGS[options.get("fileEncoding", "UTF-8")],
            keep_default_na=False,
            na_values=[options.get("na.strings", "NA"), ""],
        )
        _assert_numbers_read_as_numbers(read, frame, table)


def test_the_excel_recipe_matches_the_files_delimiter_encoding_and_decimal_sign(published_files):
    root, published = published_files
    snippet = _snippet("powerquery")
    delimiter = re.search(r'Delimiter = "(.)"', snippet).group(1)
    code_page = int(re.search(r"Encoding = (\d+)", snippet).group(1))
    culture = re.search(r'"([a-z]{2}-[A-Z]{2})"\s*\)', snippet).group(1)
    decimal = get_decimal_symbol(culture.replace("-", "_"))
    assert (delimiter, decimal) == (";", ","), "Norwegian Excel's list separator and decimal sign"
    typed = re.findall(r'\{"(\w+)", (?:type number|Int64\.Type)\}', snippet)
    assert typed, "the recipe types the number columns"
    csv_dir = root / "data" / "marts" / "csv"
    for table, frame in _every_table(published):
        path = csv_dir / f"{table}.csv"
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), f"{table}: the mark a double-click needs for UTF-8"
        read = pd.read_csv(path, sep=delimiter, decimal=decimal, encoding=WINDOWS_CODE_PAGES[code_page])
        assert list(read.columns) == [c for c in read.columns if ";" not in c and c.strip() == c]
        _assert_numbers_read_as_numbers(read, frame, table)
        if table == "fct_indicator":
            assert set(typed) <= set(_numeric_columns(read)), "every column the recipe types is a number column"
