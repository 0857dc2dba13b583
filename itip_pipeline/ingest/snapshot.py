"""A private copy of a year's delivered files, taken before they are fingerprinted and validated.

The landing folder belongs to the vendor and may change at any moment (a re-upload, a sync tool). A load
therefore copies the files it found into a private folder first, and fingerprints, validates, archives and
quarantines only those copies: what the load log's sha256 names is what was validated and what the archive
holds. The copies are deleted when the load ends.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from itip_pipeline.ingest.delivery_files import DeliveryFiles


@contextmanager
def scratch_folder(parent: Path) -> Iterator[Path]:
    """A new empty folder under `parent` (the working database's folder), removed afterwards."""
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="delivery-", dir=parent) as folder:
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
