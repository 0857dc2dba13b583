"""The dbt project built once on the random raw fixture, its marts checked against pandas computed from raw.

One `dbt build` per session (a subprocess, with its own target and log folders, so it never touches the
repository's dbt state). The fixture is not calibrated to the report, so figures fall outside tolerance
there: the reconciliation table must say so, row by row, while the build itself passes (it is a warning,
raised by a Dagster check, not a dbt test that stops publishing).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from itip_pipeline.core.settings import REPO_ROOT, get_settings
from itip_pipeline.defs.dbt.environment import dbt_env
from itip_pipeline.defs.dbt.mart_manifest import mart_declarations
from itip_pipeline.defs.dbt.project import dbt_command
from itip_pipeline.warehouse import candidates

from support.differencing_attack import attacker_shares, differencing_attack, distribution_cells, with_breakdown_cells
from support.intervals import wilson_interval
from support.paired_change import change_test, successes
from support.raw_fixture import HIDDEN_SPARSE_QUESTION, SPARSE_ANSWERS, SPARSE_QUESTION, write_raw_fixture

DBT_PROJECT = REPO_ROOT / "dbt_project"

FAMILY_MARTS = {
    "mart_ai_adoption",
    "mart_ai_task_area",
    "mart_ai_benefit",
    "mart_ai_barrier",
    "mart_ai_strategy",
    "mart_citizen_ai_view",
    "mart_citizen_ai_trust_factor",
    "mart_citizen_data_protection_trust",
    "mart_infosec_statement",
    "mart_infosec_leadership_guidance",
    "mart_risk_statement",
    "mart_incident_statement",
    "mart_authority_support",
}
MARTS = FAMILY_MARTS | {
    "fct_indicator",
    "published_reconciliation",
    "published_provenance",
    "indicator_families",
    "policy_targets",
    "mart_ai_use_mode_external",
    "dim_population",
    "dim_indicator_method",
    "fct_population_difference",
    "dim_municipality",
    "fct_response_rate",
    "fct_indicator_calibrated",
}
# Breakdowns and wide views
FAMILY_BREAKDOWN_MARTS = {
    "mart_citizen_data_protection_trust_breakdown",
    "mart_ai_barrier_breakdown",
    "mart_ai_adoption_breakdown",
}
MARTS |= {
    "indicator_by_year",
    "indicator_by_year_interval",
    "fct_indicator_breakdown",
    "dim_breakdown",
    "fct_answer_distribution",
    *FAMILY_BREAKDOWN_MARTS,
}


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("dbt_build")
    db_path = work / "work.duckdb"
    write_raw_fixture(db_path, seed=7)
    env = {**dbt_env(db_path), "DBT_TARGET_PATH": str(work / "target"), "DBT_LOG_PATH": str(work / "logs")}

    # With the finite population correction off: the independent computations below are the infinite-population
    # formulas, and the fixture's random respondents do not respect the frames. The correction's own tests run
    # on a copy (fpc_work); the published build has it on.
    def dbt(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            dbt_command(get_settings(), command, "--vars", "{apply_fpc: false}"),
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    # Parsed first, as the pipeline does: a build writes no manifest of its own (defs/dbt/build_artifacts.py).
    parsed = dbt("parse")
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    result = dbt("build")
    run_results = json.loads((work / "target" / "run_results.json").read_text())
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    return {
        "db_path": db_path,
        "run_results": run_results["results"],
        "returncode": result.returncode,
        "stdout": result.stdout,
        "manifest": manifest,
    }


@pytest.fixture(scope="session")
def con(built) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(built["db_path"]), read_only=True)


@pytest.fixture(scope="session")
def raw(con) -> pd.DataFrame:
    """Every answer with its respondent's group and weight, read from raw with pandas only."""
    org = (
        con.execute("select * from raw.org_answers")
        .df()
        .merge(con.execute("select survey_year, orgnr, sector as grp from raw.org_respondents").df())
    )
    org["weight"] = 1.0
    panel = (
        con.execute("select * from raw.panel_answers")
        .df()
        .merge(con.execute("select survey_year, respondent_number, weight from raw.panel_respondents").df())
    )
    panel["grp"] = "innbyggere"
    return pd.concat([org.drop(columns="orgnr"), panel.drop(columns="respondent_number")], ignore_index=True)


def fct_row(con, indicator_id: str, item: str | None, population: str, year: int) -> dict:
    frame = con.execute(
        "select * from marts.fct_indicator where indicator_id = ? and item is not distinct from ? "
        "and population = ? and year = ?",
        [indicator_id, item, population, year],
    ).df()
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


def expected_share(raw: pd.DataFrame, question: str, year: int, groups: set[str], success: set[int]) -> dict:
    answers = raw[(raw.question_id == question) & (raw.survey_year == year) & raw.grp.isin(groups)]
    base = answers[answers.answer_code.notna()]
    w = base.weight
    return {
        "n_base": len(base),
        "share_pct": 100 * w[base.answer_code.isin(success)].sum() / w.sum(),
        "dont_know_pct": 100 * w[base.answer_code == 9].sum() / w.sum(),
        "n_effective": w.sum() ** 2 / (w**2).sum(),
    }


def test_build_passes_although_uncalibrated_figures_are_out_of_tolerance(built):
    # exposures (what people open) are listed by dbt build as no-ops: nothing to run
    results = [r for r in built["run_results"] if not r["unique_id"].startswith(("operation.", "exposure."))]
    failing = {r["unique_id"]: r["status"] for r in results if r["status"] not in ("success", "pass")}
    assert failing == {}, built["stdout"][-3000:]
    # every model, seed and test ran: none was skipped behind a failure
    planned = {
        uid for uid, node in built["manifest"]["nodes"].items() if node["resource_type"] in ("model", "seed", "test")
    }
    assert {r["unique_id"] for r in results} == planned


def test_reconciliation_fails_for_the_right_reason(con):
    rows = con.execute("select * from marts.published_reconciliation").df()
    assert rows[rows.confidence == "low"].within_tolerance.isna().all()
    # A figure whose warehouse cell is suppressed is not judged and shows no warehouse value.
    withheld = rows[(rows.confidence != "low") & (rows.verdict == "not judged: suppressed by disclosure control")]
    suppressed = con.execute(
        "select indicator_id, coalesce(item, '') as item, population, year from marts.fct_indicator where suppressed"
    ).fetchall()
    for figure in withheld.itertuples():
        assert figure.within_tolerance is None or pd.isna(figure.within_tolerance)
        assert any(
            key[:3] == (figure.indicator_id, "" if pd.isna(figure.item) else figure.item, figure.population)
            and figure.year_from <= key[3] <= figure.year_to
            for key in suppressed
        )
    judged = rows[(rows.confidence != "low") & ~rows.index.isin(withheld.index)]
    outside = judged[~judged.within_tolerance.astype(bool)]
    assert len(outside) > 0
    assert ((outside.diff_pp.abs() > 1.0) | (outside.n_years_compared < outside.year_to - outside.year_from + 1)).all()
    inside = judged[judged.within_tolerance.astype(bool)]
    assert (inside.diff_pp.abs() <= 1.0).all()
    # Policy targets and the external survey are never reconciled; a range compares with the yearly mean.
    assert not rows.figure_id.str.startswith("T").any()
    assert "ai_use_mode" not in set(rows.indicator_id)
    f005 = rows.set_index("figure_id").loc["F005"]
    yearly = con.execute(
        "select avg(share_pct) from marts.fct_indicator where indicator_id = 'ai_adoption' "
        "and population = 'kommune' and year between 2021 and 2024"
    ).fetchone()[0]
    assert f005.warehouse_pct == pytest.approx(yearly)
    assert f005.n_years_compared == 4


