"""The chart renderer under an address-space limit (`ulimit -v 6G`): vl-convert's V8 cannot reserve its heap
and aborts its process. Drawn in a child, that is a failed drawing with V8's own sentence; this process lives."""

from __future__ import annotations

import pytest

from itip_pipeline.report.two_processes import DrawingFailed, split_across_two_processes

from support.drawing_crashes import draw_under_address_limit

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
