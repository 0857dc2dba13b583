"""A file lock taken within a bound (itip_pipeline/core/file_locks.py): had at once when free, refused after
the bound while held, and free again when its holder lets go."""

from __future__ import annotations

import fcntl
import time

from itip_pipeline.core.file_locks import lock_within


def test_a_lock_held_elsewhere_is_refused_after_the_bound_and_had_once_let_go(tmp_path):
    path = tmp_path / "x.lock"
    with path.open("a") as holder, path.open("a") as other:
        assert lock_within(holder, 0)
        started = time.monotonic()
        assert not lock_within(other, 0.2, poll_s=0.05)
        assert time.monotonic() - started >= 0.2
        assert not lock_within(other, 0), "tried once"
        fcntl.flock(holder, fcntl.LOCK_UN)
        assert lock_within(other, 0)
