"""Text from a delivery, as a reader sees it in each output: the load report rendered by Markdown libraries,
the terminal captured, a workbook opened with openpyxl, a CSV file read as text, an alert mail parsed."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from email import message_from_bytes, policy

import markdown_it
import mistune
import openpyxl
import pandas as pd
import pytest

from itip_pipeline.alerting.mail import MailSettings, alert_message
from itip_pipeline.core import progress
from itip_pipeline.core.escaping import for_cell, for_html, for_markdown, for_terminal
from itip_pipeline.ingest.loading import load_report
from itip_pipeline.ingest.loading.archive_quarantine import problems_markdown
from itip_pipeline.ingest.problems import Problem
from itip_pipeline.report.exports import _put, write_csv

HOSTILE_NAMES = [
    'org_survey_"><img src=x onerror=alert(1)>.xlsx',
    "citizen_panel_synthetic_<svg onload=alert(2)>.csv",
    # second members of the class: a link and an image made from Markdown itself, a cell boundary, raw HTML
    # that needs no angle bracket of its own in the name's first part
    "org_survey_[klikk](javascript:alert(3))_![x](http://evil.example/p.png).xlsx",
    "org_survey_a|b|c.csv",
    "org_survey_<details open ontoggle=alert(4)>.csv",
]
HOSTILE_HEADERS = ['=hyperlink("http://evil.example","x")', "@sum(1)", "+cmd|' /C calc'!A0", "-2+3", "\uff1dSUM(1)"]
TERMINAL_NAME = "org_survey_\x1b]0;owned\x07\x1b[2J\x9b31m\u202eslx.csv"


def _rendered(markdown: str) -> list[str]:
    """The Markdown as HTML by two libraries, with raw HTML allowed (as GitHub-like viewers do before sanitising)."""
    gfm = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table")
    return [gfm.render(markdown), mistune.create_markdown(escape=False, plugins=["table"])(markdown)]


def _tags(html: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", html)}


SAFE_TAGS = {"h1", "h2", "p", "table", "thead", "tbody", "tr", "th", "td"}


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_file_name_in_the_load_report_renders_as_text_in_markdown_viewers(tmp_path, name):
    report = load_report.PartReport(
        2025,
        "org",
        "refused",
        files={name: "a" * 64},
        problems=[Problem(name, "the file is not a workbook", column=HOSTILE_HEADERS[0], value="x")],
        quarantine_folder=str(tmp_path / "quarantine" / "2025" / "org" / "t"),
    )
    accepted = load_report.PartReport(2025, "panel", "loaded", files={name: "b" * 64}, respondents=3)
    for part in (report, accepted):
        markdown = (load_report.write(part, tmp_path / "reports") / "report.md").read_text(encoding="utf-8")
        for html in _rendered(markdown):
            assert _tags(html) <= SAFE_TAGS, html
            assert "<a " not in html and "<img" not in html
            assert name in html_lib.unescape(re.sub(r"<[^>]+>", "", html))  # and reads as delivered
        file_rows = [line for line in markdown.splitlines() if line.startswith("| ") and "a" * 64 in line]
        for row in file_rows:
            assert len(re.split(r"(?<!\\)\|", row)) == 4  # | name | sha | : no cell boundary came from the name


def test_the_problem_table_escapes_headers_values_and_rules():
    headers = [*HOSTILE_HEADERS, "<img src=x onerror=alert(5)>", "[x](javascript:alert(6))"]
    problems = [Problem("org.csv", f"unknown column {h!r}", row=1, column=h, value=h) for h in headers]
    table = problems_markdown(problems)
    for html in _rendered(table):
        assert _tags(html) <= SAFE_TAGS
        assert all(h in html_lib.unescape(html) for h in headers)
    assert all(len(re.split(r"(?<!\\)\|", line)) == 7 for line in table.splitlines())


def test_a_progress_line_shows_control_characters_as_codes():
    captured = io.StringIO()
    with progress.to_terminal(captured):
        progress.say(f"2025: loading {TERMINAL_NAME}")
        with progress.step(f"reading {TERMINAL_NAME}"):
            pass
    text = captured.getvalue()
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", text), repr(text)
    assert "\\x1b]0;owned\\x07" in text and "\\u202e" in text


def test_terminal_text_keeps_its_lines_only_when_asked():
    assert for_terminal("a\nb\x1b") == "a\\x0ab\\x1b"
    assert for_terminal("a\nb\x1b", lines=True) == "a\nb\\x1b"


def test_html_text_and_attributes_are_entities():
    assert for_html('"><img src=x onerror=alert(1)>') == "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert for_html("a\x1bb") == "a\\x1bb"


@pytest.mark.parametrize("text", [*HOSTILE_HEADERS, "\tx", "\r=1", "\uff20a", "\uff0b1", "\uff0d1"])
def test_a_text_that_would_start_a_formula_starts_with_a_quote(text):
    assert for_cell(text).startswith("'")


@pytest.mark.parametrize("value", [-12, 3.5, -0.25, "-12", "+3,5", "-1.5e3", None])
def test_numbers_stay_as_they_are(value):
    assert for_cell(value) == value


def test_a_workbook_opens_with_every_hostile_text_as_text(tmp_path):
    book = openpyxl.Workbook()
    values = [*HOSTILE_HEADERS, TERMINAL_NAME, *HOSTILE_NAMES, -4.5, 7]
    for row, value in enumerate(values, start=1):
        _put(book.active, row, 1, value)
    book.save(tmp_path / "b.xlsx")  # a control character would stop here: "cannot be used in worksheets"
    read = [row[0] for row in openpyxl.load_workbook(tmp_path / "b.xlsx").active.iter_rows(values_only=True)]
    texts = [v for v in read if isinstance(v, str)]
    assert not [v for v in texts if v.startswith(("=", "+", "-", "@", "\uff1d"))]
    assert read[-2:] == [-4.5, 7]
    assert "'@sum(1)" in read and TERMINAL_NAME not in read


def test_a_csv_file_holds_no_cell_that_starts_a_formula(tmp_path):
    frame = pd.DataFrame(
        {"label_no": HOSTILE_HEADERS + [TERMINAL_NAME], "share_pct": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0]}
    ).rename(columns={"label_no": "@label"})
    write_csv(frame, tmp_path / "t.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r", "\uff1d")) or c[:1] == "-" and c != "-1,5"]
    assert "-1,5" in cells  # a negative number is still a number
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", "".join(cells))


def test_an_alert_mail_keeps_a_file_name_out_of_its_headers():
    settings = MailSettings("smtp.example", 25, "itip@example.no", ("ops@example.no",))
    message = alert_message(settings, "run failed: org\r\nBcc: all@example.no", f"refused {TERMINAL_NAME}\nline 2")
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None and "all@example.no" in parsed["Subject"]
    body = parsed.get_content()
    assert "\x1b" not in body and "\x07" not in body and "line 2" in body.splitlines()


def test_markdown_escaping_is_the_text_itself_once_rendered():
    text = "50 % *not* _emphasis_ `code` # 1. - + <b> & ' \" ~x~ \\ |"
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).render(for_markdown(text))
    assert html_lib.unescape(re.sub(r"</?p>", "", html)).strip() == text
