"""Finding a year's delivered files in the landing folder, safely, and fingerprinting them.

A file name in data/landing/ is untrusted: only regular files directly inside data/landing/<year>/ are
considered, and a name that resolves outside that folder (a symlink, a hard link) is refused, so a delivery
can never make the pipeline read outside data/. What may be in a year folder at all is the contract's
(section 1): the codebook, the survey files (exactly one panel file) and documentation; anything else is
named in the refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from itip_pipeline.core.contract import (
    ACCEPTED_SUFFIXES,
    CODEBOOK_FILE,
    DOCUMENTATION_FILE,
    FILE_PREFIXES,
    MAX_FILES,
    SURVEYS,
)
from itip_pipeline.ingest.problems import DeliveryRejected, Problem


def year_dir(landing_dir: Path, year: int) -> Path:
    return landing_dir / str(year)


def _is_safe(path: Path, folder: Path) -> bool:
    """A regular file, not a link, that really lives directly in `folder`.

    A hard link counts as a link: with more than one name the file also lives elsewhere (perhaps outside
    data/), and whoever holds the other name can change what was validated.
    """
    return (
        not path.is_symlink()
        and path.is_file()
        and path.resolve().parent == folder.resolve()
        and path.stat().st_nlink == 1
    )


@dataclass(frozen=True)
class DeliveryFiles:
    """A year folder's contents as the contract sees them (every path safe, every format accepted)."""

    codebook: Path
    surveys: dict[str, list[Path]]  # survey -> its files, sorted by name
    documentation: list[Path] = field(default_factory=list)

    @property
    def data_files(self) -> list[Path]:
        return [self.codebook, *(p for survey in SURVEYS for p in self.surveys[survey])]


def survey_of(name: str) -> str | None:
    """The survey a delivered file belongs to by the start of its name, "codebook", or None."""
    lower = name.lower()
    if lower == CODEBOOK_FILE:
        return "codebook"
    return next((survey for survey, prefix in FILE_PREFIXES.items() if lower.startswith(prefix)), None)


def entries(landing_dir: Path, year: int) -> list[Path]:
    """Everything in the year folder, sorted by name ([] when there is no folder)."""
    return _entries_of(year_dir(landing_dir, year))


def _entries_of(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() and not folder.is_symlink() else []


def delivery_files(landing_dir: Path, year: int) -> DeliveryFiles:
    """The year's codebook, survey files and documentation in data/landing/<year>/ (see folder_delivery)."""
    return folder_delivery(year_dir(landing_dir, year), year)


def folder_delivery(folder: Path, year: int) -> DeliveryFiles:
    """The codebook, survey files and documentation of the year's delivery in `folder` (the landing
    folder's year folder, or a folder a vendor checks before sending it); DeliveryRejected naming every
    entry the contract does not allow (docs/data_contract.md section 1) and every file the delivery lacks.
    A folder that is a link is refused: the files inside it would all pass as "in the folder"."""
    if folder.is_symlink():
        raise DeliveryRejected.single(str(year), "the year's delivery folder is a link; deliver a real folder")
    if not folder.is_dir():
        raise DeliveryRejected.single(str(folder), f"no delivery folder for {year}")
    problems: list[Problem] = []
    found: dict[str, list[Path]] = {"codebook": [], **{survey: [] for survey in SURVEYS}}
    documentation = []
    for path in _entries_of(folder):
        survey = survey_of(path.name)
        if survey is None and DOCUMENTATION_FILE.match(path.name) and _is_safe(path, folder):
            documentation.append(path)
        elif survey is None:
            kind = "folder" if path.is_dir() and not path.is_symlink() else "file"
            problems.append(
                Problem(
                    file=path.name,
                    rule=f"a {kind} the contract does not allow in the year folder; "
                    "deliver only codebook.csv, org_survey… and citizen_panel… files (and a README)",
                )
            )
        elif not _is_safe(path, folder):
            problems.append(
                Problem(
                    file=path.name,
                    rule="not a regular file inside the year's landing folder "
                    "(a link, hard link or folder); deliver the file itself",
                )
            )
        elif survey != "codebook" and path.suffix.lower() not in ACCEPTED_SUFFIXES:
            problems.append(
                Problem(
                    file=path.name,
                    rule=f"format {path.suffix or '(none)'!r} not accepted; use one of " + ", ".join(ACCEPTED_SUFFIXES),
                )
            )
        else:
            found[survey].append(path)
    if not found["codebook"] and not any(p.file.lower() == CODEBOOK_FILE for p in problems):
        problems.append(Problem(file=f"{year}/{CODEBOOK_FILE}", rule=f"the {year} delivery has no {CODEBOOK_FILE}"))
    for survey in SURVEYS:
        prefix, limit = FILE_PREFIXES[survey], MAX_FILES[survey]
        if not found[survey] and not any(survey_of(p.file) == survey for p in problems):
            problems.append(
                Problem(
                    file=f"{year}/{prefix}*",
                    rule=f"no {survey} survey file in the {year} delivery (names must start with {prefix!r})",
                )
            )
        if limit is not None and len(found[survey]) > limit:
            problems += [
                Problem(
                    file=p.name,
                    rule=f"the contract allows exactly {limit} {prefix} file per year; "
                    f"found {len(found[survey])}: deliver one file",
                )
                for p in found[survey]
            ]
    if problems:
        raise DeliveryRejected(problems)
    return DeliveryFiles(found["codebook"][0], {survey: found[survey] for survey in SURVEYS}, documentation)


def safe_files(landing_dir: Path, year: int) -> list[Path]:
    """The regular files (no links) directly in the year folder: what a load or a refusal may read or copy."""
    folder = year_dir(landing_dir, year)
    return [p for p in entries(landing_dir, year) if _is_safe(p, folder)]
