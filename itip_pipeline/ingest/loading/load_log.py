"""What the load log (raw.load_log) says is loaded: each year's and survey's files with their content hashes.

Read by the loader, to skip a year already loaded, and by the landing watch, which decides whether anything is
new before a run imports the loader and its readers (pandas, pandera): a run that loads nothing never imports
them.
"""

from __future__ import annotations

import duckdb

LoadedFiles = dict[tuple[int, str], dict[str, str]]  # (year, part) -> file name -> sha256


def loaded_files(con: duckdb.DuckDBPyConnection, key_fingerprint: str | None = None) -> LoadedFiles:
    """The files of the latest successful load of each (year, survey), file name -> sha256, from the load log.

    With `key_fingerprint`, a panel load hashed under another (or an unrecorded) key does not count as loaded.
    """
    key_filter = "true"
    if key_fingerprint is not None:
        # A working database whose load log lacks the column has no fingerprints: every panel load is stale.
        recorded = con.execute(
            "select count(*) from duckdb_columns() where schema_name = 'raw' and "
            "table_name = 'load_log' and column_name = 'key_fingerprint'"
        ).fetchone()[0]
        key_filter = "survey <> 'panel'" + (" or key_fingerprint = $key" if recorded else "")
    rows = con.execute(
        f"""
        with latest as (
            select survey_year, survey, arg_max(load_id, loaded_at) as load_id
            from raw.load_log where status = 'loaded' group by all)
        select survey_year, survey, file_name, sha256
        from raw.load_log join latest using (survey_year, survey, load_id)
        where status = 'loaded' and ({key_filter})
        """,
        {"key": key_fingerprint} if "$key" in key_filter else None,
    ).fetchall()
    files: LoadedFiles = {}
    for year, survey, name, sha in rows:
        files.setdefault((year, survey), {})[name] = sha
    return files
