"""The figure book and the exports: written at each publish, downstream of the published warehouse.

They are written as one set inside the version they show (publish/versions.py: `staged_exports`,
`commit_exports`) and made visible in one rename; the paths users know (data/marts/itip_indicators*.xlsx,
data/marts/csv/, data/reports/figures/) are links that follow it. A failure or a kill while writing leaves
the previous set whole.
"""

import os
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from itip_pipeline.core import progress
from itip_pipeline.core.build_state import FIGURE_BOOK_MARKER
from itip_pipeline.core.escaping import for_terminal
from itip_pipeline.core.published_layout import WAREHOUSE_FILE, current_version_dir
from itip_pipeline.core.settings import get_settings
from itip_pipeline.defs.publish_assets import PARQUET_KEY, WAREHOUSE_KEY
from itip_pipeline.publish.versions import commit_exports, staged_exports
from itip_pipeline.report import predraw
from itip_pipeline.warehouse.working_db import writer_lock

FIGURE_BOOK_KEY = dg.AssetKey(["published", "figure_book"])
EXPORTS_KEY = dg.AssetKey(["published", "excel_exports"])
FIGURES = "figures"  # the figure book's folder in an export set


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            EXPORTS_KEY,
            deps=[WAREHOUSE_KEY, PARQUET_KEY],
            group_name="published",
            kinds={"excel", "csv"},
            description="data/marts/itip_indicators.xlsx (Norwegian) and itip_indicators_en.xlsx (English): a "
            "read-me sheet and a sheet per family, for reading and printing; data/marts/csv/<table>.csv, every "
            "table with every column, numbers unrounded, a flag column; data/marts/jsonstat/: the cubes as JSON-stat "
            "2.0 datasets and their collection; read from the published warehouse only.",
        ),
        dg.AssetSpec(
            FIGURE_BOOK_KEY,
            deps=[WAREHOUSE_KEY],
            group_name="published",
            kinds={"html"},
            description="data/reports/figures/: the figure book, static HTML that opens offline — a page "
            "per indicator family (Norwegian, English under en/) and the check results of the run.",
        ),
    ],
    name="write_figure_book_and_exports",
)
def figure_book_and_exports(context: AssetExecutionContext):
    from itip_pipeline.report.exports import CSV_DIR_NAME, WORKBOOK_NAMES
    from itip_pipeline.report.jsonstat import JSONSTAT_DIR
    from itip_pipeline.report.published import read_published

    settings = get_settings()
    # Two runs finishing together must not write the same workbook, CSV files and pages at once.
    with writer_lock(settings.figure_book_dir), progress.step("figure book and exports") as step:
        # The version resolved once and read inside it: a publish by another run meanwhile cannot mix versions.
        version = current_version_dir(settings.marts_dir)
        if version is None:
            raise dg.Failure(description=f"No published version in {settings.marts_dir}: nothing to export.")
        written: list[str] = []
        try:
            published = read_published(version / WAREHOUSE_FILE)
            with staged_exports(settings.marts_dir, version) as staging:
                csv_files, pages = _write_set(context, published, staging, version.name, written)
            stable = {
                settings.marts_dir / name: name for name in (*WORKBOOK_NAMES.values(), CSV_DIR_NAME, JSONSTAT_DIR)
            }
            commit_exports(settings.marts_dir, version, staging, {**stable, settings.figure_book_dir: FIGURES})
        except Exception as error:  # any failure here: the publish stands, the old book says it is stale
            sentence = _failed_after_publish(settings, version, error, exports_written="exports" in written)
            raise dg.Failure(description=sentence, allow_retries=False) from None
        step.done(f"{len(pages)} pages, {len(csv_files)} CSV files")
    yield dg.MaterializeResult(
        asset_key=EXPORTS_KEY,
        metadata={
            "workbook": dg.MetadataValue.path(str(settings.marts_dir / WORKBOOK_NAMES["no"])),
            "csv files": len(csv_files),
        },
    )
    context.log.info(f"Wrote the figure book ({len(pages)} pages) to {settings.figure_book_dir}")
    yield dg.MaterializeResult(
        asset_key=FIGURE_BOOK_KEY,
        metadata={
            "index": dg.MetadataValue.path(str(settings.figure_book_dir / "index.html")),
            "pages": len(pages),
            "synthetic": published.is_synthetic,
        },
    )


