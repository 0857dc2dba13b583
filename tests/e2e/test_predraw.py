"""Drawing the figure book's charts ahead, from the run's candidate, while its checks and publish run: the book
reads them back and draws nothing again, stops a drawing ahead before it draws, and none starts meanwhile."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from itip_pipeline.report import figure_book, predraw
from itip_pipeline.report.published import read_published

from support.report_fixture import write_published_fixture


def _candidate(tmp_path):
    """The report fixture's marts with two of its families, one chart a page: the tests stay quick."""
    candidate = write_published_fixture(tmp_path / "candidate.duckdb")
    with duckdb.connect(str(candidate)) as con:
        for family in ("mart_ai_adoption", "mart_infosec_statement", "mart_ai_adoption_breakdown"):
            con.execute(f"drop table marts.{family}")
    return candidate


def _kept(cache) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}


def test_charts_drawn_ahead_from_the_candidate_are_read_back_by_the_book(tmp_path):
    candidate = _candidate(tmp_path)
    cache = tmp_path / "work" / "charts"
    published = read_published(candidate)
    assert predraw.draw_ahead(candidate, cache) == len(figure_book.page_jobs(published)) > 0
    kept = _kept(cache)
    assert any(name.endswith(".svg") for name in kept)
    with predraw.stopped(cache):
        figure_book.build_figure_book(published, tmp_path / "book", chart_cache=cache)
    assert _kept(cache) == kept, "every chart read back, none drawn again"


def test_no_drawing_ahead_while_a_book_draws_and_none_after_the_run_that_started_it(tmp_path):
    candidate = _candidate(tmp_path)
    cache = tmp_path / "work" / "charts"
    with predraw.stopped(cache):
        assert predraw.draw_ahead(candidate, cache) == 0, "the book holds the lock"
    assert predraw.draw_ahead(candidate, cache, parent=os.getpid() + 1_000_000) == 0, "its run has ended"
    assert not cache.exists()
    assert predraw.stop_file(cache).exists() and predraw.draw_ahead(candidate, cache) > 0, "no stale stop"


def test_a_book_stops_a_drawing_ahead_that_is_under_way(tmp_path):
    candidate = _candidate(tmp_path)
    cache = tmp_path / "work" / "charts"
    child = predraw.start(candidate, cache)
    deadline = time.monotonic() + 60
    while child.poll() is None and not list(cache.glob("*.svg")) and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    with predraw.stopped(cache):
        assert child.wait(timeout=5) == 0, "it stopped (or had finished) when the book took the lock"
    assert time.monotonic() - started < predraw.STOP_WAIT_S


def test_a_drawing_ahead_that_has_ended_is_reaped_not_left_a_zombie(tmp_path):
    # A child never waited for stays a zombie, and one left at this process's end is left to whoever inherits it.
    candidate = _candidate(tmp_path)
    cache = tmp_path / "work" / "charts"
    child = predraw.start(candidate, cache)
    deadline = time.monotonic() + 60
    while not _ended_unreaped(child.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _ended_unreaped(child.pid), "it drew its pages and ended, and no one has waited for it yet"
    with predraw.stopped(cache):
        pass
    assert child.returncode == 0 and child not in predraw._STARTED
    assert not Path(f"/proc/{child.pid}").exists(), "reaped: no zombie is left"


def _ended_unreaped(pid: int) -> bool:
    """The child has ended and waits to be reaped (asked without reaping it)."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
