"""Ingest assets: a year's landing files → validated raw tables, with the contract check blocking downstream.

Each raw table is an asset partitioned by survey year: raw/codebook (the crosswalk from source columns to
question ids), raw/org_respondents and raw/org_answers (the organisation survey), raw/panel_respondents and
raw/panel_answers (the citizen panel). One step writes all five, because a year's codebook and surveys are
accepted or refused together (ingest/loader.load_year); a load that re-hashed other panel years under a
new pseudonym key lists them as `rehashed_years` on the panel tables. A rejected delivery records a failed
`delivery_contract` check on every table listing the failing cases, is quarantined, and fails the step, so
nothing downstream runs.
"""

import dagster as dg
from dagster import AssetExecutionContext

from itip_pipeline import progress
from itip_pipeline.defs.partitions import survey_years
from itip_pipeline.ingest import load_report
from itip_pipeline.ingest.custody import problems_markdown
from itip_pipeline.ingest.loader import LoadOutcome, LoadRejected, load_year
from itip_pipeline.ingest.rehash import RehashFailed
from itip_pipeline.settings import get_settings
from itip_pipeline.work_db import open_for_writing

CONTRACT_CHECK = "delivery_contract"
MAX_PROBLEMS_SHOWN = 50
MAX_WARNINGS_PRINTED = 10  # on the terminal of `itip run`; the load report has them all

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


# Each raw table, the part of the year's delivery it comes from, and what it holds.
RAW_TABLES = {
    "codebook": ("codebook", "the delivered codebook (source column → question id) for the year."),
    "org_respondents": ("org", "the organisation survey for the year: one row per organisation."),
    "org_answers": ("org", "the organisation survey's answers, long (one row per organisation × question)."),
    "panel_respondents": ("panel", "the citizen panel for the year: pseudonymised respondents with vendor weights."),
    "panel_answers": ("panel", "the citizen panel's answers, long (one row per respondent × question)."),
}


@dg.multi_asset(
    name="ingest_delivery",
    specs=[
        dg.AssetSpec(["raw", table], deps=[LANDING[part]], partitions_def=survey_years, group_name="ingest",
                     description=f"raw.{table} — {description} Loaded only together with the rest of the year's "
                     "delivery: the codebook and both surveys are accepted or refused as one.",
                     kinds={"duckdb", "pandera"})
        for table, (part, description) in RAW_TABLES.items()
    ],
    check_specs=[
        dg.AssetCheckSpec(
            CONTRACT_CHECK, asset=dg.AssetKey(["raw", table]), blocking=True,
            description="The delivery meets docs/data_contract.md: folder contents, formats (no hidden sheets, "
            "formulas or SPSS user-missing values), codebook against the question catalogue, types, codes allowed "
            "by the codebook, unique respondents, organisasjonsnummer check digit, kommunenummer county, sector, "
            "plausible weights, survey year, required columns. Failing cases are in the metadata.",
        )
        for table in RAW_TABLES
    ],
)
def raw_delivery(context: AssetExecutionContext):
    """One step for the year: validate the whole delivery, then write the five raw tables in one transaction."""
    settings = get_settings()
    year = int(context.partition_key)
    keys = [dg.AssetKey(["raw", table]) for table in RAW_TABLES]
    step = progress.Step(str(year))
    progress.say(f"{year}: loading …")
    with open_for_writing(settings.work_db) as con:
        try:
            outcomes = load_year(con, settings, year)
        except LoadRejected as rejected:
            report = load_report.write(load_report.refused_report(year, rejected), settings.reports_dir)
            step.done(f"REFUSED ({len(rejected.problems)} problem(s)): report in {report}")
            for key in keys:
                yield dg.AssetCheckResult(
                    asset_key=key, check_name=CONTRACT_CHECK, passed=False,
                    metadata={
                        "failing_cases": dg.MetadataValue.md(problems_markdown(rejected.problems, MAX_PROBLEMS_SHOWN)),
                        "n_problems": len(rejected.problems),
                        "quarantined_to": str(rejected.quarantine_folder),
                    },
                )
            raise dg.Failure(
                description=f"delivery {year} rejected; quarantined to {rejected.quarantine_folder}\n{rejected}",
                allow_retries=False,
            ) from None
        except RehashFailed as failed:  # not the delivery's fault: nothing quarantined, nothing written
            step.done("FAILED")
            raise dg.Failure(description=f"delivery {year} not loaded: {failed}", allow_retries=False) from None
        except Exception:  # not the delivery's fault (the summary gives the reason): the line still ends
            step.done("FAILED")
            raise
        previews = {key: _preview(con, key.path[-1], year) for key in keys}
    _report_accepted(settings, step, outcomes)
    for key, (part, _description) in zip(keys, RAW_TABLES.values()):
        outcome = outcomes[part]
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={**_outcome_metadata(outcome), "preview": dg.MetadataValue.md(previews[key])},
            check_results=[
                dg.AssetCheckResult(
                    asset_key=key, check_name=CONTRACT_CHECK, passed=True,
                    metadata={
                        "warnings": len(outcome.warnings),
                        "warning_cases": dg.MetadataValue.md(problems_markdown(outcome.warnings, MAX_PROBLEMS_SHOWN)),
                    },
                )
            ],
        )


def _report_accepted(settings, step: progress.Step, outcomes: dict[str, LoadOutcome]) -> None:
    """The load report per part, and the terminal's line for the year with its warnings (as Problems say them)."""
    for report in load_report.accepted_reports(outcomes):
        load_report.write(report, settings.reports_dir)
    if all(o.status == "unchanged" for o in outcomes.values()):
        step.done("unchanged, skipped")
        return
    surveys = [o for o in outcomes.values() if o.survey != "codebook"]
    warnings = [w for o in surveys for w in o.warnings]
    step.done(f"loaded ({sum(o.n_rows for o in surveys)} respondents"
              + (f", {len(warnings)} warning(s)" if warnings else "") + ")")
    for warning in warnings[:MAX_WARNINGS_PRINTED]:
        progress.say(f"  warning: {warning}")
    if len(warnings) > MAX_WARNINGS_PRINTED:
        more = len(warnings) - MAX_WARNINGS_PRINTED
        progress.say(f"  … and {more} more in {settings.reports_dir / load_report.LOADS_DIR}")


def _preview(con, table: str, year: int, rows: int = 5) -> str:
    frame = con.execute(f"select * from raw.{table} where survey_year = ? limit {rows}", [year]).df()
    return frame.to_markdown(index=False) if not frame.empty else "(no rows)"


INGEST_ASSETS = [raw_delivery]
LANDING_SPECS = list(LANDING.values())
