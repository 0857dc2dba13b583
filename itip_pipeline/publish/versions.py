"""Publishing the checked marts for BI: one versioned folder (DuckDB file + Parquet set) made current in one step.

Layout under the marts folder (data/marts/):
  versions/<version>/itip.duckdb, <table>.parquet   one published build; never changed once in place
  current -> versions/<version>                    the pointer BI tools resolve; replaced atomically by rename
  <table>.parquet -> current/<table>.parquet       stable Parquet paths, following the pointer
and the warehouse file (data/warehouse/itip.duckdb, the README's BI path): a copy of the current version's
DuckDB file, also replaced atomically by rename.

A version is written in a hidden staging folder, with a staged copy of the warehouse file beside the real
one; only then is the folder renamed into place, the pointer swapped and the warehouse file replaced. A
reader that resolves `current` once sees one consistent version (the DuckDB file and the Parquet set of the
same build); a reader holding an old file keeps its inode. A failure
at any point leaves what readers see as it was; what a killed publish left (staging folders, `*.new` files
and their `.wal`) is removed by the next publish. The last KEEP_VERSIONS versions are kept.

The DuckDB file is written in storage format STORAGE_VERSION, which DuckDB 1.x clients (the CLI, DBeaver's
and Metabase's drivers) open; the newest format of the duckdb library we write with is refused by them. Its
tables keep the candidate's NOT NULL constraints and keys, sorted by key (itip_pipeline.warehouse.marts_copy),
with one-line comments and a view per table in the default schema (itip_pipeline.publish.bi_file).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from itip_pipeline.core.build_state import STATE_FILE
from itip_pipeline.core.published_layout import CURRENT, VERSIONS_DIR
from itip_pipeline.publish.bi_file import add_default_schema_views, one_line
from itip_pipeline.publish.parquet_export import write_described_parquet
from itip_pipeline.warehouse.marts_copy import MARTS_SCHEMA, copy_marts, quote

PUBLISHED_SCHEMA = MARTS_SCHEMA
# DuckDB's storage format of release 1.0.0 (storage version 64): every DuckDB client from 1.0 on opens it.
STORAGE_VERSION = "v1.0.0"
WAREHOUSE_FILE = "itip.duckdb"
KEEP_VERSIONS = 3
STAGED_SUFFIX = ".new"


class PublishFailed(RuntimeError):
    """A publish that could not write; the message says which path and what to do."""


@dataclass(frozen=True)
class PublishResult:
    warehouse: Path
    tables: dict[str, int]  # table -> row count
    parquet_files: list[Path]  # the stable paths, data/marts/<table>.parquet
    version: str
    version_dir: Path


def version_name(label: str) -> str:
    """Sortable by publish time; the label (a run id) says which build it is."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{label[:8]}"


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


def _write_version(source_db: Path, staging: Path) -> dict[str, int]:
    """The DuckDB file (old-client storage format) and one Parquet file per table with its descriptions."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {quote(str(source_db))} as source (read_only)")
        con.execute(
            f"attach {quote(str(staging / WAREHOUSE_FILE))} as published (storage_version {quote(STORAGE_VERSION)})"
        )
        counts = copy_marts(con, "source", "published", comment=one_line)
        add_default_schema_views(con, "published")
        for table in counts:
            write_described_parquet(con, "published", table, staging / f"{table}.parquet")
        con.execute("checkpoint published")
        con.execute("detach published")
    finally:
        con.close()
    return counts


def _point(link: Path, target: str) -> None:
    """Make `link` a symlink to `target` in one rename, so nobody ever sees it missing or half-made."""
    tmp = _staged(link)
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, link)


def _update_stable_parquet_links(marts_dir: Path, tables: list[str]) -> list[Path]:
    paths = []
    for table in tables:
        path = marts_dir / f"{table}.parquet"
        target = f"{CURRENT}/{table}.parquet"
        if not (path.is_symlink() and os.readlink(path) == target):
            _point(path, target)  # also replaces a regular file from the unversioned layout
        paths.append(path)
    for path in marts_dir.glob("*.parquet"):  # a table this version does not publish: its link would dangle
        if path.is_symlink() and path not in paths:
            path.unlink()
    return paths


def _prune_versions(versions: Path, current: Path) -> None:
    kept = sorted((p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)
    for old in kept[KEEP_VERSIONS:]:
        if old.resolve() != current.resolve():  # readers holding its files keep their inodes
            shutil.rmtree(old, ignore_errors=True)


def publish(
    source_db: Path, warehouse_db: Path, marts_dir: Path, label: str = "manual", build_state: dict | None = None
) -> PublishResult:
    """Publish the marts of `source_db` (a run's checked candidate) as a new current version, with what it was
    built from (`build_state`, see itip_pipeline.core.build_state) recorded in the version folder.

    Callers hold the writer lock (work_db.writer_lock), so no other publish is staging or pruning now.
    """
    try:
        return _publish(source_db, warehouse_db, marts_dir, label, build_state)
    except (OSError, duckdb.IOException, duckdb.PermissionException) as error:
        raise PublishFailed(_cannot_write(error, warehouse_db, marts_dir)) from None


def _publish(
    source_db: Path, warehouse_db: Path, marts_dir: Path, label: str, build_state: dict | None
) -> PublishResult:
    versions = marts_dir / VERSIONS_DIR
    for folder in (warehouse_db.parent, versions):
        folder.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(warehouse_db, marts_dir)
    version = version_name(label)
    staging = versions / f".{version}{STAGED_SUFFIX}"
    final = versions / version
    staged_warehouse = _staged(warehouse_db)
    try:
        staging.mkdir()
        counts = _write_version(source_db, staging)
        if build_state:
            (staging / STATE_FILE).write_text(json.dumps(build_state, indent=1, sort_keys=True), encoding="utf-8")
        # Staged before anything is swapped, so an unwritable warehouse folder changes nothing readers see.
        shutil.copyfile(staging / WAREHOUSE_FILE, staged_warehouse)
        staging.rename(final)
        if (marts_dir / CURRENT).is_dir() and not (marts_dir / CURRENT).is_symlink():
            shutil.rmtree(marts_dir / CURRENT)  # the data folder was copied following links: a folder, not a pointer
        _point(marts_dir / CURRENT, f"{VERSIONS_DIR}/{version}")
        parquet = _update_stable_parquet_links(marts_dir, list(counts))
        os.replace(staged_warehouse, warehouse_db)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        staged_warehouse.unlink(missing_ok=True)
    _prune_versions(versions, final)
    return PublishResult(warehouse_db, counts, parquet, version, final)


def _cannot_write(error: Exception, warehouse_db: Path, marts_dir: Path) -> str:
    path = getattr(error, "filename", None) or f"{warehouse_db.parent} or {marts_dir}"
    reason = getattr(error, "strerror", None) or str(error).splitlines()[0]
    return (
        f"Could not publish: {path} cannot be written ({reason}). Make {warehouse_db.parent} and {marts_dir} "
        "writable folders for this user (or set ITIP_WAREHOUSE_DB / ITIP_MARTS_DIR to ones that are) and run "
        "again; what BI tools read was left as it was."
    )
