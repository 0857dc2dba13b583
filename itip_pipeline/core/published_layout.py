"""Where the published versions live under the marts folder, which one is current, and the names inside a
version (standard library only: the no-op check of `itip run` reads it before importing DuckDB).

    versions/<version>/                    one published build, never changed once in place:
        itip.duckdb, <table>.parquet       the data (publish/versions.py)
        build_state.json                   what it was built from (core/build_state.py)
        published_from.json                its place in the load log, for monotonic publishing
        manifest.json                      every file above: size and sha256, written last
        exports-<stamp>/                   the workbooks, csv/ and figures/ made from it, with their own
                                           manifest.json (written last), staged and renamed in whole
    current -> versions/<version>          the version BI tools read; swapped in one rename
    exports -> versions/<version>/exports-<stamp>
                                           the exports readers see; swapped in one rename once written
"""

from __future__ import annotations

from pathlib import Path

VERSIONS_DIR = "versions"
CURRENT = "current"
EXPORTS = "exports"  # the pointer in the marts folder; also the prefix of the export sets in a version
WAREHOUSE_FILE = "itip.duckdb"
ORDER_FILE = "published_from.json"
MANIFEST = "manifest.json"
# Why a release was published (itip_pipeline.publish.releases decides it; the operator may give it with
# `itip run --reason`, which sets RELEASE_REASON_ENV for the run).
RELEASE_REASONS = ("new year", "re-delivery", "correction", "method change", "republication")
RELEASE_REASON_ENV = "ITIP_RELEASE_REASON"
# The column every published table but the release history carries: the release its rows belong to.
RELEASE_COLUMN = "release_id"


def current_version_dir(marts_dir: Path) -> Path | None:
    """The published version folder a reader should use now (resolve once, then read only inside it)."""
    return _followed(marts_dir / CURRENT)


def current_exports_dir(marts_dir: Path) -> Path | None:
    """The export set (workbooks, CSV files, figure book) readers see now, or None before the first one."""
    return _followed(marts_dir / EXPORTS)


def _followed(pointer: Path) -> Path | None:
    """The folder the link `pointer` leads to; None when it is no link or leads nowhere."""
    try:
        return pointer.resolve() if pointer.is_symlink() and pointer.resolve().is_dir() else None
    except (OSError, RuntimeError):  # a link in a loop, or one that cannot be followed: no folder
        return None
