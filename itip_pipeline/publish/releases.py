"""Releases and revisions: every publish is a release, recorded with why it was made and which cells it revised.

Written into the published DuckDB file while publish (publish/versions.py) stages a version, so the Parquet
files, CSV exports and BI views are made from tables that already carry it:
- `marts.releases`: the whole release history, one row per release, the newest last, carried from the
  previous version's file and extended by this one;
- `marts.revisions`: the whole revision history, one row per published cell that changed between two
  consecutive releases;
- every other published table gets a `release_id` column (the same value on every row): the release a row
  read from any file, link or export belongs to.

Release id: `<data year>.<sequence>`, the data year being the newest survey year the release holds and the
sequence counting the releases of that data year from 1 (2025.1 the first release with 2025 data, 2025.2 the
next, 2026.1 when 2026 arrives). A sortable id a reader can cite, telling which year's figures it covers.

Reason, one of REASONS, decided by comparing with the previous release (its file and build_state.json):
1. given by the operator: `itip run --reason correction`, which sets ITIP_RELEASE_REASON for that run (a value
   outside REASONS is refused with a sentence);
2. otherwise `new year` when a survey year was added (the first release too);
3. otherwise `re-delivery` when a year's delivery fingerprint changed: the files and sha256 of that year in
   `marts.published_provenance` (or a year was withdrawn);
4. otherwise `method change`: the same deliveries rebuilt after a build input changed, the note naming which
   (code, dbt project, settings, packages);
5. otherwise `republication`: no delivery or build input changed, published again (`itip run --force`, or a
   rebuild the pipeline started itself because a published file was missing or damaged); the revisions
   then show whether any figure moved all the same.
The `note` column says in words what was found, whatever the reason.

A revision is a cell (table, key, numeric column) whose value in this release differs from the previous
release's by more than REVISION_TOLERANCE relative to the old value, or became or stopped being empty; a row
whose `flag` changed is listed too (column_name `flag` when no value of it changed), with `flag_changed`. Cells
of a survey year only one of the two releases holds (a new year's rows) are new figures, not revisions.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from itip_pipeline.core.published_layout import RELEASE_COLUMN, RELEASE_REASON_ENV, RELEASE_REASONS, WAREHOUSE_FILE
from itip_pipeline.warehouse.marts_copy import MARTS_SCHEMA, ident, mart_tables, quote, source_keys

REASONS, REASON_ENV = RELEASE_REASONS, RELEASE_REASON_ENV
RELEASES_TABLE, REVISIONS_TABLE = "releases", "revisions"
RELEASE_COLUMN_COMMENT = "The release these rows were published in (marts.releases)."
TABLE_COMMENTS = {
    RELEASES_TABLE: "Every release published, the newest last.",
    REVISIONS_TABLE: "Every published cell that changed between consecutive releases: old and new value and flag.",
}
PROVENANCE_TABLE = "published_provenance"
FLAG_COLUMN = "flag"
YEAR_COLUMNS = ("year", "survey_year")
# Published shares are shown to one decimal; a relative difference below this is floating-point noise from
# summing in another order, not a revision.
REVISION_TOLERANCE = 1e-9
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
# The inputs of build_state.json, in words, for the note of a method change.
_INPUT_WORDS = {
    "code": "the pipeline's code",
    "dbt_project": "the dbt project",
    "dbt_profiles": "the dbt profiles",
    "dependencies": "the installed packages",
    "settings": "the settings",
}


class ReasonInvalid(ValueError):
    """An operator's release reason outside REASONS; the message is a sentence saying what is accepted."""


@dataclass(frozen=True)
class Release:
    release_id: str
    data_year: int
    sequence: int
    published_at: datetime
    reason: str
    note: str
    version: str
    previous_release_id: str | None
    survey_years: str
    cells_revised: int
    flags_changed: int


def operator_reason(value: str | None = None) -> str | None:
    """The reason the operator gave (`value`, else ITIP_RELEASE_REASON), or None; ReasonInvalid if unknown."""
    value = (value if value is not None else os.environ.get(REASON_ENV, "")).strip().lower()
    if not value:
        return None
    if value not in REASONS:
        raise ReasonInvalid(
            f"{REASON_ENV}={value!r} is not a release reason: give one of {', '.join(REASONS)} (or leave it "
            "unset and the reason is decided from what changed since the previous release)."
        )
    return value


