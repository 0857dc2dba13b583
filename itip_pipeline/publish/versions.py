"""Publishing the checked marts for BI: one versioned folder (DuckDB file + Parquet set) made current in one step,
and the exports made from it (workbooks, CSV files, figure book) made visible in one step too.

Layout (core/published_layout.py names each part):
  data/marts/versions/<version>/   one published build; never changed once in place
  data/marts/current               -> versions/<version>, the pointer BI tools resolve; replaced by one rename
  data/marts/<table>.parquet       -> current/<table>.parquet
  data/warehouse/itip.duckdb       -> the marts folder's current/itip.duckdb: derived from `current`, so the two
                                   BI paths cannot disagree whatever moment a publish is killed at
  data/marts/exports               -> versions/<version>/exports-<stamp>, swapped once a whole set is written
  data/marts/itip_indicators*.xlsx, data/marts/csv, data/reports/figures
                                   -> exports/…: the paths users know, following the exports pointer

A version is written in a hidden staging folder, its manifest last (core/published_intact.py), then renamed
into place and the pointer swapped. A reader that resolves `current` once sees one consistent version; a
reader holding an old file keeps its inode. A failure at any point leaves what readers see as it was; what a
killed publish left (staging folders, `*.new` files and their `.wal`) is removed by the next publish.

Monotonic: each version records where in the load log its build stood (ORDER_FILE); a candidate built from an
older load log, or earlier from the same one, than the current version is refused with a sentence and the
newer version stays current. Callers hold the writer lock, so no other publish swaps between check and swap.

Releases: each version is a release (itip_pipeline.publish.releases): its id and reason, the release history
(marts.releases), the revised cells (marts.revisions) and a release_id column on every table are written into
the DuckDB file while it is staged, so the Parquet files and exports carry them.

Retention: every version (release) is kept, unless ITIP_KEEP_RELEASES=N asks for fewer: then a version beyond
the N newest is removed once it has been superseded for RETENTION, unless it is current, holds the exports
pointer (the figure book and workbooks shown), or is a release the current marts.revisions cites. A reader
holding a superseded version longer than RETENTION may then find files gone that it had not yet opened
(files it has open stay readable: their inodes live until closed).

The DuckDB file is written in storage format STORAGE_VERSION, which DuckDB 1.x clients (the CLI, DBeaver's
and Metabase's drivers) open; the newest format of the duckdb library we write with is refused by them. Its
tables keep the candidate's NOT NULL constraints and keys, sorted by key (itip_pipeline.warehouse.marts_copy),
with one-line comments and a view per table in the default schema (itip_pipeline.publish.bi_file).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from itip_pipeline.core.build_state import STATE_FILE
from itip_pipeline.core.published_intact import write_manifest
from itip_pipeline.core.published_layout import (
    CURRENT,
    EXPORTS,
    ORDER_FILE,
    VERSIONS_DIR,
    WAREHOUSE_FILE,
    current_exports_dir,
    current_version_dir,
)
from itip_pipeline.publish import releases
from itip_pipeline.publish.bi_file import add_default_schema_views, one_line
from itip_pipeline.publish.parquet_export import write_described_parquet
from itip_pipeline.warehouse.marts_copy import MARTS_SCHEMA, copy_marts, quote

PUBLISHED_SCHEMA = MARTS_SCHEMA
# DuckDB's storage format of release 1.0.0 (storage version 64): every DuckDB client from 1.0 on opens it.
STORAGE_VERSION = "v1.0.0"
# How many releases to keep (the newest N, beyond those cited): unset, empty or "all" keeps every release.
KEEP_RELEASES_ENV = "ITIP_KEEP_RELEASES"
# With ITIP_KEEP_RELEASES set, how long a superseded version stays readable anyway: a BI session or a script
# that resolved `current` has a week to finish with it, stated in the README.
RETENTION = timedelta(days=7)
STAGED_SUFFIX = ".new"
_STAMP = "%Y%m%dT%H%M%S%fZ"


class PublishFailed(RuntimeError):
    """A publish that could not write; the message says which path and what to do."""


class PublishRefused(PublishFailed):
    """A candidate older than the current version: publishing it would put older numbers over newer ones."""


@dataclass(frozen=True)
class PublishResult:
    warehouse: Path
    tables: dict[str, int]  # table -> row count
    parquet_files: list[Path]  # the stable paths, data/marts/<table>.parquet
    version: str
    version_dir: Path


def version_name(label: str) -> str:
    """Sortable by publish time; the label (a run id) says which build it is."""
    return f"{datetime.now(UTC):{_STAMP}}-{label[:8]}"


def _published_at(name: str) -> datetime | None:
    try:
        return datetime.strptime(name.split("-", 1)[0], _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def _staged(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}{STAGED_SUFFIX}")


def _remove_leftovers(warehouse_db: Path, marts_dir: Path) -> None:
    """What a killed publish left (its `finally` never ran): staged files, their DuckDB WAL, staging folders."""
    patterns = [
        (warehouse_db.parent, f".{warehouse_db.name}.*{STAGED_SUFFIX}"),
        (warehouse_db.parent, f".{warehouse_db.name}.*{STAGED_SUFFIX}.wal"),
        (marts_dir, f".*{STAGED_SUFFIX}"),
        (marts_dir, f".*{STAGED_SUFFIX}.wal"),
        (marts_dir / VERSIONS_DIR, f".*{STAGED_SUFFIX}"),
    ]
    for folder, pattern in patterns:
        for stale in folder.glob(pattern):
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)


def _write_version(source_db: Path, staging: Path, release: dict) -> dict[str, int]:
    """The DuckDB file (old-client storage format), recorded as a release (`release`: the arguments of
    releases.record), and one Parquet file per table with its descriptions."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {quote(str(source_db))} as source (read_only)")
        con.execute(
            f"attach {quote(str(staging / WAREHOUSE_FILE))} as published (storage_version {quote(STORAGE_VERSION)})"
        )
        counts = copy_marts(con, "source", "published", comment=one_line)
        releases.record(con, "published", **release)
        for table in (releases.RELEASES_TABLE, releases.REVISIONS_TABLE):
            counts[table] = con.execute(f"select count(*) from published.{MARTS_SCHEMA}.{table}").fetchone()[0]
        add_default_schema_views(con, "published")
        for table in counts:
            write_described_parquet(con, "published", table, staging / f"{table}.parquet")
        con.execute("checkpoint published")
        con.execute("detach published")
    finally:
        con.close()
    return counts


