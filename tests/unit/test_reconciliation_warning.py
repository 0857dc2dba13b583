"""The reconciliation warning names every figure out of tolerance, with its values and alternatives."""

from __future__ import annotations

import math

import pandas as pd

from itip_pipeline.quality.reconciliation import suppressed_figures, warning_lines


def _rows(*rows: dict) -> pd.DataFrame:
    base = {
        "item": None,
        "year": "2025",
        "verdict": "within tolerance",
        "warehouse_pct_dont_know_excluded": math.nan,
        "warehouse_pct_with_county_municipalities": math.nan,
        "warehouse_pct_without_county_municipalities": math.nan,
    }
    return pd.DataFrame([{**base, **row} for row in rows])


def test_each_figure_outside_tolerance_is_named_with_its_values():
    frame = _rows(
        {
            "figure_id": "F002",
            "indicator_id": "ai_adoption",
            "population": "kommune",
            "published_pct": 51.0,
            "warehouse_pct": 58.25,
            "diff_pp": 7.25,
            "within_tolerance": False,
        },
        {
            "figure_id": "F001",
            "indicator_id": "ai_adoption",
            "population": "stat",
            "published_pct": 63.0,
            "warehouse_pct": 63.4,
            "diff_pp": 0.4,
            "within_tolerance": True,
        },
        {
            "figure_id": "F003",
            "indicator_id": "ai_adoption",
            "population": "alle",
            "published_pct": 60.0,
            "warehouse_pct": 55.0,
            "diff_pp": -5.0,
            "within_tolerance": None,
        },  # low confidence: not judged
        {
            "figure_id": "F056",
            "indicator_id": "infosec_statement",
            "item": "overview",
            "population": "alle",
            "year": "2021-2025",
            "published_pct": 70.0,
            "warehouse_pct": 66.04,
            "diff_pp": -3.96,
            "within_tolerance": False,
            "warehouse_pct_dont_know_excluded": 69.61,
            "warehouse_pct_with_county_municipalities": 66.04,
            "warehouse_pct_without_county_municipalities": 66.3,
        },
        {
            "figure_id": "F040",
            "indicator_id": "ai_barrier",
            "item": "legal",
            "population": "stat",
            "published_pct": 40.0,
            "warehouse_pct": None,
            "diff_pp": None,
            "within_tolerance": False,
        },
    )
    assert warning_lines(frame) == [
        "F002 ai_adoption kommune 2025: published 51.0 %, warehouse 58.2 %, difference +7.2 pp",
        "F040 ai_barrier/legal stat 2025: published 40.0 %, warehouse none, no warehouse value",
        "F056 infosec_statement/overview alle 2021-2025: published 70.0 %, warehouse 66.0 %, difference -4.0 pp "
        '(alternatives: "vet ikke" left out 69.6 %; with county municipalities 66.0 %; '
        "without county municipalities 66.3 %)",
    ]


def test_nothing_to_say_when_every_judged_figure_agrees():
    frame = _rows(
        {
            "figure_id": "F001",
            "indicator_id": "ai_adoption",
            "population": "stat",
            "published_pct": 63.0,
            "warehouse_pct": 63.4,
            "diff_pp": 0.4,
            "within_tolerance": True,
        }
    )
    assert warning_lines(frame) == []


def test_figures_withheld_by_disclosure_control_are_named_apart():
    frame = _rows(
        {
            "figure_id": "F040",
            "indicator_id": "ai_barrier",
            "item": "leadership_priority",
            "population": "stat",
            "published_pct": 2.0,
            "warehouse_pct": None,
            "diff_pp": None,
            "within_tolerance": None,
            "verdict": "not judged: suppressed by disclosure control",
        },
        {
            "figure_id": "F001",
            "indicator_id": "ai_adoption",
            "population": "stat",
            "published_pct": 63.0,
            "warehouse_pct": 63.4,
            "diff_pp": 0.4,
            "within_tolerance": True,
        },
    )
    assert suppressed_figures(frame) == ["F040"]
    assert warning_lines(frame) == []
