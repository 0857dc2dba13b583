"""dbt's target folder kept bounded: each `dbt build` from Dagster writes a folder of its own there.

dagster-dbt gives every invocation a fresh target folder (`<op>-<run id>-<random>/`: manifest, run
results, compiled SQL), megabytes each, and never removes them. The build keeps its own folder and the
KEEP_INVOCATIONS newest others (for reading a recent run's results); older ones are removed. The project's
own files in target/ (manifest.json, partial_parse.msgpack, the docs site) are left alone.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

KEEP_INVOCATIONS = 2
# <op name>-<first 7 characters of the run id>-<7 random characters>, as dagster-dbt names them.
INVOCATION_DIR = re.compile(r"^[A-Za-z0-9_]+-[0-9a-f-]{7}-[0-9a-f-]{7}$")


def invocation_root(project_dir: Path, target_path: Path) -> Path:
    """Where dagster-dbt puts its invocation folders. DbtProject.target_path and an invocation's target_path are
    relative to the project (`target`, `target/itip_dbt-…`), not to the working directory."""
    return Path(project_dir) / target_path


def prune_invocation_dirs(target_dir: Path, keep: Path) -> list[Path]:
    """Remove old invocation folders; the caller holds the writer lock, so no other dbt build is writing one.

    `keep` (this build's folder) is matched by name, so a relative or absolute path both work.
    """
    invocations = (
        sorted(
            (p for p in target_dir.iterdir() if p.is_dir() and INVOCATION_DIR.match(p.name) and p.name != keep.name),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        if target_dir.is_dir()
        else []
    )
    removed = invocations[KEEP_INVOCATIONS:]
    for old in removed:
        shutil.rmtree(old, ignore_errors=True)
    return removed
