"""What the disclosure and quality policy gives the reader, measured on the synthetic build: most cells
published, the report's own figures among them, both sides of the AI-adoption comparison, the counties, and
no small group's unanimous answer shown. Thresholds are the policy's targets (docs/disclosure.md); the
figures themselves are in the session notes, not here."""

from __future__ import annotations

import duckdb
import pytest

CELL_TABLES = ("fct_indicator", "fct_indicator_breakdown", "fct_answer_distribution")


@pytest.fixture(scope="module")
def marts(published_once):
    settings, _, _ = published_once
    with duckdb.connect(str(settings.warehouse_db), read_only=True) as con:
        yield {
            name: con.execute(f"select * from marts.{name}").df() for name in (*CELL_TABLES, "published_reconciliation")
        }


def test_at_most_a_fifth_of_the_cells_is_withheld(marts):
    cells = sum(len(marts[t]) for t in CELL_TABLES)
    withheld = sum(int(marts[t].suppressed.sum()) for t in CELL_TABLES)
    assert withheld <= 0.20 * cells, f"{withheld} of {cells} cells withheld"


def test_every_judged_report_figure_is_published_and_reproduced(marts):
    judged = marts["published_reconciliation"].query("confidence != 'low'")
    assert len(judged) >= 51
    assert judged.within_tolerance.eq(True).all(), judged[judged.within_tolerance.ne(True)][["figure_id", "verdict"]]


def test_adopters_and_non_adopters_are_both_published_in_most_blocks(marts):
    adoption = marts["fct_indicator_breakdown"].query("breakdown == 'ai_adopter'")
    shown = adoption.assign(shown=~adoption.suppressed).pivot_table(
        index=["indicator_id", "item", "population", "year"], columns="category", values="shown", aggfunc="all"
    )
    both = (shown["adopter"] & shown["non_adopter"]).sum()
    assert both >= 0.6 * len(shown), f"both sides published in {both} of {len(shown)} blocks"


def test_at_least_half_of_the_county_cells_are_published(marts):
    county = marts["fct_indicator_breakdown"].query("breakdown == 'county_2024'")
    assert (~county.suppressed).sum() >= 0.5 * len(county)


def test_no_small_group_shows_a_unanimous_answer(marts):
    for table in ("fct_indicator", "fct_indicator_breakdown"):
        shown = marts[table].query("not suppressed and n_base < 50 and (share_pct == 0 or share_pct == 100)")
        assert shown.empty, f"{table}: {shown[['indicator_id', 'item', 'population', 'year', 'n_base']]}"
    codes = marts["fct_answer_distribution"].query(
        "not suppressed and not is_dont_know and n_base < 50 and (share_pct == 0 or share_pct == 100)"
    )
    assert codes.empty, codes[["question_id", "year", "population", "answer_code", "n_base"]]


def test_flags_say_which_judgement_applies(marts):
    for table in CELL_TABLES:
        frame = marts[table]
        confidential = frame.flag.fillna("").str.contains("c")
        assert confidential.eq(frame.suppressed).all()
        unreliable = frame.flag.fillna("").str.contains("u")
        assert unreliable.eq(frame.low_reliability).all() and not (unreliable & frame.suppressed).any()
        assert frame.loc[frame.low_reliability, "share_pct"].notna().all()  # an uncertain value is shown
