"""Deciding which years' deliveries are new or changed, from the landing folder, the load log and a cursor.

A year's fingerprint is the hash of its delivery files' names and content hashes. A year is reported only
when every file in its folder has settled (not modified for `settle_seconds`, no temporary name), so a
file still being copied is never picked up half-written, and only when its fingerprint differs both from
what the load log says is loaded and from what the cursor says was already requested.

Change is judged by content. A content hash is cached in the cursor with the file's inode, size,
modification time and change time, and reused only while all four are as cached and the hash is younger
than FULL_CHECK_SECONDS: a corrected file copied with `cp -p` or `rsync -t` keeps size and modification
time, but writing it sets the change time (which no tool can set back) and a rename brings a new inode,
so it is hashed again at the next tick; the periodic full check covers file systems whose change times
cannot be trusted (some network mounts). An unchanged multi-gigabyte panel is read once per full check,
not at every tick.

Links are never followed (core.survey_years.scan_landing): a link in the landing folder is named and
skipped, and a link inside a year folder counts by its name only, so its year is loaded and refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

from itip_pipeline.core.build_state import StateUnreadable, parse_state_object
from itip_pipeline.core.contract import is_temporary
from itip_pipeline.core.hashing import key_fingerprint, sha256_of
from itip_pipeline.core.settings import get_settings
from itip_pipeline.core.survey_years import survey_landing
from itip_pipeline.ingest.files.delivery_files import survey_of, year_dir
from itip_pipeline.ingest.loading.load_log import loaded_files
from itip_pipeline.warehouse.working_db import connect, writer_lock

# A cached content hash is trusted for at most this long, whatever the file's metadata says.
FULL_CHECK_SECONDS = 3600.0


@dataclass
class LandingCursor:
    fingerprints: dict[str, str] = field(default_factory=dict)  # year -> fingerprint last started
    # "year/name" -> [inode, size, mtime_ns, ctime_ns, sha256, hashed at (epoch seconds)]
    hashes: dict[str, list] = field(default_factory=dict)
    damaged: str | None = None  # why a stored cursor was not usable (then this one starts afresh); not stored

    def dumps(self) -> str:
        return json.dumps({"fingerprints": self.fingerprints, "hashes": self.hashes}, sort_keys=True)

    @classmethod
    def loads(cls, text: str | None) -> LandingCursor:
        """The stored cursor; a fresh one, saying why, when it is not the shape `dumps` writes. A fresh cursor
        only costs hashing every file again: a year is still started only when it differs from the load log."""
        if not text:
            return cls()
        try:
            data = parse_state_object(text, "the landing sensor's cursor")
        except StateUnreadable as unreadable:
            return cls(damaged=f"{unreadable} Every landed file is hashed again.")
        fingerprints, hashes = data.get("fingerprints", {}), data.get("hashes", {})
        if not (_is_map_of(fingerprints, lambda v: isinstance(v, str)) and _is_map_of(hashes, _is_cached_hash)):
            return cls(
                damaged="the landing sensor's cursor is not the shape it is written in; every landed file is hashed "
                "again."
            )
        return cls(fingerprints, hashes)


def _is_map_of(value: object, valid: Callable[[object], bool]) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and valid(v) for k, v in value.items())


def _is_cached_hash(value: object) -> bool:
    """[inode, size, mtime_ns, ctime_ns, sha256, hashed at] as `_content_hash` caches it."""
    return (
        isinstance(value, list)
        and len(value) == 6
        and all(isinstance(n, int) and not isinstance(n, bool) for n in value[:4])
        and isinstance(value[4], str)
        and isinstance(value[5], int | float)
        and not isinstance(value[5], bool)
    )


@dataclass(frozen=True)
class LandingFolders:
    years: list[int]  # delivery folders of survey years this warehouse has partitions for
    skipped: dict[str, str]  # anything else in the landing folder -> why it is skipped


def landing_folders(landing_dir: Path, known_years: set[int]) -> LandingFolders:
    """The year folders to consider, and a sentence for every other entry (core.survey_years.survey_landing),
    so a stray entry is reported and skipped, never loaded."""
    scan = survey_landing(landing_dir, known_years)
    return LandingFolders(sorted(scan.years), scan.skipped)


@dataclass(frozen=True)
class YearScan:
    year: int
    fingerprint: str | None  # None while the delivery is incomplete or still being written
    reason: str


def scan_year(landing_dir: Path, year: int, cursor: LandingCursor, settle_seconds: float, now: float) -> YearScan:
    folder = year_dir(landing_dir, year)
    try:
        listed = sorted(folder.iterdir()) if not folder.is_symlink() else []
        entries = [(path, path.lstat()) for path in listed]
    except OSError as error:
        return YearScan(year, None, f"the folder cannot be read ({error.strerror or error})")
    if any(is_temporary(path.name) for path, _stat in entries):
        return YearScan(year, None, "a file is still being written (temporary name)")
    files = [(path, stat) for path, stat in entries if survey_of(path.name) is not None]
    if not files:
        return YearScan(year, None, "no delivery files yet")
    parts = []
    for path, stat in files:
        if now - stat.st_mtime < settle_seconds:
            return YearScan(year, None, f"{path.name} changed less than {settle_seconds:.0f} s ago")
        if not S_ISREG(stat.st_mode):
            # A link, a folder, a device: never read; its name alone makes the year a candidate for a load,
            # which refuses it with a sentence.
            parts.append(f"{path.name}:not a regular file")
            continue
        parts.append(f"{path.name}:{_content_hash(cursor, f'{year}/{path.name}', path, stat, now)}")
    return YearScan(year, fingerprint(parts), "ready")


def _content_hash(cursor: LandingCursor, key: str, path: Path, stat: os.stat_result, now: float) -> str:
    """The file's sha256, from the cursor while inode, size and both times are as cached and the full check
    is not due, else read again (and cached)."""
    signals = [stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]
    cached = cursor.hashes.get(key)
    if cached and cached[:4] == signals and now - cached[5] < FULL_CHECK_SECONDS:
        return cached[4]
    sha = sha256_of(path)
    cursor.hashes[key] = [*signals, sha, now]
    return sha


def fingerprint(name_hashes: list[str]) -> str:
    """One hash for a year's delivery from its sorted 'file name:sha256' entries."""
    return hashlib.sha256("\n".join(sorted(name_hashes)).encode()).hexdigest()


