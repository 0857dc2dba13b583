"""The delivery contract as constants: file names, identifier columns, codes and value sets.

docs/data_contract.md explains these to a survey vendor; this module is what the code checks against.
Question columns are not listed here: each year's codebook (data, not code) maps them to question ids.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from itip_pipeline.core.escaping import SHOWN_AS_CODE, for_terminal
from itip_pipeline.core.personal_values import masked_name

SURVEYS = ("org", "panel")

# A year's delivery lives in data/landing/<year>/. Files are recognised by the start of their name, compared by
# `part_of` below, the one rule every step uses to tell which part of a delivery a file is.
FILE_PREFIXES = {"org": "org_survey", "panel": "citizen_panel"}
CODEBOOK_FILE = "codebook.csv"
ACCEPTED_SUFFIXES = (".xlsx", ".csv", ".sav", ".parquet")
# Besides the codebook and the survey files, a year folder may hold only documentation for people, e.g. the
# generator's SYNTHETIC_README.txt: a name starting "readme" or ending "_readme", as text, Markdown or PDF.
# Anything else (a subfolder, a .bak copy, a hidden file) refuses the delivery, naming the entry.
DOCUMENTATION_FILE = re.compile(r"^([a-z0-9_]*_)?readme([._-][a-z0-9_-]*)?\.(txt|md|pdf)$", re.IGNORECASE)
# The organisation survey may be split over several files; the panel is exactly one file.
MAX_FILES = {"org": None, "panel": 1}
# A name a copy in progress carries (a browser's or sync tool's partial file, a hidden file, Excel's lock
# file): while a year folder holds one, its delivery is not settled and is not taken as loaded.
TEMPORARY_PREFIXES = (".", "~$")
TEMPORARY_SUFFIXES = (".partial", ".tmp", ".part", ".crdownload")


# Names are compared as a file system or a person would confuse them: NFKC folds full-width forms and
# composes decomposed (NFD) letters, casefold ignores case, so "Codebook.csv", "ｃｏｄｅｂｏｏｋ.csv" and
# "codebook.csv" are one name. Copy markers that operating systems, browsers and mail clients add are
# taken off before parts are compared, so "codebook (1).csv", "Copy of codebook.csv", "codebook - Kopi.csv"
# and Excel's lock file "~$codebook.csv" are candidates for the codebook too: a folder holding two
# candidates for one part is refused, never loaded with one of them picked.
_COPY_PREFIX = re.compile(r"^(?:~\$|(?:copy|kopi|kopia|kopie)(?:\s*\(\d+\))?\s+(?:of|av|von|de)\s+)")
_COPY_SUFFIX = re.compile(r"(?:\s*[-–—_]?\s*(?:copy|kopi|kopia|kopie)(?:\s*\(?\d+\)?)?|\s*\(\d+\)|\s*\[\d+\])$")
# Runs of separators count as one "_", so "org_survey stat" and "org-survey_stat" name one part.
_SEPARATORS = re.compile(r"[\s_.-]+")

# A file or folder name holding a character the terminal's escaping shows as a code (escaping.SHOWN_AS_CODE:
# controls such as ESC, invisible format characters such as bidi overrides, bytes that are not UTF-8, line
# separators) is refused: it could rewrite a terminal line, read as another name, or not be written at all.


def shown_name(name: str) -> str:
    """`name` with every character that could act on a terminal or hide in a report written as its code (the
    terminal's escaping, which a refusal's sentence goes through wherever it is shown), and every part of it
    holding personal data masked."""
    return for_terminal(masked_name(name))


def unsafe_name(name: str) -> bool:
    """True when a name holds control characters, invisible formatting (bidi overrides, zero-width
    characters), line separators or bytes that are not UTF-8: such a name could rewrite a terminal line or
    read as another name in a report, so it is refused wherever it appears in a delivery."""
    return any(unicodedata.category(char) in SHOWN_AS_CODE for char in name)


@dataclass(frozen=True)
class FilePart:
    """Which part of a delivery a file name stands for: names with the same (kind, key) are one part."""

    kind: str  # "codebook", "org" or "panel"
    key: str  # the folded name the part is known by: one file per key
    # what the name carries beside the part's plain name: a copy marker ("(1)", "~$", "Copy of", "kopi") or
    # a format named twice (".csv" of "codebook.csv.csv"); None for a plain name
    copy_marker: str | None


def folded_name(name: str) -> str:
    """`name` as names are compared: NFKC (full-width forms, NFD letters composed), case folded, trimmed."""
    return unicodedata.normalize("NFKC", name).casefold().strip()


def part_of(name: str) -> FilePart | None:
    """The part of a delivery a file name is a candidate for, or None when it is none of them.

    The codebook is any name whose stem folds to "codebook" (its format is checked where it is found);
    the panel is one part whatever follows its prefix (the contract allows one panel file); each
    organisation survey file is a part of its own, keyed by its folded stem without the format, so the
    same file delivered as .csv and .xlsx is two candidates for one part.
    """
    folded = folded_name(name)
    stem, dot, suffix = folded.rpartition(".")
    stem = stem if dot else folded
    # "codebook.csv.csv": a format named twice, as a system that hides known extensions makes it.
    marker = None
    while dot and f".{suffix}" in ACCEPTED_SUFFIXES and stem.endswith(ACCEPTED_SUFFIXES):
        stem, _, doubled = stem.rpartition(".")
        marker = f".{doubled}"
    bare = stem
    while (found := _COPY_PREFIX.search(bare) or _COPY_SUFFIX.search(bare)) and found.group(0) != bare:
        marker = marker or found.group(0).strip(" _-–—")
        bare = (bare[: found.start()] + bare[found.end() :]).strip()
    key = _SEPARATORS.sub("_", bare).strip("_")
    if key == "codebook":
        return FilePart("codebook", key, marker)
    for kind, prefix in FILE_PREFIXES.items():
        if key.startswith(prefix):
            return FilePart(kind, prefix if MAX_FILES[kind] == 1 else key, marker)
    return None


def is_temporary(name: str) -> bool:
    """True for a name a file still being written, or a system's own hidden file, carries."""
    return name.startswith(TEMPORARY_PREFIXES) or name.lower().endswith(TEMPORARY_SUFFIXES)


