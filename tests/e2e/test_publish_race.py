"""Monotonic publishing with real processes: run A is held after its checks, just before its publish (the
publish step's test hook, ITIP_TEST_HOLD_PUBLISH); run B loads a corrected 2025 delivery and publishes; A is
released and must refuse to publish its older build, leaving B's version current.

One scenario, in a module fixture, on a copy of the session's published folder: each `itip run` is a full
build. `timeline` records which version is current and the figure BI users read after each step.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from itip_pipeline.core.published_intact import published_damage
from itip_pipeline.core.published_layout import current_exports_dir, current_version_dir
from itip_pipeline.defs.publish_assets import HOLD_PUBLISH

from support.data_folders import copy_published
from support.itip_processes import ITIP, itip_env
from support.redeliveries import indicator_share, municipal_ai_adoption_corrected

YEAR = 2025
RUN_TIMEOUT_S = 1500  # a safety net only: a loaded shared machine has taken over 600 s for one run


@dataclass
class Race:
    data_dir: Path
    timeline: list[tuple[str, str, float]]  # step, current version, municipal AI adoption 2025 in the warehouse
    a_code: int
    a_log: str
    b_code: int
    b_log: str
    after_code: int
    after_log: str


def _itip(data_dir: Path, log: Path, *args: str, **env: str) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [ITIP, "run", *args],
            env=itip_env(data_dir, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for(path: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not path.exists():
        assert process.poll() is None, "run A ended before it reached its publish"
        assert time.monotonic() < deadline, "run A never reached its publish"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def race(published_once, tmp_path_factory) -> Race:
    settings, summary, _ = published_once
    assert summary.published, "the session's first run did not publish"
    root = tmp_path_factory.mktemp("race")
    data_dir = copy_published(settings.data_dir, root / "data")
    warehouse = data_dir / "warehouse" / "itip.duckdb"
    timeline = []

    def record(step: str) -> None:
        share = indicator_share(warehouse, "ai_adoption", "kommune", YEAR)
        timeline.append((step, current_version_dir(data_dir / "marts").name, share))

    record("published by the session's run")
    release = root / "release_a"
    a_log, b_log, after_log = root / "a.log", root / "b.log", root / "after.log"
    a = _itip(data_dir, a_log, "--force", **{HOLD_PUBLISH: str(release)})
    try:
        _wait_for(Path(f"{release}.waiting"), a)
        record("A built and checked, held before its publish")
        municipal_ai_adoption_corrected(data_dir, YEAR)
        b = _itip(data_dir, b_log)
        b_code = b.wait(timeout=RUN_TIMEOUT_S)
        record("B loaded the corrected delivery and published")
        release.write_text("go")
        a_code = a.wait(timeout=RUN_TIMEOUT_S)
        record("A released")
    except BaseException:
        if a.poll() is None:
            os.killpg(a.pid, signal.SIGKILL)
            a.wait(timeout=30)
        raise
    after = _itip(data_dir, after_log)
    after_code = after.wait(timeout=RUN_TIMEOUT_S)
    record("a later itip run")
    print(
        "\n".join(
            f"{step}: current {version}, municipal AI adoption {share:.2f} %" for step, version, share in timeline
        )
    )
    return Race(
        data_dir, timeline, a_code, a_log.read_text(), b_code, b_log.read_text(), after_code, after_log.read_text()
    )


def test_an_older_build_is_refused_and_the_newer_version_stays_current(race):
    (_, v0, share0), (_, held, share_held), (_, vb, share_b), (_, after_a, share_after_a), _ = race.timeline
    assert race.b_code == 0, race.b_log[-3000:]
    assert (held, share_held) == (v0, share0), "nothing changed while A was held"
    assert vb != v0 and share_b > share0 + 5, "B published the corrected figure"
    assert (after_a, share_after_a) == (vb, share_b), "A's older build did not replace B's"
    assert race.a_code == 1, race.a_log[-3000:]
    assert "did not publish: its build is older than the current version " + vb in race.a_log, race.a_log[-3000:]
    assert "Traceback" not in race.a_log


def test_after_the_refusal_the_published_files_are_whole_and_the_next_run_has_nothing_to_do(race):
    marts = race.data_dir / "marts"
    assert published_damage(marts, race.data_dir / "warehouse" / "itip.duckdb") == []
    assert current_exports_dir(marts).parent == current_version_dir(marts)
    assert race.after_code == 0 and "Nothing changed" in race.after_log, race.after_log[-3000:]
    assert race.timeline[-1][1:] == race.timeline[-2][1:]
    assert list((race.data_dir / "work" / "candidates").glob("*.duckdb")) == [], "A's refused candidate is gone"