# The respondent-level models whose grain the build leaves untested, as it follows from their inputs' tested keys
# (models/docs.md, grain_by_construction): a join that fans out would be a mistake in their SQL, which the
# fixture's build shows here.
GRAIN_BY_CONSTRUCTION = {
    "int_answers_long": ("survey", "survey_year", "respondent_id", "question_id"),
    "int_indicator_answers": ("indicator_id", "item_key", "population", "survey_year", "respondent_id"),
    "int_respondent_breakdowns": ("survey", "survey_year", "respondent_id", "breakdown"),
}


def test_the_models_whose_grain_follows_from_their_inputs_are_these(built):
    said = {
        node["name"]
        for node in built["manifest"]["nodes"].values()
        if node["resource_type"] == "model" and "Its grain is not tested in the build" in node["description"]
    }
    assert said == set(GRAIN_BY_CONSTRUCTION)


@pytest.mark.parametrize(("model", "key"), sorted(GRAIN_BY_CONSTRUCTION.items()))
def test_a_model_whose_grain_follows_from_its_inputs_has_that_grain(con, model, key):
    columns = ", ".join(key)
    rows, keys = con.execute(
        f"select (select count(*) from intermediate.{model}), "
        f"(select count(*) from (select distinct {columns} from intermediate.{model}))"
    ).fetchall()[0]
    assert rows > 0
    assert keys == rows, f"{model}: {rows - keys} rows repeat a key ({columns})"


def test_every_respondent_has_a_category_in_every_breakdown_of_its_survey(con):
    # `ukjent` where the characteristic is missing (int_respondent_breakdowns), so the categories partition
    rows, without = con.execute(
        "select count(*), count(*) filter (where category is null) from intermediate.int_respondent_breakdowns"
    ).fetchall()[0]
    assert rows > 0 and without == 0
    missing = con.execute("""
        select count(*)
        from raw.panel_respondents as r cross join (values ('gender'), ('age_group'), ('region')) as b(k)
        where not exists (
            select 1 from intermediate.int_respondent_breakdowns as x
            where x.survey = 'panel' and x.survey_year = r.survey_year
                and x.respondent_id = r.respondent_number::varchar and x.breakdown = b.k
        )
    """).fetchall()[0][0]
    assert missing == 0


def test_marts_are_in_schema_marts_and_seeds_in_reference(con):
    tables = con.execute("select schema_name, table_name from duckdb_tables() where database_name = 'work'").df()
    assert set(tables[tables.schema_name == "marts"].table_name) == MARTS
    assert {"published_figures", "population_frame", "indicator_catalogue"} <= set(
        tables[tables.schema_name == "reference"].table_name
    )
    schemas = set(con.execute("select schema_name from duckdb_schemas() where database_name = 'work'").df().schema_name)
    assert not any(s.startswith("main_") for s in schemas)


@pytest.mark.parametrize(
    ("indicator_id", "item", "question", "population", "groups", "success", "year"),
    [
        ("ai_adoption", None, "ai_adoption", "stat", {"stat"}, {3, 4, 5}, 2023),
        ("ai_barrier", "legal", "ai_barrier_legal", "kommune", {"kommune"}, {4, 5}, 2024),
        ("authority_support", None, "authority_support", "alle", {"stat", "kommune"}, {4, 5}, 2021),
        ("ai_strategy", "no_strategic_frame", "ai_strategy", "alle", {"stat", "kommune"}, {1, 2}, 2025),
        ("infosec_statement", "overview", "infosec_overview", "fylkeskommune", {"fylkeskommune"}, {4, 5}, 2022),
        (
            "citizen_data_protection_trust",
            None,
            "citizen_data_protection_trust",
            "innbyggere",
            {"innbyggere"},
            {4, 5},
            2024,
        ),
        (
            "citizen_ai_trust_factor",
            "data_control",
            "citizen_trust_factor_data_control",
            "innbyggere",
            {"innbyggere"},
            {4, 5},
            2025,
        ),
    ],
)
def test_shares_equal_an_independent_pandas_computation(
    con, raw, indicator_id, item, question, population, groups, success, year
):
    row = fct_row(con, indicator_id, item, population, year)
    expected = expected_share(raw, question, year, groups, success)
    assert row["n_base"] == expected["n_base"]
    if row["suppressed"]:  # the fixture's dozen county municipalities: checked before disclosure control
        row = (
            con.execute(
                f"select * from ({WITH_ESTIMATES}) where indicator_id = ? and item is not distinct from ? "
                "and population = ? and year = ?",
                [indicator_id, item, population, year],
            )
            .df()
            .iloc[0]
        )
        row = {**row, "share_pct": 100 * row["true_share"], "dont_know_pct": 100 * row["true_dont_know_share"]}
    assert row["share_pct"] == pytest.approx(expected["share_pct"], rel=1e-12)
    assert row["dont_know_pct"] == pytest.approx(expected["dont_know_pct"], rel=1e-12, abs=1e-12)
    assert row["n_effective"] == pytest.approx(expected["n_effective"], rel=1e-12)
    if population == "innbyggere":
        assert row["n_effective"] < row["n_base"]  # the fixture's weights vary
    else:
        assert row["n_effective"] == row["n_base"]


def test_interval_is_wilson_on_the_effective_n_with_the_fpc_off(con):
    for population in ("kommune", "stat", "alle", "fylkeskommune"):
        row = fct_row(con, "infosec_statement", "competence", population, 2025)
        if row["suppressed"]:
            continue
        low, high = wilson_interval(row["share_pct"] / 100, row["n_effective"])
        assert (row["ci_low_pct"], row["ci_high_pct"]) == pytest.approx((100 * low, 100 * high), rel=1e-12)
    assert fct_row(con, "ai_adoption", None, "kommune", 2025)["frame_size"] == 357
    assert pd.isna(fct_row(con, "ai_adoption", None, "stat", 2025)["frame_size"])


def _published_structure():
    with (DBT_PROJECT / "seeds" / "populations.csv").open(encoding="utf-8") as handle:
        populations = {r["population"]: tuple(r["respondent_groups"].split("|")) for r in csv.DictReader(handle)}
    with (DBT_PROJECT / "seeds" / "indicator_catalogue.csv").open(encoding="utf-8") as handle:
        success = {
            (r["indicator_id"], r["item"] or None): tuple(int(c) for c in r["success_codes"].split("|"))
            for r in csv.DictReader(handle)
        }
    return populations, success


WITH_ESTIMATES = (
    "select f.*, e.share as true_share, e.dont_know_share as true_dont_know_share from marts.fct_indicator f "
    "join intermediate.int_indicator_estimates e on e.indicator_id = f.indicator_id "
    "and e.item is not distinct from f.item and e.population = f.population and e.survey_year = f.year"
)


def _clopper_pearson_width_pp(p: float, n: float) -> float:
    """The exact (Clopper–Pearson) 95 % interval's width on n, from its beta-quantile definition."""
    x = p * n
    low = stats.beta.ppf(0.025, x, n - x + 1) if x > 0 else 0.0
    high = stats.beta.ppf(0.975, x + 1, n - x) if x < n else 1.0
    return 100 * (high - low)