def loaded_fingerprints(work_db: Path, timeout_s: float = 0, lock_held: bool = False) -> dict[int, str]:
    """Fingerprints of the deliveries the load log says are loaded, by year.

    Raises WarehouseBusy when a load holds the database for more than `timeout_s`. The read takes the
    writers' lock (unless the caller holds it), so no load can fail on this reader's DuckDB lock while it looks.
    """
    if not work_db.exists():
        return {}
    if lock_held:
        return _loaded_fingerprints(work_db)
    with writer_lock(work_db, timeout_s=timeout_s):
        return _loaded_fingerprints(work_db)


def years_as_loaded(landing_dir: Path, years: list[int], loaded: dict[int, str]) -> list[int]:
    """Those of `years` whose delivery in the landing folder is exactly what `loaded` says is loaded."""
    cursor, now = LandingCursor(), time.time()
    return [y for y in years if loaded.get(y) and scan_year(landing_dir, y, cursor, 0, now).fingerprint == loaded[y]]


def _loaded_fingerprints(work_db: Path) -> dict[int, str]:
    con = connect(work_db, read_only=True)
    try:
        if not con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = 'load_log'"
        ).fetchone()[0]:
            return {}
        # A panel year hashed under another pseudonym key is not loaded as far as the current key goes.
        files = loaded_files(con, key_fingerprint(get_settings().pseudonym_key))
    finally:
        con.close()
    # A set, not a merge by name: a codebook.csv loaded with two contents (one survey still on the old
    # crosswalk) must not look like the single codebook in the landing folder.
    by_year: dict[int, set[str]] = {}
    for (year, _survey), names in files.items():
        by_year.setdefault(year, set()).update(f"{name}:{sha}" for name, sha in names.items())
    return {year: fingerprint(list(parts)) for year, parts in by_year.items()}


def changed_years(
    landing_dir: Path,
    cursor: LandingCursor,
    known_years: set[int],
    loaded: dict[int, str] | None = None,
    settle_seconds: float = 10.0,
    now: float | None = None,
) -> list[YearScan]:
    """Scans of the years whose settled delivery is neither loaded nor already requested (cursor hashes are updated)."""
    now = time.time() if now is None else now
    loaded = loaded or {}
    changed = []
    for year in landing_folders(landing_dir, known_years).years:
        scan = scan_year(landing_dir, year, cursor, settle_seconds, now)
        if scan.fingerprint and scan.fingerprint not in (cursor.fingerprints.get(str(year)), loaded.get(year)):
            changed.append(scan)
    return changed
