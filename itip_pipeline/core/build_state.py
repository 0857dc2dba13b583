"""What a published version was built from, and whether anything has changed since: the no-op run.

The state is one hash per input:
- `landing`: what the load reads of the landing folder: each survey year's folder, by the entries the load's
  "already loaded?" judgement reads (`contract.read_by_load`: the delivery parts by name and sha256, links by
  their target, a temporary name by its name). What the load passes over (a folder that is not a survey
  year's, a stray entry beside the years, a README in a year folder) is not in it, so it alone never causes a
  rebuild; the no-op still names the stray entries as a run does;
- `dbt_project`, `dbt_profiles`: the models, macros, seeds, tests, dbt_project.yml and profiles.yml dbt builds from;
- `code`: the pipeline's own package (itip_pipeline/);
- `dependencies`: the installed distributions and their versions;
- `settings`: every path setting and the pseudonym key's fingerprint (never the key).

The code, the dbt project, the packages and the settings are hashed when the run starts (`mark_run_start`, by
`itip run` and by the code location a Dagster run's process loads): that is what the run's process imported
and what its build reads. The dbt step records those start hashes (captured under the writer lock just before
`dbt build`), the candidate carries them, and publish writes them beside the published version as
`build_state.json`. An input that already differs at the capture is recorded as unknown, and one changed later
still differs from its start hash, so a change made while a run builds (a deploy, a `git pull`) always makes
the next run a real one; `changed_since_start` names it for the run's summary.

`itip run` compares the record at start-up; when nothing differs and the published files are intact it says so
and exits, without importing Dagster, dbt or pandas (this module's imports are the standard library's only).
`itip run --force` rebuilds anyway.

The landing hash is recorded only when the landing folder holds exactly what the working database has
loaded (checked by the dbt step); otherwise it is recorded as unknown, and the next run is a real one.

A state file (this one, the landing sensor's cursor) is read by `read_state_object`: anything that is not
the expected shape (not JSON, not UTF-8, truncated, nested beyond reason, a list or a string) means "rebuild"
and is said in a sentence naming the file, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import sysconfig
from dataclasses import asdict
from pathlib import Path

from itip_pipeline.core.contract import read_by_load
from itip_pipeline.core.hashing import key_fingerprint, sha256_of
from itip_pipeline.core.published_layout import CURRENT
from itip_pipeline.core.settings import REPO_ROOT, Settings
from itip_pipeline.core.survey_years import survey_landing

STATE_FILE = "build_state.json"
UNKNOWN = "unknown"
FIGURE_BOOK_MARKER = "published_version.txt"  # written last by the figure book step: the version it shows
DBT_INPUTS = ("models", "macros", "seeds", "tests", "snapshots", "analyses", "dbt_project.yml", "packages.yml")
CODE_DIR = REPO_ROOT / "itip_pipeline"
# A state file is a few kilobytes; one far larger is not one, and is not read into memory to find out.
MAX_STATE_BYTES = 8 << 20
# A DuckDB database file carries "DUCK" after its header's 8-byte checksum, and is three 4 KiB headers and
# whole blocks of 256 KiB (DuckDB's default block size): a file cut short is neither. A file that fails this
# only costs a real run, which opens it with DuckDB and says what is wrong.
DUCKDB_MAGIC, DUCKDB_MAGIC_START, DUCKDB_MAGIC_END = b"DUCK", 8, 12
DUCKDB_HEADERS, DUCKDB_BLOCK = 3 * 4096, 256 * 1024
# The inputs as they were when this process's run started, keyed by the settings they were hashed under.
_run_start: dict[str, dict[str, str]] = {}


class StateUnreadable(ValueError):
    """A state file that is not what the pipeline wrote; the message is a sentence saying so."""


def mark_run_start(settings: Settings, keep_earlier: bool = False) -> dict[str, str]:
    """Hash the inputs now, as the ones this process's run is built from: `itip run` as it starts, a Dagster run's
    process as it loads the code location (`keep_earlier`: a start already marked in this process stands)."""
    key = _settings_key(settings)
    if not (keep_earlier and key in _run_start):
        _run_start[key] = inputs(settings)
    return _run_start[key]


def started_inputs(settings: Settings) -> dict[str, str] | None:
    """The inputs hashed when this process's run started, or None when no run was marked as started."""
    return _run_start.get(_settings_key(settings))


def changed_since_start(settings: Settings) -> list[str]:
    """The inputs (code, dbt project, …) that differ now from when the run started; [] when none or not marked."""
    started = started_inputs(settings)
    if started is None:
        return []
    now = inputs(settings)
    return sorted(name for name in started if now.get(name) != started[name])


