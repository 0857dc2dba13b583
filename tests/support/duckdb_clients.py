"""Reading a DuckDB file the way BI users do: with an older DuckDB client, and listing every table and comment.

The old client is the `duckdb-cli` package (a dev dependency): DuckDB 1.5.6, as DBeaver and Metabase bundle.
An older Python `duckdb` (OLD_PYTHON_DUCKDB) cannot sit beside the project's in one environment, so
`python_with_duckdb` installs it into a virtual environment of its own with uv (the one `make` bootstraps into
.tools/, else uv on PATH), from the package index the project installs from.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

OLD_CLIENT = Path(sys.executable).parent / "duckdb"  # from the duckdb-cli package, not the Python module
OLD_CLIENT_VERSION = "v1.5.6"
OLD_PYTHON_DUCKDB = "1.1.3"
REPO_ROOT = Path(__file__).resolve().parents[2]


def python_with_duckdb(version: str, folder: Path) -> Path:
    """The interpreter of a new virtual environment in `folder` with duckdb `version` and this pandas."""
    import pandas

    uv = REPO_ROOT / ".tools" / "bin" / "uv"
    uv = str(uv) if uv.is_file() else shutil.which("uv")
    assert uv, "uv is needed to install an older duckdb: run `make install` first"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(folder)], check=True, timeout=300)
    python = folder / "bin" / "python"
    subprocess.run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            f"duckdb=={version}",
            f"pandas=={pandas.__version__}",
        ],
        check=True,
        timeout=600,
    )
    return python


def old_client_reads(database: Path, sql: str) -> list[dict]:
    """Rows of `sql` run by the DuckDB 1.x command-line client, opening `database` read-only."""
    result = subprocess.run(
        [str(OLD_CLIENT), "-readonly", "-json", str(database), "-c", sql], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout or "[]")


def new_client_reads(database: Path, sql: str) -> list[dict]:
    """The same with the duckdb library that wrote the file."""
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def every_table_and_comment(database: Path, read: Callable[[Path, str], list[dict]]) -> dict:
    """Each marts table's comment and row count, and every column comment, as `read` sees them."""
    tables = read(database, "select table_name, comment from duckdb_tables() where schema_name = 'marts' order by 1")
    columns = read(
        database,
        "select table_name, column_name, comment from duckdb_columns() "
        "where schema_name = 'marts' and comment is not null order by 1, 2",
    )
    return {
        "tables": {t["table_name"]: t["comment"] for t in tables},
        "rows": {
            t["table_name"]: read(database, f"select count(*) as n from marts.{t['table_name']}")[0]["n"]
            for t in tables
        },
        "column_comments": {(c["table_name"], c["column_name"]): c["comment"] for c in columns},
    }
