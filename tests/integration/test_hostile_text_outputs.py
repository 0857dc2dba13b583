"""Delivered text that would act in what people open — a file name with markup, a terminal escape and a bell, a
label or header that starts a formula — reaches the exports and the figure book as text: the workbooks open
with no formula cell and no control character, no CSV field starts a formula, and the book's HTML holds no
element the delivery made. The exports step is not stopped by a control character openpyxl refuses."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from html.parser import HTMLParser

import duckdb
import openpyxl

from itip_pipeline.report.exports import write_exports
from itip_pipeline.report.figure_book import build_figure_book
from itip_pipeline.report.published import read_published

from support.report_fixture import write_published_fixture

FILE_NAMES = [
    "org_survey_\x1b]0;owned\x07\x1b[2Jx.xlsx",
    'org_survey_"><img src=x onerror=alert(1)>.xlsx',
    "citizen_panel_synthetic_<svg onload=alert(2)>.csv",
]
LABELS = ['=hyperlink("http://evil.example","x")', "@sum(1)", "\uff1d1+1", "-2+3\x07"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _hostile_warehouse(tmp_path):
    path = write_published_fixture(tmp_path / "warehouse" / "itip.duckdb")
    with duckdb.connect(str(path)) as con:
        for survey, name in zip(("codebook", "org", "panel"), FILE_NAMES, strict=True):
            con.execute("update marts.published_provenance set file_name = ? where survey = ?", [name, survey])
        con.execute("update marts.mart_ai_adoption set label_no = ? where population = 'stat'", [LABELS[0]])
        con.execute("update marts.mart_ai_adoption set label_no = ? where population = 'kommune'", [LABELS[1]])
        con.execute("update marts.mart_ai_use_mode_external set label_no = ? where item = 'chatbot'", [LABELS[2]])
        con.execute("update marts.mart_ai_use_mode_external set label_no = ? where item = 'analysis'", [LABELS[3]])
    return read_published(path)


def test_the_workbooks_and_csv_files_hold_delivered_text_as_text(tmp_path):
    exports = write_exports(_hostile_warehouse(tmp_path), tmp_path / "marts")
    for lang, path in exports.workbooks.items():
        cells = [c for sheet in openpyxl.load_workbook(path) for row in sheet.iter_rows() for c in row]
        texts = [c.value for c in cells if isinstance(c.value, str)]
        assert not [c for c in cells if c.data_type == "f"]
        assert not [t for t in texts if t.startswith(FORMULA_START) or CONTROL.search(t)]
        assert any("\\x1b]0;owned\\x07" in t for t in texts)  # the file name shown, as delivered
        assert lang != "no" or "'@sum(1)" in texts  # the label (the English book shows label_en)
    for path in exports.csv_files:
        rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";")
        fields = [field for row in rows for field in row]
        starts = [f for f in fields if f.startswith(FORMULA_START) and not re.fullmatch(r"-\d+(,\d+)?", f)]
        assert not starts and not CONTROL.search("".join(fields)), (path.name, starts)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}


def test_the_figure_book_shows_delivered_file_names_as_text(tmp_path):
    published = dataclasses.replace(_hostile_warehouse(tmp_path), families=[])
    build_figure_book(published, tmp_path / "figures")
    page = (tmp_path / "figures" / "index.html").read_text(encoding="utf-8")
    elements = _Elements()
    elements.feed(page)
    assert not {"img", "svg"} & elements.tags and not {a for a in elements.attributes if a.startswith("on")}
    assert not CONTROL.search(page) and "\\x1b]0;owned\\x07" in page
    assert "&lt;svg onload=alert(2)&gt;" in page
