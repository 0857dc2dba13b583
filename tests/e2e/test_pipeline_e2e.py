"""End to end, in process: five synthetic years loaded, built, checked and published; a rerun and a bad file.

The session's one full run (conftest `published_once`, the expensive part) is shared by the tests in this
module; what a test changes in its landing folder it puts back. A corrected delivery that publishes with a
warning is tested in test_faults.py, on the run that survives a killed one.
"""

from __future__ import annotations

import hashlib
import io
import json
import re

import dagster as dg
import duckdb
import pandas as pd
import pytest
import yaml

from itip_pipeline.runner.itip_run import run_all

from support.differencing_attack import attacker_shares, differencing_attack, distribution_cells, with_breakdown_cells


@pytest.fixture(scope="module")
def published(published_once):
    """The session's published folder; Dagster and the settings pointed at it while this module runs."""
    settings, summary, terminal = published_once
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITIP_DATA_DIR", str(settings.data_dir))
        patch.setenv("DAGSTER_HOME", str(settings.dagster_home))
        patch.delenv("ITIP_PSEUDONYM_KEY", raising=False)
        yield settings, summary, terminal


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read(settings, sql):
    con = duckdb.connect(str(settings.warehouse_db), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_a_fresh_run_loads_and_publishes_every_mart(published):
    settings, summary, _ = published
    assert summary.published and not summary.failed_years, summary.failed_years
    assert summary.warnings == []  # every judged figure reproduced: the reconciliation check has nothing to say
    assert summary.years == [2021, 2022, 2023, 2024, 2025]
    assert sorted(summary.skipped) == ["2020", "misc"], "reported and skipped, not a crash"
    assert "not a survey year" in summary.skipped["2020"] and "not a year folder" in summary.skipped["misc"]
    tables = set(_read(settings, "select table_name from duckdb_tables() where schema_name = 'marts'")["table_name"])
    assert {
        "fct_indicator",
        "published_reconciliation",
        "mart_ai_adoption",
        "mart_citizen_data_protection_trust",
        "mart_ai_use_mode_external",
    } <= tables
    assert {p.stem for p in settings.marts_dir.glob("*.parquet")} == tables
    years = _read(settings, "select distinct year from marts.fct_indicator order by 1")["year"].tolist()
    assert years == [2021, 2022, 2023, 2024, 2025]
    from itip_pipeline.quality.mart_suite import report_index

    assert report_index(settings.gx_report_dir).is_file()


def test_the_five_years_were_loaded_built_and_published_by_one_annual_load_run(published):
    """Dagster and dbt are started once, and the UI shows the load a data engineer looks for."""
    settings, _, _ = published
    instance = dg.DagsterInstance.get()
    first = instance.get_runs()[-1]  # the session's `itip run`; later tests add runs of their own
    assert first.job_name == "annual_load"
    assert (first.tags["dagster/asset_partition_range_start"], first.tags["dagster/asset_partition_range_end"]) == (
        "2021",
        "2025",
    )
    steps = {stat.step_key for stat in instance.get_run_step_stats(first.run_id)}
    assert {"ingest_delivery", "itip_dbt", "publish_marts"} <= steps
    for table in ("codebook", "org_answers", "panel_answers"):
        assert instance.get_materialized_partitions(dg.AssetKey(["raw", table])) >= {str(y) for y in range(2021, 2026)}


def test_each_built_table_is_recorded_with_its_row_count_and_no_view_with_one(published):
    """dbt says each table's count in its log as the node finishes; Dagster records it with the materialization."""
    settings, _, _ = published
    instance = dg.DagsterInstance.get()
    first = instance.get_runs()[-1]
    records = instance.get_records_for_run(first.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    counted = {}
    for record in records:
        materialization = record.event_log_entry.dagster_event.event_specific_data.materialization
        if materialization.asset_key.path[0] in ("marts", "intermediate", "staging", "reference"):
            count = materialization.metadata.get("dagster/row_count")
            counted[tuple(materialization.asset_key.path)] = None if count is None else count.value
    # The published file holds the marts dbt built, as built (and the release tables publish adds).
    marts = {name for schema, name in counted if schema == "marts"}
    published_counts = {name: _read(settings, f'select count(*) as n from marts."{name}"')["n"][0] for name in marts}
    assert len(marts) > 20 and all(counted[("marts", name)] == n for name, n in published_counts.items())
    assert counted[("reference", "populations")] > 0
    assert all(count is None for (schema, _), count in counted.items() if schema == "staging")  # views


def test_a_second_run_with_nothing_changed_stops_at_once_and_says_so(published):
    settings, _, _ = published
    from itip_pipeline.core.build_state import STATE_FILE, UNKNOWN
    from itip_pipeline.core.published_layout import current_version_dir

    version = current_version_dir(settings.marts_dir)
    recorded = json.loads((version / STATE_FILE).read_text())
    assert recorded["landing"] != UNKNOWN and {"2021", "2025"} <= set(recorded["landing"])
    before = _sha(settings.warehouse_db)
    summary = run_all(settings, terminal=io.StringIO())
    assert summary.up_to_date and f"Nothing changed since the published version {version.name}" in summary.up_to_date
    assert not summary.published and summary.unchanged == [2021, 2022, 2023, 2024, 2025]
    # The stray entries beside the years (2020/, misc/) are passed over by the load: named, never a rebuild.
    assert sorted(summary.skipped) == ["2020", "misc"]
    assert _sha(settings.warehouse_db) == before and current_version_dir(settings.marts_dir) == version


def test_the_terminal_shows_each_step_as_it_starts_and_ends_and_a_load_report_per_part(published):
    settings, summary, terminal = published
    lines = terminal.splitlines()
    assert all(re.match(r"\[\d\d:\d\d:\d\d\] ", line) for line in lines if not line.startswith("  ")), lines
    for year in summary.years:
        assert f"{year}: loading …" in terminal
        assert re.search(rf"{year}: loaded \(\d+ respondents.*\) \(\d+\.\d s\)", terminal), year
    counts = [(int(seen), int(total)) for seen, total in re.findall(r"dbt (\d+)/(\d+) nodes", terminal)]
    assert len(counts) >= 5 and counts == sorted(counts) and counts[-1][0] >= 0.9 * counts[-1][1], counts
    assert f"dbt build: {counts[-1][0]} nodes built and tested" in terminal
    for step in ("dbt build", "checks (Great Expectations)", "publish", "figure book and exports"):
        assert f"{step}: started" in terminal
        assert re.search(rf"{re.escape(step)}: (?!FAILED|started).*\(\d+\.\d s\)", terminal), step
    order = [
        terminal.index(s)
        for s in (
            "2021: loading",
            "2025: loaded",
            "dbt build: started",
            "publish: started",
            "figure book and exports: started",
        )
    ]
    assert order == sorted(order)
    for year in summary.years:
        for part in ("codebook", "org", "panel"):
            report = json.loads((settings.reports_dir / "loads" / str(year) / part / "report.json").read_text())
            assert report["status"] == "loaded" and report["files"], (year, part)
    assert summary.log.is_file(), "Dagster's and dbt's own output still goes to the log"


def test_an_old_duckdb_client_reads_every_published_table_and_comment(published):
    from support.duckdb_clients import every_table_and_comment, new_client_reads, old_client_reads

    settings, _, _ = published
    seen = every_table_and_comment(settings.warehouse_db, old_client_reads)
    assert seen == every_table_and_comment(settings.warehouse_db, new_client_reads)
    assert "fct_indicator" in seen["tables"] and seen["rows"]["fct_indicator"] > 0
    assert len(seen["column_comments"]) >= len(seen["tables"]), "dbt's column docs reach the old client"


def test_the_published_file_declares_keys_and_not_null_lists_its_tables_and_sorts_by_key(published):
    """What DBeaver and `SHOW TABLES` see in the real file, through the DuckDB 1.x client BI tools bundle."""
    from itip_pipeline.publish.bi_file import MAX_COMMENT

    from support.duckdb_clients import old_client_reads

    settings, _, _ = published
    database = settings.warehouse_db
    tables = {t["table_name"] for t in old_client_reads(database, "select table_name from duckdb_tables()")}
    keys = {
        c["table_name"]: c["constraint_column_names"]
        for c in old_client_reads(
            database,
            "select table_name, constraint_column_names from duckdb_constraints() "
            "where constraint_type in ('PRIMARY KEY', 'UNIQUE')",
        )
    }
    assert set(keys) == tables, "every published table declares its key"
    assert keys["fct_indicator"] == ["indicator_id", "item", "population", "year"]
    kinds = {
        c["constraint_type"] for c in old_client_reads(database, "select constraint_type from duckdb_constraints()")
    }
    assert {"PRIMARY KEY", "UNIQUE", "NOT NULL"} <= kinds
    assert {r["name"] for r in old_client_reads(database, "show tables")} == tables
    comments = old_client_reads(
        database,
        "select comment from duckdb_columns() where comment is not null union all "
        "select comment from duckdb_tables() where comment is not null",
    )
    assert comments and all("\n" not in c["comment"] and len(c["comment"]) <= MAX_COMMENT for c in comments)
    for table, key in keys.items():
        order = ", ".join(f'"{column}" nulls first' for column in key)
        stored = _read(settings, f"select * from marts.{table}")
        assert stored.equals(_read(settings, f"select * from marts.{table} order by {order}")), table


def test_every_high_and_medium_published_figure_is_reproduced(published):
    settings, _, _ = published
    rows = _read(settings, "select * from marts.published_reconciliation where confidence in ('high', 'medium')")
    # A figure whose cell the warehouse suppresses cannot be reproduced, only withheld (checked below).
    withheld = rows[rows["verdict"] == "not judged: suppressed by disclosure control"]
    judged = rows.drop(withheld.index)
    # F040 (stat, 2 %, interval too wide) and F041, the municipal cell of the same item withheld as its
    # complement because alle = stat + kommune (docs.md, reconciliation): 49 of the 51 judged figures remain.
    assert len(judged) >= 49 and len(withheld) <= 2
    off = judged[judged["within_tolerance"] != True]  # noqa: E712 (NULL must fail too)
    assert off.empty, off[["figure_id", "published_pct", "warehouse_pct"]]
    assert (judged["diff_pp"].abs() <= 1.0).all()
    fct = _read(settings, "select indicator_id, item, population, year, suppressed from marts.fct_indicator")
    for figure in withheld.itertuples():
        item = "" if pd.isna(figure.item) else figure.item
        cell = fct[
            (fct.indicator_id == figure.indicator_id)
            & (fct.item.fillna("") == item)
            & (fct.population == figure.population)
            & (fct.year.between(figure.year_from, figure.year_to))
        ]
        assert cell.suppressed.any() and pd.isna(figure.warehouse_pct_dont_know_excluded)


def test_no_published_share_rests_on_fewer_answers_than_the_suppression_rule_allows(published):
    settings, _, _ = published
    tables = _read(
        settings,
        "select table_name from duckdb_columns() where schema_name = 'marts' "
        "and column_name = 'n_base' and table_name in (select table_name from duckdb_columns() "
        "where column_name = 'share_pct')",
    )["table_name"].unique()
    assert len(tables) > 10
    min_base_n = yaml.safe_load((settings.dbt_project_dir / "dbt_project.yml").read_text())["vars"]["min_base_n"]
    for table in tables:
        exposed = _read(
            settings,
            f"select count(*) as n from marts.{table} where n_base < {min_base_n} "
            "and (share_pct is not null or ci_low_pct is not null)",
        )["n"][0]
        assert exposed == 0, table


def test_rerunning_a_loaded_year_changes_nothing(published):
    settings, _, _ = published
    from itip_pipeline.definitions import defs

    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        counts = con.execute("select count(*) from raw.org_answers where survey_year = 2025").fetchone()
    result = defs.resolve_job_def("ingest_year").execute_in_process(
        partition_key="2025", instance=dg.DagsterInstance.get()
    )
    statuses = {m.metadata["status"].value for m in result.asset_materializations_for_node("ingest_delivery")}
    assert statuses == {"unchanged"}
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        assert con.execute("select count(*) from raw.org_answers where survey_year = 2025").fetchone() == counts


def _published_structure(settings) -> tuple[dict, dict, int]:
    """Populations as respondent groups, success codes per indicator item, and the minimum base: the seeds'."""
    populations = {
        r.population: tuple(r.respondent_groups.split("|"))
        for r in pd.read_csv(settings.dbt_project_dir / "seeds" / "populations.csv").itertuples()
    }
    catalogue = pd.read_csv(
        settings.dbt_project_dir / "seeds" / "indicator_catalogue.csv", dtype=str, keep_default_na=False
    )
    success = {
        (r.indicator_id, r.item or None): tuple(int(c) for c in r.success_codes.split("|"))
        for r in catalogue.itertuples()
    }
    min_base_n = yaml.safe_load((settings.dbt_project_dir / "dbt_project.yml").read_text())["vars"]["min_base_n"]
    return populations, success, min_base_n


def test_differencing_the_published_warehouse_recovers_no_suppressed_cell(published):
    settings, _, _ = published
    fct = _read(settings, "select * from marts.fct_indicator")
    populations, success, min_base_n = _published_structure(settings)
    assert fct.suppressed.any()
    # with the changes and the state − municipal differences, which could each give a withheld share back
    differences = _read(settings, "select * from marts.fct_population_difference")
    assert differencing_attack(attacker_shares(fct, differences), populations, success, min_base_n) == []


def test_differencing_breakdowns_and_answer_distributions_recovers_no_suppressed_cell(published):
    """Every published breakdown category and answer code in one system with the headline cells: a category
    from its total minus the others, across breakdowns, and codes against the indicators' top-box shares."""
    settings, _, _ = published
    fct = _read(settings, "select * from marts.fct_indicator")
    breakdown = _read(settings, "select * from marts.fct_indicator_breakdown")
    distribution, codes = distribution_cells(_read(settings, "select * from marts.fct_answer_distribution"))
    populations, success, min_base_n = _published_structure(settings)
    assert set(breakdown.breakdown) >= {"gender", "age_group", "region", "ai_adopter", "county_2024"}
    assert breakdown.suppressed.any() and distribution.suppressed.any()
    assert (breakdown.suppression_reason == "complementary").any()
    assert (breakdown[breakdown.n_base < min_base_n].suppression_reason == "n_base").all()
    cells = pd.concat([fct, distribution[list(fct.columns.intersection(distribution.columns))]], ignore_index=True)
    for survey in ("org", "panel"):
        table, units = with_breakdown_cells(cells, breakdown[breakdown.survey == survey], populations)
        assert differencing_attack(attacker_shares(table), units, {**success, **codes}, min_base_n) == [], survey


@pytest.fixture
def panel_2025(published):
    """The 2025 panel file, put back as delivered after the test (the folder is the session's)."""
    settings, _, _ = published
    panel = next((settings.landing_dir / "2025").glob("citizen_panel*.csv"))
    delivered = panel.read_bytes()
    yield panel
    panel.write_bytes(delivered)


def test_a_bad_delivery_fails_its_year_quarantines_and_leaves_published_as_it_was(published, panel_2025):
    settings, _, _ = published
    from itip_pipeline.definitions import defs

    panel = panel_2025
    frame = pd.read_csv(panel, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    frame.loc[3, "vekt"] = "-1"
    frame.to_csv(panel, sep=";", encoding="cp1252", index=False)
    published_before = _sha(settings.warehouse_db)
    parquet_before = {p.name: _sha(p) for p in settings.marts_dir.glob("*.parquet")}

    result = defs.resolve_job_def("annual_load").execute_in_process(
        partition_key="2025", instance=dg.DagsterInstance.get(), raise_on_error=False
    )

    assert not result.success
    failed_checks = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    ]
    assert failed_checks and "vekt" in failed_checks[0].metadata["failing_cases"].value
    assert not result.asset_materializations_for_node("itip_dbt"), "nothing downstream ran"
    assert _sha(settings.warehouse_db) == published_before
    assert {p.name: _sha(p) for p in settings.marts_dir.glob("*.parquet")} == parquet_before
    [report] = (settings.quarantine_dir / "2025" / "panel").glob("*/report.md")
    assert "vekt" in report.read_text() and "-1" in report.read_text()

    # The same refusal through `itip run`: the summary's categories, the terminal's line, the load report.
    terminal = io.StringIO()
    summary = run_all(settings, terminal=terminal)
    assert (summary.years, summary.unchanged, summary.refused) == ([], [2021, 2022, 2023, 2024], [2025])
    assert not summary.published and 0 not in summary.failed_years, "no build was tried on a refused year"
    assert "rejected" in summary.failed_years[2025] and "Failure" not in summary.failed_years[2025]
    assert re.search(r"2025: REFUSED \(\d+ problem\(s\)\): report in .*loads/2025/panel", terminal.getvalue())
    assert "2024: unchanged since its last load, skipped" in terminal.getvalue()
    load = json.loads((settings.reports_dir / "loads" / "2025" / "panel" / "report.json").read_text())
    assert load["status"] == "refused" and any(p["column"] == "vekt" for p in load["problems"])
    assert _sha(settings.warehouse_db) == published_before


def test_a_publish_writes_the_figure_book_and_the_exports_from_the_published_marts(published):
    settings, _, _ = published
    import openpyxl
    import pyarrow.parquet as pq

    book = settings.figure_book_dir
    families = _read(settings, "select family from marts.indicator_families")["family"]
    for family in families:
        assert (book / f"{family}.html").is_file() and (book / "en" / f"{family}.html").is_file(), family
    front = (book / "index.html").read_text(encoding="utf-8")
    assert "SYNTETISKE DATA" in front and "org_survey_synthetic" in front
    checks = (book / "checks.html").read_text(encoding="utf-8")
    assert "Great Expectations" in checks and "expect_" in checks and "http://127.0.0.1:3000/runs/" in checks
    assert "2021, 2022, 2023, 2024, 2025" in checks
    for name, readme in (("itip_indicators.xlsx", "Les meg"), ("itip_indicators_en.xlsx", "Read me")):
        workbook = openpyxl.load_workbook(settings.marts_dir / name, read_only=True)
        assert workbook.sheetnames[0] == readme and len(workbook.sheetnames) > len(families), name
    assert (settings.marts_dir / "csv" / "fct_indicator.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    schema = pq.read_schema(settings.marts_dir / "fct_indicator.parquet")
    assert schema.field("share_pct").metadata[b"description"].startswith(b"The success share")
    gx_runs = settings.gx_report_dir / "gx" / "uncommitted" / "validations" / "fct_indicator"
    assert any(p.name.startswith("dagster-run-") for p in gx_runs.iterdir()), "GX runs named by the Dagster run"
