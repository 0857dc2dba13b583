"""What a published version was built from, and whether anything has changed since: the no-op run.

The state is one hash per input:
- `landing`: every file of every year folder in the landing folder, by name and sha256 (any file: a change
  to documentation, or a stray file, also counts, which only ever costs a run), links by their target;
- `dbt_project`, `dbt_profiles`: the models, macros, seeds, tests, dbt_project.yml and profiles.yml dbt builds from;
- `code`: the pipeline's own package (itip_pipeline/);
- `dependencies`: the installed distributions and their versions;
- `settings`: every path setting and the pseudonym key's fingerprint (never the key).

The dbt step captures it under the writer lock just before `dbt build`, the candidate carries it, and publish
writes it beside the published version as `build_state.json`. `itip run` compares it at start-up; when
nothing differs and the published files are intact it says so and exits, without importing Dagster, dbt or
pandas (this module's imports are the standard library's only). `itip run --force` rebuilds anyway.

The landing hash is recorded only when the landing folder holds exactly what the working database has
loaded (checked by the dbt step); otherwise it is recorded as unknown, and the next run is a real one.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
from dataclasses import asdict
from pathlib import Path

from itip_pipeline.core.hashing import key_fingerprint, sha256_of
from itip_pipeline.core.settings import REPO_ROOT, Settings
from itip_pipeline.core.survey_years import scan_landing

STATE_FILE = "build_state.json"
UNKNOWN = "unknown"
FIGURE_BOOK_MARKER = "published_version.txt"  # written last by the figure book step: the version it shows
DBT_INPUTS = ("models", "macros", "seeds", "tests", "snapshots", "analyses", "dbt_project.yml", "packages.yml")
CODE_DIR = REPO_ROOT / "itip_pipeline"


def capture(settings: Settings, landing_matches_loaded: bool) -> dict[str, object]:
    """The current inputs; the landing hash only if the caller found it is what has been loaded."""
    return {**inputs(settings), "landing": landing_hashes(settings.landing_dir) if landing_matches_loaded else UNKNOWN}


def inputs(settings: Settings) -> dict[str, str]:
    project = settings.dbt_project_dir
    return {
        "dbt_project": _tree_hash([project / name for name in DBT_INPUTS], project),
        "dbt_profiles": _tree_hash([settings.dbt_profiles_dir / "profiles.yml"], settings.dbt_profiles_dir),
        "code": _tree_hash([CODE_DIR], CODE_DIR),
        "dependencies": _text_hash(
            sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions())
        ),
        "settings": _text_hash(_settings_lines(settings)),
    }


def current_state(settings: Settings) -> dict[str, object]:
    """Every input as it is now, landing folder included: what a recorded state is compared with."""
    return {**inputs(settings), "landing": landing_hashes(settings.landing_dir)}


def landing_hashes(landing_dir: Path) -> dict[str, str]:
    """Year folder name -> hash of its entries, and the skipped entries' names (survey_years.scan_landing).

    No link is followed (`old -> /` would hash the whole machine, and stop at the first unreadable file):
    a link inside a year folder counts by its name and target, as a change to it should, never by content.
    """
    scan = scan_landing(landing_dir)
    hashes = {str(year): _landing_folder_hash(folder) for year, folder in scan.years.items()}
    return {**hashes, "skipped": _text_hash(sorted(scan.skipped))} if scan.skipped else hashes


def _landing_folder_hash(folder: Path) -> str:
    lines = []
    for root, folders, files in os.walk(folder):  # os.walk does not descend into linked folders
        for name in sorted(folders + files):
            path = Path(root, name)
            where = path.relative_to(folder).as_posix()
            if path.is_symlink():
                lines.append(f"{where} -> {os.readlink(path)}")
            elif path.is_file():
                try:
                    lines.append(f"{where}:{sha256_of(path)}")
                except OSError as error:
                    lines.append(f"{where}: unreadable ({error.strerror})")
    return _text_hash(sorted(lines))


def unchanged_since_publish(settings: Settings, current_version_dir: Path | None) -> str | None:
    """A sentence saying the published version is up to date, or None when a run has work to do."""
    if current_version_dir is None or not (current_version_dir / STATE_FILE).is_file():
        return None
    try:
        recorded = json.loads((current_version_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if recorded.get("landing") in (None, UNKNOWN) or not _published_files_intact(settings, current_version_dir):
        return None
    if current_state(settings) != recorded:
        return None
    return (
        f"Nothing changed since the published version {current_version_dir.name}: the landing folder, the dbt "
        "project, the code, the installed packages and the settings are those it was built from, and the "
        f"published files are intact. {settings.warehouse_db} is up to date; `itip run --force` rebuilds anyway."
    )


def changed_inputs(settings: Settings, current_version_dir: Path) -> list[str]:
    """The inputs that differ from the published version's record (for messages and tests)."""
    recorded = json.loads((current_version_dir / STATE_FILE).read_text(encoding="utf-8"))
    now = current_state(settings)
    return sorted(name for name in now.keys() | recorded.keys() if now.get(name) != recorded.get(name))


def _published_files_intact(settings: Settings, version_dir: Path) -> bool:
    """The BI copy is the version's file, the figure book shows this version, the working database exists."""
    warehouse, versioned = settings.warehouse_db, version_dir / settings.warehouse_db.name
    marker = settings.figure_book_dir / FIGURE_BOOK_MARKER
    return (
        warehouse.is_file()
        and versioned.is_file()
        and settings.work_db.is_file()
        and warehouse.stat().st_size == versioned.stat().st_size
        and sha256_of(warehouse) == sha256_of(versioned)
        and marker.is_file()
        and marker.read_text(encoding="utf-8").strip() == version_dir.name
    )


def _settings_lines(settings: Settings) -> list[str]:
    values = asdict(settings)
    values["pseudonym_key"] = key_fingerprint(values["pseudonym_key"])  # never the key itself
    return [f"{name}={value}" for name, value in sorted(values.items())]


def _tree_hash(paths: list[Path], root: Path) -> str:
    """Hash of every regular file under `paths` by its path relative to `root` and its content."""
    lines = []
    for path in paths:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []
        for file in files:
            if "__pycache__" in file.parts:
                continue
            lines.append(f"{file.relative_to(root).as_posix()}:{sha256_of(file)}")
    return _text_hash(lines)


def _text_hash(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
