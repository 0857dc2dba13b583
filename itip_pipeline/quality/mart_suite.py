"""The Great Expectations suite on the marts, with its results kept as an HTML report under data/reports/.

What it asserts: shares within 0–100, confidence intervals ordered around the share, suppressed cells
carrying no share, unique keys, every indicator present for every year its question was asked (from the
question and indicator catalogues, not from the marts themselves), and the reconciliation table present
with one row per figure. Whether the figures are reproduced is a warning, not a gate, so it is not here
(itip_pipeline/defs/reconciliation_check.py). great_expectations is imported here only: it costs seconds.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

POPULATIONS = ["stat", "kommune", "fylkeskommune", "alle", "innbyggere"]
SOURCE = "itip_marts"  # the Great Expectations data source the marts are validated as
# The results of this many runs per mart are kept, with their pages: enough to compare a run with the runs
# before it, while a warehouse that runs every day does not grow its report folder without end.
KEPT_CHECK_RUNS = 20


@dataclass(frozen=True)
class MartValidation:
    table: str
    success: bool
    evaluated: int
    failures: list[str]  # "expectation type (column): a few unexpected values"
    expectations: list[tuple[str, bool]] = field(default_factory=list)  # ("type (column)", passed) for each


def expected_indicator_years(seeds_dir: Path, loaded_years: set[int]) -> set[str]:
    """'indicator_id:year' for every indicator and every loaded year one of its questions was asked."""
    with (seeds_dir / "question_catalogue.csv").open(encoding="utf-8") as handle:
        asked: dict[str, set[int]] = {}
        for row in csv.DictReader(handle):
            asked.setdefault(row["question_id"], set()).add(int(row["survey_year"]))
    with (seeds_dir / "indicator_catalogue.csv").open(encoding="utf-8") as handle:
        return {
            f"{row['indicator_id']}:{year}"
            for row in csv.DictReader(handle)
            for year in asked.get(row["question_id"], ())
            if year in loaded_years
        }


def _share_expectations(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(column="share_pct", min_value=0, max_value=100),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="share_pct", column_B="ci_low_pct", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="ci_high_pct", column_B="share_pct", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="year"),
        gxe.ExpectColumnValuesToBeInSet(column="population", value_set=POPULATIONS),
    ]


def _suite_for(table: str, frame: pd.DataFrame, expected: set[str], gxe) -> list:
    if table == "fct_indicator":
        return [
            *_share_expectations(gxe),
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
            gxe.ExpectColumnValuesToNotBeNull(column="indicator_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="n_base"),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["indicator_id", "item_key", "population", "year"]),
            gxe.ExpectColumnValuesToBeNull(
                column="share_pct", row_condition="suppressed == True", condition_parser="pandas"
            ),
            gxe.ExpectColumnDistinctValuesToContainSet(column="indicator_year", value_set=sorted(expected)),
        ]
    if table == "published_reconciliation":
        return [
            gxe.ExpectColumnValuesToBeUnique(column="figure_id"),
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
        ]
    if {"share_pct", "population", "year"} <= set(frame.columns):
        return _share_expectations(gxe)
    return [gxe.ExpectTableRowCountToBeBetween(min_value=1)]


def _prepared(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    if table != "fct_indicator":
        return frame
    return frame.assign(
        item_key=frame["item"].fillna(""),
        indicator_year=frame["indicator_id"] + ":" + frame["year"].astype(str),
    )


def validate_marts(
    frames: dict[str, pd.DataFrame],
    seeds_dir: Path,
    loaded_years: set[int],
    report_root: Path,
    run_name: str | None = None,
) -> list[MartValidation]:
    """Run the suite on every mart frame; data docs (HTML) are rebuilt under report_root.

    run_name (the Dagster run id) names the validation runs in the data docs, which GX otherwise calls
    `__none__`; the loaded years go in the run's name too, so a result says which years it judged.

    A family mart may be empty (a family first asked in 2025, before 2025 is loaded); which indicators must
    be present for which loaded years is checked once, on fct_indicator."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.core.run_identifier import RunIdentifier

    context = gx.get_context(mode="file", project_root_dir=str(report_root))
    if context.variables.config_variables_file_path:
        # The project defines no configuration variables; while its file is named, GX parses it again at every
        # configuration lookup, hundreds of times a run. Its providers are chosen when a context is made.
        context.variables.config_variables_file_path = None
        context.variables.save()
        context = gx.get_context(mode="file", project_root_dir=str(report_root))
    context.variables.progress_bars = {"globally": False}
    # The data source and its assets are kept in the project between runs: replacing the source would drop
    # its assets, and adding each again rewrites the project's configuration file once per mart.
    try:
        source = context.data_sources.get(SOURCE)
    except KeyError:
        source = context.data_sources.add_pandas(SOURCE)
    expected = expected_indicator_years(seeds_dir, loaded_years)
    definitions, prepared, rewritten = [], {}, []
    for table, frame in sorted(frames.items()):
        prepared[table] = _prepared(table, frame)
        expectations = _suite_for(table, prepared[table], expected, gxe)
        # A suite the project already holds as it is (the usual case: the code and the loaded years unchanged),
        # with its page in the data docs, is used as stored: rewriting it, with its validation definition and
        # page, is most of a second of a run.
        stored = _stored_definition(context, table)
        if (
            stored is not None
            and _same_expectations(stored.suite.expectations, expectations)
            and _suite_page(report_root, table).is_file()
        ):
            definitions.append(stored)
            continue
        asset = (
            source.add_dataframe_asset(table)
            if table not in [a.name for a in source.assets]
            else source.get_asset(table)
        )
        batch = (
            asset.batch_definitions[0]
            if asset.batch_definitions
            else asset.add_batch_definition_whole_dataframe("whole_table")
        )
        # Given whole: adding expectations one by one looks up the project's stores (re-reading its
        # configuration) for each.
        suite = context.suites.add_or_update(gx.ExpectationSuite(name=table, expectations=expectations))
        definitions.append(
            context.validation_definitions.add_or_update(gx.ValidationDefinition(name=table, data=batch, suite=suite))
        )
        rewritten.append(table)
    years = "-".join(map(str, sorted(loaded_years)))
    run_id = RunIdentifier(run_name=f"dagster-run-{run_name or 'none'}_years-{years}")
    results = []
    for definition in definitions:
        result = definition.run(batch_parameters={"dataframe": prepared[definition.name]}, run_id=run_id)
        failures = [
            f"{r.expectation_config.type} ({r.expectation_config.kwargs.get('column', '')}): "
            f"{(r.result or {}).get('partial_unexpected_list', '')}"[:300]
            for r in result.results
            if not r.success
        ]
        expectations = [(_expectation_name(r.expectation_config), bool(r.success)) for r in result.results]
        results.append(MartValidation(definition.name, result.success, len(result.results), failures, expectations))
    # Only this run's pages and those of the suites it rewrote (an unchanged suite's page is as it was), unless
    # the site is missing (its first run, or deleted): then every page.
    pages = _pages_of(context, run_id, rewritten) if report_index(report_root).is_file() else None
    prune_check_runs(report_root)
    context.build_data_docs(resource_identifiers=pages)
    return results


