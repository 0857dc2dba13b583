"""Where the published versions live under the marts folder, and which one is current (standard library only:
the no-op check of `itip run` reads it before importing DuckDB)."""

from __future__ import annotations

from pathlib import Path

VERSIONS_DIR = "versions"
CURRENT = "current"


def current_version_dir(marts_dir: Path) -> Path | None:
    """The published version folder a reader should use now (resolve once, then read only inside it)."""
    pointer = marts_dir / CURRENT
    try:
        return pointer.resolve() if pointer.is_symlink() and pointer.resolve().is_dir() else None
    except (OSError, RuntimeError):  # a link in a loop, or one that cannot be followed: no current version
        return None
