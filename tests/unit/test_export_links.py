"""The figure book's links to the workbooks and CSV files, as a browser that opened data/reports/figures/ follows
them: to the stable paths under data/marts/, whatever export set folder the book was written in."""

from __future__ import annotations

import os
from pathlib import Path

from itip_pipeline.defs.report_assets import FIGURES, as_seen_from_stable_book


def test_the_book_links_each_export_by_its_stable_path():
    data = Path("/srv/itip/data")
    export_set = data / "marts" / "versions" / "20261201T000000000000Z-abcdef12" / ".exports-20261201T000001.7.new"
    stable_book = data / "reports" / "figures"
    for written, stable in (
        (export_set / "itip_indicators.xlsx", data / "marts" / "itip_indicators.xlsx"),
        (export_set / "csv", data / "marts" / "csv"),
    ):
        given = as_seen_from_stable_book(written, export_set, data / "marts", stable_book)
        # What the book writes (figure_book._front_body: relative to the page's folder), then a browser's reading.
        for page_dir, opened_dir in (
            (export_set / FIGURES, stable_book),
            (export_set / FIGURES / "en", stable_book / "en"),
        ):
            href = os.path.relpath(given, page_dir)
            assert Path(os.path.normpath(opened_dir / href)) == stable, (written, page_dir)
