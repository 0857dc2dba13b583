"""Ingest assets: a year's landing files → validated raw tables, with the contract check blocking downstream.

Each raw table is an asset partitioned by survey year: raw/codebook (the crosswalk from source columns to
question ids), raw/org_respondents and raw/org_answers (the organisation survey), raw/panel_respondents and
raw/panel_answers (the citizen panel). One step writes all five, because a year's codebook and surveys are
accepted or refused together (ingest/loader.load_year); a load that re-hashed other panel years under a
new pseudonym key lists them as `rehashed_years` on the panel tables. A rejected delivery records a failed
`delivery_contract` check on every table listing the failing cases, is quarantined, and fails the step, so
nothing downstream runs.

A run may hold a range of years (a backfill, or `itip run` over several new deliveries): the step loads them
one after another, each in its own transaction, under one writer lock, and records each year's outcome as
that partition's metadata. A refused year does not stop the others from loading.
"""

from typing import TYPE_CHECKING

import dagster as dg
from dagster import AssetExecutionContext

from itip_pipeline.core import progress
from itip_pipeline.core.escaping import for_markdown
from itip_pipeline.core.settings import get_settings
from itip_pipeline.defs.partitions import survey_years
from itip_pipeline.ingest.loading import load_report
from itip_pipeline.ingest.loading.archive_quarantine import problems_markdown, problems_text
from itip_pipeline.warehouse.working_db import open_for_writing

if TYPE_CHECKING:
    from itip_pipeline.ingest.loading.loader import LoadOutcome, LoadRejected

CONTRACT_CHECK = "delivery_contract"
REFUSALS = "refusals"  # the step failure's metadata: survey year -> the sentence saying why it was refused
MAX_PROBLEMS_SHOWN = 50
MAX_WARNINGS_PRINTED = 10  # on the terminal of `itip run`; the load report has them all

LANDING = {
    "codebook": dg.AssetSpec(
        ["landing", "codebook"],
        group_name="landing",
        partitions_def=survey_years,
        description="data/landing/<year>/codebook.csv: the year's crosswalk from source columns to question ids.",
        kinds={"csv"},
    ),
    "org": dg.AssetSpec(
        ["landing", "org_survey_files"],
        group_name="landing",
        partitions_def=survey_years,
        description="data/landing/<year>/org_survey*: the organisation survey (state agencies, municipalities, "
        "county municipalities) as delivered (.xlsx, .csv, .sav or .parquet).",
        kinds={"file"},
    ),
    "panel": dg.AssetSpec(
        ["landing", "citizen_panel_file"],
        group_name="landing",
        partitions_def=survey_years,
        description="data/landing/<year>/citizen_panel*: the citizen panel as delivered, with vendor weights.",
        kinds={"file"},
    ),
}


def _outcome_metadata(outcome: "LoadOutcome") -> dict:
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
        dg.AssetSpec(
            ["raw", table],
            deps=[LANDING[part]],
            partitions_def=survey_years,
            group_name="ingest",
            description=f"raw.{table} — {description} Loaded only together with the rest of the year's "
            "delivery: the codebook and both surveys are accepted or refused as one.",
            kinds={"duckdb", "pandera"},
        )
        for table, (part, description) in RAW_TABLES.items()
    ],
    check_specs=[
        dg.AssetCheckSpec(
            CONTRACT_CHECK,
            asset=dg.AssetKey(["raw", table]),
            blocking=True,
            description="The delivery meets docs/data_contract.md: folder contents, formats (no hidden sheets, "
            "formulas or SPSS user-missing values), codebook against the question catalogue, types, codes allowed "
            "by the codebook, unique respondents, organisasjonsnummer check digit, kommunenummer county, sector, "
            "plausible weights, survey year, required columns. Failing cases are in the metadata.",
        )
        for table in RAW_TABLES
    ],
    # A backfill of several years is one run of one step: Dagster, dbt and the build are paid for once.
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def raw_delivery(context: AssetExecutionContext):
    """One step for the run's years: each year's whole delivery validated, then its five raw tables written in
    one transaction. A refused year is quarantined and fails the step after the other years are loaded."""
    # The loader (pandas, pandera) is imported by the step that loads, not with the definitions: a run that
    # loads nothing does not pay for it.
    from itip_pipeline.ingest.loading.loader import LoadRejected

    settings = get_settings()
    keys = [dg.AssetKey(["raw", table]) for table in RAW_TABLES]
    loaded: dict[int, dict[str, LoadOutcome]] = {}
    refused: dict[int, LoadRejected] = {}
    with open_for_writing(settings.work_db) as con:
        for year in (int(key) for key in context.partition_keys):
            try:
                outcomes = _load(con, settings, year)
            except Exception:
                yield from _loaded_years(keys, loaded)
                raise
            if isinstance(outcomes, LoadRejected):
                refused[year] = outcomes
                continue
            loaded[year] = outcomes
            for key, (part, _description) in zip(keys, RAW_TABLES.values(), strict=True):
                context.add_asset_metadata(
                    {
                        **_outcome_metadata(outcomes[part]),
                        "preview": dg.MetadataValue.md(_preview(con, key.path[-1], year)),
                    },
                    asset_key=key,
                    partition_key=str(year),
                )
    if refused:
        yield from _loaded_years(keys, loaded)
        for key in keys:
            yield _refused_check(key, refused)
        sentences = {
            str(year): f"delivery {year} rejected; quarantined to {rejected.quarantine_folder}\n"
            + problems_text(rejected.problems)
            for year, rejected in refused.items()
        }
        raise dg.Failure(
            description="\n".join(sentences.values()),
            allow_retries=False,
            metadata={REFUSALS: dg.MetadataValue.json(sentences)},
        )
    for key, (part, _description) in zip(keys, RAW_TABLES.values(), strict=True):
        warnings = [w for outcomes in loaded.values() for w in outcomes[part].warnings]
        yield dg.MaterializeResult(
            asset_key=key,
            check_results=[
                dg.AssetCheckResult(
                    asset_key=key,
                    check_name=CONTRACT_CHECK,
                    passed=True,
                    metadata={
                        "survey_years": dg.MetadataValue.json(sorted(loaded)),
                        "warnings": len(warnings),
                        "warning_cases": dg.MetadataValue.md(problems_markdown(warnings, MAX_PROBLEMS_SHOWN)),
                    },
                )
            ],
        )


