"""The figure book's drawing processes: results in order, no chart drawn in the calling process, and a failure
or crash there named in a sentence, never ending the caller."""

from __future__ import annotations

import os

import pytest

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
