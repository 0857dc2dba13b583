"""The chart renderer under an address-space limit (`ulimit -v 6G`): vl-convert's V8 cannot reserve its heap
and aborts its process. Drawn in a child, that is a failed drawing with V8's own sentence; this process lives."""

from __future__ import annotations

import resource
import shutil
import subprocess

import pytest

from itip_pipeline.core.published_layout import CURRENT
from itip_pipeline.report.two_processes import DrawingFailed, split_across_two_processes

from support.data_folders import copy_published
from support.drawing_crashes import draw_under_address_limit
from support.itip_processes import ITIP, itip_env

SIX_GIB = 6 << 30


def test_vl_convert_aborting_under_ulimit_v_is_a_failed_drawing_with_a_sentence():
    with pytest.raises(DrawingFailed) as failed:
        split_across_two_processes(draw_under_address_limit, [1, 2, 3], SIX_GIB)
    said = str(failed.value)
    assert said.startswith("the process drawing the figure book's charts crashed (SIG")
    assert "Fatal process out of memory" in said and "vl_convert.abi3.so" not in said, said


def test_the_same_charts_draw_without_the_limit():
    svgs = split_across_two_processes(draw_under_address_limit, [1, 2], None)
    assert len(svgs) == 2 and all(svg.lstrip().startswith("<svg") for svg in svgs)


def test_itip_run_under_ulimit_v_publishes_then_says_the_book_failed_and_is_stale(published_once, tmp_path):
    """The whole `itip run --force`, a real process under `ulimit -v 6G`: the build and publish fit, the chart
    renderer does not. The run ends with exit code 1 and a sentence, the new version stays published, and the
    figure book left from before says on its pages that it is out of date."""
    settings, summary, _ = published_once
    assert summary.published, "the session's first run did not publish"
    data_dir = copy_published(settings.data_dir, tmp_path / "data")
    before = (data_dir / "marts" / CURRENT).resolve().name
    # Charts drawn for the first run are read back, not drawn: without them the renderer must start.
    shutil.rmtree(data_dir / "work" / "charts", ignore_errors=True)

    def limited():
        resource.setrlimit(resource.RLIMIT_AS, (SIX_GIB, SIX_GIB))

    run = subprocess.run(
        [ITIP, "run", "--force"],
        env=itip_env(data_dir),
        preexec_fn=limited,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    out = run.stdout + run.stderr
    published = (data_dir / "marts" / CURRENT).resolve().name
    assert run.returncode == 1, out
    assert "Traceback" not in out and "C stack trace" not in out, out
    assert published != before, "the build and publish ran within the limit"
    assert f"FAILED after publishing version {published}" in out
    assert "the process drawing the figure book's charts crashed" in out and "Fatal process out of memory" in out
    assert f"Version {published} was published" in out and "left as it was" not in out
    index = (data_dir / "reports" / "figures" / "index.html").read_text(encoding="utf-8")
    assert "utdatert" in index and f"versjon {before}" in index and f"Versjon {published}" in index
