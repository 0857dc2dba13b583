"""How a process of the pipeline ends once its work is done: without Python's garbage collection at exit."""

from __future__ import annotations

import gc


def skip_collection_at_exit() -> None:
    """Python's exit runs a full garbage collection each time it clears a batch of modules, over every object
    still alive: after a run that imported Dagster, dbt and pandas, over half a million of them, seconds on the
    run's clock after its last line. Frozen, they are left out of those collections and their memory goes back
    with the process; objects made after this call are collected as usual, and exit handlers still run.
    Call it only when the process's work is done."""
    gc.freeze()
