"""Advisory file locks (flock) taken within a bound: how the pipeline's processes take turns on a file.

The kernel lets a lock go when the process holding it ends, however it ends, so no lock outlives its holder.
"""

from __future__ import annotations

import fcntl
import time
from typing import IO


def lock_within(handle: IO, timeout_s: float, poll_s: float = 0.05) -> bool:
    """`handle`'s file locked exclusively, tried every `poll_s` until `timeout_s` has passed (0: tried once);
    whether it was. The caller decides what a lock not had means: an error, or going on without it."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll_s)
