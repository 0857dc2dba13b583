"""A failure of the figure book and exports step after publish: a failed step with a sentence, the published
version kept, the old book marked stale on every page, and the run's summary saying what was published."""

from __future__ import annotations

import dagster as dg
import pytest

from itip_pipeline.core.build_state import FIGURE_BOOK_MARKER
from itip_pipeline.core.published_layout import CURRENT, VERSIONS_DIR
from itip_pipeline.defs import report_assets
from itip_pipeline.defs.publish_assets import WAREHOUSE_KEY
from itip_pipeline.report import published as published_marts
from itip_pipeline.report.stale_notice import NOTICE_CLASS
from itip_pipeline.report.two_processes import split_across_two_processes

from support.drawing_crashes import abort_when_drawing

OLD, NEW = "20260101T000000000000Z-00000001", "20260102T000000000000Z-00000002"


@pytest.fixture
def book_behind(settings, monkeypatch):
    """Version NEW published; the figure book on disk still draws OLD (Norwegian and English pages)."""
    version = settings.marts_dir / VERSIONS_DIR / NEW
    version.mkdir(parents=True)
    (settings.marts_dir / CURRENT).symlink_to(f"{VERSIONS_DIR}/{NEW}")
    for page in ("index.html", "ai.html", "en/index.html"):
        (settings.figure_book_dir / page).parent.mkdir(parents=True, exist_ok=True)
        (settings.figure_book_dir / page).write_text(f"<html><body><main><h1>{page}</h1></main></body></html>")
    (settings.figure_book_dir / FIGURE_BOOK_MARKER).write_text(OLD)
    # The published marts are not read: the failures below happen while the export set is written.
    monkeypatch.setattr(published_marts, "read_published", lambda path: None)
    return settings


def _crashing_drawing(context, published, folder, version, written):
    written.append("exports")  # the exports are written before the book is drawn
    split_across_two_processes(abort_when_drawing, [1, 2])


def _failing_export(context, published, folder, version, written):
    raise ValueError("'2025\x1b[31m' cannot be used in worksheets")


@pytest.mark.parametrize(
    "failure, said, stale",
    [
        (_crashing_drawing, "Drawing the figure book failed", "the workbooks and CSV files in"),
        (_failing_export, "Writing the exports failed", "the workbooks and CSV files in"),
    ],
    ids=["renderer crash", "export error"],
)
def test_a_failure_after_publish_is_a_failed_step_and_the_old_book_says_it_is_stale(
    book_behind, monkeypatch, failure, said, stale
):
    monkeypatch.setattr(report_assets, "_write_set", failure)
    with pytest.raises(dg.Failure) as failed:
        list(report_assets.figure_book_and_exports(dg.build_asset_context()))
    sentence = failed.value.description
    assert sentence.startswith(f"{said} after version {NEW} was published: ")
    assert f"are version {NEW} and stay so; {stale}" in sentence
    if failure is _crashing_drawing:
        assert "the process drawing the figure book's charts crashed (SIGABRT)" in sentence
    else:  # a control character from a delivery shown escaped, not sent to the terminal
        assert "'2025\\x1b[31m' cannot be used in worksheets" in sentence and "\x1b" not in sentence
    assert (book_behind.marts_dir / CURRENT).resolve().name == NEW, "the publish stands"
    assert (book_behind.figure_book_dir / FIGURE_BOOK_MARKER).read_text() == OLD, "the next run redraws"
    for page, words in [("index.html", "utdatert"), ("ai.html", "utdatert"), ("en/index.html", "out of date")]:
        text = (book_behind.figure_book_dir / page).read_text()
        assert text.count(NOTICE_CLASS) == 1 and words in text and OLD in text and NEW in text, page
        assert text.index(NOTICE_CLASS) < text.index("<h1>"), "the notice comes first in the page"


def test_a_second_failure_keeps_one_notice_and_no_book_at_all_gets_a_page_saying_so(book_behind, monkeypatch):
    monkeypatch.setattr(report_assets, "_write_set", _failing_export)
    for _ in range(2):
        with pytest.raises(dg.Failure):
            list(report_assets.figure_book_and_exports(dg.build_asset_context()))
    assert (book_behind.figure_book_dir / "index.html").read_text().count(NOTICE_CLASS) == 1
    for page in book_behind.figure_book_dir.rglob("*.html"):
        page.unlink()
    (book_behind.figure_book_dir / FIGURE_BOOK_MARKER).unlink()
    with pytest.raises(dg.Failure):
        list(report_assets.figure_book_and_exports(dg.build_asset_context()))
    index = (book_behind.figure_book_dir / "index.html").read_text()
    assert "out of date" in index and "utdatert" in index and NEW in index


def _build_then_fail_after_publish(after_publish_fails: bool):
    """A real Dagster run of the shape of build_and_publish: publish makes a version, the book step may fail."""

    @dg.asset(key=WAREHOUSE_KEY)
    def publish_marts():
        return dg.MaterializeResult(metadata={"version": NEW})

    @dg.asset(deps=[WAREHOUSE_KEY], name="write_figure_book_and_exports")
    def book():
        if after_publish_fails:
            raise dg.Failure(description="Drawing the figure book and writing the exports failed (test)")

    @dg.asset(name="checks_before_publish")
    def checks():
        raise dg.Failure(description="A blocking check failed (test)")

    assets = [publish_marts, book] if after_publish_fails else [checks]
    return dg.materialize(assets, raise_on_error=False)


@pytest.mark.parametrize("after_publish_fails", [True, False], ids=["book fails after publish", "check fails"])
def test_the_summary_says_what_was_published_and_which_step_failed_after_it(
    settings, monkeypatch, capsys, after_publish_fails
):
    from itip_pipeline import cli
    from itip_pipeline.runner import itip_run as pipeline_run

    outcome = pipeline_run._Outcome([], [], {})
    pipeline_run._record_build(outcome, _build_then_fail_after_publish(after_publish_fails))
    summary = pipeline_run.RunSummary(
        [2025],
        [],
        [],
        False,
        outcome.failed,
        {},
        [],
        outcome.published,
        [],
        1.0,
        settings.reports_dir / "x.log",
        version=outcome.version,
        failed_after_publish=outcome.failed_after_publish,
    )
    monkeypatch.setattr(pipeline_run, "run_all", lambda *args, **kwargs: summary)
    with pytest.raises(SystemExit) as exit_code:
        cli.main(["run"])
    out = capsys.readouterr().out
    assert exit_code.value.code == 1
    if after_publish_fails:
        assert outcome.published and outcome.version == NEW
        assert f"FAILED after publishing version {NEW}" in out
        assert f"Version {NEW} was published" in out and "the figure book and exports step failed" in out
        assert "stale" in out and "left as it was" not in out
    else:
        assert not outcome.published and outcome.version is None
        assert "FAILED build and publish" in out and "Nothing was published" in out and "left as it was" in out
