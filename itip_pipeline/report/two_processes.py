"""The figure book's charts drawn in two child processes: both cores used, and a crash there contained.

vl-convert draws one chart at a time per process, whatever the number of threads (it has one JavaScript
runtime), and the book has about a hundred charts: in one process they are drawn one after another. Two
children each draw half. Neither half is drawn in the calling process: vl-convert's JavaScript engine (V8)
aborts the whole process when it cannot reserve its heap (under an address-space limit such as `ulimit -v`),
with no Python exception to catch, and in the caller that would kill the pipeline run after publish. In a
child it is a failed drawing, raised here as `DrawingFailed` with a sentence.

Each child is a plain `python -m itip_pipeline.report.two_processes` with the work pickled on its stdin and the
pages' bodies pickled on its stdout: not multiprocessing, whose spawn start re-runs the caller's main module
(a Dagster code server, a script without a main guard) and whose fork start would copy a Dagster run's threads.
"""

from __future__ import annotations

import pickle
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from contextlib import ExitStack
from typing import IO

from itip_pipeline.core.process_exit import skip_collection_at_exit

# A child's error output can hold a C stack trace; the sentence quotes the one line that says what happened.
TELLING_LINE = re.compile(r"fatal|error|out of memory|killed", re.IGNORECASE)
QUOTED_CHARACTERS = 300


class DrawingFailed(RuntimeError):
    """A drawing process failed or crashed; the message is a sentence saying how."""


def split_across_two_processes(
    draw: Callable[[list], list], jobs: list, *shared, meanwhile: Callable[[], object] | None = None
) -> list:
    """draw(jobs[0::2], *shared) and draw(jobs[1::2], *shared), each in its own child process; the results in
    the order of `jobs`. `draw` must be a module-level function (it is pickled by name). `meanwhile()` runs in
    this process once the work is handed over (so it may not change `shared` under the children), while they
    draw; when it raises, the children are stopped and its error is raised."""
    halves = [half for half in (jobs[0::2], jobs[1::2]) if half]
    with ExitStack() as stack:
        # Error output to a file, not a pipe: a child writing much there cannot stall.
        errors = [stack.enter_context(tempfile.TemporaryFile()) for _ in halves]
        children = [_start(draw, half, shared, out) for half, out in zip(halves, errors, strict=True)]
        try:
            if meanwhile is not None:
                meanwhile()
            outputs = [_finish(child, out) for child, out in zip(children, errors, strict=True)]
        finally:
            for child, _ in children:  # one failed: the other's half is of no use
                if child.poll() is None:
                    child.kill()
                    child.wait()
    results = [None] * len(jobs)
    for index, out in enumerate(outputs):
        results[index::2] = pickle.loads(out)
    return results


def _start(draw: Callable, jobs: list, shared: tuple, errors: IO[bytes]) -> tuple[subprocess.Popen, threading.Thread]:
    child = subprocess.Popen(
        [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors
    )
    # The import path first, so the child finds `draw`'s module wherever this process found it.
    work = pickle.dumps(sys.path) + pickle.dumps((draw, jobs, shared), protocol=pickle.HIGHEST_PROTOCOL)
    # Written by a thread: the child reads while importing, and a full pipe would stall the other child.
    feeder = threading.Thread(target=_feed, args=(child, work), daemon=True)
    feeder.start()
    return child, feeder


def _finish(started: tuple[subprocess.Popen, threading.Thread], errors: IO[bytes]) -> bytes:
    child, feeder = started
    try:
        out = child.stdout.read()
    finally:
        child.stdout.close()
        feeder.join()
    if child.wait() != 0:
        raise DrawingFailed(_failure_sentence(child.returncode, errors))
    return out


def _failure_sentence(returncode: int, errors: IO[bytes]) -> str:
    """How a drawing process ended, in words: killed by a signal (a crash: V8 out of memory aborts) or an
    error exit, with the line of its error output that says what happened."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        how = f"crashed ({name})"
    else:
        how = f"ended with code {returncode}"
    errors.seek(0)
    lines = [line.strip() for line in errors.read().decode(errors="replace").splitlines() if line.strip()]
    telling = [line for line in lines if TELLING_LINE.search(line)]
    quoted = (telling or lines)[-1:] if returncode >= 0 else (telling or lines)[:1]
    # V8 frames its message in '#' lines and ends it with a full stop; the sentence adds its own.
    said = "".join(c if c.isprintable() else " " for c in quoted[0]).strip("# .")[:QUOTED_CHARACTERS] if quoted else ""
    return f"the process drawing the figure book's charts {how}" + (f": {said}" if said else "")


def _feed(child: subprocess.Popen, work: bytes) -> None:
    try:
        child.stdin.write(work)
        child.stdin.close()
    except BrokenPipeError:  # the child died; its exit code is reported
        pass


def _main() -> None:
    sys.path[:] = pickle.load(sys.stdin.buffer)
    draw, jobs, shared = pickle.load(sys.stdin.buffer)
    result = draw(jobs, *shared)
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    skip_collection_at_exit()  # the parent reads to this process's end


if __name__ == "__main__":
    _main()
