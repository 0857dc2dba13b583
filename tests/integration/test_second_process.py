"""The figure book's drawing processes: results in order, no chart drawn in the calling process, and a failure
or crash there named in a sentence, never ending the caller."""

from __future__ import annotations

import os
import time

import pytest

from itip_pipeline.report import two_processes
from itip_pipeline.report.two_processes import DrawingFailed, split_across_two_processes

from support.drawing_crashes import abort_when_drawing, killed_when_drawing


def tagged_with_pid(jobs: list[int], offset: int) -> list[tuple[int, int]]:
    return [(job + offset, os.getpid()) for job in jobs]


def fails_in_child(jobs: list[int], parent: int) -> list[int]:
    if os.getpid() != parent:
        raise ValueError("no fonts in the child")
    return jobs


def test_every_job_is_done_in_two_child_processes_and_the_order_is_kept():
    results = split_across_two_processes(tagged_with_pid, list(range(7)), 100)
    assert [value for value, _ in results] == [100, 101, 102, 103, 104, 105, 106]
    pids = [pid for _, pid in results]
    assert os.getpid() not in pids, "a chart drawn in the calling process can crash it"
    assert len(set(pids[0::2])) == len(set(pids[1::2])) == 1 and set(pids[0::2]) != set(pids[1::2])


@pytest.mark.parametrize("jobs", [[], [5]], ids=["none", "one"])
def test_a_book_of_few_pages_is_drawn_in_a_child_too(jobs):
    results = split_across_two_processes(tagged_with_pid, jobs, 0)
    assert [value for value, _ in results] == jobs and os.getpid() not in [pid for _, pid in results]


def test_a_failure_in_a_drawing_process_is_raised_with_its_message():
    with pytest.raises(DrawingFailed, match="ended with code 1: ValueError: no fonts in the child"):
        split_across_two_processes(fails_in_child, [1, 2, 3], os.getpid())


@pytest.mark.parametrize(
    "draw, how",
    [(abort_when_drawing, r"crashed \(SIGABRT\)"), (killed_when_drawing, r"crashed \(SIGKILL\)")],
    ids=["abort, as V8 out of memory", "killed, as by the OOM killer"],
)
def test_a_crash_of_a_drawing_process_is_a_sentence_and_this_process_goes_on(draw, how):
    with pytest.raises(DrawingFailed, match=f"^the process drawing the figure book's charts {how}"):
        split_across_two_processes(draw, [1, 2, 3])


def test_children_started_ahead_do_the_next_split_and_the_unused_one_is_ended():
    two_processes.start_ahead(("json",))
    ahead = [child.process.pid for child in two_processes._AHEAD]
    assert len(ahead) == 2
    results = split_across_two_processes(tagged_with_pid, [1], 0)
    assert [value for value, _ in results] == [1] and results[0][1] == ahead[0]
    assert two_processes._AHEAD == [], "the split ends the child it did not need"
    with pytest.raises(ProcessLookupError):  # ended and reaped: no process of that id is left
        for _ in range(100):
            os.kill(ahead[1], 0)
            time.sleep(0.05)


def test_a_child_started_ahead_that_died_is_replaced_by_a_new_one():
    two_processes.start_ahead(("json",))
    dead = two_processes._AHEAD[0].process
    dead.kill()
    dead.wait()
    results = split_across_two_processes(tagged_with_pid, [1, 2], 10)
    assert [value for value, _ in results] == [11, 12]
    assert dead.pid not in {pid for _, pid in results} and os.getpid() not in {pid for _, pid in results}


def test_a_child_started_ahead_whose_preparation_fails_is_a_sentence_naming_the_failure():
    # Taken by the split while still preparing, it fails then: said as any failed drawing is.
    two_processes.start_ahead(("support.drawing_crashes:renderer_fails_to_start",))
    with pytest.raises(DrawingFailed, match="ended with code 1: ValueError: the renderer did not start"):
        split_across_two_processes(tagged_with_pid, [1, 2], 0)
    assert two_processes._AHEAD == []


def test_stop_ahead_ends_children_never_used():
    two_processes.start_ahead(("json",))
    started = [child.process for child in two_processes._AHEAD]
    two_processes.stop_ahead()
    assert two_processes._AHEAD == [] and all(process.returncode is not None for process in started)
