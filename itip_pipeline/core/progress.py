"""Progress lines on the terminal of `itip run`: each step as it starts and ends, with the time.

`itip run` sends dbt's and Dagster's own output to its log file; the steps still say what they do through
this module, which writes to the stream `itip run` handed it (`to_terminal`) and to nothing otherwise, so
the same assets stay silent in the Dagster UI and the daemon. Lines carry counts, years and paths only —
never a delivered value — and go through core/escaping.for_terminal, so a file or folder name cannot move the
cursor, retitle the window or ring the bell.

The terminal never goes quiet for long: while a step runs and nothing was said for QUIET_LIMIT_S seconds,
the innermost step says it is still running, for how long, and what it is at (its `detail`, e.g. the dbt
node count), so a long step is never mistaken for a hung one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TextIO

from itip_pipeline.core.escaping import for_terminal

QUIET_LIMIT_S = 6.0  # below 10 s with room for a busy machine's late thread switches

_terminal: TextIO | None = None
_lock = threading.Lock()
_last_said = 0.0  # time.monotonic() of the last line
_active: list[Step] = []  # the steps running now, innermost last


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
    global _last_said
    if _terminal is None:
        return
    with _lock:
        _terminal.write(f"[{datetime.now():%H:%M:%S}] {for_terminal(text)}\n")
        _terminal.flush()
        _last_said = time.monotonic()


class Step:
    """A started step: `done()` (or leaving the `step` block) prints how it ended and how long it took."""

    def __init__(self, name: str):
        self.name = name
        self.started = time.monotonic()
        self.ended = False
        self.detail: Callable[[], str] | None = None  # what the step is at, for the still-running line

    def still_running(self) -> None:
        at = f"; {self.detail()}" if self.detail else ""
        say(f"{self.name}: still running ({time.monotonic() - self.started:.0f} s{at})")

    def done(self, outcome: str = "done") -> None:
        self.ended = True
        say(f"{self.name}: {outcome} ({time.monotonic() - self.started:.1f} s)")


@contextmanager
def step(name: str, starting: str = "started") -> Iterator[Step]:
    """`with progress.step("publish") as s:` prints the start, and the end (or "FAILED") with its time."""
    say(f"{name}: {starting}")
    current = Step(name)
    try:
        with _watched(current):
            yield current
    except BaseException:
        if not current.ended:
            current.done("FAILED")
        raise
    if not current.ended:
        current.done()


@contextmanager
def watch(name: str) -> Iterator[Step]:
    """A stretch of work made of steps and the gaps between them: no line of its own at start or end, only the
    still-running line when the terminal has been quiet between its steps."""
    current = Step(name)
    with _watched(current):
        yield current


@contextmanager
def _watched(current: Step) -> Iterator[None]:
    """`current` is the innermost step inside the block, with a heartbeat while a terminal is handed over."""
    _active.append(current)
    beating = _heartbeat(current) if enabled() else None
    try:
        yield
    finally:
        _active.remove(current)
        if beating:
            beating.set()


def _heartbeat(current: Step) -> threading.Event:
    """A thread that makes `current` say it is still running when it is the innermost step and the terminal
    has been quiet for QUIET_LIMIT_S; set the returned event to stop it."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(0.5):
            quiet = time.monotonic() - _last_said
            if quiet >= QUIET_LIMIT_S and _active and _active[-1] is current and not current.ended:
                current.still_running()

    threading.Thread(target=beat, name=f"progress: {current.name}", daemon=True).start()
    return stop


class NodeCounter:
    """dbt build progress as node counts, a line about every tenth of the nodes (and at the last one).

    A node is counted once, however many events it yields (a test on two tables reports on each)."""

    def __init__(self, total: int, label: str = "dbt"):
        self.total, self.label, self.seen = total, label, 0
        self.last = ""  # the node that finished last
        self._every = max(1, round(total / 10))
        self._counted: set[str] = set()

    def tick(self, node: str | None = None) -> None:
        """One node finished; `node` (dbt's unique_id) makes a second event of the same node count for nothing."""
        if node is not None:
            if node in self._counted:
                return
            self._counted.add(node)
            self.last = node
        self.seen += 1
        self.total = max(self.total, self.seen)
        if self.seen % self._every == 0 or self.seen == self.total:
            self._say()

    def finish(self) -> None:
        """The last count, when the last tick did not print it (nodes skipped after a failure, or fewer reported)."""
        if self._said != self.seen:
            self._say()

    _said = -1

    def at(self) -> str:
        """Where the build is, for a step's still-running line."""
        # dbt's unique_id is <type>.<project>.<name>[.<hash>]: the name says which model or test it was.
        parts = self.last.split(".")
        last = f", last finished {parts[2] if len(parts) > 2 else self.last}" if self.last else ""
        return f"{self.label} {self.seen}/{self.total} nodes{last}"

    def _say(self) -> None:
        self._said = self.seen
        say(f"{self.label} {self.seen}/{self.total} nodes")