def decide_reason(
    explicit: str | None,
    previous_deliveries: dict[int, set[tuple]] | None,
    deliveries: dict[int, set[tuple]],
    previous_state: dict,
    state: dict,
) -> tuple[str, str]:
    """(reason, note) of a release whose deliveries (year -> {(survey, file, sha256)}) and build inputs are
    `deliveries`/`state`, after a release with `previous_deliveries`/`previous_state` (None: no earlier release)."""
    if previous_deliveries is None:
        note = f"first release: survey years {_years(deliveries)}"
        return explicit or "new year", note
    added = sorted(set(deliveries) - set(previous_deliveries))
    withdrawn = sorted(set(previous_deliveries) - set(deliveries))
    redelivered = sorted(
        y for y in set(deliveries) & set(previous_deliveries) if deliveries[y] != previous_deliveries[y]
    )
    inputs = [words for key, words in _INPUT_WORDS.items() if state.get(key) != previous_state.get(key)]
    found = []
    if added:
        found.append(f"survey year {', '.join(map(str, added))} added")
    if redelivered:
        found.append(f"delivery of {', '.join(map(str, redelivered))} changed")
    if withdrawn:
        found.append(f"survey year {', '.join(map(str, withdrawn))} withdrawn")
    if inputs:
        found.append(f"{', '.join(inputs)} changed")
    note = "; ".join(found) if found else "no delivery or build input changed"
    if explicit:
        return explicit, f"given by the operator; {note}"
    if added:
        return "new year", note
    if redelivered or withdrawn:
        return "re-delivery", note
    return ("method change" if inputs else "republication"), note


def _years(deliveries: dict[int, set[tuple]]) -> str:
    return ", ".join(map(str, sorted(deliveries))) or "none"


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> dict[str, str]:
    return dict(
        con.execute(
            """select column_name, data_type from duckdb_columns()
               where database_name = ? and schema_name = ? and table_name = ? order by column_index""",
            [database, MARTS_SCHEMA, table],
        ).fetchall()
    )


def _deliveries(con: duckdb.DuckDBPyConnection, database: str) -> dict[int, set[tuple]]:
    if PROVENANCE_TABLE not in mart_tables(con, database):
        return {}
    found: dict[int, set[tuple]] = {}
    for year, survey, file_name, sha in con.execute(
        f"select survey_year, survey, file_name, sha256 from {database}.{MARTS_SCHEMA}.{PROVENANCE_TABLE}"
    ).fetchall():
        found.setdefault(int(year), set()).add((survey, file_name, sha))
    return found


def _read_state(version_dir: Path | None, name: str) -> dict:
    try:
        found = json.loads((version_dir / name).read_text(encoding="utf-8")) if version_dir else {}
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _attach_previous(con: duckdb.DuckDBPyConnection, candidates: list[Path]) -> tuple[Path | None, list[dict], str]:
    """The first of `candidates` (version folders, the current one first) whose DuckDB file can be read,
    attached as `previous_release`, with its release history and a sentence naming the versions passed over
    because their file was missing or could not be read (damaged, or locked by another program); (None, [],
    sentence) when none can be. Taking the history from the newest readable version keeps release ids unique
    and the history whole when the current version's file was damaged or the data folder was copied so that
    `current` is no longer a link."""
    unreadable = []
    for folder in candidates:
        database = folder / WAREHOUSE_FILE
        try:
            con.execute(f"attach {quote(str(database))} as previous_release (read_only)")
        except duckdb.Error:
            unreadable.append(folder.name)
            continue
        try:
            history = _history(con)
        except duckdb.Error:
            con.execute("detach previous_release")
            unreadable.append(folder.name)
            continue
        return folder, history, _passed_over(unreadable, folder.name)
    return None, [], _passed_over(unreadable, None)


def _passed_over(unreadable: list[str], used: str | None) -> str:
    if not unreadable:
        return ""
    carried = f"the history is carried from version {used}" if used else "no earlier release could be read"
    return f"the file of version {', '.join(unreadable)} could not be read, so {carried}"


