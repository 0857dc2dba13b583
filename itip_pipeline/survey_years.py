"""The survey years this warehouse knows (standard library only: `itip run` reads them before importing Dagster)."""

from __future__ import annotations

from datetime import date

FIRST_SURVEY_YEAR = 2021


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