def _point(link: Path, target: str) -> None:
    """Make `link` a symlink to `target` in one rename, so nobody ever sees it missing or half-made. A real
    folder there (the layout before links) is moved aside first and removed after."""
    if link.is_symlink() and os.readlink(link) == target:
        return
    link.parent.mkdir(parents=True, exist_ok=True)
    aside = None
    if link.is_dir() and not link.is_symlink():
        aside = link.with_name(f".{link.name}.{os.getpid()}.old")
        shutil.rmtree(aside, ignore_errors=True)
        link.rename(aside)
    tmp = _staged(link)
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, link)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def _point_into(link: Path, target: Path) -> None:
    """`link` -> `target` by a relative path, so a data folder copied with its links stays whole."""
    _point(link, os.path.relpath(target, link.parent))


def _update_stable_parquet_links(marts_dir: Path, tables: list[str]) -> list[Path]:
    paths = []
    for table in tables:
        path = marts_dir / f"{table}.parquet"
        _point(path, f"{CURRENT}/{table}.parquet")  # also replaces a regular file from the unversioned layout
        paths.append(path)
    for path in marts_dir.glob("*.parquet"):  # a table this version does not publish: its link would dangle
        if path.is_symlink() and path not in paths:
            path.unlink()
    return paths


def keep_releases() -> int | None:
    """ITIP_KEEP_RELEASES as a number of releases, or None (keep all); PublishFailed with a sentence if invalid."""
    value = os.environ.get(KEEP_RELEASES_ENV, "").strip().lower()
    if value in ("", "all"):
        return None
    # ASCII digits only: str.isdigit() also accepts '²' and other digits int() refuses.
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise PublishFailed(
            f"{KEEP_RELEASES_ENV}={value!r} is not a number of releases to keep: give a whole number from 1 "
            "up, or leave it unset (or 'all') to keep every release."
        )
    return int(value)


