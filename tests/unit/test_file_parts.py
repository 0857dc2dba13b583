"""Which part of a delivery a file name stands for: one rule (core.contract.part_of) for every step.

Names are compared as a person or a file system would confuse them (case, full-width forms, NFC/NFD, copy
markers, separators), so two spellings of one part are two candidates for it; names that could act on a
terminal or hide in a report are found by unsafe_name and shown escaped by shown_name.
"""

from __future__ import annotations

import unicodedata

import pytest

from itip_pipeline.core.contract import folded_name, part_of, shown_name, unsafe_name

CODEBOOK_SPELLINGS = [
    "codebook.csv",
    "Codebook.csv",
    "CODEBOOK.CSV",
    "ｃｏｄｅｂｏｏｋ.csv",  # full-width
    "codebook (1).csv",  # a browser's second download
    "Copy of codebook.csv",
    "Kopi av codebook.csv",
    "codebook - Kopi.csv",  # Windows Explorer, Norwegian
    "codebook copy 2.csv",  # macOS Finder
    "~$codebook.csv",  # an Excel lock file
    "codebook.csv.csv",  # the format named twice where known extensions are hidden
    " codebook.csv",
]


@pytest.mark.parametrize("name", CODEBOOK_SPELLINGS)
def test_every_spelling_of_the_codebook_is_a_candidate_for_the_codebook(name):
    part = part_of(name)
    assert (part.kind, part.key) == ("codebook", "codebook")
    assert (part.copy_marker is None) == (folded_name(name) == "codebook.csv")


def test_folding_is_case_width_and_normal_form():
    assert {folded_name(n) for n in ("Codebook.csv", "ｃｏｄｅｂｏｏｋ.csv", " CODEBOOK.CSV ")} == {"codebook.csv"}
    assert folded_name(unicodedata.normalize("NFD", "Å.csv")) == folded_name("å.csv") == "å.csv"


@pytest.mark.parametrize(
    "first, second",
    [
        ("org_survey_stat.csv", "org_survey_stat.xlsx"),  # one file in two formats
        ("org_survey_stat.csv", "ORG_SURVEY_STAT.sav"),
        ("org_survey_kommune_å.csv", unicodedata.normalize("NFD", "org_survey_kommune_å.csv")),
        ("org_survey_stat.csv", "org_survey stat (2).xlsx"),
        ("org_survey_stat.csv", "org-survey-stat.csv"),  # separators spelled differently
        ("citizen_panel_2025.xlsx", "citizen_panel_extra.csv"),  # one panel file per year, whatever its name
    ],
)
def test_two_spellings_of_one_part_have_one_key(first, second):
    assert first != second
    assert (part_of(first).kind, part_of(first).key) == (part_of(second).kind, part_of(second).key)


@pytest.mark.parametrize("name", ["README.txt", "notes.csv", "copy.csv", "kopi", "org_súrvey.csv", "codebook_2025.csv"])
def test_names_that_are_no_part(name):
    assert part_of(name) is None


def test_organisation_files_for_different_populations_are_different_parts():
    assert part_of("org_survey_stat.csv").key != part_of("org_survey_kommune.csv").key


@pytest.mark.parametrize(
    "name, shown",
    [
        ("org_survey\x1b[31m\x07.csv", "org_survey\\x1b[31m\\x07.csv"),  # ESC, BEL: a terminal escape sequence
        ("org_survey_\u202evsc.xlsx", "org_survey_\\u202evsc.xlsx"),  # right-to-left override
        ("code\u200bbook.csv", "code\\u200bbook.csv"),  # zero-width space: reads as codebook.csv
        ("org_survey_\x85.csv", "org_survey_\\x85.csv"),  # C1 next line
        ("org_survey_\x7f.csv", "org_survey_\\x7f.csv"),  # DEL
        ("org_survey_\u2028.csv", "org_survey_\\u2028.csv"),  # line separator
        (b"org_survey_\xff.csv".decode("utf-8", "surrogateescape"), "org_survey_\\xff.csv"),  # not UTF-8
    ],
)
def test_unsafe_names_are_found_and_shown_escaped(name, shown):
    assert unsafe_name(name) and shown_name(name) == shown
    assert shown.isprintable() and not unsafe_name(shown)


@pytest.mark.parametrize("name", ["codebook.csv", "citizen_panel_ærøå_ü_😀.csv", "org survey (stat).xlsx"])
def test_ordinary_names_are_safe_and_shown_as_they_are(name):
    assert not unsafe_name(name) and shown_name(name) == name