def record(
    con: duckdb.DuckDBPyConnection,
    database: str,
    previous_dirs: list[Path],
    version: str,
    build_state: dict | None,
    state_file: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> Release:
    """Make `database` (attached to con, its marts copied) a release after the newest readable version of
    `previous_dirs` (version folders, the current one first; none for the first release): decide its id and
    reason, write marts.releases and marts.revisions with the history, and stamp every other table with its
    release id. `state_file` names the build inputs file in a version."""
    # Stored as UTC without a zone (the column says UTC): DuckDB would otherwise turn an aware time into the
    # machine's local time, which is not monotonic across a change to or from summer time.
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    explicit = operator_reason(reason)
    previous_dir, history, passed_over = _attach_previous(con, previous_dirs)
    attached = previous_dir is not None
    # One transaction: the many small statements below are written to the file once.
    con.execute("begin")
    try:
        deliveries = _deliveries(con, database)
        previous_deliveries = _deliveries(con, "previous_release") if history else None
        chosen, note = decide_reason(
            explicit, previous_deliveries, deliveries, _read_state(previous_dir, state_file), build_state or {}
        )
        note = "; ".join(part for part in (note, passed_over) if part)
        data_year = max(deliveries, default=0)
        sequence = 1 + sum(1 for row in history if row["data_year"] == data_year)
        previous_id = history[-1]["release_id"] if history else None
        release_id = f"{data_year}.{sequence}"
        _create_revisions(con, database, attached and bool(history))
        if history:
            _add_revisions(con, database, release_id, chosen, previous_id, set(deliveries) & set(previous_deliveries))
        # Counted in the fact tables alone: the family marts and their breakdowns repeat their rows, so a
        # figure counted in every table showing it would be counted two or three times.
        revised, flags = con.execute(
            f"select count(*) filter (where column_name <> {quote(FLAG_COLUMN)}), "
            f"count(distinct (table_name, cell_key)) filter (where flag_changed) "
            f"from {database}.{MARTS_SCHEMA}.{REVISIONS_TABLE} "
            "where release_id = ? and starts_with(table_name, 'fct_')",
            [release_id],
        ).fetchone()
        release = Release(
            release_id, data_year, sequence, now, chosen, note, version, previous_id, _years(deliveries), revised, flags
        )
        _create_releases(con, database, attached and bool(history), release)
        _stamp(con, database, release_id)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        if attached:
            con.execute("detach previous_release")
    return release


def _history(con: duckdb.DuckDBPyConnection) -> list[dict]:
    if RELEASES_TABLE not in mart_tables(con, "previous_release"):
        return []
    cursor = con.execute(
        f"select * from previous_release.{MARTS_SCHEMA}.{RELEASES_TABLE} order by published_at, data_year, sequence"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


RELEASE_COLUMNS = {
    "release_id": ("varchar not null", "The release: newest survey year it holds and its sequence within that year."),
    "data_year": ("integer not null", "The newest survey year the release holds."),
    "sequence": ("integer not null", "Which release of that data year this is, from 1."),
    "published_at": ("timestamp not null", "When the release was published (UTC)."),
    "reason": ("varchar not null", "Why: new year, re-delivery, correction, method change or republication."),
    "note": ("varchar not null", "What changed since the previous release, in words."),
    "version": ("varchar not null", "The version folder (data/marts/versions/<version>) holding the release."),
    "previous_release_id": ("varchar", "The release before this one; empty for the first."),
    "survey_years": ("varchar not null", "The survey years the release holds."),
    "cells_revised": (
        "bigint not null",
        "Published values that changed from the previous release, counted in the fact tables (fct_*), which the "
        "family marts repeat (every revised cell: marts.revisions).",
    ),
    "flags_changed": (
        "bigint not null",
        "Rows of the fact tables (fct_*) whose flag changed from the previous release.",
    ),
}
REVISION_COLUMNS = {
    "release_id": ("varchar not null", "The release that revised the cell."),
    "reason": (
        "varchar not null",
        "That release's reason: new year, re-delivery, correction, method change or republication.",
    ),
    "previous_release_id": ("varchar not null", "The release the old value was published in."),
    "table_name": ("varchar not null", "The published table (marts.<table_name>)."),
    "cell_key": ("varchar not null", "The row's key, column=value joined by '; ' (NULL for an empty key part)."),
    "year": ("integer", "The survey year of the row."),
    "column_name": ("varchar not null", "The column whose value changed; flag when only the row's flag changed."),
    "old_value": ("double", "The value in the previous release; empty when it had none."),
    "new_value": ("double", "The value in this release; empty when it has none (withheld or removed)."),
    "difference": ("double", "new_value - old_value, when both exist."),
    "old_flag": ("varchar", "The row's flag in the previous release (c withheld, u low reliability)."),
    "new_flag": ("varchar", "The row's flag in this release."),
    "flag_changed": ("boolean not null", "Whether the row's flag changed."),
}


def _create(con: duckdb.DuckDBPyConnection, database: str, table: str, columns: dict, key: str, about: str) -> str:
    target = f"{database}.{MARTS_SCHEMA}.{table}"
    definitions = ", ".join(f"{ident(name)} {kind}" for name, (kind, _) in columns.items())
    con.execute(f"create table {target} ({definitions}, primary key ({key}))")
    con.execute(f"comment on table {target} is {quote(about)}")
    for name, (_, text) in columns.items():
        con.execute(f"comment on column {target}.{ident(name)} is {quote(text)}")
    return target


def _carry(con: duckdb.DuckDBPyConnection, target: str, table: str, columns: dict) -> None:
    """The previous release's rows of `table` into `target`, by the columns both have: a column added to the
    history tables since is empty on the rows published before it existed."""
    old = _columns(con, "previous_release", table)
    names = ", ".join(ident(name) for name in columns if name in old)
    con.execute(f"insert into {target} ({names}) select {names} from previous_release.{MARTS_SCHEMA}.{table}")


def _create_revisions(con: duckdb.DuckDBPyConnection, database: str, carry: bool) -> None:
    target = _create(
        con,
        database,
        REVISIONS_TABLE,
        REVISION_COLUMNS,
        "release_id, table_name, cell_key, column_name",
        TABLE_COMMENTS[REVISIONS_TABLE],
    )
    if carry and REVISIONS_TABLE in mart_tables(con, "previous_release"):
        _carry(con, target, REVISIONS_TABLE, REVISION_COLUMNS)


def _create_releases(con: duckdb.DuckDBPyConnection, database: str, carry: bool, release: Release) -> None:
    target = _create(con, database, RELEASES_TABLE, RELEASE_COLUMNS, "release_id", TABLE_COMMENTS[RELEASES_TABLE])
    names = ", ".join(map(ident, RELEASE_COLUMNS))
    if carry:
        _carry(con, target, RELEASES_TABLE, RELEASE_COLUMNS)
    values = [getattr(release, name) for name in RELEASE_COLUMNS]
    con.execute(f"insert into {target} ({names}) values ({', '.join('?' for _ in values)})", values)


def _add_revisions(
    con: duckdb.DuckDBPyConnection, database: str, release_id: str, reason: str, previous_id: str, years: set[int]
) -> None:
    """The cells of every keyed table of both releases that this release revised, into marts.revisions."""
    keys, previous_keys = source_keys(con, database), source_keys(con, "previous_release")
    target = f"{database}.{MARTS_SCHEMA}.{REVISIONS_TABLE}"
    kept_years = ", ".join(map(str, sorted(years))) or "null"
    for table in set(mart_tables(con, database)) & set(mart_tables(con, "previous_release")):
        key = keys.get(table)
        # A revision is of a published figure, and every figure has a survey year in its table's key. A table
        # keyed without a year (a wide pivot, whose first and last year move with every new year; a reference
        # list) repeats or describes figures that are compared in their own table.
        if not key or table in (RELEASES_TABLE, REVISIONS_TABLE) or not any(c in key for c in YEAR_COLUMNS):
            continue
        new_columns, old_columns = _columns(con, database, table), _columns(con, "previous_release", table)
        # A table whose key changed between the releases (a breakdown added to it, a column dropped from
        # it) has rows that pair with none or several of the old ones: its cells are not comparable.
        if previous_keys.get(table) != key:
            continue
        values = [
            c
            for c, kind in new_columns.items()
            if c not in key and kind.split("(")[0] in _NUMERIC and old_columns.get(c, "").split("(")[0] in _NUMERIC
        ]
        has_flag = FLAG_COLUMN in new_columns and FLAG_COLUMN in old_columns
        if not values and not has_flag:
            continue
        year = next(c for c in YEAR_COLUMNS if c in key)
        on = " and ".join(f"o.{ident(c)} is not distinct from n.{ident(c)}" for c in key)
        key_text = " || '; ' || ".join(
            f"{quote(c + '=')} || coalesce(coalesce(n.{ident(c)}, o.{ident(c)})::varchar, 'NULL')" for c in key
        )
        if has_flag:
            flags = f"o.{ident(FLAG_COLUMN)} as old_flag, n.{ident(FLAG_COLUMN)} as new_flag"
        else:
            flags = "null::varchar as old_flag, null::varchar as new_flag"
        cells = [
            f"{{'column_name': {quote(c)}, 'old_value': o.{ident(c)}::double, 'new_value': n.{ident(c)}::double}}"
            for c in values
        ]
        cells.append(f"{{'column_name': {quote(FLAG_COLUMN)}, 'old_value': null::double, 'new_value': null::double}}")
        one_sided = f"coalesce(n.{ident(year)}, o.{ident(year)}) in ({kept_years})"
        year_value = f"coalesce(n.{ident(year)}, o.{ident(year)})::integer"
        flag = quote(FLAG_COLUMN)
        con.execute(
            f"""
            insert into {target}
            with joined as (
                select {key_text} as cell_key, {year_value} as year, {flags}, [{", ".join(cells)}] as cells
                from (select *, true as _present from previous_release.{MARTS_SCHEMA}.{ident(table)}) o
                full join (select *, true as _present from {database}.{MARTS_SCHEMA}.{ident(table)}) n on {on}
                where (o._present and n._present) or {one_sided}
            ),
            cells as (
                select cell_key, year, old_flag, new_flag, old_flag is distinct from new_flag as flag_changed,
                       unnest(cells, recursive := true)
                from joined
            ),
            changed as (
                select *, coalesce(
                    (old_value is null) <> (new_value is null)
                    or abs(new_value - old_value) > {REVISION_TOLERANCE} * greatest(1, abs(old_value)),
                    false) and column_name <> {flag} as value_changed
                from cells
            ),
            marked as (select *, bool_or(value_changed) over (partition by cell_key) as any_value from changed)
            select ?, ?, ?, {quote(table)}, cell_key, year, column_name, old_value, new_value, new_value - old_value,
                   old_flag, new_flag, flag_changed
            from marked
            where value_changed or (column_name = {flag} and flag_changed and not any_value)
            """,
            [release_id, reason, previous_id],
        )


def cell_key(pairs: list[tuple[str, object]]) -> str:
    """The `cell_key` of marts.revisions for a row whose key columns hold these (column, value) pairs: the
    same text _add_revisions writes in SQL (`column=value` joined by '; ', NULL for an empty part), so that a
    reader can find a published row's revisions by its key."""

    def text(value: object) -> str:
        try:
            missing = value is None or bool(value != value)  # NULL, or NaN as pandas reads an empty key part
        except TypeError:  # pandas' NA, which has no truth value
            missing = True
        if missing:
            return "NULL"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))  # a year read into a float column beside an empty one
        return str(value)

    return "; ".join(f"{column}={text(value)}" for column, value in pairs)


