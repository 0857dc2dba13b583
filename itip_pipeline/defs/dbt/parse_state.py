"""dbt's partial parse kept when only the working database's folder changes.

dbt parses the whole project again (seconds of CPU) when the hash of the profile's connection settings differs
from the one its saved parse state was made under. That hash includes the working database's full path, so
every new data folder (a fresh `itip run`, each test's and benchmark's folder) paid a full parse, although
nothing dbt parses depends on the folder: the project reads no `target.path` (a test asserts that), and what the
nodes do carry, the database's name (the file's stem), stays in the hash, as does every other setting.

`use_folder_free_profile_hash` is called, before dbt runs, in each dbt process the pipeline starts
(dbt_process.py). A `dbt` started by hand hashes as dbt does; the two disagree only in whether a parse can be
partial, never in what it parses.
"""

from __future__ import annotations

import pprint

from itip_pipeline.defs.dbt.wrap_once import wrap_once

FOLDER_KEYS = ("path",)  # the connection settings naming where the database file is, not what it is


def use_folder_free_profile_hash() -> bool:
    """dbt's profile hash made without FOLDER_KEYS, in this process. False (dbt left as it is) when this dbt has
    no such hash where this expects it: then a new folder parses in full, as before."""
    try:
        from dbt.contracts.files import FileHash
        from dbt.parser.manifest import ManifestLoader
    except ImportError:
        return False

    def folder_free(made_by_dbt):
        def build_manifest_state_check(loader):
            state = made_by_dbt(loader)
            settings = sorted(
                (key, value)
                for key, value in loader.root_project.credentials.connection_info()
                if key not in FOLDER_KEYS
            )
            # as dbt makes the hash, from the sorted (key, value) pairs, less the folder
            state.profile_hash = FileHash.from_contents(pprint.pformat(settings))
            return state

        return build_manifest_state_check

    return wrap_once((ManifestLoader,), "build_manifest_state_check", folder_free)