def _write_set(
    context: AssetExecutionContext, published, folder: Path, version: str, written: list[str]
) -> tuple[list[Path], list]:
    """The workbooks, the CSV files, the JSON-stat datasets and the figure book (in FIGURES) of `published` in
    `folder`; the CSV files and the pages written. Appends "exports" to `written` once the workbooks and CSV
    files are written."""
    from itip_pipeline.defs.dbt.project import dbt_project
    from itip_pipeline.report.catalog import write_catalog
    from itip_pipeline.report.check_results import every_dbt_test, latest_check_outcomes
    from itip_pipeline.report.exports import CSV_DIR_NAME, WORKBOOK_NAMES, write_exports
    from itip_pipeline.report.figure_book import BookRun, build_figure_book
    from itip_pipeline.report.jsonstat import JSONSTAT_DIR, write_jsonstat

    # The job's asset graph: execute_in_process (itip run) has no repository on the context.
    project = dbt_project()
    checks = every_dbt_test(
        latest_check_outcomes(
            context.instance, context.job_def.asset_layer.asset_graph.asset_check_keys, this_run=context.run_id
        ),
        _latest_dbt_build(project),
        project.manifest_path,
    )
    book = folder / FIGURES
    settings = get_settings()
    links = {
        "Excel (itip_indicators.xlsx)": folder / WORKBOOK_NAMES["no"],
        "Excel, English (itip_indicators_en.xlsx)": folder / WORKBOOK_NAMES["en"],
        "CSV": folder / CSV_DIR_NAME,
    }
    exports = []

    def write_the_exports() -> None:
        exports.append(write_exports(published, folder))
        write_jsonstat(published, folder / JSONSTAT_DIR, version)
        write_catalog(published, folder / JSONSTAT_DIR, settings.public_base_url)
        written.append("exports")

    run = BookRun(
        run_id=context.run_id,
        checks=checks,
        exports={
            text: as_seen_from_stable_book(path, folder, settings.marts_dir, settings.figure_book_dir)
            for text, path in links.items()
        },
    )
    # The exports are written here while the book's charts are drawn in child processes, which this process
    # would otherwise only wait for.
    # Charts drawn ahead while the checks and publish ran are read back; the drawing ahead stops first.
    with predraw.stopped(settings.chart_cache_dir):
        pages = build_figure_book(
            published, book, run, chart_cache=settings.chart_cache_dir, meanwhile=write_the_exports
        )
    # The no-op check of `itip run` trusts a book (and the exports) only if it names the current version.
    (book / FIGURE_BOOK_MARKER).write_text(version, encoding="utf-8")
    return exports[0].csv_files, pages


def as_seen_from_stable_book(written: Path, export_set: Path, marts_dir: Path, stable_book: Path) -> Path:
    """The path to give the book (which links each export relative to its own folder) for a file `written` in
    `export_set`: the book is opened at its stable path (data/reports/figures/), and a browser resolves a link
    by the path it opened, not by the folder a link leads to, so the link must lead from there to the file's
    stable path under `marts_dir`."""
    stable = marts_dir / written.relative_to(export_set)
    return export_set / FIGURES / os.path.relpath(stable, stable_book)


def _failed_after_publish(settings, version, error: Exception, exports_written: bool) -> str:
    """The sentence for a failed figure book or exports step, after the old book has been marked stale."""
    from itip_pipeline.report.stale_notice import mark_stale

    marker = settings.figure_book_dir / FIGURE_BOOK_MARKER
    shown = _one_line(marker.read_text(encoding="utf-8", errors="replace")) if marker.is_file() else None
    published = version.name if version else None
    try:
        marked = f"its pages now say they show version {shown or '(none)'}, not the published one"
        mark_stale(settings.figure_book_dir, shown, published)
    except OSError as unmarked:
        marked = f"the notice saying so could not be written either ({unmarked.strerror or unmarked})"
    # The exports and the book are one set, made visible together: when either fails, both stay as they were.
    failed = "Drawing the figure book" if exports_written else "Writing the exports"
    stale = (
        f"the workbooks and CSV files in {settings.marts_dir} and the figure book in {settings.figure_book_dir} "
        "still show the version before"
    )
    return (
        f"{failed} failed after version {published} was published: {_in_words(error)}. The published warehouse "
        f"and Parquet files are version {published} and stay so; {stale} ({marked})."
    )


def _in_words(error: Exception) -> str:
    """The error's own words on one line, control characters shown escaped (they may come from a delivery)."""
    text = str(error).strip() or type(error).__name__
    if isinstance(error, OSError) and error.strerror:
        text = f"{error.strerror}" + (f": {error.filename}" if error.filename else "")
    return _one_line(text)


def _one_line(text: str, limit: int = 500) -> str:
    return for_terminal(" ".join(text.split()))[:limit]


def _latest_dbt_build(project):
    """The newest of dagster-dbt's invocation folders of the dbt `project` (their run_results.json lists every
    dbt test), or None."""
    from itip_pipeline.defs.dbt.invocation_dirs import INVOCATION_DIR, invocation_root

    root = invocation_root(project.project_dir, project.target_path)
    builds = (
        [p for p in root.glob("*/run_results.json") if INVOCATION_DIR.match(p.parent.name)] if root.is_dir() else []
    )
    return max(builds, key=lambda p: p.stat().st_mtime).parent if builds else None