def _stored_definition(context, table: str):
    """The project's validation definition of `table` with its suite and batch, or None when it has none that
    reads (a first run, or files a crash left half-written: then they are written again)."""
    try:
        stored = context.validation_definitions.get(table)
        stored.data  # noqa: B018 - the batch definition it names must be there too
    except Exception:  # noqa: BLE001 - GX's errors for a missing or unreadable definition have no common type
        return None
    return stored


def _same_expectations(stored: list, wanted: list) -> bool:
    """Whether two lists of expectations say the same, in the same order (the ids GX gives stored ones aside)."""

    def said(expectations: list) -> list:
        return [(type(e).__name__, e.dict(exclude={"id", "rendered_content", "notes", "meta"})) for e in expectations]

    return said(stored) == said(wanted)


def _pages_of(context, run_id, suites: list[str]) -> list:
    """What the data docs show of this run: the suites it rewrote (`suites`) and its validation results. The
    pages of earlier runs were written when they ran and stay as they are; the index, rebuilt every time, links
    them all."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    results = [
        key for key in context.validation_results_store.list_keys() if key.run_id.to_tuple() == run_id.to_tuple()
    ]
    return [*(ExpectationSuiteIdentifier(name=name) for name in suites), *results]


def prune_check_runs(report_root: Path, keep: int = KEPT_CHECK_RUNS) -> list[Path]:
    """Remove each mart's validation results older than its `keep` newest runs, and their pages; returns
    what was removed. A result is stored as validations/<mart>/<run name>/<run time>/<batch>.json and its
    page under the same path in the data docs; run times are UTC stamps that sort as text. The index,
    rebuilt from the results left, then links only those."""
    gx_root = report_root / "gx" / "uncommitted"
    removed = []
    for mart in sorted(p for p in (gx_root / "validations").glob("*") if p.is_dir()):
        runs = sorted(
            (run_time.name, run_time)
            for run_name in mart.iterdir()
            if run_name.is_dir()
            for run_time in run_name.iterdir()
        )
        for _, run_time in runs[: max(len(runs) - keep, 0)]:
            relative = run_time.relative_to(gx_root / "validations")
            for folder in (run_time, gx_root / "data_docs" / "local_site" / "validations" / relative):
                shutil.rmtree(folder, ignore_errors=True)
                if folder.parent.is_dir() and not any(folder.parent.iterdir()):
                    folder.parent.rmdir()
            removed.append(relative)
    return removed


def _suite_page(report_root: Path, suite: str) -> Path:
    return report_index(report_root).parent / "expectations" / f"{suite}.html"


def report_index(report_root: Path) -> Path:
    return report_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def _expectation_name(config) -> str:
    """An expectation as a reader names it: its type and the column or columns it is about."""
    kwargs = config.kwargs or {}
    about = kwargs.get("column") or ", ".join(kwargs.get("column_list") or [])
    return f"{config.type} ({about})" if about else config.type
