"""dbt's documentation site as one file that opens from disk: `dbt docs generate --static`.

The plain index.html fetches manifest.json and catalog.json beside it, which a browser refuses for a file://
page ("unable to load the manifest"); static_index.html carries both inside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from itip_pipeline.settings import Settings

STATIC_PAGE = "static_index.html"


def dbt_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "ITIP_WORK_DB": str(settings.work_db), "DO_NOT_TRACK": "1"}


def dbt_command(settings: Settings, *args: str) -> list[str]:
    dbt = str(Path(sys.executable).parent / "dbt")
    return [dbt, *args, "--project-dir", str(settings.dbt_project_dir), "--profiles-dir", str(settings.dbt_profiles_dir)]


def generate_static_docs(settings: Settings, target_dir: Path | None = None, manifest_only: bool = False) -> Path:
    """Write static_index.html (manifest and catalog inside) and return its path.

    manifest_only skips compiling the SQL and reading column types from the working database (dbt's
    --no-compile --empty-catalog): descriptions, lineage and tests are all in the manifest, which is what a
    fresh clone without a built database can show."""
    target = target_dir or settings.dbt_project_dir / "target"
    command = dbt_command(settings, "docs", "generate", "--static", "--target-path", str(target))
    if manifest_only:
        from itip_pipeline.defs.dbt_project import prepare_dbt_manifest

        manifest = prepare_dbt_manifest()  # parsed once, shared with the Dagster code location
        target.mkdir(parents=True, exist_ok=True)
        if manifest.parent.resolve() != target.resolve():
            shutil.copy2(manifest, target / manifest.name)
        command += ["--no-compile", "--empty-catalog"]
    subprocess.run(command, env=dbt_env(settings), check=True)
    return target / STATIC_PAGE