def test_suppression_reasons_follow_the_primary_rule(con):
    fct = con.execute(WITH_ESTIMATES).df()
    assert len(fct) == con.execute("select count(*) from marts.fct_indicator").fetchone()[0]
    assert (fct.suppressed == fct.suppression_reason.notna()).all()
    # confidentiality (docs/disclosure.md): too few respondents, or a small group answering unanimously
    assert ((fct.suppression_reason == "n_base") == (fct.n_base < 10)).all()
    unanimous = (fct.n_base >= 10) & (fct.n_base < 50) & fct.true_share.isin([0.0, 1.0])
    assert ((fct.suppression_reason == "group_disclosure") == unanimous).all()
    # reliability: a flag on a published value, never a withholding
    assert (fct.low_reliability == fct.reliability_reason.notna()).all()
    assert not (fct.low_reliability & fct.suppressed).any()
    for row in fct[~fct.suppressed].itertuples():
        if row.survey == "panel":
            width = _clopper_pearson_width_pp(row.true_share, row.n_effective)
            if min(row.n_base, row.n_effective) < 30:
                assert row.reliability_reason == "n_effective", row
                continue
        else:  # the published Wilson interval (the correction is off in this build)
            low, high = wilson_interval(row.true_share, row.n_effective)
            width = 100 * (high - low)
        too_wide = width >= 30 or (width > 5 and (row.true_share == 0 or width / (100 * row.true_share) > 1.3))
        assert (row.reliability_reason == "interval_width") == too_wide, row
    sparse = fct[(fct.question_id == SPARSE_QUESTION) & (fct.year == 2025)].set_index("population").loc["stat"]
    assert sparse.n_base <= SPARSE_ANSWERS and sparse.suppression_reason == "n_base"
    assert sparse[["share_pct", "ci_low_pct", "ci_high_pct", "dont_know_pct", "change_pp"]].isna().all()
    assert not sparse.low_reliability
    shown = fct[~fct.suppressed]
    assert shown.share_pct.notna().all() and len(shown) > len(fct) / 2


def test_differencing_recovers_no_suppressed_cell(con):
    # Only a few state agencies answer SPARSE_QUESTION in 2025 and `alle` = stat + kommune: without a
    # complementary suppression alle − kommune would give their answers away.
    fct = con.execute(WITH_ESTIMATES).df()
    populations, success = _published_structure()
    sparse = fct[(fct.question_id == SPARSE_QUESTION) & (fct.year == 2025)].set_index("population")
    assert sparse.suppression_reason["stat"] == "n_base"
    assert sparse.suppressed["alle"] or sparse.suppressed["kommune"]
    assert (sparse.suppression_reason == "complementary").any()
    # The county municipalities are a population of their own: their sparse cell is withheld by the primary rule.
    hidden = fct[(fct.question_id == HIDDEN_SPARSE_QUESTION) & (fct.year == 2025)].set_index("population")
    assert hidden.suppression_reason["fylkeskommune"] == "n_base"
    # Everything published: the cells, the changes, the state − municipal differences and every sensitivity
    # share the reconciliation could show (all of int_reconciliation_sensitivity, more than it publishes).
    differences = con.execute("select * from marts.fct_population_difference").df()
    alternatives = _sensitivity_shares(con, populations)
    assert alternatives.share_pct.notna().sum() > 100
    assert differencing_attack(attacker_shares(fct, differences), populations, success, 10, alternatives) == []
    # The same attack does recover them when only the primary rule withholds cells.
    primary_only = fct.assign(
        suppressed=fct.suppression_reason.isin(["n_base", "group_disclosure"]),
        share_pct=100 * fct.true_share,
        dont_know_pct=100 * fct.true_dont_know_share,
    )
    assert any(
        "/stat/2025" in name and SPARSE_QUESTION.removeprefix("ai_benefit_") in name
        for name in differencing_attack(primary_only, populations, success, min_base_n=10)
    )


