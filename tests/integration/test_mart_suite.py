"""The Great Expectations suite catches what it claims to: out-of-range shares, misordered intervals,
shares left on suppressed cells and missing indicator-years; a published figure out of tolerance is a
warning elsewhere (the reconciliation check), never a failure of this blocking suite."""

from __future__ import annotations

import pandas as pd
import pytest

from itip_pipeline.core.settings import REPO_ROOT
from itip_pipeline.quality.mart_suite import expected_indicator_years, report_index, validate_marts

SEEDS = REPO_ROOT / "dbt_project" / "seeds"


def _fct(rows: list[dict]) -> pd.DataFrame:
    base = {
        "item": None,
        "population": "stat",
        "n_base": 90,
        "suppressed": False,
        "share_pct": 50.0,
        "ci_low_pct": 40.0,
        "ci_high_pct": 60.0,
    }
    return pd.DataFrame([{**base, **row} for row in rows])


def _complete_fct(loaded: set[int]) -> list[dict]:
    return [
        {"indicator_id": key.split(":")[0], "year": int(key.split(":")[1]), "item": f"i{n}"}
        for n, key in enumerate(sorted(expected_indicator_years(SEEDS, loaded)))
    ]


def _reconciliation(within: list) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "figure_id": [f"F{i}" for i in range(len(within))],
            "confidence": ["high"] * len(within),
            "within_tolerance": within,
        }
    )


def _validate(tmp_path, fct: pd.DataFrame, reconciliation: pd.DataFrame, loaded: set[int], run: str | None = None):
    results = validate_marts(
        {"fct_indicator": fct, "published_reconciliation": reconciliation}, SEEDS, loaded, tmp_path / "gx", run
    )
    return {r.table: r for r in results}


def test_expected_indicator_years_follow_the_catalogue_and_the_loaded_years():
    all_years = expected_indicator_years(SEEDS, {2021, 2022, 2023, 2024, 2025})
    assert "ai_adoption:2021" in all_years and "incident_statement:2025" in all_years
    assert "incident_statement:2024" not in all_years and "ai_barrier:2023" not in all_years
    assert not {k for k in expected_indicator_years(SEEDS, {2021, 2022, 2023, 2024}) if k.endswith(":2025")}


def test_a_complete_and_consistent_mart_passes_and_the_report_is_written(tmp_path):
    loaded = {2024}
    results = _validate(tmp_path, _fct(_complete_fct(loaded)), _reconciliation([True, None]), loaded, "first")
    assert all(r.success for r in results.values()), results
    assert report_index(tmp_path / "gx").is_file()
    # A second run renders its own pages; the first run's stay, and the index links both.
    again = _validate(tmp_path, _fct(_complete_fct(loaded)), _reconciliation([True, None]), loaded, "second")
    assert {t: r.evaluated for t, r in again.items()} == {t: r.evaluated for t, r in results.items()}
    site = report_index(tmp_path / "gx").parent
    index = report_index(tmp_path / "gx").read_text(encoding="utf-8")
    for run in ("first", "second"):
        pages = list((site / "validations" / "fct_indicator").glob(f"dagster-run-{run}_*/*/*.html"))
        assert len(pages) == 1 and pages[0].relative_to(site).as_posix() in index, run


@pytest.mark.parametrize(
    "spoil, expectation",
    [
        ({"share_pct": 101.0, "ci_high_pct": 102.0}, "expect_column_values_to_be_between"),
        ({"ci_low_pct": 55.0}, "expect_column_pair_values_a_to_be_greater_than_b"),
        ({"suppressed": True}, "expect_column_values_to_be_null"),
    ],
)
def test_a_bad_row_fails_the_suite(tmp_path, spoil, expectation):
    rows = _complete_fct({2024})
    rows[0].update(spoil)
    result = _validate(tmp_path, _fct(rows), _reconciliation([True]), {2024})["fct_indicator"]
    assert not result.success
    assert any(f.startswith(expectation) for f in result.failures), result.failures


def test_a_missing_indicator_year_fails_and_a_failed_reconciliation_does_not(tmp_path):
    rows = _complete_fct({2024})[1:]
    results = _validate(tmp_path, _fct(rows), _reconciliation([True, False]), {2024})
    assert any("distinct_values_to_contain_set" in f for f in results["fct_indicator"].failures)
    assert results["published_reconciliation"].success


def test_a_duplicated_figure_fails_the_reconciliation_table(tmp_path):
    reconciliation = _reconciliation([True, True]).assign(figure_id=["F1", "F1"])
    results = _validate(tmp_path, _fct(_complete_fct({2024})), reconciliation, {2024})
    assert not results["published_reconciliation"].success


def test_a_suite_stored_as_it_is_is_reused_and_one_that_changed_is_rewritten(tmp_path):
    suite_file = tmp_path / "gx" / "gx" / "expectations" / "fct_indicator.json"
    _validate(tmp_path, _fct(_complete_fct({2024})), _reconciliation([True]), {2024}, "first")
    written = suite_file.stat().st_mtime_ns
    # The same expectations: the stored suite is used as it is, and a bad row still fails it.
    rows = _complete_fct({2024})
    rows[0].update({"share_pct": 101.0, "ci_high_pct": 102.0})
    same = _validate(tmp_path, _fct(rows), _reconciliation([True]), {2024}, "second")["fct_indicator"]
    assert suite_file.stat().st_mtime_ns == written
    assert not same.success and any(f.startswith("expect_column_values_to_be_between") for f in same.failures)
    # Another loaded year changes what fct_indicator must contain: the suite is written again and judges by it.
    loaded = {2024, 2025}
    changed = _validate(tmp_path, _fct(_complete_fct({2024})), _reconciliation([True]), loaded, "third")
    assert suite_file.stat().st_mtime_ns != written
    assert "2025" in suite_file.read_text(encoding="utf-8")
    assert any("distinct_values_to_contain_set" in f for f in changed["fct_indicator"].failures)


def test_an_unchanged_suite_whose_page_was_deleted_gets_its_page_again(tmp_path):
    _validate(tmp_path, _fct(_complete_fct({2024})), _reconciliation([True]), {2024}, "first")
    page = report_index(tmp_path / "gx").parent / "expectations" / "fct_indicator.html"
    assert page.is_file()
    page.unlink()
    _validate(tmp_path, _fct(_complete_fct({2024})), _reconciliation([True]), {2024}, "second")
    assert page.is_file()
