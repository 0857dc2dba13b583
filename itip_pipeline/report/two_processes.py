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

A child spends one or two seconds importing the drawing code and starting V8 before it draws anything. So the two
can be started ahead (`start_ahead`, while dbt builds and leaves a core idle): they import then and wait on
their standard input for work, and the next split in this process hands its halves to them. One that has died
meanwhile is replaced by a child started then; those never used end with `stop_ahead`, or when this process
ends (their standard input closes).
"""

from __future__ import annotations

import importlib
import pickle
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import IO

from itip_pipeline.core.process_exit import skip_collection_at_exit

# A child's error output can hold a C stack trace; the sentence quotes the one line that says what happened.
TELLING_LINE = re.compile(r"fatal|error|out of memory|killed", re.IGNORECASE)
QUOTED_CHARACTERS = 300
# What a child started ahead for the figure book imports, and calls, before its work comes: "module" or
# "module:function".
BOOK_PRELOAD = ("itip_pipeline.report.figure_book", "itip_pipeline.report.charts:warm_renderer")


class DrawingFailed(RuntimeError):
    """A drawing process failed or crashed; the message is a sentence saying how."""


@dataclass
class _Child:
    process: subprocess.Popen
    errors: IO[bytes]  # the child's error output: a file, not a pipe, so a child writing much there cannot stall
    feeder: threading.Thread | None = None

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        with suppress(OSError):
            self.process.stdin.close()
        self.process.stdout.close()
        self.process.wait()
        self.errors.close()


_AHEAD: list[_Child] = []  # started by start_ahead, waiting for the next split's work


def start_ahead(preload: tuple[str, ...] = BOOK_PRELOAD) -> None:
    """Two children started now, importing `preload` while nothing waits for them; the next split in this
    process hands its work to them. Best effort: a child that cannot be started is started at the split."""
    stop_ahead()
    with suppress(OSError):
        while len(_AHEAD) < 2:
            _AHEAD.append(_spawn(preload))


def stop_ahead() -> None:
    """The children started ahead and not used, ended."""
    while _AHEAD:
        _AHEAD.pop().end()


def split_across_two_processes(
    draw: Callable[[list], list], jobs: list, *shared, meanwhile: Callable[[], object] | None = None
) -> list:
    """draw(jobs[0::2], *shared) and draw(jobs[1::2], *shared), each in its own child process; the results in
    the order of `jobs`. `draw` must be a module-level function (it is pickled by name). `meanwhile()` runs in
    this process once the work is handed over (so it may not change `shared` under the children), while they
    draw; when it raises, the children are stopped and its error is raised."""
    halves = [half for half in (jobs[0::2], jobs[1::2]) if half]
    children: list[_Child] = []
    try:
        for half in halves:
            children.append(_started_ahead() or _spawn(()))
            _hand(children[-1], pickle.dumps((draw, half, shared), protocol=pickle.HIGHEST_PROTOCOL))
        if meanwhile is not None:
            meanwhile()
        outputs = [_finish(child) for child in children]
    finally:
        stop_ahead()  # the split's own children are all it needs
        for child in children:  # one failed: the other's half is of no use
            child.end()
    results = [None] * len(jobs)
    for index, out in enumerate(outputs):
        results[index::2] = pickle.loads(out)
    return results


def _started_ahead() -> _Child | None:
    """A child started ahead that is still waiting for work, or None."""
    while _AHEAD:
        child = _AHEAD.pop(0)
        if child.process.poll() is None:
            return child
        child.end()
    return None


def _spawn(preload: tuple[str, ...]) -> _Child:
    """A child importing `preload`, then waiting for its work. The import path goes first, so the child finds
    the modules wherever this process finds them."""
    errors = tempfile.TemporaryFile()  # noqa: SIM115 - the child's, closed by _Child.end
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, *preload], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors
        )
    except OSError:
        errors.close()
        raise
    child = _Child(process, errors)
    child.process.stdin.write(pickle.dumps(sys.path))  # a few kilobytes: the empty pipe takes them at once
    child.process.stdin.flush()
    return child


def _hand(child: _Child, work: bytes) -> None:
    # Written by a thread: the child reads while importing, and a full pipe would stall the other child.
    child.feeder = threading.Thread(target=_feed, args=(child.process, work), daemon=True)
    child.feeder.start()


def _finish(child: _Child) -> bytes:
    try:
        out = child.process.stdout.read()
    finally:
        child.feeder.join()
    if child.process.wait() != 0:
        raise DrawingFailed(_failure_sentence(child.process.returncode, child.errors))
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


def _main(preload: list[str]) -> None:
    sys.path[:] = pickle.load(sys.stdin.buffer)
    for name in preload:
        module, _, function = name.partition(":")
        imported = importlib.import_module(module)
        if function:
            getattr(imported, function)()
    try:
        draw, jobs, shared = pickle.load(sys.stdin.buffer)
    except EOFError:  # started ahead and never used: ended by stop_ahead or its parent's end
        return
    result = draw(jobs, *shared)
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    skip_collection_at_exit()  # the parent reads to this process's end


if __name__ == "__main__":
    _main(sys.argv[1:])