def _sensitivity_shares(con, populations) -> pd.DataFrame:
    """The reconciliation's alternative shares as sums of successes over respondent groups, with their bases."""
    group = yaml.safe_load((DBT_PROJECT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"][
        "reconciliation_sensitivity_group"
    ]
    rows = con.execute(
        "select s.*, e.question_id, e.n_base, e.n_base_known, g.n_base as n_group "
        "from intermediate.int_reconciliation_sensitivity s join intermediate.int_indicator_estimates e "
        "using (indicator_id, population, survey_year) left join intermediate.int_indicator_estimates g "
        "on g.indicator_id = s.indicator_id and g.item is not distinct from s.item and g.survey_year = s.survey_year "
        "and g.population = ? where e.item is not distinct from s.item and e.survey = 'org'",
        [group],
    ).df()
    shares = []
    for r in rows.itertuples():
        units = set(populations[r.population])
        n_group = 0 if pd.isna(r.n_group) or group in units else r.n_group
        n_without = r.n_group if group in units else 0
        for unit_set, share, base in (
            (units, r.share_dont_know_excluded, r.n_base_known),
            (units | {group}, r.share_with_group, r.n_base + n_group),
            (units - {group}, r.share_without_group, r.n_base - n_without),
        ):
            shares.append(
                {
                    "question_id": r.question_id,
                    "indicator_id": r.indicator_id,
                    "item": r.item,
                    "year": r.survey_year,
                    "units": tuple(sorted(unit_set)),
                    "share_pct": 100 * share,
                    "base_n": base,
                }
            )
    return pd.DataFrame(shares)


@pytest.fixture(scope="session")
def org_answers(con) -> pd.DataFrame:
    """The organisations' answers with their orgnr and sector, read from raw with pandas only."""
    return con.execute(
        "select a.survey_year, a.orgnr, a.question_id, a.answer_code, r.sector "
        "from raw.org_answers as a join raw.org_respondents as r using (survey_year, orgnr)"
    ).df()


def paired_change(org_answers, question, groups, success, year, previous) -> dict:
    """The change and its two-sided p-value with the covariance of the organisations in both years' bases."""
    test = change_test(
        successes(org_answers, question, year, groups, success),
        successes(org_answers, question, previous, groups, success),
    )
    return {
        "change_pp": 100 * test["change"],
        "p_value": test["paired_p_value"],
        "n_overlap": test["n_overlap"],
        "independent_p_value": test["independent_p_value"],
    }


@pytest.mark.parametrize(("population", "groups"), [("alle", {"stat", "kommune"}), ("kommune", {"kommune"})])
def test_change_test_is_paired_over_the_organisations_in_both_years(con, org_answers, population, groups):
    series = con.execute(
        "select * from marts.fct_indicator where indicator_id = 'infosec_statement' "
        "and item = 'overview' and population = ? order by year",
        [population],
    ).df()
    assert list(series.year) == [2021, 2022, 2023, 2024, 2025]
    assert series.iloc[0][["change_pp", "change_p_value", "change_significant"]].isna().all()
    for row in series.iloc[1:].itertuples():
        expected = paired_change(org_answers, "infosec_overview", groups, {4, 5}, row.year, row.previous_year)
        assert row.change_pp == pytest.approx(expected["change_pp"], rel=1e-12)
        assert row.n_overlap == expected["n_overlap"]
        assert row.change_p_value == pytest.approx(expected["p_value"], rel=2e-7)
        assert row.change_p_value != pytest.approx(expected["independent_p_value"], rel=1e-6)


# Each table's test family, the claims it releases together (docs.md, "multiple_testing"), and the names of its
# test columns: p, q, adjusted flag, family id, family size, unadjusted and FCR-adjusted interval bounds.
CHANGE_COLUMNS = (
    "change_p_value",
    "change_q_value",
    "change_significant",
    "change_test_family",
    "change_test_family_size",
    ("change_ci_low_pp", "change_ci_high_pp"),
    ("change_ci_low_fcr_pp", "change_ci_high_fcr_pp"),
)
DIFFERENCE_COLUMNS = (
    "p_value",
    "q_value",
    "significant",
    "test_family",
    "test_family_size",
    ("ci_low_pp", "ci_high_pp"),
    ("ci_low_fcr_pp", "ci_high_fcr_pp"),
)
TEST_FAMILIES = {
    "fct_indicator": (["year", "population"], CHANGE_COLUMNS),
    "fct_indicator_breakdown": (["year", "population", "breakdown"], CHANGE_COLUMNS),
    "fct_population_difference": (["year"], DIFFERENCE_COLUMNS),
}


@pytest.mark.parametrize("table", TEST_FAMILIES)
def test_a_test_family_is_every_claim_a_table_releases_together(con, table):
    family_by, (p, q, flag, family, size, _, _) = TEST_FAMILIES[table]
    rows = con.execute(f"select * from marts.{table}").df()
    tested = rows[rows[p].notna()]
    assert len(tested) > 20
    # A row without a p-value is in no family and not counted in m.
    assert rows.loc[rows[p].isna(), [q, flag, family, size]].isna().all().all()
    groups = tested.groupby(family_by)
    for key, group in groups:
        values = key if isinstance(key, tuple) else (key,)
        assert set(group[family]) == {":".join([table, *map(str, values)])}
        assert (group[size] == len(group)).all()
        expected = stats.false_discovery_control(group[p].to_numpy(), method="bh")
        assert group[q].to_numpy() == pytest.approx(expected, abs=1e-12)
    assert (tested[flag] == (tested[q] < 0.05)).all()
    # Claims released together are one family: most families hold several tests.
    sizes = groups.size()
    assert (sizes > 1).sum() > (sizes == 1).sum(), sizes.to_dict()


def test_every_published_interval_agrees_with_its_test(con):
    """Over every mart with a test: the unadjusted 95 % interval excludes 0 exactly when p < 0.05, and the
    FCR-adjusted interval is shown exactly for the significant claims and excludes 0 for each."""
    tables = con.execute(
        "select table_name, column_name from duckdb_columns() where schema_name = 'marts' "
        "and column_name in ('change_p_value', 'p_value')"
    ).fetchall()
    assert len(tables) >= len(FAMILY_MARTS) + len(FAMILY_BREAKDOWN_MARTS) + 3
    checked = below = 0
    for table, p_column in tables:
        p, _, flag, _, _, (low, high), (fcr_low, fcr_high) = (
            CHANGE_COLUMNS if p_column == "change_p_value" else DIFFERENCE_COLUMNS
        )
        rows = con.execute(f"select {p}, {flag}, {low}, {high}, {fcr_low}, {fcr_high} from marts.{table}").df()
        assert (rows[low].notna() == rows[p].notna()).all(), table
        tested = rows[rows[p].notna()]
        # The normal tail is exact to 1.2e-7: a p-value that close to 0.05 could fall either side.
        clear = tested[(tested[p] - 0.05).abs() > 1e-6]
        excludes_zero = (clear[low] > 0) | (clear[high] < 0)
        assert (excludes_zero == (clear[p] < 0.05)).all(), table
        assert (tested[fcr_low].notna() == tested[flag].astype(bool)).all(), table
        selected = tested[tested[flag].astype(bool)]
        assert ((selected[fcr_low] > 0) | (selected[fcr_high] < 0)).all(), table
        assert (selected[fcr_low] <= selected[low]).all() and (selected[fcr_high] >= selected[high]).all(), table
        checked += len(tested)
        below += int((tested[p] < 0.05).sum())
    # Both sides of the equivalence are met: intervals that exclude 0 and intervals that do not.
    assert checked > 200 and 0 < below < checked


def test_change_significance_is_benjamini_hochberg_within_year_and_population(con):
    fct = con.execute(
        "select family, year, population, change_p_value, change_q_value, change_significant "
        "from marts.fct_indicator where change_p_value is not null"
    ).df()
    assert len(fct) > 50
    # Several indicator families are released together for a population and year, so they share a family.
    assert (fct.groupby(["year", "population"]).family.nunique() > 1).any()
    for _, family in fct.groupby(["year", "population"]):
        expected = stats.false_discovery_control(family.change_p_value.to_numpy(), method="bh")
        assert family.change_q_value.to_numpy() == pytest.approx(expected, abs=1e-12)
    assert (fct.change_significant == (fct.change_q_value < 0.05)).all()
    # The panel's years are independent: no overlap is used.
    panel = con.execute("select * from marts.fct_indicator where survey = 'panel' and change_p_value is not null").df()
    assert len(panel) > 0 and panel.n_overlap.isna().all()


def test_a_series_break_yields_no_change_test(con):
    rows = con.execute("select * from marts.fct_indicator where indicator_id = 'ai_adoption' and year = 2025").df()
    assert set(rows.population) == {"stat", "kommune", "fylkeskommune", "alle"}
    assert rows.series_break.all() and not rows.series_comparable.any()
    assert rows[["change_pp", "change_p_value", "change_q_value", "change_significant", "n_overlap"]].isna().all().all()
    # The years before the break keep their tests.
    shown, tested = con.execute(
        "select count(*), count(change_p_value) from marts.fct_indicator "
        "where indicator_id = 'ai_adoption' and year = 2024 and not suppressed"
    ).fetchone()
    assert shown == tested > 0


def test_a_domain_defined_by_a_question_breaks_with_that_question(con):
    """ai_adopter categories are defined by the ai_adoption answer, whose question breaks in 2025: an adopter of
    2025 is not an adopter of 2024, so no breakdown row by ai_adopter compares the two years."""
    rows = con.execute(
        "select * from marts.fct_indicator_breakdown where breakdown = 'ai_adopter' and year = 2025"
    ).df()
    # Without the break these rows would be compared: both years are shown and their own questions did not change.
    shown_both_years = con.execute(
        "select count(*) from marts.fct_indicator_breakdown as now "
        "inner join marts.fct_indicator_breakdown as before on now.indicator_id = before.indicator_id "
        "and now.item is not distinct from before.item and now.population = before.population "
        "and now.breakdown = before.breakdown and now.category = before.category "
        "where now.breakdown = 'ai_adopter' and now.year = 2025 and before.year = 2024 "
        "and not now.suppressed and not before.suppressed"
    ).fetchone()[0]
    assert shown_both_years > 0
    own_break = con.execute(
        "select count(*) from marts.fct_indicator where family in (select unnest(families) from marts.dim_breakdown "
        "where breakdown = 'ai_adopter') and year = 2025 and series_break"
    ).fetchone()[0]
    assert own_break == 0
    assert rows.series_break.all()
    assert not rows.series_comparable.fillna(False).any()
    assert (
        rows[["change_pp", "change_ci_low_pp", "change_p_value", "change_q_value", "change_significant"]]
        .isna()
        .all()
        .all()
    )
    # The breakdowns that no question defines keep their changes in 2025, and ai_adopter before the break.
    tested = dict(
        con.execute(
            "select breakdown = 'ai_adopter' and year = 2025, count(change_p_value) from marts.fct_indicator_breakdown "
            "where year >= 2024 group by all"
        ).fetchall()
    )
    assert tested[True] == 0 and tested[False] > 0
    assert con.execute(
        "select count(change_p_value) from marts.fct_indicator_breakdown where breakdown = 'ai_adopter' and year = 2024"
    ).fetchone()[0]
    defined_by = "select defined_by_indicator from marts.dim_breakdown where breakdown = 'ai_adopter'"
    assert con.execute(defined_by).fetchone() == ("ai_adoption",)


def test_series_break_comes_from_the_codebook_wording(con):
    breaks = con.execute("select distinct indicator_id, year from marts.fct_indicator where series_break").fetchall()
    assert breaks == [("ai_adoption", 2025)]


def test_ai_adoption_carries_the_policy_target_in_force(con):
    targets = con.execute(
        "select distinct year, policy_target_pct, policy_target_year from marts.mart_ai_adoption order by year"
    ).fetchall()
    assert targets == [(year, 80.0, 2025) for year in range(2021, 2026)]


def test_family_marts_partition_fct_indicator(con):
    total = sum(con.execute(f"select count(*) from marts.{mart}").fetchone()[0] for mart in FAMILY_MARTS)
    assert total == con.execute("select count(*) from marts.fct_indicator").fetchone()[0]
    external = con.execute(
        "select distinct is_external_source, external_source from marts.mart_ai_use_mode_external"
    ).fetchall()
    assert external == [(True, "Statens arbeidsgiverbarometer 2024")]


def test_the_candidate_gives_every_mart_and_column_its_description_from_the_manifest(built, tmp_path):
    # dbt writes no comments into the working database; the candidate build writes the manifest's descriptions.
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(built["manifest"]))
    candidate = tmp_path / "candidate.duckdb"
    declared = mart_declarations(manifest)
    candidates.snapshot(built["db_path"], candidate, keys=declared.keys, docs=declared.docs)
    with duckdb.connect(str(candidate), read_only=True) as frozen:
        columns = frozen.execute(
            "select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'"
        ).df()
        tables = frozen.execute("select table_name, comment from duckdb_tables() where schema_name = 'marts'").df()
    assert set(columns.table_name) == MARTS
    missing = columns[columns.comment.isna() | (columns.comment.str.strip() == "")]
    assert missing.empty, missing[["table_name", "column_name"]].to_string()
    assert tables.comment.notna().all()
    share = columns[(columns.table_name == "fct_indicator") & (columns.column_name == "ci_low_pct")].comment.iloc[0]
    assert "Wilson" in share
    model = built["manifest"]["nodes"]["model.itip.fct_indicator"]
    assert share == model["columns"]["ci_low_pct"]["description"]


