"""The survey years this warehouse knows (standard library only: `itip run` reads them before importing Dagster)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

FIRST_SURVEY_YEAR = 2021
# A year folder is named by four ASCII digits, 1900-2099. ASCII only: Python's \d and str.isdigit() also
# accept other scripts' digits ("٢٠٢٥"), which int() reads as a year without a word.
_YEAR_FOLDER = re.compile(r"(19|20)[0-9]{2}")


def survey_year_keys(today: date | None = None) -> list[str]:
    """2021 up to this year: a new year's partition appears on 1 January without a code change."""
    return [str(y) for y in range(FIRST_SURVEY_YEAR, (today or date.today()).year + 1)]


def year_ranges(years: list[int], unchanged: list[int]) -> list[tuple[int, int]]:
    """`years` as the fewest (first, last) ranges, each holding only `years` and `unchanged` years (loaded
    exactly as delivered: loading one again finds it unchanged and writes nothing)."""
    ranges: list[tuple[int, int]] = []
    for year in sorted(years):
        if ranges and all(between in unchanged for between in range(ranges[-1][1] + 1, year)):
            ranges[-1] = (ranges[-1][0], year)
        else:
            ranges.append((year, year))
    return ranges


def parse_years(text: str) -> list[int]:
    """'2021-2025' or '2021,2023' or '2025' -> a sorted list of years."""
    years: set[int] = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        years.update(range(int(first), int(last or first) + 1))
    return sorted(years)


def year_of_folder(name: str) -> int | None:
    """The year a landing folder's name stands for, or None when the name is not a year."""
    return int(name) if _YEAR_FOLDER.fullmatch(name) else None


def year_folders(landing_dir: Path) -> list[int]:
    """The years that have a folder in the landing folder, oldest first (known to the warehouse or not)."""
    if not landing_dir.is_dir():
        return []
    return sorted(
        year for path in landing_dir.iterdir() if path.is_dir() and (year := year_of_folder(path.name)) is not None
    )