def capture(settings: Settings, landing_matches_loaded: bool) -> dict[str, object]:
    """The inputs the build is made from: those hashed when the run started (now, when no start was marked),
    each recorded as unknown if it has changed since; the landing hash only if the caller found it is what has
    been loaded."""
    now = inputs(settings)
    started = started_inputs(settings) or now
    recorded: dict[str, object] = {
        name: value if now.get(name) == value else UNKNOWN for name, value in started.items()
    }
    return {**recorded, "landing": landing_hashes(settings.landing_dir) if landing_matches_loaded else UNKNOWN}


def inputs(settings: Settings) -> dict[str, str]:
    project = settings.dbt_project_dir
    return {
        "dbt_project": _tree_hash([project / name for name in DBT_INPUTS], project),
        "dbt_profiles": _tree_hash([settings.dbt_profiles_dir / "profiles.yml"], settings.dbt_profiles_dir),
        "code": _tree_hash([CODE_DIR], CODE_DIR),
        "dependencies": _text_hash(_installed_distributions()),
        "settings": _text_hash(_settings_lines(settings)),
    }


def current_state(settings: Settings) -> dict[str, object]:
    """Every input as it is now, landing folder included: what a recorded state is compared with."""
    return {**inputs(settings), "landing": landing_hashes(settings.landing_dir)}


def landing_hashes(landing_dir: Path) -> dict[str, str]:
    """Survey year folder name -> hash of the entries the load reads in it (survey_years.survey_landing,
    contract.read_by_load).

    No link is followed (`old -> /` would hash the whole machine, and stop at the first unreadable file):
    a link in a year folder counts by its name and target, as a change to it should, never by content.
    """
    return {str(year): _landing_folder_hash(folder) for year, folder in survey_landing(landing_dir).years.items()}


def _landing_folder_hash(folder: Path) -> str:
    lines = []
    try:
        listed = sorted(folder.iterdir())
    except OSError as error:
        return _text_hash([f"unreadable ({error.strerror})"])
    for path in listed:
        name = path.name
        if not read_by_load(name):
            continue
        if path.is_symlink():
            lines.append(f"{name} -> {os.readlink(path)}")
        elif path.is_file():
            try:
                lines.append(f"{name}:{sha256_of(path)}")
            except OSError as error:
                lines.append(f"{name}: unreadable ({error.strerror})")
        else:  # a folder or a device under a part's name: never read; the load refuses it by its name
            lines.append(f"{name}: not a regular file")
    return _text_hash(lines)


def unchanged_since_publish(settings: Settings, current_version_dir: Path | None) -> str | None:
    """A sentence saying the published version is up to date, or None when a run has work to do."""
    recorded = recorded_state(current_version_dir)
    if not isinstance(recorded, dict):
        return None
    if recorded.get("landing") in (None, UNKNOWN) or not _published_files_intact(settings, current_version_dir):
        return None
    if UNKNOWN in recorded.values() or current_state(settings) != recorded:
        return None
    return (
        f"Nothing changed since the published version {current_version_dir.name}: the landing folder, the dbt "
        "project, the code, the installed packages and the settings are those it was built from, and the "
        f"published files are intact. {settings.warehouse_db} is up to date; `itip run --force` rebuilds anyway."
    )


def recorded_state(version_dir: Path | None) -> dict[str, object] | str | None:
    """The build state recorded beside a published version; a sentence when its file is there but unreadable
    (the run rebuilds, and says why); None when there is no published version or it recorded none."""
    if version_dir is None:
        return None
    path = version_dir / STATE_FILE
    if not path.is_file():
        return None
    try:
        state = read_state_object(path)
    except StateUnreadable as unreadable:
        return f"{unreadable} The published version's build state cannot be trusted, so this run rebuilds."
    problem = _state_shape_problem(state)
    if problem:
        return (
            f"{path} is not a build state ({problem}); the published version's inputs are unknown, so this run "
            "rebuilds."
        )
    return state


def why_rebuilding(settings: Settings, version_dir: Path | None) -> str | None:
    """A sentence when a state file the no-op check reads is damaged (the run is a real one because of it)."""
    recorded = recorded_state(version_dir)
    if isinstance(recorded, str):
        return recorded
    pointer = settings.marts_dir / CURRENT
    if version_dir is None and (pointer.is_symlink() or pointer.exists()):
        return (
            f"{pointer} does not lead to a published version folder (a link in a loop, to nothing, or not a "
            "link); this run builds and publishes a version, which replaces it."
        )
    marker = settings.figure_book_dir / FIGURE_BOOK_MARKER
    if isinstance(recorded, dict) and marker.is_file() and _marker_version(marker) is None:
        return f"{marker} is not a version name the figure book step wrote; the figure book is redrawn by this run."
    return None


