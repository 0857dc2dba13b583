"""charts.localised keeps its last results by the frame's exact contents and hands out copies."""

from __future__ import annotations

import pandas as pd

from itip_pipeline.report import charts

ROWS = pd.DataFrame(
    {
        "indicator_id": ["a", "a"],
        "item": ["Item", "Item"],
        "label_no": ["Punkt", ""],
        "label_en": ["Point", None],
        "population": ["stat", "kommune"],
        "year": [2025, 2025],
        "share_pct": [40.0, 12.5],
        "n_base": [120, 15],
        "is_suppressed": [False, False],
    }
)


def test_a_kept_result_is_the_computed_one_and_a_copy(monkeypatch):
    computed = charts._localised(ROWS, "en")
    first = charts.localised(ROWS, "en")
    pd.testing.assert_frame_equal(first, computed)
    first.loc[:, "label"] = "changed by a caller"
    pd.testing.assert_frame_equal(charts.localised(ROWS.copy(), "en"), computed)


def test_other_contents_or_language_are_computed_anew():
    norwegian = charts.localised(ROWS, "no")
    assert list(norwegian["label"]) != list(charts.localised(ROWS, "en")["label"])
    changed = charts.localised(ROWS.assign(share_pct=[41.0, 12.5]), "en")
    assert changed["value_text"].iloc[0] == "41.0"
