"""Drawing functions that crash the process drawing them, as the chart renderer (V8) can: for the tests that
the figure book's drawing is contained in child processes. Module-level, so they can be pickled by name."""

from __future__ import annotations

import os
import resource
import signal


def abort_when_drawing(jobs: list, *shared) -> list:
    """V8's own way out when it cannot reserve memory: abort(), no Python exception to catch."""
    os.abort()


def killed_when_drawing(jobs: list, *shared) -> list:
    """The kernel's out-of-memory killer ends the process with SIGKILL, writing nothing."""
    os.kill(os.getpid(), signal.SIGKILL)


def draw_under_address_limit(jobs: list, limit_bytes: int | None) -> list:
    """Real charts drawn by vl-convert under an address-space limit, as `ulimit -v` sets it (None: no limit)."""
    import altair as alt
    import pandas as pd

    from itip_pipeline.report.charts import to_svg

    if limit_bytes is not None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    chart = alt.Chart(pd.DataFrame({"share": [50.8]})).mark_bar().encode(x="share:Q")
    return [to_svg(chart, "no") for _ in jobs]


def renderer_fails_to_start() -> None:
    """A drawing process's preparation failing a moment after it started (a child started ahead imports and
    starts its renderer before its work comes)."""
    import time

    time.sleep(1)
    raise ValueError("the renderer did not start")
