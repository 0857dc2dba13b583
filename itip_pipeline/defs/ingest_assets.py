"""Ingest assets: a year's landing files → validated raw tables, with the contract check blocking downstream.

Three assets per survey year: the codebook (the crosswalk from source columns to question ids) first, then
the organisation survey and the citizen panel, each validated against that codebook. A rejected delivery
records a failed `delivery_contract` check listing the failing cases, is quarantined, and fails the step.
"""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg

from itip_pipeline.defs.partitions import survey_years
from itip_pipeline.ingest.loader import LoadOutcome, LoadRejected, load_codebook, load_survey
from itip_pipeline.ingest.custody import problems_markdown
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
    }


def _ingest_asset(
    name: str, landing: dg.AssetSpec, description: str, load: Callable, extra_deps: tuple = ()
) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", name])

    @dg.asset(
        key=key,
        deps=[landing, *extra_deps],
        partitions_def=survey_years,
        group_name="ingest",
        description=description,
        kinds={"duckdb", "pandera"},
        check_specs=[
            dg.AssetCheckSpec(
                CONTRACT_CHECK, asset=key, blocking=True,
                description="The delivery meets docs/data_contract.md (pandera): types, codes allowed by the "
                "codebook, unique respondents, organisasjonsnummer check digit, kommunenummer county, "
                "sector, weights, survey year, required columns. Failing cases are in the metadata.",
            )
        ],
    )
    def _asset(context: dg.AssetExecutionContext):
        settings = get_settings()
        year = int(context.partition_key)
        with open_for_writing(settings.work_db) as con:
            try:
                outcome = load(con, settings, year)
            except LoadRejected as rejected:
                yield dg.AssetCheckResult(
                    check_name=CONTRACT_CHECK, passed=False,
                    metadata={
                        "failing_cases": dg.MetadataValue.md(problems_markdown(rejected.problems, MAX_PROBLEMS_SHOWN)),
                        "n_problems": len(rejected.problems),
                        "quarantined_to": str(rejected.quarantine_folder),
                    },
                )
                raise dg.Failure(
                    description=f"{name} {year} rejected; quarantined to {rejected.quarantine_folder}\n{rejected}",
                    allow_retries=False,
                ) from None
        warnings = outcome.warnings
        yield dg.MaterializeResult(
            metadata=_outcome_metadata(outcome),
            check_results=[
                dg.AssetCheckResult(
                    check_name=CONTRACT_CHECK, passed=True,
                    metadata={"warnings": len(warnings), "warning_cases": dg.MetadataValue.md(problems_markdown(warnings, MAX_PROBLEMS_SHOWN))},
                )
            ],
        )

    return _asset


raw_codebook = _ingest_asset(
    "codebook", LANDING["codebook"],
    "raw.codebook: the delivered codebook for the year, replacing the year's rows.",
    load_codebook,
)
raw_org_survey = _ingest_asset(
    "org_survey", LANDING["org"],
    "raw.org_respondents and raw.org_answers (long: one row per organisation × question) for the year.",
    lambda con, settings, year: load_survey(con, settings, "org", year),
    extra_deps=(raw_codebook,),
)
raw_citizen_panel = _ingest_asset(
    "citizen_panel", LANDING["panel"],
    "raw.panel_respondents (pseudonymised, with weights) and raw.panel_answers for the year.",
    lambda con, settings, year: load_survey(con, settings, "panel", year),
    extra_deps=(raw_codebook,),
)

INGEST_ASSETS = [raw_codebook, raw_org_survey, raw_citizen_panel]
LANDING_SPECS = list(LANDING.values())