def test_every_family_mart_refuses_a_missing_key_while_it_is_built(con):
    """NOT NULL is a contract constraint on the contracted marts (not a dbt test): every family mart has it,
    including those that share mart_ai_adoption's column list."""
    not_null = con.execute(
        "select table_name, unnest(constraint_column_names) as column_name from duckdb_constraints() "
        "where schema_name = 'marts' and constraint_type = 'NOT NULL'"
    ).df()
    constrained = not_null.groupby("table_name").column_name.agg(set)
    families = [table for table in MARTS if table.startswith("mart_") and not table.endswith("_external")]
    assert len(families) >= 13
    for table in families:
        assert {"indicator_id", "population", "year", "n_base", "suppressed"} <= constrained.get(table, set()), table
    with pytest.raises(duckdb.ConstraintException):
        scratch = duckdb.connect()
        scratch.execute(
            con.execute(
                "select sql from duckdb_tables() where schema_name = 'marts' and table_name = 'mart_ai_task_area'"
            )
            .fetchone()[0]
            .replace("marts.", "")
            .replace('"marts".', "")
        )
        scratch.execute("insert into mart_ai_task_area (indicator_id) values (null)")


def scratch_copy(con, table: str) -> duckdb.DuckDBPyConnection:
    """An empty in-memory copy of a built mart, with the constraints dbt's contract gave it."""
    scratch = duckdb.connect()
    ddl = con.execute(
        "select sql from duckdb_tables() where schema_name = 'marts' and table_name = ?", [table]
    ).fetchone()[0]
    scratch.execute(ddl.replace('"marts".', "").replace("marts.", ""))
    return scratch


# One row rule of each kind the contracts carry (core/_core.yml): a built row that obeys it, changed so that it
# breaks only that rule, and what DuckDB's refusal names.
ROW_RULES = {
    "not_null": ("fct_indicator", "true", {"year": None}, "NOT NULL constraint failed: fct_indicator."),
    "not_null where": (
        "fct_indicator",
        "suppressed",
        {"suppression_reason": None},
        "suppression_reason IS NOT NULL",
    ),
    "value_between": ("fct_indicator", "true", {"n_base": 0}, "n_base BETWEEN 1 AND 1000000"),
    "accepted_values": ("fct_indicator", "true", {"population": "elsewhere"}, "population IN"),
    "interval_contains": (
        "fct_indicator",
        "ci_low_pct > 1 and not suppressed",
        {"share_pct": lambda row: row["ci_low_pct"] - 1},
        "ci_low_pct <= share_pct",
    ),
    "null_when": ("fct_indicator", "suppressed", {"share_pct": 50.0}, "(share_pct IS NULL) OR (NOT suppressed)"),
    "family mart": ("mart_ai_task_area", "true", {"flag": "x"}, "flag IN"),
}


@pytest.mark.parametrize("kind", ROW_RULES)
def test_a_row_breaking_one_rule_is_refused_naming_the_rule(con, kind):
    """The rules that were dbt tests, one per kind, refuse the row while the mart is built: a check in the
    table's DDL, so a build that makes such a row fails there and nothing downstream is built or published."""
    table, where, changes, named = ROW_RULES[kind]
    scratch = scratch_copy(con, table)
    cursor = con.execute(f"select * from marts.{table} where {where} limit 1")
    names = [column[0] for column in cursor.description]
    row = dict(zip(names, cursor.fetchone(), strict=True))
    insert = f"insert into {table} values ({', '.join('?' for _ in names)})"
    scratch.execute(insert, list(row.values()))  # the row as built obeys every rule
    broken = {**row, **{k: v(row) if callable(v) else v for k, v in changes.items()}}
    with pytest.raises(duckdb.ConstraintException) as refused:
        scratch.execute(insert, list(broken.values()))
    assert named in str(refused.value), str(refused.value)


def test_a_table_without_a_contract_names_each_column_missing_a_value(built, con):
    """not_null_columns, one test per table for the NOT NULL rules no contract covers: it passed on the built
    table, and the same compiled test finds a value removed, naming the column and the rows without it."""
    [result] = [
        r for r in built["run_results"] if r["unique_id"].startswith("test.itip.not_null_columns_int_question_series")
    ]
    assert result["status"] == "pass"
    scratch = duckdb.connect()
    scratch.execute("attach ':memory:' as work")
    scratch.execute("create schema work.intermediate")
    rows = con.execute("select * from intermediate.int_question_series").df()
    scratch.register("built_rows", rows)
    scratch.execute("create table work.intermediate.int_question_series as select * from built_rows")
    assert scratch.execute(result["compiled_code"]).fetchall() == []
    scratch.execute(
        "update work.intermediate.int_question_series set series_break = null "
        "where rowid in (select rowid from work.intermediate.int_question_series limit 2)"
    )
    assert scratch.execute(result["compiled_code"]).fetchall() == [("series_break", 2)]