def _stamp(con: duckdb.DuckDBPyConnection, database: str, release_id: str) -> None:
    """Every published table but the two above gets the release id on each row, as its last column."""
    for table in mart_tables(con, database):
        if table in (RELEASES_TABLE, REVISIONS_TABLE):
            continue
        target = f"{database}.{MARTS_SCHEMA}.{ident(table)}"
        con.execute(f"alter table {target} add column {RELEASE_COLUMN} varchar default {quote(release_id)}")
        con.execute(f"comment on column {target}.{RELEASE_COLUMN} is {quote(RELEASE_COLUMN_COMMENT)}")


def cited_versions(version_dir: Path | None) -> set[str] | None:
    """The version folders of the releases the published tables of `version_dir` cite: the releases that
    revised a cell or whose values were revised (marts.revisions). Empty when the file has no such tables;
    None when the file cannot be read (locked or damaged), so that the caller keeps every version."""
    database = version_dir / WAREHOUSE_FILE if version_dir else None
    if database is None or not database.is_file():
        return set()
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            tables = {
                r[0]
                for r in con.execute(
                    "select table_name from duckdb_tables() where schema_name = ?", [MARTS_SCHEMA]
                ).fetchall()
            }
            if not {RELEASES_TABLE, REVISIONS_TABLE} <= tables:
                return set()
            rows = con.execute(
                f"""select distinct r.version from {MARTS_SCHEMA}.{RELEASES_TABLE} r
                    join {MARTS_SCHEMA}.{REVISIONS_TABLE} v
                      on r.release_id in (v.release_id, v.previous_release_id)"""
            ).fetchall()
    except duckdb.Error:
        return None
    return {version for (version,) in rows}
