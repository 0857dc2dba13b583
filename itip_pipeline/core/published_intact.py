"""Whether everything published is intact: each file of the current version and of its export set as it was
written, and every stable path readers know leading to them.

Standard library only: the no-op check of `itip run` calls `published_damage` before DuckDB or pandas is
imported. A version folder and an export set each carry a manifest (relative path -> size and sha256) written
last, once every other file is in place, so a set without its manifest was never finished. Sizes are compared
before hashes: a truncated or deleted file is found without reading it.

The stable paths are links: data/warehouse/itip.duckdb and data/marts/<table>.parquet lead into `current`,
the workbooks, csv/ and the figure book into `exports` (core/published_layout.py); an export set's manifest
lists its links, relative to the marts folder, so a copied data folder is checked as itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from itip_pipeline.core.hashing import sha256_of
from itip_pipeline.core.published_layout import (
    CURRENT,
    MANIFEST,
    WAREHOUSE_FILE,
    current_exports_dir,
    current_version_dir,
)

LINKS = "links"  # in an export set's manifest: stable path (relative to the marts folder) -> path in the set


def write_manifest(folder: Path, links: dict[str, str] | None = None, skip: tuple[str, ...] = ()) -> dict:
    """Record every regular file under `folder` (except top-level entries named in `skip`) in
    `folder`/manifest.json, written through a temporary file and a rename: the last file of a finished set."""
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if relative.parts[0] in skip or relative.as_posix() == MANIFEST or not path.is_file() or path.is_symlink():
            continue
        files[relative.as_posix()] = {"size": path.stat().st_size, "sha256": sha256_of(path)}
    manifest = {"files": files, LINKS: links or {}}
    staged = folder / f".{MANIFEST}.{os.getpid()}.new"
    staged.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(staged, folder / MANIFEST)
    return manifest


def read_manifest(folder: Path) -> dict | None:
    """The manifest of `folder`, or None when it is missing or not a manifest."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(manifest, dict) and isinstance(manifest.get("files"), dict)):
        return None
    return manifest


def damaged_files(folder: Path) -> list[str]:
    """What in `folder` differs from its manifest, one phrase each (empty when intact)."""
    manifest = read_manifest(folder)
    if manifest is None:
        return [f"{folder} has no readable {MANIFEST} (it was never finished, or it was changed)"]
    problems = []
    for relative, recorded in sorted(manifest["files"].items()):
        path = folder / relative
        try:
            size = path.stat().st_size
        except OSError:
            problems.append(f"{path} is missing")
            continue
        if not isinstance(recorded, dict) or size != recorded.get("size") or sha256_of(path) != recorded.get("sha256"):
            problems.append(f"{path} was changed since it was published")
    return problems


def _leads_to(link: Path, target: Path) -> bool:
    try:
        return os.path.samefile(link, target)
    except OSError:
        return False


def published_damage(marts_dir: Path, warehouse_db: Path) -> list[str]:
    """Everything that is not as published, one phrase each; empty when the current version, its export set
    and every stable path are intact."""
    version = current_version_dir(marts_dir)
    if version is None:
        return [f"{marts_dir / CURRENT} does not lead to a published version"]
    problems = damaged_files(version)
    manifest = read_manifest(version) or {"files": {}}
    if not _leads_to(warehouse_db, version / WAREHOUSE_FILE):
        problems.append(f"{warehouse_db} is not the current version's {WAREHOUSE_FILE}")
    for relative in manifest["files"]:
        if relative.endswith(".parquet") and not _leads_to(marts_dir / relative, version / relative):
            problems.append(f"{marts_dir / relative} does not lead to the current version's file")
    exports = current_exports_dir(marts_dir)
    if exports is None or exports.parent != version:
        return [*problems, f"the workbooks, CSV files and figure book are not those of version {version.name}"]
    problems += damaged_files(exports)
    links = (read_manifest(exports) or {}).get(LINKS) or {}
    for stable, inside in sorted(links.items()):
        if not _leads_to(marts_dir / stable, exports / inside):
            problems.append(f"{os.path.normpath(marts_dir / stable)} does not lead to the current {inside}")
    return problems


def intact(marts_dir: Path, warehouse_db: Path, say=print) -> bool:
    """True when everything published is intact; otherwise the damage is said (`say`) and False: a real run
    then publishes the version again, every file and link with it."""
    problems = published_damage(marts_dir, warehouse_db)
    if problems:
        say(damage_sentence(problems))
    return not problems


def damage_sentence(problems: list[str], shown: int = 5) -> str:
    """The damage as one sentence for the terminal: the first few, and how many more."""
    more = f", and {len(problems) - shown} more" if len(problems) > shown else ""
    return (
        f"The published files are not intact ({'; '.join(problems[:shown])}{more}): running the pipeline to "
        "publish them again."
    )
