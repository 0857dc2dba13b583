"""The figure book and the exports: written at each publish, downstream of the published warehouse."""

import dagster as dg
from dagster import AssetExecutionContext

from itip_pipeline.core import progress
from itip_pipeline.core.build_state import FIGURE_BOOK_MARKER
from itip_pipeline.core.published_layout import current_version_dir
from itip_pipeline.core.settings import get_settings
from itip_pipeline.defs.publish_assets import PARQUET_KEY, WAREHOUSE_KEY
from itip_pipeline.warehouse.working_db import writer_lock

FIGURE_BOOK_KEY = dg.AssetKey(["published", "figure_book"])
EXPORTS_KEY = dg.AssetKey(["published", "excel_exports"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            EXPORTS_KEY,
            deps=[WAREHOUSE_KEY, PARQUET_KEY],
            group_name="published",
            kinds={"excel", "csv"},
            description="data/marts/itip_indicators.xlsx (Norwegian) and itip_indicators_en.xlsx (English): a "
            "read-me sheet and a sheet per family, for reading and printing; data/marts/csv/<table>.csv, every "
            "table with every column, numbers unrounded, a flag column; read from the published warehouse only.",
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
    settings = get_settings()
    # Two runs finishing together must not write the same workbook, CSV files and pages at once.
    with writer_lock(settings.figure_book_dir), progress.step("figure book and exports") as step:
        # The version resolved once and read inside it: a publish by another run meanwhile cannot mix versions.
        version = current_version_dir(settings.marts_dir)
        written: list[str] = []
        try:
            exports, pages, published = _write_book_and_exports(context, settings, version, written)
        except Exception as error:  # any failure here: the publish stands, the old book says it is stale
            sentence = _failed_after_publish(settings, version, error, exports_written="exports" in written)
            raise dg.Failure(description=sentence, allow_retries=False) from None
        step.done(f"{len(pages)} pages, {len(exports.csv_files)} CSV files")
    yield dg.MaterializeResult(
        asset_key=EXPORTS_KEY,
        metadata={"workbook": dg.MetadataValue.path(str(exports.workbook)), "csv files": len(exports.csv_files)},
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


def _write_book_and_exports(context: AssetExecutionContext, settings, version, written: list[str]):
    """The workbooks, CSV files and figure book of the published `version`; the book's marker last. Appends
    "exports" to `written` once the workbooks and CSV files are written."""
    from itip_pipeline.report.check_results import every_dbt_test, latest_check_outcomes
    from itip_pipeline.report.exports import write_exports
    from itip_pipeline.report.figure_book import BookRun, build_figure_book
    from itip_pipeline.report.published import read_published

    published = read_published(version / settings.warehouse_db.name if version else settings.warehouse_db)
    exports = write_exports(published, settings.marts_dir)
    written.append("exports")
    # The job's asset graph: execute_in_process (itip run) has no repository on the context.
    checks = every_dbt_test(
        latest_check_outcomes(context.instance, context.job_def.asset_layer.asset_graph.asset_check_keys),
        _latest_dbt_build(),
    )
    run = BookRun(
        run_id=context.run_id,
        checks=checks,
        exports={
            "Excel (itip_indicators.xlsx)": exports.workbooks["no"],
            "Excel, English (itip_indicators_en.xlsx)": exports.workbooks["en"],
            "CSV": exports.csv_files[0].parent,
        },
    )
    pages = build_figure_book(published, settings.figure_book_dir, run)
    # Last: the no-op check of `itip run` trusts a book (and the exports) only if it names the current version.
    (settings.figure_book_dir / FIGURE_BOOK_MARKER).write_text(version.name if version else "", encoding="utf-8")
    return exports, pages, published


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
    failed, stale = (
        ("Drawing the figure book", f"the figure book in {settings.figure_book_dir} is stale")
        if exports_written
        else (
            "Writing the exports",
            f"the workbooks and CSV files in {settings.marts_dir} and the figure book in {settings.figure_book_dir} "
            "are stale",
        )
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
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in " ".join(text.split()))[:limit]


def _latest_dbt_build():
    """The newest of dagster-dbt's invocation folders (their run_results.json lists every dbt test), or None."""
    from itip_pipeline.defs.dbt.invocation_dirs import INVOCATION_DIR, invocation_root
    from itip_pipeline.defs.dbt.project import dbt_project

    project = dbt_project()
    root = invocation_root(project.project_dir, project.target_path)
    builds = (
        [p for p in root.glob("*/run_results.json") if INVOCATION_DIR.match(p.parent.name)] if root.is_dir() else []
    )
    return max(builds, key=lambda p: p.stat().st_mtime).parent if builds else None