def _load(con, settings, year: int) -> "dict[str, LoadOutcome] | LoadRejected":
    """One year loaded (its outcomes) or refused and quarantined (the refusal); any other failure raised."""
    from itip_pipeline.ingest.loading.loader import LoadRejected, load_year
    from itip_pipeline.ingest.loading.rehash import RehashFailed

    step = progress.Step(str(year))
    progress.say(f"{year}: loading …")
    try:
        outcomes = load_year(con, settings, year)
    except LoadRejected as rejected:
        report = load_report.write(load_report.refused_report(year, rejected), settings.reports_dir)
        step.done(f"REFUSED ({len(rejected.problems)} problem(s)): report in {report}")
        return rejected
    except RehashFailed as failed:  # not the delivery's fault: nothing quarantined, nothing written
        step.done("FAILED")
        raise dg.Failure(description=f"delivery {year} not loaded: {failed}", allow_retries=False) from None
    except Exception:  # not the delivery's fault (the summary gives the reason): the line still ends
        step.done("FAILED")
        raise
    _report_accepted(settings, step, outcomes)
    return outcomes


def _loaded_years(keys: list[dg.AssetKey], loaded: "dict[int, dict[str, LoadOutcome]]"):
    """The years that loaded before the step failed, as materializations: they are in the raw tables, while the
    step's failure keeps everything downstream unrun."""
    for year, outcomes in loaded.items():
        for key, (part, _description) in zip(keys, RAW_TABLES.values(), strict=True):
            yield dg.AssetMaterialization(key, partition=str(year), metadata=_outcome_metadata(outcomes[part]))


def _refused_check(key: dg.AssetKey, refused: "dict[int, LoadRejected]") -> dg.AssetCheckResult:
    problems = [problem for rejected in refused.values() for problem in rejected.problems]
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=CONTRACT_CHECK,
        passed=False,
        metadata={
            "refused_years": dg.MetadataValue.json(sorted(refused)),
            "failing_cases": dg.MetadataValue.md(problems_markdown(problems, MAX_PROBLEMS_SHOWN)),
            "n_problems": len(problems),
            "quarantined_to": dg.MetadataValue.json({str(y): str(r.quarantine_folder) for y, r in refused.items()}),
        },
    )


def _report_accepted(settings, step: progress.Step, outcomes: "dict[str, LoadOutcome]") -> None:
    """The load report per part, and the terminal's line for the year with its warnings (as Problems say them)."""
    for report in load_report.accepted_reports(outcomes):
        load_report.write(report, settings.reports_dir)
    if all(o.status == "unchanged" for o in outcomes.values()):
        step.done("unchanged, skipped")
        return
    surveys = [o for o in outcomes.values() if o.survey != "codebook"]
    warnings = [w for o in surveys for w in o.warnings]
    step.done(
        f"loaded ({sum(o.n_rows for o in surveys)} respondents"
        + (f", {len(warnings)} warning(s)" if warnings else "")
        + ")"
    )
    for warning in warnings[:MAX_WARNINGS_PRINTED]:
        progress.say(f"  warning: {warning}")
    if len(warnings) > MAX_WARNINGS_PRINTED:
        more = len(warnings) - MAX_WARNINGS_PRINTED
        progress.say(f"  … and {more} more in {settings.reports_dir / load_report.LOADS_DIR}")


def _preview(con, table: str, year: int, rows: int = 5) -> str:
    """The first rows as a Markdown table for Dagster's UI, each delivered value escaped for Markdown."""
    frame = con.execute(f"select * from raw.{table} where survey_year = ? limit {rows}", [year]).df()
    shown = frame.astype(object).where(frame.notna(), "").map(for_markdown)
    return shown.to_markdown(index=False) if not frame.empty else "(no rows)"


INGEST_ASSETS = [raw_delivery]
LANDING_SPECS = list(LANDING.values())
