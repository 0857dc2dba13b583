"""The figure book's charts drawn ahead, from the run's candidate, while its checks and publish run.

The book is drawn after publish, from the published marts; the candidate (warehouse/candidates.py) holds those
same marts from the end of the build. The checks and publish keep one core busy, so a child process draws the
book's pages on the other meanwhile, one at a time, into the chart cache (report/chart_cache.py). The book step
then reads those charts back instead of drawing them. A chart is kept by what it draws, so a chart drawn ahead is
the one the book would draw; if the checks refuse the candidate, its charts stay in the cache only until the
next book prunes it.

Two locks beside the cache folder (not in it: a book prunes that folder to its own charts), which the kernel lets
go when their holder dies, so nothing stale is left behind:
- the drawing lock: held by the one drawing ahead at a time, and by a book step while it draws;
- the stop lock: held shared by whoever wants the drawing ahead to stop (a book step, the end of `itip run`).
  The child tries it exclusively, without waiting, before each page, and stops when it cannot have it.
A book step asks for a stop, then waits for the drawing lock at most STOP_WAIT_S (the child stops after the page
it is drawing) and draws anyway once that has passed: a drawing ahead never delays the book by more than that.
The child also stops when the process that started it has ended, and says nothing: whatever goes wrong there
(a renderer crash, a candidate already gone) leaves the book to draw what is missing, as it would without it.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from itip_pipeline.core.file_locks import lock_within

STOP_WAIT_S = 10.0  # a page's charts take a second or two; a child that does not stop by then is drawn beside


def lock_file(chart_cache: Path) -> Path:
    return chart_cache.with_name(f"{chart_cache.name}.drawing-ahead.lock")


def stop_file(chart_cache: Path) -> Path:
    return chart_cache.with_name(f"{chart_cache.name}.drawing-ahead.stop")


# The children this process started, until `stopped` finds them ended and reaps them: a child that ends while
# no one waits for it stays a zombie, and one this process never reaps is left to whoever inherits it.
_STARTED: list[subprocess.Popen] = []


def start(candidate: Path, chart_cache: Path) -> subprocess.Popen | None:
    """A child process drawing the book of `candidate` into `chart_cache`, not waited for. One that cannot be
    started is no drawing ahead (None): the book draws its charts itself."""
    with suppress(OSError):
        child = subprocess.Popen(
            [sys.executable, "-m", __name__, str(candidate), str(chart_cache), str(os.getpid())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _STARTED.append(child)
        return child
    return None


def reap(wait_s: float = 0.0) -> None:
    """The children this process started that have ended, reaped; each still running is waited for at most
    `wait_s` (after `stopped`, it ends once its page is drawn)."""
    for child in list(_STARTED):
        with suppress(subprocess.TimeoutExpired):
            child.wait(timeout=wait_s)
            _STARTED.remove(child)


@contextmanager
def stopped(chart_cache: Path) -> Iterator[None]:
    """No drawing ahead into `chart_cache` while this is held: a running one is asked to stop and waited for, at
    most STOP_WAIT_S. A lock file that cannot be opened (a full disk, a folder not writable) is no reason to
    fail: the block then runs without it."""
    with ExitStack() as held:
        try:
            chart_cache.parent.mkdir(parents=True, exist_ok=True)
            stop = held.enter_context(stop_file(chart_cache).open("a"))
            fcntl.flock(stop, fcntl.LOCK_SH)
            lock = held.enter_context(lock_file(chart_cache).open("a"))
        except OSError:
            lock = None
        if lock is not None:
            lock_within(lock, STOP_WAIT_S)
        reap()
        yield  # the locks, when taken, are let go as their files close


def draw_ahead(candidate: Path, chart_cache: Path, parent: int | None = None) -> int:
    """Every page of `candidate`'s book drawn into `chart_cache`, until asked to stop or `parent` (a process id)
    has ended; the pages drawn. Nothing while another drawing ahead, or a book, holds the drawing lock."""
    chart_cache.parent.mkdir(parents=True, exist_ok=True)
    with lock_file(chart_cache).open("a") as lock, stop_file(chart_cache).open("a") as stop:
        if not lock_within(lock, 0) or _stop_asked(stop, parent):
            return 0
        from itip_pipeline.report.figure_book import family_bodies, page_jobs
        from itip_pipeline.report.published import read_published

        published = read_published(candidate)
        drawn = 0
        for job in page_jobs(published):
            if _stop_asked(stop, parent):
                break
            family_bodies([job], published, chart_cache)
            drawn += 1
        return drawn


def _stop_asked(stop, parent: int | None) -> bool:
    if parent is not None and os.getppid() != parent:  # the run that started it has ended
        return True
    if not lock_within(stop, 0):
        return True
    fcntl.flock(stop, fcntl.LOCK_UN)
    return False


if __name__ == "__main__":
    from itip_pipeline.core.process_exit import skip_collection_at_exit

    with suppress(Exception):  # said nowhere: the book draws what is missing (the module's docstring)
        draw_ahead(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
    skip_collection_at_exit()
