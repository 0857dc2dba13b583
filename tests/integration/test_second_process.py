"""The figure book's second drawing process: results in order, and a failure there named, not swallowed."""

from __future__ import annotations

import os

import pytest

from itip_pipeline.report.two_processes import SecondProcessFailed, split_across_two_processes


def tagged_with_pid(jobs: list[int], offset: int) -> list[tuple[int, int]]:
    return [(job + offset, os.getpid()) for job in jobs]


def fails_in_child(jobs: list[int], parent: int) -> list[int]:
    if os.getpid() != parent:
        raise ValueError("no fonts in the child")
    return jobs


def test_every_other_job_is_done_in_a_second_process_and_the_order_is_kept():
    results = split_across_two_processes(tagged_with_pid, list(range(7)), 100)
    assert [value for value, _ in results] == [100, 101, 102, 103, 104, 105, 106]
    pids = [pid for _, pid in results]
    assert set(pids[0::2]) == {os.getpid()} and os.getpid() not in pids[1::2]


def test_a_failure_in_the_second_process_is_raised_with_its_message():
    with pytest.raises(SecondProcessFailed, match="no fonts in the child"):
        split_across_two_processes(fails_in_child, [1, 2, 3], os.getpid())
