"""Deciding which years' deliveries are new or changed, from the landing folder and the last cursor.

A year's fingerprint is the hash of its delivery files' names and content hashes. A year is reported only
when every file in its folder has settled (not modified for `settle_seconds`, no temporary name), so a
file still being copied is never picked up half-written. Content hashes are cached by (size, mtime) in the
cursor, so an unchanged multi-gigabyte panel is not re-read at every tick.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from itip_pipeline.contract import CODEBOOK_FILE, FILE_PREFIXES
from itip_pipeline.ingest.delivery_files import delivery_years, sha256_of, year_dir

TEMPORARY_MARKERS = (".partial", ".tmp", ".part", ".crdownload")


@dataclass
class LandingCursor:
    fingerprints: dict[str, str] = field(default_factory=dict)  # year -> fingerprint last started
    hashes: dict[str, list] = field(default_factory=dict)  # "year/name" -> [size, mtime_ns, sha256]

    def dumps(self) -> str:
        return json.dumps({"fingerprints": self.fingerprints, "hashes": self.hashes}, sort_keys=True)

    @classmethod
    def loads(cls, text: str | None) -> "LandingCursor":
        if not text:
            return cls()
        data = json.loads(text)
        return cls(data.get("fingerprints", {}), data.get("hashes", {}))


@dataclass(frozen=True)
class YearScan:
    year: int
    fingerprint: str | None  # None while the delivery is incomplete or still being written
    reason: str


def _is_delivery_file(name: str) -> bool:
    lower = name.lower()
    return lower == CODEBOOK_FILE or any(lower.startswith(p) for p in FILE_PREFIXES.values())


def _is_temporary(name: str) -> bool:
    return name.startswith((".", "~$")) or name.lower().endswith(TEMPORARY_MARKERS)


def scan_year(landing_dir: Path, year: int, cursor: LandingCursor, settle_seconds: float, now: float) -> YearScan:
    folder = year_dir(landing_dir, year)
    entries = sorted(p for p in folder.iterdir() if p.is_file())
    if any(_is_temporary(p.name) for p in entries):
        return YearScan(year, None, "a file is still being written (temporary name)")
    files = [p for p in entries if _is_delivery_file(p.name)]
    if not files:
        return YearScan(year, None, "no delivery files yet")
    parts = []
    for path in files:
        stat = path.stat()
        if now - stat.st_mtime < settle_seconds:
            return YearScan(year, None, f"{path.name} changed less than {settle_seconds:.0f} s ago")
        key = f"{year}/{path.name}"
        cached = cursor.hashes.get(key)
        if cached and cached[:2] == [stat.st_size, stat.st_mtime_ns]:
            sha = cached[2]
        else:
            sha = sha256_of(path)
            cursor.hashes[key] = [stat.st_size, stat.st_mtime_ns, sha]
        parts.append(f"{path.name}:{sha}")
    return YearScan(year, hashlib.sha256("\n".join(parts).encode()).hexdigest(), "ready")


def changed_years(
    landing_dir: Path, cursor: LandingCursor, known_years: set[int], settle_seconds: float = 10.0,
    now: float | None = None,
) -> list[YearScan]:
    """Scans of the years whose settled delivery differs from the cursor (cursor hashes are updated)."""
    now = time.time() if now is None else now
    changed = []
    for year in delivery_years(landing_dir):
        if year not in known_years:
            continue
        scan = scan_year(landing_dir, year, cursor, settle_seconds, now)
        if scan.fingerprint and cursor.fingerprints.get(str(year)) != scan.fingerprint:
            changed.append(scan)
    return changed