def read_by_load(name: str) -> bool:
    """True for a year-folder entry the load's "already loaded?" judgement reads: a delivery part (by
    `part_of`) or a temporary name (the year is then not settled). Documentation and any other entry are not
    read by it, so they alone never make a loaded year load again."""
    return part_of(name) is not None or is_temporary(name)


# Identifier and background columns: delivered name -> raw-table name. Matched case-insensitively.
ORG_ID_COLUMNS = {"aar": "survey_year", "orgnr": "orgnr", "sektor": "sector", "kommunenr": "kommunenr"}
PANEL_ID_COLUMNS = {
    "aar": "survey_year",
    "respondent_id": "respondent_id",
    "vekt": "weight",
    "kjonn": "gender",
    "aldersgruppe": "age_group",
    "landsdel": "region",
}
ID_COLUMNS = {"org": ORG_ID_COLUMNS, "panel": PANEL_ID_COLUMNS}
# Required in every file of that survey (kommunenr may be blank for non-municipal sectors).
REQUIRED_ID_COLUMNS = {
    "org": ("aar", "orgnr", "sektor", "kommunenr"),
    "panel": ("aar", "respondent_id", "vekt", "kjonn", "aldersgruppe", "landsdel"),
}

SECTORS = ("stat", "kommune", "fylkeskommune")
GENDERS = ("mann", "kvinne", "annet")
AGE_GROUPS = ("18-29", "30-44", "45-59", "60+")
REGIONS = ("oslo", "ostlandet", "sorlandet", "vestlandet", "trondelag", "nord_norge")

# Direct identifiers and free text are refused by name family and by value: see core/personal_values.py.

# Codebook: one row per delivered question column.
CODEBOOK_COLUMNS = (
    "survey",
    "source_column",
    "question_id",
    "scale",
    "min_code",
    "max_code",
    "dont_know_code",
    "wording",
)
SCALES = ("extent5", "agree5", "agree5_panel", "importance5", "trust5", "choice")
DEFAULT_DONT_KNOW_CODE = 9
# Every answer code (min_code, max_code, dont_know_code) lies in this range. It is checked on the codebook
# before any code is used, so a bound like 2147483647 or 3000000000 is refused rather than allocated or
# overflowing the integer columns of the raw schema.
CODE_RANGE = (0, 99)

# A panel weight outside this range is refused as implausible. Vendors' raked weights have a mean near 1
# and usually lie in 0.3-3.5; the range is generous so that only a broken weight (1e308, 1e-9) trips it.
WEIGHT_RANGE = (0.01, 100.0)

# Which kommunenummer exist in a survey year is data, not code: itip_pipeline.reference.municipality_register.


def is_ascii_digits(value: str, length: int) -> bool:
    """Exactly `length` of the digits 0-9. str.isdigit() would also pass Arabic-Indic or full-width digits,
    which would count one organisation twice under two spellings."""
    return len(value) == length and value.isascii() and value.isdigit()


ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def orgnr_check_digit(first_eight: str) -> int | None:
    """The mod-11 check digit for the first eight digits, or None when no valid number has them."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, ORGNR_WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def is_valid_orgnr(value: str) -> bool:
    """True for a 9-digit organisasjonsnummer whose last digit is its mod-11 check digit."""
    if not (isinstance(value, str) and is_ascii_digits(value, 9)):
        return False
    return orgnr_check_digit(value[:8]) == int(value[8])


# Memory guards for the readers: a delivered file larger than this is refused unread, and an xlsx (a zip)
# whose entries would decompress to more than the second bound is refused as a possible zip bomb.
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024 * 1024
# Work guards for an xlsx, checked on the parts' declared sizes and again while they are streamed, before
# the workbook is opened: one worksheet part, the shared strings (all held in memory while a sheet is
# read), any other part, and the counts of cells and of shared strings. A survey's file is far below
# each (a few thousand rows of a few hundred columns); together they keep a refusal under 1 GB of memory.
MAX_XLSX_SHEET_BYTES = 1024 * 1024 * 1024
MAX_XLSX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
MAX_XLSX_OTHER_PART_BYTES = 32 * 1024 * 1024
MAX_XLSX_CELLS = 5_000_000
MAX_XLSX_SHARED_STRINGS = 1_000_000
# Title rows an xlsx may carry above its header row.
MAX_XLSX_TITLE_ROWS = 20
