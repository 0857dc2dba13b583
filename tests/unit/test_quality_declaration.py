"""The quality declaration of a family on small fabricated marts: each figure counted from the tables it comes
from, each method text the marts' own and no other family's, and the declaration said in both languages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from itip_pipeline.report.figure_book import _about_body
from itip_pipeline.report.published import Family, PublishedWarehouse
from itip_pipeline.report.quality_declaration import declarable, declarations, declare, in_words

THRESHOLDS = {
    "min_base_n": 10,
    "group_disclosure_below_n": 50,
    "low_reliability_n_effective": 30,
    "max_interval_width_pp": 30,
    "false_discovery_rate": 0.05,
    "unrelated_var": "x",
}


def _row(population, year, **marks) -> dict:
    weighted = population == "innbyggere"
    row = {
        "year": year,
        "population": population,
        "population_label_no": {"kommune": "Kommuner", "innbyggere": "Innbyggere"}[population],
        "population_label_en": {"kommune": "Municipalities", "innbyggere": "Citizens"}[population],
        "indicator_id": "ai_adoption",
        "item": None,
        "label_no": "Har tatt i bruk KI",
        "label_en": "Has adopted AI",
        "measure": "top3_extent",
        "share_pct": 40.0,
        "n_base": 200,
        "n_effective": 150.5 if weighted else 200.0,
        "suppressed": False,
        "suppression_reason": None,
        "low_reliability": False,
        "reliability_reason": None,
        "series_break": False,
        "flag": None,
        "change_test_family": f"fct_indicator:{year}:{population}" if year > 2023 else None,
        "change_test_family_size": 6 if year > 2023 else None,
        "release_id": "2025.2",
    }
    return row | marks


def _warehouse() -> tuple[PublishedWarehouse, Family]:
    frame = pd.DataFrame(
        [
            _row("kommune", 2023),
            _row("kommune", 2024, share_pct=None, suppressed=True, suppression_reason="n_base", flag="c", n_base=7),
            _row("kommune", 2025, series_break=True, flag="b"),
            _row("innbyggere", 2024, low_reliability=True, reliability_reason="n_effective", flag="u"),
            _row(
                "innbyggere",
                2025,
                share_pct=None,
                suppressed=True,
                suppression_reason="complementary",
                flag="c",
            ),
        ]
    )
    rates = pd.DataFrame(
        {
            "population": ["kommune", "kommune", "kommune", "kommune", "fylkeskommune"],
            "year": [2023, 2024, 2025, 2025, 2025],
            "breakdown": [None, None, None, "county_2024", None],
            "category": [None, None, None, "Agder", None],
            "frame_units": [356, 357, 357, 25, 14],
            "responding_units": [231, 237, 238, 20, 11],
            "response_rate_pct": [231 / 356 * 100, 237 / 357 * 100, 238 / 357 * 100, 80.0, 11 / 14 * 100],
            "frame_source": ["kommuner 2020-2023", "kommuner fra 2024", "kommuner fra 2024", "Agder", "fylker"],
        }
    )
    populations = pd.DataFrame(
        {
            "population": ["kommune", "innbyggere"],
            "survey": ["org", "panel"],
            "label_no": ["Kommuner", "Innbyggere"],
            "label_en": ["Municipalities", "Citizens"],
            "estimand": ["Share of the municipalities that answered.", "Share of the adult population, weighted."],
        }
    )
    method = pd.DataFrame(
        {
            "indicator_id": ["ai_adoption", "ai_adoption", "other"],
            "item": [None, None, None],
            "population": ["kommune", "innbyggere", "kommune"],
            "universe": ["Every organisation is asked.", "Adults in the panel.", "OTHER UNIVERSE"],
            "base_rule": ["Success: codes 3-5.", "Success: codes 3-5.", "OTHER RULE"],
            "weighting": ["Unweighted.", "Weighted by the panel weight.", "Unweighted."],
            "variance_method": ["Wilson 95 % with FPC.", "Wilson 95 % on Kish n.", "OTHER VARIANCE"],
            "comparability_note": ["2024→2025 NOT comparable: new wording.", None, "OTHER NOTE"],
            "calibrated_method": [None, None, None],
        }
    )
    releases = pd.DataFrame(
        {
            "release_id": ["2025.1", "2025.2"],
            "published_at": pd.to_datetime(["2026-06-01 06:00", "2026-06-20 06:00"]),
            "reason": ["new year", "re-delivery"],
        }
    )
    revisions = pd.DataFrame(
        {
            "release_id": ["2025.2"] * 5,
            "table_name": ["mart_ai_adoption"] * 4 + ["mart_other"],
            "cell_key": ["k1", "k1", "k2", "k3", "k9"],
            "column_name": ["share_pct", "ci_low_pct", "share_pct", "flag", "share_pct"],
            "flag_changed": [True, True, False, True, True],
        }
    )
    provenance = pd.DataFrame(
        {"survey": ["codebook", "org", "panel"], "is_synthetic": [False, True, True], "survey_year": [2025] * 3}
    )
    tables = {
        "mart_ai_adoption": frame,
        "fct_response_rate": rates,
        "dim_population": populations,
        "dim_indicator_method": method,
        "releases": releases,
        "revisions": revisions,
        "published_provenance": provenance,
    }
    comments = {"mart_ai_adoption": {"ci_low_pct": "Lower bound of the 95 % Wilson interval."}}
    family = Family("ai_adoption", "mart_ai_adoption", "Bruk av KI", "Adoption of AI", "", frame)
    return PublishedWarehouse(Path("itip.duckdb"), tables, {}, comments, [family]), family


@pytest.fixture(scope="module")
def declared():
    published, family = _warehouse()
    return declare(published, family, THRESHOLDS)


def test_a_census_has_its_response_rates_and_the_panel_is_a_weighted_sample(declared):
    by = {p["population"]: p for p in declared["populations"]}
    assert by["kommune"]["design"] == "census"
    assert by["innbyggere"]["design"] == "sample"
    # Only the population's own whole-population rows of the family's years: no county, no other population.
    assert [(r["year"], r["frame_units"], r["responding_units"]) for r in by["kommune"]["response"]] == [
        (2023, 356, 231),
        (2024, 357, 237),
        (2025, 357, 238),
    ]
    assert by["kommune"]["response"][-1]["response_rate_pct"] == pytest.approx(238 / 357 * 100)
    assert by["innbyggere"]["response"] == []
    assert by["kommune"]["frame_source"] == ["kommuner fra 2024"]
    assert by["innbyggere"]["estimand"] == "Share of the adult population, weighted."
    assert by["innbyggere"]["weighting"] == ["Weighted by the panel weight."]


def test_the_method_is_the_marts_own_text_for_this_family_only(declared):
    method = declared["method"]
    assert method["variance_method"] == ["Wilson 95 % with FPC.", "Wilson 95 % on Kish n."]
    assert method["base_rule"] == ["Success: codes 3-5."]
    assert "OTHER" not in repr(declared)
    assert method["described"]["ci_low_pct"] == "Lower bound of the 95 % Wilson interval."
    assert method["test_families"] == [
        {"family": "fct_indicator:2024:innbyggere", "size": 6},
        {"family": "fct_indicator:2024:kommune", "size": 6},
        {"family": "fct_indicator:2025:innbyggere", "size": 6},
        {"family": "fct_indicator:2025:kommune", "size": 6},
    ]


def test_withheld_and_flagged_cells_are_counted_apart_with_their_reasons(declared):
    disclosure = declared["disclosure"]
    assert (disclosure["cells"], disclosure["withheld"], disclosure["low_reliability"]) == (5, 2, 1)
    assert disclosure["withheld_by_reason"] == {"n_base": 1, "complementary": 1}
    assert disclosure["low_reliability_by_reason"] == {"n_effective": 1}
    assert disclosure["withheld_latest_year"] == 1
    assert "unrelated_var" not in disclosure["thresholds"]
    assert disclosure["thresholds"]["min_base_n"] == 10


def test_breaks_revisions_and_synthetic_files_come_from_their_tables(declared):
    assert [(b["year"], b["population"]) for b in declared["series_breaks"]] == [(2025, "kommune")]
    assert declared["comparability"] == ["2024→2025 NOT comparable: new wording."]
    assert [(r["release_id"], r["values_revised"], r["flags_changed"]) for r in declared["revisions"]] == [
        ("2025.1", 0, 0),
        ("2025.2", 3, 2),
    ]
    assert declared["synthetic"] == {"is_synthetic": True, "survey_files": 2, "synthetic_files": 2}
    assert declared["release_id"] == "2025.2"


def test_in_words_says_the_figures_in_each_language(declared):
    norwegian = repr(in_words(declared, "no"))
    english = repr(in_words(declared, "en"))
    assert "totalundersøkelse" in norwegian and "a census" in english
    assert "66,7" in norwegian and "66.7" in english  # 238 of 357 responded in 2025
    assert "er 2 av 5 verdier holdt tilbake" in norwegian
    assert "1 published values are flagged u" in english
    assert "ny leveranse" in norwegian and "re-delivery" in english


def test_only_families_with_their_own_estimates_are_declared():
    published, family = _warehouse()
    external = Family("ext", "mart_ext", "Ekstern", "External", "", pd.DataFrame({"value_pct": [1.0], "year": [2024]}))
    assert declarable(family) and not declarable(external)
    shown = PublishedWarehouse(published.path, published.tables, {}, {}, [family, external])
    assert list(declarations(shown, THRESHOLDS)) == ["ai_adoption"]


def test_a_text_from_the_marts_cannot_act_as_markup_on_the_page():
    published, family = _warehouse()
    hostile = '</p><script>alert(1)</script><img src=x onerror="alert(2)">'
    published.tables["dim_population"].loc[0, "estimand"] = hostile
    published.tables["fct_response_rate"].loc[2, "frame_source"] = hostile
    declared = declare(published, family, THRESHOLDS)
    for lang in ("no", "en"):
        page = _about_body(family, declared, lang)
        assert "<script" not in page and "<img" not in page and "</p><script" not in page
        assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2  # the estimand and the frame, as text


def test_a_breakdowns_categories_share_one_break_and_the_test_families_are_a_table():
    published, family = _warehouse()
    rows = family.frame[family.frame["series_break"]]
    categories = pd.concat([rows.assign(category=c) for c in ("Agder", "Vestland", "Troms")], ignore_index=True)
    split = Family("ai_adoption_breakdown", "mart_ai_adoption_breakdown", "KI", "AI", "", categories)
    declared = declare(published, split, THRESHOLDS)
    assert [(b["year"], b["population"]) for b in declared["series_breaks"]] == [(2025, "kommune")]
    method = next(s for s in in_words(declared, "en") if s["key"] == "method")
    assert method["tables"] == [("", ["Test family", "Number of tests (m)"], [["fct_indicator:2025:kommune", "6"]])]
