"""Progress lines on the terminal of `itip run`: each step as it starts and ends, with the time.

`itip run` sends dbt's and Dagster's own output to its log file; the steps still say what they do through
this module, which writes to the stream `itip run` handed it (`to_terminal`) and to nothing otherwise, so
the same assets stay silent in the Dagster UI and the daemon. Lines carry counts, years and paths only —
never a delivered value.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TextIO

_terminal: TextIO | None = None


@contextmanager
def to_terminal(stream: TextIO) -> Iterator[None]:
    """Progress lines go to `stream` (the real terminal, taken before any redirection) inside the block."""
    global _terminal
    previous, _terminal = _terminal, stream
    try:
        yield
    finally:
        _terminal = previous


def enabled() -> bool:
    return _terminal is not None


def say(text: str) -> None:
    """One line, stamped with the wall-clock time; a no-op outside `itip run`."""
    if _terminal is None:
        return
    _terminal.write(f"[{datetime.now():%H:%M:%S}] {text}\n")
    _terminal.flush()


class Step:
    """A started step: `done()` (or leaving the `step` block) prints how it ended and how long it took."""

    def __init__(self, name: str):
        self.name = name
        self.started = time.monotonic()
        self.ended = False

    def done(self, outcome: str = "done") -> None:
        self.ended = True
        say(f"{self.name}: {outcome} ({time.monotonic() - self.started:.1f} s)")


@contextmanager
def step(name: str, starting: str = "started") -> Iterator[Step]:
    """`with progress.step("publish") as s:` prints the start, and the end (or "FAILED") with its time."""
    say(f"{name}: {starting}")
    current = Step(name)
    try:
        yield current
    except BaseException:
        if not current.ended:
            current.done("FAILED")
        raise
    if not current.ended:
        current.done()


class NodeCounter:
    """dbt build progress as node counts, a line about every tenth of the nodes (and at the last one)."""

    def __init__(self, total: int, label: str = "dbt"):
        self.total, self.label, self.seen = total, label, 0
        self._every = max(1, round(total / 10))

    def tick(self) -> None:
        self.seen += 1
        self.total = max(self.total, self.seen)
        if self.seen % self._every == 0 or self.seen == self.total:
            self._say()

    def finish(self) -> None:
        """The last count, when the last tick did not print it (nodes skipped after a failure, or fewer reported)."""
        if self._said != self.seen:
            self._say()

    _said = -1

    def _say(self) -> None:
        self._said = self.seen
        say(f"{self.label} {self.seen}/{self.total} nodes")
