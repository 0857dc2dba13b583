"""A `dbt build` writes no manifest.json: of a build's artifacts the pipeline reads only run_results.json.

dbt serialises its whole manifest (megabytes of JSON) into the build's target folder twice, once after loading the
project and once after the last node, on the one core dbt's own Python keeps busy, the second time while nothing
else of the build is left to run. The pipeline's manifest is the one `dbt parse` writes to target/manifest.json
(project.py, prepare_dbt_manifest): Dagster's assets are defined from it, the candidate build takes each mart's key
and descriptions from it, and the check results page takes each test's node from it (report/check_results.py);
each build starts from that parse, so its nodes are the same. run_results.json (each node's outcome) is still
written, and every other command (`dbt parse`, `dbt docs generate`) writes its manifest as dbt does.

`skip_build_manifest` is called, before dbt runs, in each dbt process the pipeline starts (dbt_process.py). A dbt
that does not write its manifest where this expects is left as it is.
"""

from __future__ import annotations

from itip_pipeline.defs.dbt.wrap_once import wrap_once

WITHOUT_MANIFEST = ("build",)  # the dbt commands (dbt's flag WHICH) that write no manifest.json


def skip_build_manifest() -> bool:
    """Installed in this process's dbt; False when this dbt is not shaped as expected (dbt left as it is)."""
    try:
        from dbt.flags import get_flags
        from dbt.parser import manifest as parser
        from dbt.task import runnable
    except ImportError:
        return False

    def skipping_builds(written):
        def write_manifest(manifest, target_path, *args, **kwargs):
            if getattr(get_flags(), "WHICH", None) in WITHOUT_MANIFEST:
                return None
            return written(manifest, target_path, *args, **kwargs)

        return write_manifest

    # the parser's function, which the build also calls for its second write
    return wrap_once((parser, runnable), "write_manifest", skipping_builds)
