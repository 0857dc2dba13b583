"""Finding a year's delivered files in the landing folder, safely, and fingerprinting them.

A file name in data/landing/ is untrusted: only regular files directly inside data/landing/<year>/ are
considered, and a name that resolves outside that folder (a symlink, a hard link) is refused, so a delivery
can never make the pipeline read outside data/. What may be in a year folder at all is the contract's
(section 1): the codebook, the survey files (exactly one panel file) and documentation; anything else is
named in the refusal. Which part a file is comes from one rule, contract.part_of, so two spellings of one
part ("codebook.csv" and "Codebook.csv", a copy "codebook (1).csv") are refused naming both, and a name
that could act on a terminal or hide in a report (control characters, bidi overrides) is refused escaped.
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
    part_of,
    shown_name,
    unsafe_name,
)
from itip_pipeline.core.personal_values import personal_kind
from itip_pipeline.ingest.problems import DeliveryRejected, Problem


def year_dir(landing_dir: Path, year: int) -> Path:
    return landing_dir / str(year)


def _is_safe(path: Path, folder: Path) -> bool:
    """A regular file, not a link, that really lives directly in `folder`.

    A hard link counts as a link: with more than one name the file also lives elsewhere (perhaps outside
    data/), and whoever holds the other name can change what was validated.
    """
    try:
        return (
            not path.is_symlink()
            and path.is_file()
            and path.resolve().parent == folder.resolve()
            and path.stat().st_nlink == 1
        )
    except OSError:  # gone meanwhile, or not this user's to read: not a file the delivery may use
        return False


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
    """The part kind a delivered file belongs to ("codebook", "org", "panel"), or None (contract.part_of)."""
    part = part_of(name)
    return part.kind if part else None


def name_problem(name: str, kind: str = "file") -> Problem:
    """The refusal of a file or folder name that unsafe_name finds, showing it escaped."""
    return Problem(
        file=shown_name(name),
        rule=f"the {kind} name holds control or invisible formatting characters (shown escaped above: "
        "control characters, bidi overrides, zero-width characters or bytes that are not UTF-8); "
        "rename it using letters, digits, '_', '-' and '.'",
    )


def entries(landing_dir: Path, year: int) -> list[Path]:
    """Everything in the year folder, sorted by name ([] when there is no folder)."""
    return _entries_of(year_dir(landing_dir, year))


def _entries_of(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir()) if folder.is_dir() and not folder.is_symlink() else []
    except OSError:
        return []


def delivery_files(landing_dir: Path, year: int) -> DeliveryFiles:
    """The year's codebook, survey files and documentation in data/landing/<year>/ (see folder_delivery)."""
    return folder_delivery(year_dir(landing_dir, year), year)


