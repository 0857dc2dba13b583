"""The warm dbt client's wait for its fork (itip_pipeline/defs/dbt/warm.py): a signal's handler runs while the
client waits, even when the signal came too late to interrupt the wait. Unforwarded, a Ctrl-C would leave dbt
running until it ends."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest

from itip_pipeline.defs.dbt.warm import _lines, _signal_pipe


@pytest.fixture
def wake():
    """The client's signal pipe for one test; the process's wakeup fd as it was afterwards, both ends closed."""
    previous = signal.set_wakeup_fd(-1)
    read_end = _signal_pipe()
    yield read_end
    os.close(signal.set_wakeup_fd(previous))
    os.close(read_end)


def test_a_signal_that_does_not_interrupt_the_wait_still_has_its_handler_run_during_it(wake):
    # A signal taken by another thread runs Python's C-level handler there and leaves the main thread's blocking
    # call as it is: the state a signal leaves when it comes just before the client blocks on the socket.
    client_end, fork_end = socket.socketpair()
    handled = threading.Event()

    def handler(_number, _frame):
        handled.set()
        fork_end.sendall(b"exit 130\n")  # as the fork answers the Ctrl-C the handler passes on

    previous_handler = signal.signal(signal.SIGUSR1, handler)

    def signal_from_another_thread():
        time.sleep(0.5)  # for the main thread to be inside the wait by then
        signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)

    signaller = threading.Thread(target=signal_from_another_thread)
    # Unanswered, the wait ends after 10 s with a line that says the handler did not run in it.
    fallback = threading.Timer(10, lambda: handled.is_set() or fork_end.sendall(b"no handler ran\n"))
    try:
        with client_end, fork_end:
            fork_end.sendall(b"pid 1\n")
            replies = _lines(client_end, wake)
            assert next(replies) == "pid 1\n"
            signaller.start()
            fallback.start()
            assert next(replies) == "exit 130\n"
            fork_end.close()
            assert next(replies, "") == ""
    finally:
        fallback.cancel()
        signaller.join()
        signal.signal(signal.SIGUSR1, previous_handler)


def test_lines_split_as_they_were_sent_whatever_the_chunks(wake):
    client_end, fork_end = socket.socketpair()
    with client_end, fork_end:
        for chunk in (b"pi", b"d 42\nex", b"it 3\n"):
            fork_end.sendall(chunk)
        fork_end.close()
        assert list(_lines(client_end, wake)) == ["pid 42\n", "exit 3\n"]
