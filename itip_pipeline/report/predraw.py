"""The figure book's charts drawn ahead, from the run's candidate, while its checks and publish run.

The book is drawn after publish, from the published marts; the candidate (warehouse/candidates.py) holds those
same marts from the end of the build. The checks and publish keep one core busy, so a child process draws the
book's pages on the other meanwhile, one at a time, into the chart cache (report/chart_cache.py). The book step
then reads those charts back instead of drawing them. A chart is kept by what it draws, so a chart drawn ahead is
the one the book would draw; if the checks refuse the candidate, its charts are only read by a later book that
draws the same, and the next book prunes the rest.

One drawing ahead at a time, under a lock beside the cache folder (not in it: a book prunes that folder to its
own charts). The book step asks a drawing ahead to stop (a stop file, read between pages), waits at most
STOP_WAIT_S for the lock, and holds it while it draws: it never waits for charts it could draw as fast itself,
and no drawing ahead runs during it. The child says nothing: whatever goes wrong there (a renderer crash, a
candidate already gone) leaves the book to draw what is missing, as it would have without it.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

STOP_WAIT_S = 10.0  # at most one page's drawing; a child that does not stop by then is left to finish alone
POLL_S = 0.05


def lock_file(chart_cache: Path) -> Path:
    return chart_cache.with_name(f"{chart_cache.name}.drawing-ahead.lock")


def stop_file(chart_cache: Path) -> Path:
    return chart_cache.with_name(f"{chart_cache.name}.drawing-ahead.stop")


def start(candidate: Path, chart_cache: Path) -> subprocess.Popen:
    """A child process drawing the book of `candidate` into `chart_cache`; not waited for."""
    return subprocess.Popen(
        [sys.executable, "-m", __name__, str(candidate), str(chart_cache)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def stopped(chart_cache: Path) -> Iterator[None]:
    """No drawing ahead into `chart_cache` while this is held: a running one is asked to stop and waited for, at
    most STOP_WAIT_S."""
    chart_cache.parent.mkdir(parents=True, exist_ok=True)
    stop = stop_file(chart_cache)
    stop.touch()
    try:
        with lock_file(chart_cache).open("a") as lock:
            deadline = time.monotonic() + STOP_WAIT_S
            while not _locked(lock) and time.monotonic() < deadline:
                time.sleep(POLL_S)
            yield  # the lock, when taken, is let go as the file closes
    finally:
        stop.unlink(missing_ok=True)


def draw_ahead(candidate: Path, chart_cache: Path) -> int:
    """Every page of `candidate`'s book drawn into `chart_cache`, until told to stop; the pages drawn. Nothing
    when another drawing ahead, or a book, holds the lock."""
    from itip_pipeline.report.figure_book import family_bodies, page_jobs
    from itip_pipeline.report.published import read_published

    chart_cache.parent.mkdir(parents=True, exist_ok=True)
    stop = stop_file(chart_cache)
    with lock_file(chart_cache).open("a") as lock:
        if not _locked(lock) or stop.exists():
            return 0
        published = read_published(candidate)
        drawn = 0
        for job in page_jobs(published):
            if stop.exists():
                break
            family_bodies([job], published, chart_cache)
            drawn += 1
        return drawn


def _locked(lock) -> bool:
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


if __name__ == "__main__":
    from itip_pipeline.core.process_exit import skip_collection_at_exit

    with suppress(Exception):  # said nowhere: the book draws what is missing (the module's docstring)
        draw_ahead(Path(sys.argv[1]), Path(sys.argv[2]))
    skip_collection_at_exit()