def test_population_difference_equals_an_independent_computation(con, raw):
    row = (
        con.execute(
            "select * from marts.fct_population_difference where indicator_id = 'authority_support' and year = 2023"
        )
        .df()
        .iloc[0]
    )
    a = expected_share(raw, "authority_support", 2023, {"stat"}, {4, 5})
    b = expected_share(raw, "authority_support", 2023, {"kommune"}, {4, 5})
    p_a, p_b = a["share_pct"] / 100, b["share_pct"] / 100
    assert row.difference_pp == pytest.approx(100 * (p_a - p_b), rel=1e-12)
    z = (p_a - p_b) / np.sqrt(p_a * (1 - p_a) / a["n_base"] + p_b * (1 - p_b) / b["n_base"])
    assert row.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=2e-7)
    # The unadjusted interval on the test's own standard error.
    se = np.sqrt(p_a * (1 - p_a) / a["n_base"] + p_b * (1 - p_b) / b["n_base"])
    low, high = p_a - p_b - stats.norm.ppf(0.975) * se, p_a - p_b + stats.norm.ppf(0.975) * se
    assert (row.ci_low_pp, row.ci_high_pp) == pytest.approx((100 * low, 100 * high), rel=1e-9)
    every = con.execute("select * from marts.fct_population_difference").df()
    assert every.difference_pp[every.suppressed].isna().all()
    shown = every[~every.suppressed & every.q_value.notna()]
    for _, family in shown.groupby("year"):
        expected = stats.false_discovery_control(family.p_value.to_numpy(), method="bh")
        assert family.q_value.to_numpy() == pytest.approx(expected, abs=1e-12)


def test_share_without_dont_know_and_the_headline_base(con, raw):
    row = fct_row(con, "infosec_statement", "overview", "kommune", 2024)
    answers = raw[(raw.question_id == "infosec_overview") & (raw.survey_year == 2024) & (raw.grp == "kommune")]
    known = answers[answers.answer_code.notna() & (answers.answer_code != 9)]
    assert row["n_base_excl_dont_know"] == len(known) < row["n_base"]
    assert row["share_excl_dont_know_pct"] == pytest.approx(100 * known.answer_code.isin([4, 5]).mean(), rel=1e-12)
    low, high = wilson_interval(row["share_excl_dont_know_pct"] / 100, len(known))
    assert (row["ci_low_excl_dont_know_pct"], row["ci_high_excl_dont_know_pct"]) == pytest.approx(
        (100 * low, 100 * high), rel=1e-12
    )
    # The health item's headline base leaves "vet ikke" out (the report's arithmetic): both shares agree.
    health = fct_row(con, "citizen_ai_health_decision_support", None, "innbyggere", 2025)
    assert health["share_pct"] == pytest.approx(health["share_excl_dont_know_pct"], rel=1e-12)
    assert health["n_base"] == health["n_base_excl_dont_know"]


def test_every_published_row_has_its_estimand(con):
    fct = con.execute("select distinct indicator_id, item, population from marts.fct_indicator").df()
    method = con.execute("select * from marts.dim_indicator_method").df()
    joined = fct.merge(method, on=["indicator_id", "item", "population"], how="left")
    assert joined[["universe", "base_rule", "weighting", "variance_method", "comparability_note"]].notna().all().all()
    benefit = method[method.indicator_id == "ai_benefit"].universe
    assert benefit.str.contains("use AI").all()
    assert "NOT comparable" in method[(method.indicator_id == "ai_adoption")].comparability_note.iloc[0]
    populations = con.execute("select population, respondent_groups from marts.dim_population").fetchall()
    assert dict(populations)["alle"] == "stat|kommune"
    assert set(dict(populations)) == {"stat", "kommune", "fylkeskommune", "alle", "innbyggere"}


