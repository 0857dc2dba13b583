"""Ingest assets: a year's landing files → validated raw tables, with the contract check blocking downstream.

Each raw table is an asset partitioned by survey year. Three steps write them: the codebook (the crosswalk
from source columns to question ids) first, then the organisation survey (raw/org_respondents,
raw/org_answers) and the citizen panel (raw/panel_respondents, raw/panel_answers), each validated against
that codebook. A rejected delivery records a failed `delivery_contract` check listing the failing cases,
is quarantined, and fails the step, so nothing downstream runs.
"""

from collections.abc import Callable

import dagster as dg
from dagster import AssetExecutionContext

from itip_pipeline.defs.partitions import survey_years
from itip_pipeline.ingest.custody import problems_markdown
from itip_pipeline.ingest.loader import LoadOutcome, LoadRejected, load_codebook, load_survey
from itip_pipeline.ingest.rehash import RehashFailed, load_panel
from itip_pipeline.settings import get_settings
from itip_pipeline.work_db import open_for_writing

CONTRACT_CHECK = "delivery_contract"
MAX_PROBLEMS_SHOWN = 50

LANDING = {
    "codebook": dg.AssetSpec(
        ["landing", "codebook"], group_name="landing", partitions_def=survey_years,
        description="data/landing/<year>/codebook.csv: the year's crosswalk from source columns to question ids.",
        kinds={"csv"},
    ),
    "org": dg.AssetSpec(
        ["landing", "org_survey_files"], group_name="landing", partitions_def=survey_years,
        description="data/landing/<year>/org_survey*: the organisation survey (state agencies, municipalities, "
        "county municipalities) as delivered (.xlsx, .csv, .sav or .parquet).",
        kinds={"file"},
    ),
    "panel": dg.AssetSpec(
        ["landing", "citizen_panel_file"], group_name="landing", partitions_def=survey_years,
        description="data/landing/<year>/citizen_panel*: the citizen panel as delivered, with vendor weights.",
        kinds={"file"},
    ),
}


def _outcome_metadata(outcome: LoadOutcome) -> dict:
    return {
        "status": outcome.status,
        "survey_year": outcome.year,
        "rows": outcome.n_rows,
        "answers": outcome.n_answers,
        "files": dg.MetadataValue.json(outcome.files),
        "load_id": outcome.load_id,
        **({"rehashed_years": dg.MetadataValue.json(outcome.rehashed_years)} if outcome.rehashed_years else {}),
    }


def _ingest_asset(
    name: str, tables: list[str], landing: dg.AssetSpec, description: str, load: Callable, extra_deps: tuple = ()
) -> dg.AssetsDefinition:
    keys = [dg.AssetKey(["raw", table]) for table in tables]

    @dg.multi_asset(
        name=f"ingest_{name}",
        specs=[
            dg.AssetSpec(key, deps=[landing, *extra_deps], partitions_def=survey_years, group_name="ingest",
                         description=f"raw.{key.path[-1]} — {description}", kinds={"duckdb", "pandera"})
            for key in keys
        ],
        check_specs=[
            dg.AssetCheckSpec(
                CONTRACT_CHECK, asset=key, blocking=True,
                description="The delivery meets docs/data_contract.md (pandera): types, codes allowed by the "
                "codebook, unique respondents, organisasjonsnummer check digit, kommunenummer county, "
                "sector, weights, survey year, required columns. Failing cases are in the metadata.",
            )
            for key in keys
        ],
    )
    def _asset(context: AssetExecutionContext):
        settings = get_settings()
        year = int(context.partition_key)
        with open_for_writing(settings.work_db) as con:
            try:
                outcome = load(con, settings, year)
            except LoadRejected as rejected:
                for key in keys:
                    yield dg.AssetCheckResult(
                        asset_key=key, check_name=CONTRACT_CHECK, passed=False,
                        metadata={
                            "failing_cases": dg.MetadataValue.md(
                                problems_markdown(rejected.problems, MAX_PROBLEMS_SHOWN)
                            ),
                            "n_problems": len(rejected.problems),
                            "quarantined_to": str(rejected.quarantine_folder),
                        },
                    )
                raise dg.Failure(
                    description=f"{name} {year} rejected; quarantined to {rejected.quarantine_folder}\n{rejected}",
                    allow_retries=False,
                ) from None
            except RehashFailed as failed:
                raise dg.Failure(description=f"{name} {year}: {failed}", allow_retries=False) from None
            previews = {key: _preview(con, key.path[-1], year) for key in keys}
        warnings = outcome.warnings
        for key in keys:
            yield dg.MaterializeResult(
                asset_key=key,
                metadata={**_outcome_metadata(outcome), "preview": dg.MetadataValue.md(previews[key])},
                check_results=[
                    dg.AssetCheckResult(
                        asset_key=key, check_name=CONTRACT_CHECK, passed=True,
                        metadata={
                            "warnings": len(warnings),
                            "warning_cases": dg.MetadataValue.md(problems_markdown(warnings, MAX_PROBLEMS_SHOWN)),
                        },
                    )
                ],
            )

    return _asset


def _preview(con, table: str, year: int, rows: int = 5) -> str:
    frame = con.execute(f"select * from raw.{table} where survey_year = ? limit {rows}", [year]).df()
    return frame.to_markdown(index=False) if not frame.empty else "(no rows)"


raw_codebook = _ingest_asset(
    "codebook", ["codebook"], LANDING["codebook"],
    "the delivered codebook (source column → question id) for the year, replacing the year's rows.",
    load_codebook,
)
raw_org_survey = _ingest_asset(
    "org_survey", ["org_respondents", "org_answers"], LANDING["org"],
    "the organisation survey for the year: organisations, and answers long (one row per organisation × question).",
    lambda con, settings, year: load_survey(con, settings, "org", year),
    extra_deps=(dg.AssetKey(["raw", "codebook"]),),
)
raw_citizen_panel = _ingest_asset(
    "citizen_panel", ["panel_respondents", "panel_answers"], LANDING["panel"],
    "the citizen panel for the year: pseudonymised respondents with vendor weights, and answers long.",
    load_panel,
    extra_deps=(dg.AssetKey(["raw", "codebook"]),),
)

INGEST_ASSETS = [raw_codebook, raw_org_survey, raw_citizen_panel]
LANDING_SPECS = list(LANDING.values())