def changed_inputs(settings: Settings, current_version_dir: Path) -> list[str]:
    """The inputs that differ from the published version's record (for messages and tests); every input when
    the record is missing or unreadable."""
    recorded = recorded_state(current_version_dir)
    now = current_state(settings)
    if not isinstance(recorded, dict):
        return sorted(now)
    return sorted(name for name in now.keys() | recorded.keys() if now.get(name) != recorded.get(name))


def read_state_object(path: Path) -> dict:
    """A JSON object from a state file; StateUnreadable, with a sentence naming the file, for anything else."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_STATE_BYTES + 1)
    except OSError as error:
        raise StateUnreadable(f"{path} cannot be read ({error.strerror or error}).") from None
    if len(data) > MAX_STATE_BYTES:
        raise StateUnreadable(f"{path} is larger than a state file can be ({MAX_STATE_BYTES >> 20} MB).")
    return parse_state_object(data, str(path))


def parse_state_object(data: str | bytes, where: str) -> dict:
    """A JSON object from a state file's text; StateUnreadable, with a sentence naming `where`, for anything else
    (not UTF-8, not JSON or truncated, nested too deeply to read, or a list, string, number or null)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as error:
        raise StateUnreadable(f"{where} is not UTF-8 text (byte {error.start}).") from None
    try:
        state = json.loads(text)
    except ValueError as error:
        raise StateUnreadable(f"{where} is not valid JSON (it may be truncated): {error}.") from None
    except RecursionError:
        raise StateUnreadable(f"{where} is nested too deeply to be a state file.") from None
    if not isinstance(state, dict):
        raise StateUnreadable(f"{where} holds a JSON {_json_kind(state)} where an object was expected.")
    return state


def _state_shape_problem(state: dict) -> str | None:
    """What makes a JSON object not a build state, or None: each input's hash a string, the landing's a map
    of folder names to hash strings."""
    for name, value in state.items():
        if name == "landing":
            if value != UNKNOWN and not (isinstance(value, dict) and all(isinstance(h, str) for h in value.values())):
                return "its landing entry is neither a map of year folders to hashes nor unknown"
        elif not isinstance(value, str):
            return f"its entry {name!r} is a JSON {_json_kind(value)}, not a hash"
    return None


def _json_kind(value: object) -> str:
    kinds = {dict: "object", list: "list", str: "string", bool: "true/false", type(None): "null"}
    return kinds.get(type(value), "number")


def _settings_key(settings: Settings) -> str:
    return _text_hash(_settings_lines(settings))


def _looks_like_duckdb(path: Path) -> bool:
    """DuckDB's magic bytes where a database file has them: an emptied or overwritten working database is
    damage the no-op must not hide (the real run then names the file and what to do)."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            magic = handle.read(DUCKDB_MAGIC_END)[DUCKDB_MAGIC_START:]
    except OSError:
        return False
    return magic == DUCKDB_MAGIC and size >= DUCKDB_HEADERS and (size - DUCKDB_HEADERS) % DUCKDB_BLOCK == 0


def _marker_version(marker: Path) -> str | None:
    """The version name the figure book step wrote last, or None when the file is not one (damaged)."""
    try:
        text = marker.read_bytes()[:1024].decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if text and text.isprintable() and "/" not in text else None


def _published_files_intact(settings: Settings, version_dir: Path) -> bool:
    """The BI copy is the version's file, the figure book shows this version, the working database is a DuckDB
    file."""
    warehouse, versioned = settings.warehouse_db, version_dir / settings.warehouse_db.name
    marker = settings.figure_book_dir / FIGURE_BOOK_MARKER
    return (
        warehouse.is_file()
        and versioned.is_file()
        and _looks_like_duckdb(settings.work_db)
        and warehouse.stat().st_size == versioned.stat().st_size
        and sha256_of(warehouse) == sha256_of(versioned)
        and marker.is_file()
        and _marker_version(marker) == version_dir.name
    )


def _installed_distributions() -> list[str]:
    """Every distribution installed in this interpreter's environment, by its metadata folder's name, which
    carries its name and version (`duckdb-1.2.0.dist-info`). Listing the environment's package folders keeps the
    no-op fast, where reading each METADATA file through importlib.metadata costs most of a second; the folders
    are the interpreter's own (sysconfig), not sys.path, which changes with the working folder and the script."""
    folders = {Path(sysconfig.get_paths()[kind]) for kind in ("purelib", "platlib")}
    names = set()
    for folder in folders:
        try:
            names.update(p.name for p in folder.iterdir() if p.name.endswith((".dist-info", ".egg-info")))
        except OSError:  # an environment without one of them
            continue
    return sorted(names)


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
