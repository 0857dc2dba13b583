"""A private copy of a year's delivered files, taken before they are fingerprinted and validated.

The landing folder belongs to the vendor and may change at any moment (a re-upload, a sync tool). A load
therefore copies the files it found into a private folder first, and fingerprints, validates, archives and
quarantines only those copies: what the load log's sha256 names is what was validated and what the archive
holds. The copies are deleted when the load ends, and a killed load's copies by the next load (a load
holds the working database's one writer lock, so no other load can be using them).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from itip_pipeline.ingest.files.delivery_files import DeliveryFiles

_PREFIX = "delivery-"


@contextmanager
def scratch_folder(parent: Path) -> Iterator[Path]:
    """A new empty folder under `parent` (the working database's folder), removed afterwards; earlier
    loads' leftovers are removed first. Call it only while holding the working database for writing."""
    parent.mkdir(parents=True, exist_ok=True)
    for leftover in parent.glob(f"{_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=_PREFIX, dir=parent) as folder:
        yield Path(folder)


def private_copy(files: DeliveryFiles, folder: Path) -> DeliveryFiles:
    """The delivery's files (data and documentation) copied into `folder`, under their own names."""

    def copy(path: Path) -> Path:
        return Path(shutil.copyfile(path, folder / path.name))

    return DeliveryFiles(
        copy(files.codebook),
        {survey: [copy(p) for p in paths] for survey, paths in files.surveys.items()},
        [copy(p) for p in files.documentation],
    )
