"""Family pages drawn in a second Python process, so the figure book uses both cores.

vl-convert draws one chart at a time per process, whatever the number of threads (it has one JavaScript
runtime), and the book has about a hundred charts: in one process they are drawn one after another. The
second process is a plain `python -m itip_pipeline.report.two_processes` with the work pickled on its stdin and the
pages' bodies pickled on its stdout: not multiprocessing, whose spawn start re-runs the caller's main module
(a Dagster code server, a script without a main guard) and whose fork start would copy a Dagster run's threads.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable


class SecondProcessFailed(RuntimeError):
    pass


def split_across_two_processes(draw: Callable[[list], list], jobs: list, *shared) -> list:
    """draw(jobs[1::2], *shared) in a child process while draw(jobs[0::2], *shared) runs here; the results in
    the order of `jobs`. `draw` must be a module-level function (it is pickled by name)."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a child writing much there cannot stall
        child = subprocess.Popen(
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors
        )
        # The import path first, so the child finds `draw`'s module wherever this process found it.
        work = pickle.dumps(sys.path) + pickle.dumps((draw, jobs[1::2], shared), protocol=pickle.HIGHEST_PROTOCOL)
        # Written by a thread: the child reads while importing, and a full pipe would stall this side's half.
        feeder = threading.Thread(target=_feed, args=(child, work), daemon=True)
        feeder.start()
        try:
            here = draw(jobs[0::2], *shared)
        except BaseException:
            child.kill()
            raise
        out = child.stdout.read()
        child.stdout.close()
        feeder.join()
        if child.wait() != 0:
            errors.seek(0)
            last = errors.read().decode(errors="replace").strip().splitlines()[-1:]
            raise SecondProcessFailed(
                f"the second drawing process ended with code {child.returncode}" + (f": {last[0]}" if last else "")
            )
    there = pickle.loads(out)
    results = [None] * len(jobs)
    results[0::2], results[1::2] = here, there
    return results


def _feed(child: subprocess.Popen, work: bytes) -> None:
    try:
        child.stdin.write(work)
        child.stdin.close()
    except BrokenPipeError:  # the child died; communicate() reports its exit code
        pass


def _main() -> None:
    sys.path[:] = pickle.load(sys.stdin.buffer)
    draw, jobs, shared = pickle.load(sys.stdin.buffer)
    result = draw(jobs, *shared)
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _main()
