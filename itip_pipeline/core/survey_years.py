"""The survey years this warehouse knows (standard library only: `itip run` reads them before importing Dagster)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from itip_pipeline.core.contract import shown_name, unsafe_name

FIRST_SURVEY_YEAR = 2021
# A year folder is named by four ASCII digits, 1900-2099. ASCII only: Python's \d and str.isdigit() also
# accept other scripts' digits ("٢٠٢٥"), which int() reads as a year without a word.
_YEAR_FOLDER = re.compile(r"(19|20)[0-9]{2}")
# A name a person would read as a year (full-width or other scripts' digits, spaces around it) or as a
# year with something added ("2025.old", "2025 (1)", "2025_kopi"): skipped with a sentence naming the year.
_YEAR_LIKE = re.compile(r"((?:19|20)[0-9]{2})(?:[^0-9].*)?", re.DOTALL)


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


@dataclass(frozen=True)
class LandingScan:
    """The landing folder's entries as the scan sees them, read without following any link."""

    years: dict[int, Path]  # real folders named by a year -> the folder
    skipped: dict[str, str]  # every other entry (but hidden ones) -> a sentence saying why it is skipped


def scan_landing(landing_dir: Path) -> LandingScan:
    """The year folders in the landing folder and a sentence for every other entry.

    A link is never followed, whatever it points at (`old -> /`, a year folder kept elsewhere): what a run
    reads stays inside the landing folder, and a link's target can change under a load. Names starting
    with "." are a file system's or a sync tool's own and are passed over in silence.
    """
    years: dict[int, Path] = {}
    skipped: dict[str, str] = {}
    try:
        listed = sorted(landing_dir.iterdir()) if landing_dir.is_dir() else []
    except OSError as error:
        return LandingScan({}, {"": f"{landing_dir} cannot be read ({error.strerror or error}); nothing in it loaded."})
    for path in listed:
        name, shown = path.name, shown_name(path.name)
        where = landing_dir / shown
        if name.startswith("."):
            continue
        if unsafe_name(name):
            skipped[shown] = (
                f"{where} has control or invisible formatting characters in its name (shown escaped); skipped. "
                "Rename it."
            )
        elif path.is_symlink():
            skipped[name] = (
                f"{where} is a link; the landing scan never follows links out of the landing folder, so it is "
                "skipped. Move the delivery itself into the landing folder."
            )
        elif (year := year_of_folder(name)) is not None and path.is_dir():
            years[year] = path
        elif (looks := _year_it_looks_like(name)) is not None:
            skipped[name] = (
                f"{where} is not a year folder: it looks like {looks}, but a year folder is named by the four "
                f"digits 0-9 alone; skipped. If it is the {looks} delivery, name the folder {looks}."
            )
        else:
            skipped[name] = f"{where} is not a year folder (deliveries go in {landing_dir}/<year>/); skipped."
    return LandingScan(years, skipped)


def survey_landing(landing_dir: Path, known_years: set[int] | None = None) -> LandingScan:
    """The landing folder as a run reads it: the folders of this warehouse's survey years (`known_years`,
    default `survey_year_keys()`), and a sentence for every other entry, a year folder outside the survey
    years included. The run, the landing sensor and the no-op check all read the landing folder so."""
    known = known_years if known_years is not None else {int(key) for key in survey_year_keys()}
    scan = scan_landing(landing_dir)
    skipped = dict(scan.skipped)
    for year, path in scan.years.items():
        if year not in known:
            skipped[path.name] = (
                f"{path} is not a survey year of this warehouse ({min(known)}–{max(known)}); skipped. "
                "Move it out of the landing folder if it is not a delivery."
            )
    years = {year: path for year, path in sorted(scan.years.items()) if year in known}
    return LandingScan(years, dict(sorted(skipped.items())))


def _year_it_looks_like(name: str) -> int | None:
    """The year a name that is not a year folder's would be read as by a person, or None."""
    folded = unicodedata.normalize("NFKC", name).strip()
    ascii_digits = "".join(str(unicodedata.digit(c)) if unicodedata.digit(c, None) is not None else c for c in folded)
    found = _YEAR_LIKE.fullmatch(ascii_digits)
    return int(found.group(1)) if found else None


def year_folders(landing_dir: Path) -> list[int]:
    """The years that have a folder in the landing folder, oldest first (known to the warehouse or not)."""
    return sorted(scan_landing(landing_dir).years)