def folder_delivery(folder: Path, year: int) -> DeliveryFiles:
    """The codebook, survey files and documentation of the year's delivery in `folder` (the landing
    folder's year folder, or a folder a vendor checks before sending it); DeliveryRejected naming every
    entry the contract does not allow (docs/data_contract.md section 1), every file the delivery lacks and
    every part with more than one candidate file (contract.part_of: names compared ignoring case, Unicode
    form and copy markers), naming all the candidates.
    A folder that is a link is refused: the files inside it would all pass as "in the folder"."""
    if folder.is_symlink():
        raise DeliveryRejected.single(str(year), "the year's delivery folder is a link; deliver a real folder")
    if not folder.is_dir():
        raise DeliveryRejected.single(shown_name(str(folder)), f"no delivery folder for {year}")
    try:
        listed = sorted(folder.iterdir())
    except OSError as error:
        raise DeliveryRejected.single(
            shown_name(str(folder)),
            f"the folder cannot be read ({error.strerror or error}); deliver a folder this user can read",
        ) from None
    problems = [name_problem(folder.name, "folder")] if unsafe_name(folder.name) else []
    candidates: dict[tuple[str, str], list[Path]] = {}
    documentation = []
    personal_names = set()  # the parts of files refused for a personal value in their name
    for path in listed:
        part = part_of(path.name)
        if unsafe_name(path.name):
            problems.append(name_problem(path.name, "folder" if _is_real_dir(path) else "file"))
        elif (kind := personal_kind(path.name)) is not None:
            # A name travels further than the file: into logs, the load log and the published provenance.
            personal_names.add(part.kind if part else None)
            problems.append(
                Problem(
                    file=path.name,
                    rule=f"the name holds personal data (its {kind} is masked above); rename it without it: a name "
                    "is shown in logs, reports and the published provenance",
                )
            )
        elif part is None and DOCUMENTATION_FILE.match(path.name) and _is_safe(path, folder):
            documentation.append(path)
        elif part is None:
            kind = "folder" if _is_real_dir(path) else "file"
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
        else:
            candidates.setdefault((part.kind, part.key), []).append(path)
    problems += _part_problems(candidates)
    found: dict[str, list[Path]] = {kind: [] for kind in ("codebook", *SURVEYS)}
    for (kind, _key), paths in candidates.items():
        found[kind] += paths
    named = {survey_of(p.file.rsplit("/", 1)[-1]) for p in problems} | personal_names
    if not found["codebook"] and "codebook" not in named:
        problems.append(Problem(file=f"{year}/{CODEBOOK_FILE}", rule=f"the {year} delivery has no {CODEBOOK_FILE}"))
    for survey in SURVEYS:
        prefix = FILE_PREFIXES[survey]
        if not found[survey] and survey not in named:
            problems.append(
                Problem(
                    file=f"{year}/{prefix}*",
                    rule=f"no {survey} survey file in the {year} delivery (names must start with {prefix!r})",
                )
            )
    if problems:
        raise DeliveryRejected(problems)
    return DeliveryFiles(found["codebook"][0], {survey: sorted(found[survey]) for survey in SURVEYS}, documentation)


def _part_problems(candidates: dict[tuple[str, str], list[Path]]) -> list[Problem]:
    """A problem for every file of a part with more than one candidate, naming all of them (whatever their
    formats), and for a lone file in a format the part does not take or whose name carries a copy marker
    ("codebook (1).csv", "~$org_survey.xlsx"): which copy is meant is the vendor's to say, never the loader's
    to guess."""
    problems = []
    for (kind, key), paths in sorted(candidates.items()):
        names = ", ".join(repr(p.name) for p in paths)
        if len(paths) > 1:
            what = (
                f"the contract allows exactly 1 {FILE_PREFIXES[kind]} file per year"
                if MAX_FILES.get(kind) == 1
                else f"{'the codebook' if kind == 'codebook' else 'one organisation survey file'} arrives as one file"
            )
            problems += [
                Problem(
                    file=p.name,
                    rule=f"{what}; found {len(paths)} candidates for it: {names} (names are compared ignoring "
                    "case, Unicode form, format and copy markers such as ' (1)', 'Copy of', ' - Kopi', '~$'): "
                    "deliver one file",
                )
                for p in paths
            ]
        elif (wrong_format := _format_problem(kind, paths[0])) is not None:
            problems.append(wrong_format)
        elif (marker := part_of(paths[0].name).copy_marker) is not None:
            canonical = CODEBOOK_FILE if kind == "codebook" else f"{key}{paths[0].suffix.lower()}"
            problems.append(
                Problem(
                    file=paths[0].name,
                    rule=(
                        "an Excel lock file (the workbook is open somewhere): close it and deliver without it"
                        if marker == "~$"
                        else f"the name has {marker!r} beside the part's plain name: deliver it as {canonical!r}"
                    ),
                )
            )
    return problems


def _format_problem(kind: str, path: Path) -> Problem | None:
    """The refusal of a part's file in a format the contract does not take for it, or None."""
    if kind == "codebook":
        return (
            None
            if path.suffix.lower() == ".csv"
            else Problem(file=path.name, rule=f"the codebook is a CSV file named {CODEBOOK_FILE}")
        )
    if path.suffix.lower() in ACCEPTED_SUFFIXES:
        return None
    return Problem(
        file=path.name,
        rule=f"format {path.suffix or '(none)'!r} not accepted; use one of " + ", ".join(ACCEPTED_SUFFIXES),
    )


def _is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def safe_files(landing_dir: Path, year: int) -> list[Path]:
    """The regular files (no links) directly in the year folder: what a load or a refusal may read or copy."""
    folder = year_dir(landing_dir, year)
    return [p for p in entries(landing_dir, year) if not unsafe_name(p.name) and _is_safe(p, folder)]
