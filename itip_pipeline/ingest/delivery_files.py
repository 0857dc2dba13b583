"""Finding a year's delivered files in the landing folder, safely, and fingerprinting them.

A file name in data/landing/ is untrusted: only regular files directly inside data/landing/<year>/ are
considered, and a name that resolves outside that folder (a symlink, say) is refused, so a delivery can
never make the pipeline read outside data/.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from itip_pipeline.contract import ACCEPTED_SUFFIXES, CODEBOOK_FILE, FILE_PREFIXES
from itip_pipeline.ingest.problems import DeliveryRejected, Problem


def year_dir(landing_dir: Path, year: int) -> Path:
    return landing_dir / str(year)


def _real_year_dir(landing_dir: Path, year: int) -> Path:
    """The year's folder, refused when it is a link: the files inside it would all pass as "in the folder"."""
    folder = year_dir(landing_dir, year)
    if folder.is_symlink():
        raise DeliveryRejected.single(str(year), "the year's landing folder is a link; deliver a real folder")
    return folder


def _is_safe(path: Path, folder: Path) -> bool:
    """A regular file, not a link, that really lives directly in `folder`."""
    return not path.is_symlink() and path.is_file() and path.resolve().parent == folder.resolve()


def survey_files(landing_dir: Path, year: int, survey: str) -> list[Path]:
    """The survey's files for the year, sorted by name; DeliveryRejected when there are none or one is unsafe."""
    folder = _real_year_dir(landing_dir, year)
    prefix = FILE_PREFIXES[survey]
    if not folder.is_dir():
        raise DeliveryRejected.single(str(folder), f"no delivery folder for {year}")
    candidates = sorted(p for p in folder.iterdir() if p.name.lower().startswith(prefix))
    problems = []
    for path in candidates:
        if not _is_safe(path, folder):
            problems.append(Problem(file=path.name, rule="not a regular file inside the year's landing folder"))
        elif path.suffix.lower() not in ACCEPTED_SUFFIXES:
            problems.append(
                Problem(file=path.name, rule=f"format {path.suffix or '(none)'!r} not accepted; use one of "
                        + ", ".join(ACCEPTED_SUFFIXES))
            )
    if problems:
        raise DeliveryRejected(problems)
    if not candidates:
        raise DeliveryRejected.single(
            f"{year}/{prefix}*", f"no {survey} survey file in the {year} delivery (names must start with {prefix!r})"
        )
    return candidates


def codebook_file(landing_dir: Path, year: int) -> Path:
    folder = _real_year_dir(landing_dir, year)
    path = folder / CODEBOOK_FILE
    if not path.exists() and not path.is_symlink():
        raise DeliveryRejected.single(f"{year}/{CODEBOOK_FILE}", f"the {year} delivery has no {CODEBOOK_FILE}")
    if not _is_safe(path, folder):
        raise DeliveryRejected.single(CODEBOOK_FILE, "not a regular file inside the year's landing folder")
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def delivery_years(landing_dir: Path) -> list[int]:
    """Years that have a landing folder, oldest first."""
    if not landing_dir.is_dir():
        return []
    return sorted(int(p.name) for p in landing_dir.iterdir() if p.is_dir() and p.name.isdigit() and len(p.name) == 4)
