"""Copies of a published data folder for tests that change one."""

from __future__ import annotations

import shutil
from pathlib import Path


def copy_published(published_data: Path, to: Path) -> Path:
    """A copy of a published data folder without its Dagster instance (a run there starts a fresh one); links
    (the published `current` pointer, the stable Parquet paths) stay links."""
    shutil.copytree(published_data, to, ignore=shutil.ignore_patterns("dagster_home"), symlinks=True)
    return to