def _dbt(work: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**dbt_env(work / "work.duckdb"), "DBT_TARGET_PATH": str(work / "target"), "DBT_LOG_PATH": str(work / "logs")}
    return subprocess.run(dbt_command(get_settings(), *args), env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def fpc_work(built, tmp_path_factory) -> Path:
    """A copy of the built database, for runs with the finite population correction on."""
    work = tmp_path_factory.mktemp("fpc")
    shutil.copy(built["db_path"], work / "work.duckdb")
    return work


def test_fpc_on_corrects_every_stratum_with_a_frame_and_stratifies_the_pooled_population(fpc_work, raw):
    result = _dbt(fpc_work, "run", "--select", "int_indicator_estimates", "--vars", "{apply_fpc: true}")
    assert result.returncode == 0, result.stdout[-2000:]
    con = duckdb.connect(str(fpc_work / "work.duckdb"), read_only=True)
    try:
        rows = (
            con.execute(
                "select population, n_effective, n_adjusted, frame_size, share from "
                "intermediate.int_indicator_estimates where question_id = 'authority_support' "
                "and survey_year = 2024"
            )
            .df()
            .set_index("population")
        )
    finally:
        con.close()
    for population, big_n in (("kommune", 357), ("fylkeskommune", 14)):
        n = rows.loc[population, "n_effective"]
        assert rows.loc[population, "n_adjusted"] == pytest.approx(n * (big_n - 1) / (big_n - n), rel=1e-12)
    assert rows.loc["stat", "n_adjusted"] == rows.loc["stat", "n_effective"]  # no state frame
    # alle: Σ (n_h/n)²·p_h(1−p_h)/n_h·f_h over stat (f = 1) and kommune, recomputed with pandas.
    parts = [expected_share(raw, "authority_support", 2024, {g}, {4, 5}) for g in ("stat", "kommune")]
    n = sum(part["n_base"] for part in parts)
    fpc = [1.0, (357 - parts[1]["n_base"]) / 356]
    variance = sum(
        (part["n_base"] / n) ** 2 * (part["share_pct"] / 100) * (1 - part["share_pct"] / 100) / part["n_base"] * f
        for part, f in zip(parts, fpc, strict=True)
    )
    p = rows.loc["alle", "share"]
    assert rows.loc["alle", "n_adjusted"] == pytest.approx(p * (1 - p) / variance, rel=1e-12)
    assert pd.isna(rows.loc["alle", "frame_size"])  # stat has none, so the pooled population has none


def test_fpc_on_fails_loudly_for_a_year_without_a_frame_row(fpc_work):
    # A correct 2027 delivery (the 2025 questions again) arrives before anyone adds its frame rows.
    con = duckdb.connect(str(fpc_work / "work.duckdb"))
    try:
        for table in ("codebook", "org_respondents", "org_answers"):
            con.execute(
                f"insert into raw.{table} by name select * replace (2027 as survey_year) "
                f"from raw.{table} where survey_year = 2025"
            )
    finally:
        con.close()
    models = ("int_answers_long", "int_indicator_answers", "int_indicator_estimates")
    result = _dbt(fpc_work, "run", "--select", *models, "--vars", "{apply_fpc: true}")
    assert result.returncode != 0
    message = " ".join(result.stdout.split())
    assert "kommune in 2027" in message and "fylkeskommune in 2027" in message
    assert "seeds/population_frame.csv" in message
    assert "stat in 2027" not in message  # stat needs no frame
    # With the correction off the same delivery builds.
    assert _dbt(fpc_work, "run", "--select", *models, "--vars", "{apply_fpc: false}").returncode == 0


# --- dim_municipality: the register by survey year, with the county harmonised to the 2024 counties ---------


def _seed(name: str) -> pd.DataFrame:
    return pd.read_csv(DBT_PROJECT / "seeds" / f"{name}.csv", dtype=str, keep_default_na=False)


def test_dim_municipality_harmonises_every_year_to_the_2024_counties(con):
    dim = con.execute("select * from marts.dim_municipality").df()
    # Expected, in pandas from the seeds: a year's own version; before 2024, the main successor's 2024 county.
    register = _seed("municipality_register").astype({"valid_from_year": int, "valid_to_year": int})
    in_2024 = register[register.valid_from_year == 2024].set_index("kommunenummer")
    successor = _seed("municipality_change_2024").query("main_successor == 'true'").set_index("kommunenummer_2023")
    for year in range(2020, 2027):
        version = register[(register.valid_from_year <= year) & (year <= register.valid_to_year)]
        got = dim[dim.survey_year == year].set_index("kommunenummer").sort_index()
        assert list(got.index) == sorted(version.kommunenummer)
        number_2024 = got.index.map(lambda k, year=year: k if year >= 2024 else successor.loc[k, "kommunenummer_2024"])
        assert list(got.kommunenummer_2024) == list(number_2024)
        assert list(got.county_2024_name) == list(in_2024.loc[number_2024, "fylkesnavn"])
        assert (got.county_number == got.index.str[:2]).all()
    assert dim.groupby("survey_year").county_2024_number.nunique().eq(15).all()
    by_key = dim.set_index(["survey_year", "kommunenummer"])
    # Viken's municipalities of 2023 go to the three counties it was split into.
    viken = by_key.loc[2023][lambda d: d.county_name == "Viken"]
    assert set(viken.county_2024_name) == {"Østfold", "Akershus", "Buskerud"}
    assert by_key.loc[(2023, "3001"), ["kommunenummer_2024", "county_2024_name"]].tolist() == ["3101", "Østfold"]
    assert by_key.loc[(2023, "3053"), "county_2024_name"] == "Akershus"  # Jevnaker, from Oppland via Viken
    assert by_key.loc[(2021, "5401"), "county_2024_name"] == "Troms"
    assert by_key.loc[(2022, "5444"), "county_2024_name"] == "Finnmark"  # Sør-Varanger
    assert by_key.loc[(2023, "1507"), "kommunenummer_2024"] == "1508"  # Ålesund, the part that kept the name


def test_every_loaded_municipality_has_a_dim_municipality_row(con):
    unmatched = con.execute("""
        select r.survey_year, r.kommunenr from staging.stg_org_respondents r
        left join marts.dim_municipality d on d.survey_year = r.survey_year and d.kommunenummer = r.kommunenr
        where r.sector = 'kommune' and d.kommunenummer is null""").fetchall()
    assert unmatched == []


def test_a_loaded_year_after_the_register_gets_its_newest_version_flagged(built, tmp_path):
    shutil.copy(built["db_path"], tmp_path / "work.duckdb")
    con = duckdb.connect(str(tmp_path / "work.duckdb"))
    try:
        con.execute(
            "insert into raw.org_respondents by name select * replace (2027 as survey_year) "
            "from raw.org_respondents where survey_year = 2025"
        )
    finally:
        con.close()
    result = _dbt(tmp_path, "run", "--select", "dim_municipality")
    assert result.returncode == 0, result.stdout[-2000:]
    con = duckdb.connect(str(tmp_path / "work.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select survey_year, count(*), bool_or(register_covers_year), "
            "min(classification_version) from marts.dim_municipality "
            "where survey_year >= 2026 group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    assert rows == [(2026, 357, True, "Kommuneinndeling 2024"), (2027, 357, False, "Kommuneinndeling 2024")]


# --- Wide views and breakdowns --------------------------------------------------------------------------------


def test_wide_views_carry_one_column_per_loaded_year_with_fct_indicators_values(con):
    fct = con.execute("select * from marts.fct_indicator").df()
    years = sorted(fct.year.unique())
    key = ["indicator_id", "item", "population"]
    for table, measures in (
        ("indicator_by_year", ("share_pct", "suppression_reason")),
        ("indicator_by_year_interval", ("share_pct", "ci_low_pct", "ci_high_pct")),
    ):
        wide = con.execute(f"select * from marts.{table}").df()
        year_columns = [c for c in wide.columns if c.rsplit("_", 1)[-1].isdigit()]
        assert year_columns == [f"{m}_{y}" for y in years for m in measures]
        assert len(wide) == len(fct[key].fillna("").drop_duplicates())
        long = wide.melt(id_vars=key, value_vars=year_columns, var_name="column").dropna(subset=["value"])
        long[["measure", "year"]] = long.column.str.rsplit("_", n=1, expand=True)
        expected = fct.melt(id_vars=[*key, "year"], value_vars=list(measures), var_name="measure").dropna(
            subset=["value"]
        )
        merged = expected.assign(year=expected.year.astype(str)).merge(
            long, on=[*key, "year", "measure"], how="outer", suffixes=("_fct", "_wide"), indicator=True
        )
        assert (merged["_merge"] == "both").all()
        assert (merged.value_fct == merged.value_wide).all()


@pytest.fixture(scope="session")
def raw_categories(con) -> pd.DataFrame:
    """Every respondent's breakdown categories, from raw with pandas only: the panel's delivered gender, age
    group and region, and an organisation's own ai_adoption answer that year (3-5 adopter, anything else —
    1-2, "vet ikke" or no answer — non-adopter)."""
    panel = con.execute(
        "select survey_year, respondent_number::varchar as respondent, gender, age_group, region "
        "from raw.panel_respondents"
    ).df()
    org = con.execute(
        "select r.survey_year, r.orgnr as respondent, a.answer_code from raw.org_respondents r "
        "left join raw.org_answers a on a.survey_year = r.survey_year and a.orgnr = r.orgnr "
        "and a.question_id = 'ai_adoption'"
    ).df()
    org["ai_adopter"] = np.where(org.answer_code.isin([3, 4, 5]), "adopter", "non_adopter")
    return pd.concat([panel, org.drop(columns="answer_code")], ignore_index=True)


BREAKDOWN_WITH_ESTIMATES = (
    "select f.*, e.share as true_share, e.dont_know_share as true_dont_know_share "
    "from marts.fct_indicator_breakdown f join intermediate.int_breakdown_estimates e "
    "on e.indicator_id = f.indicator_id and e.item is not distinct from f.item and e.population = f.population "
    "and e.breakdown = f.breakdown and e.category = f.category and e.survey_year = f.year"
)


@pytest.mark.parametrize(
    ("indicator_id", "item", "question", "population", "groups", "success", "year", "breakdown", "category"),
    [
        (
            "citizen_data_protection_trust",
            None,
            "citizen_data_protection_trust",
            "innbyggere",
            {"innbyggere"},
            {4, 5},
            2024,
            "age_group",
            "60+",
        ),
        (
            "citizen_ai_trust_factor",
            "data_control",
            "citizen_trust_factor_data_control",
            "innbyggere",
            {"innbyggere"},
            {4, 5},
            2025,
            "gender",
            "kvinne",
        ),
        ("ai_barrier", "legal", "ai_barrier_legal", "kommune", {"kommune"}, {4, 5}, 2024, "ai_adopter", "adopter"),
        (
            "ai_strategy",
            "no_strategic_frame",
            "ai_strategy",
            "stat",
            {"stat"},
            {1, 2},
            2025,
            "ai_adopter",
            "non_adopter",
        ),
    ],
)
def test_breakdown_shares_equal_an_independent_pandas_computation(
    con, raw_categories, indicator_id, item, question, population, groups, success, year, breakdown, category
):
    answers = con.execute(
        "select a.survey_year, a.orgnr as respondent, a.question_id, a.answer_code, r.sector as grp, 1.0 as weight "
        "from raw.org_answers a join raw.org_respondents r using (survey_year, orgnr) union all "
        "select a.survey_year, a.respondent_number::varchar, a.question_id, a.answer_code, 'innbyggere', r.weight "
        "from raw.panel_answers a join raw.panel_respondents r using (survey_year, respondent_number)"
    ).df()
    answers = answers.merge(raw_categories[["survey_year", "respondent", breakdown]])
    expected = expected_share(answers[answers[breakdown] == category], question, year, groups, success)
    row = (
        con.execute(
            f"select * from ({BREAKDOWN_WITH_ESTIMATES}) where indicator_id = ? and item is not "
            "distinct from ? and population = ? and year = ? and breakdown = ? and category = ?",
            [indicator_id, item, population, year, breakdown, category],
        )
        .df()
        .iloc[0]
    )
    assert row.n_base == expected["n_base"] > 0
    assert 100 * row.true_share == pytest.approx(expected["share_pct"], rel=1e-12)
    assert 100 * row.true_dont_know_share == pytest.approx(expected["dont_know_pct"], rel=1e-12, abs=1e-12)
    assert row.n_effective == pytest.approx(expected["n_effective"], rel=1e-12)
    if not row.suppressed:
        assert row.share_pct == pytest.approx(100 * row.true_share)
        low, high = wilson_interval(row.true_share, row.n_effective)
        assert (row.ci_low_pct, row.ci_high_pct) == pytest.approx((100 * low, 100 * high))


def test_breakdown_categories_partition_the_headline_base(con):
    sums = con.execute(
        "select b.indicator_id, b.item, b.population, b.year, b.breakdown, sum(b.n_base) as n_categories, "
        "any_value(f.n_base) as n_headline from marts.fct_indicator_breakdown b join marts.fct_indicator f "
        "using (indicator_id, item, population, year) group by all"
    ).df()
    assert set(sums.breakdown) == {"gender", "age_group", "region", "ai_adopter", "county_2024"}
    assert (sums.n_categories == sums.n_headline).all()
    adopters = con.execute(
        "select distinct family, population from marts.fct_indicator_breakdown where breakdown = 'ai_adopter'"
    ).df()
    assert set(adopters.population) == {"stat", "kommune"}
    assert "ai_adoption" not in set(adopters.family) and {"ai_barrier", "ai_strategy"} <= set(adopters.family)


def test_breakdown_cells_follow_the_primary_rule_and_leak_nothing_by_differencing(con, raw_categories):
    cells = con.execute(BREAKDOWN_WITH_ESTIMATES).df()
    assert ((cells.suppression_reason == "n_base") == (cells.n_base < 10)).all()
    assert cells[cells.suppressed][["share_pct", "ci_low_pct", "dont_know_pct", "change_pp"]].isna().all().all()
    assert cells.suppressed.any() and (cells.suppression_reason == "complementary").any()
    fct = con.execute(WITH_ESTIMATES).df()
    populations, success = _published_structure()
    # one year's blocks (each year is its own set; the end-to-end test attacks every year of a real run)
    fct, cells = fct[fct.year == 2025], cells[cells.year == 2025]
    table, units = with_breakdown_cells(fct, cells[cells.survey == "org"], populations)
    assert len(units["kommune"]) > len(units["stat"]) > 1  # kommune: adopter × county atoms; stat: adopter
    assert differencing_attack(attacker_shares(table), units, success, 10) == []
    # Without complementary suppression, a category follows from its population minus the other categories.
    primary_only = table.assign(
        suppressed=table.suppression_reason.isin(["n_base", "group_disclosure"]),
        share_pct=100 * table.true_share,
        dont_know_pct=100 * table.true_dont_know_share,
    )
    recovered = differencing_attack(primary_only, units, success, 10)
    assert any("|county_2024=" in name for name in recovered)


def test_family_breakdown_marts_are_their_familys_rows_of_fct_indicator_breakdown(con):
    for mart in FAMILY_BREAKDOWN_MARTS:
        family = mart.removeprefix("mart_").removesuffix("_breakdown")
        key = "indicator_id, item, population, breakdown, category, year, share_pct, suppression_reason"
        differing = con.execute(
            f"(select {key} from marts.{mart} except select {key} from "
            f"marts.fct_indicator_breakdown where family = ?) union all (select {key} from "
            f"marts.fct_indicator_breakdown where family = ? except select {key} from "
            f"marts.{mart})",
            [family, family],
        ).fetchall()
        assert differing == [] and con.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0, mart
    breakdowns = con.execute("select distinct breakdown from marts.mart_citizen_data_protection_trust_breakdown")
    assert {"age_group", "gender", "region"} == {b for (b,) in breakdowns.fetchall()}


@pytest.mark.parametrize(
    ("question", "population", "groups", "year"),
    [
        ("citizen_data_protection_trust", "innbyggere", {"innbyggere"}, 2025),
        ("ai_strategy", "alle", {"stat", "kommune"}, 2025),
        ("infosec_overview", "kommune", {"kommune"}, 2023),
    ],
)
def test_answer_distribution_equals_an_independent_pandas_computation(con, raw, question, population, groups, year):
    rows = con.execute(
        "select d.*, e.share from marts.fct_answer_distribution d join "
        "intermediate.int_distribution_estimates e on e.question_id = d.question_id and "
        "e.survey_year = d.year and e.population = d.population and e.answer_code = d.answer_code "
        "where d.question_id = ? and d.year = ? and d.population = ?",
        [question, year, population],
    ).df()
    answers = raw[(raw.question_id == question) & (raw.survey_year == year) & raw.grp.isin(groups)]
    asked = answers[answers.answer_code.notna()]
    expected = asked.groupby("answer_code").weight.sum() / asked.weight.sum()
    got = rows.set_index("answer_code")
    assert (got.n_base == len(asked)).all() and (got.n_blank == len(answers) - len(asked)).all()
    assert set(expected.index) <= set(got.index)
    assert got.share.to_numpy() == pytest.approx(expected.reindex(got.index, fill_value=0.0).to_numpy(), rel=1e-12)
    assert got.share.sum() == pytest.approx(1.0)
    shown = got[~got.suppressed]
    assert shown.share_pct.to_numpy() == pytest.approx(100 * shown.share.to_numpy())
    assert got[got.suppressed].share_pct.isna().all()
    assert (
        got.answer_label_no.notna().all() and got.loc[9, "answer_label_no"] == "Vet ikke" and got.loc[9, "is_dont_know"]
    )


def test_answer_distribution_cells_leak_nothing_by_differencing(con):
    # The distribution's codes sum to the base and overlap the indicators' top-box shares: one system per block.
    fct = con.execute(WITH_ESTIMATES + " where f.year = 2025").df()
    distribution, codes = distribution_cells(
        con.execute(
            "select d.*, e.share as true_share from marts.fct_answer_distribution d "
            "join intermediate.int_distribution_estimates e "
            "on e.question_id = d.question_id and e.survey_year = d.year and e.population = d.population "
            "and e.answer_code = d.answer_code where d.year = 2025"
        ).df()
    )
    populations, success = _published_structure()
    table = pd.concat([fct, distribution[list(fct.columns.intersection(distribution.columns))]], ignore_index=True)
    assert table.loc[len(fct) :, "dont_know_pct"].isna().all()  # a distribution publishes "vet ikke" as a code
    assert distribution.suppressed.any() and (~distribution.suppressed).any()
    assert (distribution.suppression_reason == "complementary").any()
    assert differencing_attack(attacker_shares(table), populations, {**success, **codes}, 10) == []
    primary_only = table.assign(
        suppressed=table.suppression_reason.isin(["n_base", "group_disclosure"]), share_pct=100 * table.true_share
    )
    assert any(
        name.startswith("answer_distribution/")
        for name in differencing_attack(primary_only, populations, {**success, **codes}, 10)
    )
