"""dbt's documentation site as one file that opens from disk: `dbt docs generate --static`.

The plain index.html fetches manifest.json and catalog.json beside it, which a browser refuses for a file://
page ("unable to load the manifest"); static_index.html carries both inside it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from itip_pipeline.core.settings import Settings
from itip_pipeline.defs.dbt.environment import dbt_env
from itip_pipeline.defs.dbt.project import dbt_command, prepare_dbt_manifest

STATIC_PAGE = "static_index.html"


def generate_static_docs(settings: Settings, target_dir: Path | None = None, manifest_only: bool = False) -> Path:
    """Write static_index.html (manifest and catalog inside) and return its path.

    manifest_only skips compiling the SQL and reading column types from the working database (dbt's
    --no-compile --empty-catalog): descriptions, lineage and tests are all in the manifest, which is what a
    fresh clone without a built database can show."""
    target = target_dir or settings.dbt_project_dir / "target"
    command = dbt_command(settings, "docs", "generate", "--static", "--target-path", str(target))
    if manifest_only:
        manifest = prepare_dbt_manifest()  # parsed once, shared with the Dagster code location
        target.mkdir(parents=True, exist_ok=True)
        if manifest.parent.resolve() != target.resolve():
            shutil.copy2(manifest, target / manifest.name)
        command += ["--no-compile", "--empty-catalog"]
    subprocess.run(command, env=dbt_env(settings.work_db), check=True)
    return target / STATIC_PAGE