def _prune_versions(marts_dir: Path, now: datetime | None = None, keep_newest: int | None = None) -> list[str]:
    """Remove the versions superseded more than RETENTION ago, beyond the `keep_newest` newest, that nothing
    published cites (see the module's docstring); the names removed. None keeps every version.

    A version was superseded when the next one was published: its name's time stamp."""
    if keep_newest is None:
        return []
    now = now or datetime.now(UTC)
    current, exports = current_version_dir(marts_dir), current_exports_dir(marts_dir)
    keep = {current.name if current else None, exports.parent.name if exports else None}
    cited = releases.cited_versions(current)
    if cited is None:  # what the published tables cite is unknown: remove nothing rather than a cited release
        return []
    keep |= cited
    dated = sorted(
        (p for p in (marts_dir / VERSIONS_DIR).iterdir() if p.is_dir() and _published_at(p.name)),
        key=lambda p: p.name,
    )
    removed = []
    for old, successor in zip(dated[:-keep_newest], dated[1:], strict=False):
        if old.name not in keep and now - _published_at(successor.name) > RETENTION:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old.name)
    return removed


def publish(
    source_db: Path,
    warehouse_db: Path,
    marts_dir: Path,
    label: str = "manual",
    build_state: dict | None = None,
    order: dict | None = None,
    reason: str | None = None,
) -> PublishResult:
    """Publish the marts of `source_db` (a run's checked candidate) as a new current version, with what it was
    built from (`build_state`, see itip_pipeline.core.build_state) and where in the load log its build stood
    (`order`, see warehouse.candidates.build_order) recorded in the version folder. PublishRefused when the
    current version was built later (see `refusal`). `reason` is the release's reason when the operator gives
    one (else ITIP_RELEASE_REASON, else decided: itip_pipeline.publish.releases).

    Callers hold the writer lock (work_db.writer_lock), so no other publish is staging or pruning now.
    """
    try:
        return _publish(source_db, warehouse_db, marts_dir, label, build_state, order, reason)
    except releases.ReasonInvalid as invalid:
        raise PublishFailed(f"Could not publish: {invalid}") from None
    except (OSError, duckdb.IOException, duckdb.PermissionException) as error:
        raise PublishFailed(_cannot_write(error, warehouse_db, marts_dir)) from None


