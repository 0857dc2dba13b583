"""How long refused deliveries are kept: `itip purge` removes quarantine folders older than the retention.

A quarantine folder (data/quarantine/<year>/<survey>/<time>/) holds a copy of a refused file, which may
contain personal data, so it is kept only as long as the vendor needs to correct the delivery: 90 days by
default (docs/data_contract.md, section 9). A folder's age is the refusal time in its name, not its
modification time, so copying or restoring the quarantine does not extend it. Anything else in the
quarantine folder is left alone.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from itip_pipeline.ingest.loading.archive_quarantine import QUARANTINE_STAMP

DEFAULT_RETENTION = "90d"
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_AGE = re.compile(r"\s*(\d+)\s*([hdw])\s*", re.IGNORECASE)


def parse_age(text: str) -> timedelta:
    """'90d', '12h' or '2w' as a duration; ValueError with a sentence otherwise."""
    match = _AGE.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not an age: write a whole number and a unit, e.g. 90d, 12h or 2w")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


@dataclass(frozen=True)
class QuarantineFolder:
    path: Path
    refused_at: datetime


def quarantine_folders(quarantine_dir: Path) -> list[QuarantineFolder]:
    """Every attempt's folder, <year>/<survey>/<time>, oldest first; links and other names are not ours."""
    found = []
    for path in quarantine_dir.glob("*/*/*"):
        if path.is_symlink() or not path.is_dir():
            continue
        try:
            refused_at = datetime.strptime(path.name, QUARANTINE_STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue
        found.append(QuarantineFolder(path, refused_at))
    return sorted(found, key=lambda folder: folder.refused_at)


def purge_quarantine(
    quarantine_dir: Path, older_than: timedelta, now: datetime | None = None, dry_run: bool = False
) -> list[QuarantineFolder]:
    """Remove (or with dry_run only list) the folders refused more than `older_than` ago, and emptied parents."""
    cutoff = (now or datetime.now(UTC)) - older_than
    expired = [folder for folder in quarantine_folders(quarantine_dir) if folder.refused_at < cutoff]
    if not dry_run:
        for folder in expired:
            shutil.rmtree(folder.path)
            for parent in (folder.path.parent, folder.path.parent.parent):
                if parent != quarantine_dir and not any(parent.iterdir()):
                    parent.rmdir()
    return expired
