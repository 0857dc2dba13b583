"""`python -m cProfile -o`, worker threads included: run a Python script under cProfile and write one stats file.

`python -m cProfile` profiles the main thread only, and `itip run` does work in threads of its own (the
Great Expectations import while dbt builds, Dagster's and dagster-dbt's helpers), which the main thread would
show only as its wait for them. (The figure book's second drawing process is a process, not profiled here.)
Here every thread started while the script runs gets a profiler of its own, and each finished thread's
profile is added to the main thread's in the file written. Threads run in parallel, so the summed times may
exceed the wall time; the main thread's wait for them stays in (as `_thread.lock.acquire`).

    python benchmarks/thread_profile.py -o OUT.prof SCRIPT [ARGS ...]    exits with the script's exit code
"""

from __future__ import annotations

import cProfile
import os
import pstats
import runpy
import sys
import threading

_finished: list[cProfile.Profile] = []
_thread_run = threading.Thread.run


def _profiled_run(thread: threading.Thread) -> None:
    profile = cProfile.Profile()
    try:
        profile.runcall(_thread_run, thread)
    finally:
        _finished.append(profile)  # only a finished thread's profile is read


def profile_script(out: str, script: str, args: list[str]) -> int:
    """Run `script` as __main__ with `args`, profiled; write the stats to `out`; the script's exit code."""
    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(os.path.abspath(script))  # as `python SCRIPT` would have it, not benchmarks/
    threading.Thread.run = _profiled_run
    main = cProfile.Profile()
    code: int | str | None = 0
    try:
        main.runcall(runpy.run_path, script, run_name="__main__")
    except SystemExit as done:
        code = done.code
    finally:
        threading.Thread.run = _thread_run
        stats = pstats.Stats(main)
        for profile in list(_finished):
            stats.add(profile)
        stats.dump_stats(out)
    return code if isinstance(code, int) else (0 if code is None else 1)


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] != "-o":
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    sys.exit(profile_script(sys.argv[2], sys.argv[3], sys.argv[4:]))