def _previous_versions(marts_dir: Path) -> list[Path]:
    """The versions a new release may follow, in the order to try them: the current one, then every finished
    version folder, newest first (their names sort by publish time)."""
    current = current_version_dir(marts_dir)
    folders = sorted(
        (p for p in (marts_dir / VERSIONS_DIR).iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
        reverse=True,
    )
    return [*([current] if current else []), *(p for p in folders if p != current)]


def _order_key(order: dict) -> tuple[str, int, str]:
    """Newer loads first decide; from the same load log, the later build."""
    return (str(order.get("last_loaded_at") or ""), int(order.get("loads") or 0), str(order.get("built_at") or ""))


def refusal(order: dict | None, marts_dir: Path, label: str) -> str | None:
    """Why a candidate built as `order` must not replace the current version, or None when it may."""
    current = current_version_dir(marts_dir)
    if not order or current is None:
        return None
    try:
        published = json.loads((current / ORDER_FILE).read_text(encoding="utf-8"))
        newer = _order_key(order) < _order_key(published)
    except (OSError, ValueError, TypeError, AttributeError):
        return None  # a version without a readable record (the layout before it) is replaced
    if not newer:
        return None
    return (
        f"Run {label} did not publish: its build is older than the current version {current.name}. It was built "
        f"at {order.get('built_at')} UTC from {_loads(order)}; {current.name} was built at "
        f"{published.get('built_at')} UTC from {_loads(published)}. The newer version stays current and nothing "
        "readers see was changed."
    )


def _loads(order: dict) -> str:
    count = order.get("loads")
    return f"{count} load{'' if count == 1 else 's'} (the last at {order.get('last_loaded_at')} UTC)"


def _publish(
    source_db: Path,
    warehouse_db: Path,
    marts_dir: Path,
    label: str,
    build_state: dict | None,
    order: dict | None,
    reason: str | None,
) -> PublishResult:
    versions = marts_dir / VERSIONS_DIR
    for folder in (warehouse_db.parent, versions):
        folder.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(warehouse_db, marts_dir)
    keep_newest = keep_releases()
    refused = refusal(order, marts_dir, label)
    if refused:
        raise PublishRefused(refused)
    version = version_name(label)
    staging = versions / f".{version}{STAGED_SUFFIX}"
    final = versions / version
    try:
        staging.mkdir()
        release = {
            "previous_dirs": _previous_versions(marts_dir),
            "version": version,
            "build_state": build_state,
            "state_file": STATE_FILE,
            "reason": reason,
        }
        counts = _write_version(source_db, staging, release)
        if build_state:
            (staging / STATE_FILE).write_text(json.dumps(build_state, indent=1, sort_keys=True), encoding="utf-8")
        record = {**(order or {}), "run": label}
        (staging / ORDER_FILE).write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
        write_manifest(staging)  # last: a version without it was never finished
        staging.rename(final)
        # Before the swap, so that a copy from the layout before the link becomes a link to the version it
        # was a copy of, in one rename (a reader holding the copy keeps its inode).
        _point_into(warehouse_db, marts_dir / CURRENT / WAREHOUSE_FILE)
        if (marts_dir / CURRENT).is_dir() and not (marts_dir / CURRENT).is_symlink():
            shutil.rmtree(marts_dir / CURRENT)  # the data folder was copied following links: a folder, not a pointer
        _point(marts_dir / CURRENT, f"{VERSIONS_DIR}/{version}")  # the one swap both BI paths follow
        parquet = _update_stable_parquet_links(marts_dir, list(counts))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _prune_versions(marts_dir, keep_newest=keep_newest)
    return PublishResult(warehouse_db, counts, parquet, version, final)


@contextmanager
def staged_exports(marts_dir: Path, version_dir: Path) -> Iterator[Path]:
    """A hidden folder inside `version_dir` to write an export set into; removed if the block fails, so a
    failure or a kill while writing leaves the exports readers see as they were. Callers hold the figure book's
    writer lock, so the staged sets found here were left by a killed run: removed first."""
    for stale in (marts_dir / VERSIONS_DIR).glob(f"*/.{EXPORTS}-*{STAGED_SUFFIX}"):
        shutil.rmtree(stale, ignore_errors=True)
    staging = version_dir / f".{EXPORTS}-{datetime.now(UTC):{_STAMP}}.{os.getpid()}{STAGED_SUFFIX}"
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def commit_exports(marts_dir: Path, version_dir: Path, staging: Path, links: dict[Path, str]) -> Path:
    """Make the export set written in `staging` the one readers see: its manifest written last, renamed into
    the version, the exports pointer swapped in one rename, and each stable path in `links` (stable path ->
    path inside the set) made a link through the pointer. The set's folder is returned.

    A set for a version older than the one the pointer is in already stays unseen (another run's exports of a
    newer version were committed meanwhile)."""
    name = staging.name.removeprefix(".").split(".")[0]
    relative_links = {os.path.relpath(stable, marts_dir): inside for stable, inside in links.items()}
    write_manifest(staging, links=relative_links)
    final = version_dir / name
    staging.rename(final)
    shown = current_exports_dir(marts_dir)
    if shown is not None and shown.parent.name > version_dir.name:
        return final
    _point(marts_dir / EXPORTS, os.path.relpath(final, marts_dir))
    for stable, inside in links.items():
        _point_into(stable, marts_dir / EXPORTS / inside)
    for older in version_dir.glob(f"{EXPORTS}-*"):  # this version's earlier sets: no longer pointed at
        if older != final and older.is_dir():
            shutil.rmtree(older, ignore_errors=True)
    return final


def _cannot_write(error: Exception, warehouse_db: Path, marts_dir: Path) -> str:
    reason = getattr(error, "strerror", None) or str(error).splitlines()[0]
    if isinstance(error, duckdb.Error) and "lock" in reason.lower():
        # Another program holds a DuckDB file open for writing: the folders are writable, the file is busy.
        held = re.search(r'file "([^"]+)"', reason)
        return (
            f"Could not publish: {held.group(1) if held else 'a DuckDB file'} is held open for writing by another "
            f"program (DuckDB: {reason}). Close that program, or its connection, and run again; what BI tools "
            "read was left as it was."
        )
    path = getattr(error, "filename", None) or f"{warehouse_db.parent} or {marts_dir}"
    return (
        f"Could not publish: {path} cannot be written ({reason}). Make {warehouse_db.parent} and {marts_dir} "
        "writable folders for this user (or set ITIP_WAREHOUSE_DB / ITIP_MARTS_DIR to ones that are) and run "
        "again; what BI tools read was left as it was."
    )
