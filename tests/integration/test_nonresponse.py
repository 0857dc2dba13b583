"""Response rates and the county-calibrated municipal shares, on a small world whose answers are known.

The two marts (fct_response_rate, fct_indicator_calibrated) are run by dbt on a database that holds only the
relations they read, filled from the definitions below: four counties with known frames N_h, and known
respondents and successes in each. The expected figures are worked from those definitions with the textbook
formulas, independently of the SQL: post-stratified share Σ (N_h/N)·p_h, stratified variance with each
post-stratum's finite population correction, Wilson's interval on p(1−p)/V.
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from itip_pipeline.core.settings import get_settings
from itip_pipeline.defs.dbt.environment import dbt_env
from itip_pipeline.defs.dbt.project import dbt_command

from support.intervals import wilson_interval

YEAR = 2025
# Municipalities per 2024 county: D is a one-municipality county (like Oslo) that never answers.
FRAME = {"Agder": 10, "Buskerud": 30, "Finnmark": 6, "Oslo": 1}
# Per indicator: county → (respondents in the base, successes, county cell suppressed), and whether the
# headline cell is suppressed. A county missing from a cell has no respondent for that item.
CELLS = {
    # Finnmark's cell is withheld and Oslo has no respondent: both are pooled, and the pool has respondents.
    "pooled_with_respondents": ({"Agder": (5, 4, False), "Buskerud": (20, 5, False), "Finnmark": (2, 2, True)}, False),
    # Every answering county is published; Oslo alone is pooled, with no respondent: not available.
    "pooled_without_respondents": (
        {"Agder": (5, 1, False), "Buskerud": (20, 10, False), "Finnmark": (3, 1, False)},
        False,
    ),
    # The headline is withheld by disclosure control: so is the calibrated share.
    "headline_suppressed": ({"Agder": (3, 1, True), "Buskerud": (4, 2, True)}, True),
}
# The delivery for the response rate: per county, organisations delivered and how many answered anything.
DELIVERED = {"Agder": (6, 5), "Buskerud": (20, 20), "Finnmark": (2, 2)}
STATE_DELIVERED = (3, 2)


def _headline(cells: dict[str, tuple[int, int, bool]]) -> tuple[int, int]:
    return sum(n for n, _, _ in cells.values()), sum(s for _, s, _ in cells.values())


def _kommunenr(county: str, index: int) -> str:
    return f"{list(FRAME).index(county) + 1:02d}{index:02d}"


def _write_world(db_path: Path) -> None:
    con = duckdb.connect(str(db_path))
    for schema in ("staging", "intermediate", "marts"):
        con.execute(f"create schema {schema}")
    con.execute(
        "create table marts.dim_municipality (survey_year integer, kommunenummer varchar, county_2024_name varchar)"
    )
    for county, size in FRAME.items():
        for index in range(size):
            con.execute(
                "insert into marts.dim_municipality values (?, ?, ?)", [YEAR, _kommunenr(county, index), county]
            )

    con.execute(
        "create table staging.stg_populations as select * from (values "
        "('stat', 'org', ['stat']), ('kommune', 'org', ['kommune']), ('alle', 'org', ['stat', 'kommune']), "
        "('innbyggere', 'panel', ['innbyggere'])) as t(population, survey, respondent_groups)"
    )
    con.execute(
        "create table staging.stg_population_frame (survey_year integer, population varchar, frame_size integer, "
        "source varchar)"
    )
    con.execute("insert into staging.stg_population_frame values (?, 'kommune', ?, 'the test world')", [YEAR, 47])
    con.execute(
        "create table staging.stg_org_respondents (survey_year integer, orgnr varchar, sector varchar, "
        "kommunenr varchar)"
    )
    con.execute(
        "create table staging.stg_org_answers (survey_year integer, orgnr varchar, question_id varchar, "
        "answer_code integer)"
    )
    units = [("kommune", _kommunenr(c, i), i < answering) for c, (n, answering) in DELIVERED.items() for i in range(n)]
    units += [("stat", None, i < STATE_DELIVERED[1]) for i in range(STATE_DELIVERED[0])]
    for number, (sector, kommunenr, answers) in enumerate(units):
        orgnr = f"9{number:08d}"
        con.execute("insert into staging.stg_org_respondents values (?, ?, ?, ?)", [YEAR, orgnr, sector, kommunenr])
        # A non-respondent's row has every answer blank; a respondent answered one of two questions.
        con.execute("insert into staging.stg_org_answers values (?, ?, 'q1', ?)", [YEAR, orgnr, 9 if answers else None])
        con.execute("insert into staging.stg_org_answers values (?, ?, 'q2', null)", [YEAR, orgnr])

    con.execute(
        "create table intermediate.int_indicator_estimates (indicator_id varchar, item varchar, item_key varchar, "
        "family varchar, measure varchar, population varchar, survey_year integer, n_base integer)"
    )
    con.execute(
        "create table marts.fct_indicator (indicator_id varchar, item varchar, population varchar, year integer, "
        "share_pct double, suppressed boolean)"
    )
    con.execute(
        "create table intermediate.int_breakdown_estimates (indicator_id varchar, item varchar, item_key varchar, "
        "population varchar, breakdown varchar, category varchar, survey_year integer, n_base integer, "
        "sum_w double, share double)"
    )
    con.execute(
        "create table marts.fct_indicator_breakdown (indicator_id varchar, item varchar, population varchar, "
        "breakdown varchar, category varchar, year integer, suppressed boolean)"
    )
    for indicator, (cells, suppressed) in CELLS.items():
        n, successes = _headline(cells)
        con.execute(
            "insert into intermediate.int_indicator_estimates values (?, null, '', 'family', 'top2_agree', "
            "'kommune', ?, ?)",
            [indicator, YEAR, n],
        )
        share_pct = None if suppressed else 100 * successes / n
        con.execute(
            "insert into marts.fct_indicator values (?, null, 'kommune', ?, ?, ?)",
            [indicator, YEAR, share_pct, suppressed],
        )
        for county, (n_h, s_h, cell_suppressed) in cells.items():
            con.execute(
                "insert into intermediate.int_breakdown_estimates values (?, null, '', 'kommune', 'county_2024', "
                "?, ?, ?, ?, ?)",
                [indicator, county, YEAR, n_h, float(n_h), s_h / n_h],
            )
            con.execute(
                "insert into marts.fct_indicator_breakdown values (?, null, 'kommune', 'county_2024', ?, ?, ?)",
                [indicator, county, YEAR, cell_suppressed],
            )
    con.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    work = tmp_path_factory.mktemp("nonresponse")
    db_path = work / "work.duckdb"
    _write_world(db_path)
    env = {**dbt_env(db_path), "DBT_TARGET_PATH": str(work / "target"), "DBT_LOG_PATH": str(work / "logs")}
    result = subprocess.run(
        dbt_command(get_settings(), "run", "--select", "fct_response_rate", "fct_indicator_calibrated"),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(db_path), read_only=True)
    yield con
    con.close()


def _calibrated(world, indicator: str) -> dict:
    rows = world.execute("select * from marts.fct_indicator_calibrated where indicator_id = ?", [indicator]).df()
    assert len(rows) == 1
    return rows.iloc[0].to_dict()


def test_post_stratified_share_pools_withheld_and_empty_counties(world):
    cells, _ = CELLS["pooled_with_respondents"]
    # Post-strata: each published county on its own; Finnmark (withheld) and Oslo (no respondent) pooled.
    own = [(FRAME[c], n, s) for c, (n, s, suppressed) in cells.items() if not suppressed]
    pooled_counties = [c for c in FRAME if c not in cells or cells[c][2]]
    pooled = (
        sum(FRAME[c] for c in pooled_counties),
        sum(cells[c][0] for c in pooled_counties if c in cells),
        sum(cells[c][1] for c in pooled_counties if c in cells),
    )
    strata = [*own, pooled]
    big_n = sum(FRAME.values())
    share = sum(size / big_n * s / n for size, n, s in strata)
    variance = sum((size / big_n) ** 2 * (s / n) * (1 - s / n) / n * (size - n) / (size - 1) for size, n, s in strata)
    low, high = wilson_interval(share, share * (1 - share) / variance)
    n, successes = _headline(cells)

    row = _calibrated(world, "pooled_with_respondents")
    assert row["calibrated_withheld_reason"] is None
    assert row["share_calibrated_pct"] == pytest.approx(100 * share, rel=1e-12)
    assert row["se_calibrated_pct"] == pytest.approx(100 * math.sqrt(variance), rel=1e-12)
    assert (row["ci_low_calibrated_pct"], row["ci_high_calibrated_pct"]) == pytest.approx(
        (100 * low, 100 * high), rel=1e-9
    )
    assert row["share_unweighted_pct"] == pytest.approx(100 * successes / n, rel=1e-12)
    assert row["difference_pp"] == pytest.approx(100 * share - 100 * successes / n, rel=1e-12)
    assert (row["frame_size"], row["n_county_poststrata"], row["n_counties_pooled"]) == (big_n, len(own), 2)
    assert (row["frame_units_pooled"], row["n_base_pooled"]) == pooled[:2]


def test_a_pooled_stratum_without_respondents_makes_the_estimate_not_available(world):
    row = _calibrated(world, "pooled_without_respondents")
    assert row["calibrated_withheld_reason"] == "poststratum_without_respondents"
    assert (row["n_counties_pooled"], row["frame_units_pooled"], row["n_base_pooled"]) == (1, FRAME["Oslo"], 0)
    for column in ("share_calibrated_pct", "se_calibrated_pct", "ci_low_calibrated_pct", "difference_pp"):
        assert pd.isna(row[column])
    # The unweighted headline is still shown beside it.
    n, successes = _headline(CELLS["pooled_without_respondents"][0])
    assert row["share_unweighted_pct"] == pytest.approx(100 * successes / n, rel=1e-12)


def test_calibrated_share_is_withheld_with_its_headline(world):
    row = _calibrated(world, "headline_suppressed")
    assert row["suppressed"]
    assert row["calibrated_withheld_reason"] == "headline_suppressed"
    assert all(pd.isna(row[column]) for column in ("share_calibrated_pct", "share_unweighted_pct"))


def test_response_rate_is_responding_units_over_the_frame(world):
    rows = world.execute("select * from marts.fct_response_rate").df()
    total = rows[(rows.population == "kommune") & rows.breakdown.isna()].iloc[0]
    delivered = sum(d for d, _ in DELIVERED.values())
    responding = sum(r for _, r in DELIVERED.values())
    assert (total.frame_units, total.delivered_units, total.responding_units) == (47, delivered, responding)
    assert total.response_rate_pct == pytest.approx(100 * responding / 47, rel=1e-12)
    counties = rows[rows.breakdown == "county_2024"].set_index("category")
    assert set(counties.index) == set(FRAME)
    for county, size in FRAME.items():
        answered = DELIVERED.get(county, (0, 0))[1]
        assert counties.loc[county, "frame_units"] == size
        assert counties.loc[county, "responding_units"] == answered
        assert counties.loc[county, "response_rate_pct"] == pytest.approx(100 * answered / size, rel=1e-12)
    # Oslo, which never answers, is a row with a response rate of 0, not a missing row.
    assert counties.loc["Oslo", "response_rate_pct"] == 0


def test_state_agencies_have_no_frame_and_no_response_rate(world):
    rows = world.execute("select * from marts.fct_response_rate where breakdown is null").df().set_index("population")
    assert set(rows.index) == {"stat", "kommune", "alle"}  # no panel row
    state = rows.loc["stat"]
    assert (state.delivered_units, state.responding_units) == STATE_DELIVERED
    assert pd.isna(state.frame_units) and pd.isna(state.response_rate_pct)
    assert "no published count" in state.frame_source.lower()
    # alle pools a group without a frame: no frame either, but its units add up.
    assert pd.isna(rows.loc["alle"].frame_units)
    assert rows.loc["alle"].responding_units == STATE_DELIVERED[1] + rows.loc["kommune"].responding_units
