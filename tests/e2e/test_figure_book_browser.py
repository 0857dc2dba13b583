"""The figure book in headless Chromium: every page loads its charts with no console error and no request leaving
the machine."""

from __future__ import annotations

import json

import pytest

from support.chromium import headless_chromium
from support.report_fixture import build_fixture_book

pytestmark = pytest.mark.browser


def test_every_page_loads_its_charts_offline_with_no_console_error(tmp_path):
    folder, pages, published = build_fixture_book(tmp_path / "book")
    driver = headless_chromium(tmp_path / "chromium", "1300,1000", logs=True)
    estimated = {f"{f.family}.html" for f in published.families if f.is_estimated and not f.frame.empty}
    try:
        driver.get("about:blank")
        driver.get_log("performance")  # the browser's own start-up page (chrome:// URLs) is not ours
        for page in pages:
            driver.get(page.as_uri())
            charts = driver.find_elements("css selector", "figure.chart svg")
            if page.name in estimated:
                assert len(charts) >= (3 if page.name == "ai_adoption.html" else 1), page
                assert all(c.size["width"] > 100 and c.size["height"] > 20 for c in charts), page
            assert driver.find_element("tag name", "h1").text, page
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert not errors, (page, errors)
            requests = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
            urls = {m["params"]["request"]["url"] for m in requests if m["method"] == "Network.requestWillBeSent"}
            assert page.as_uri() in urls, urls
            assert all(u.startswith(("file://", "data:")) for u in urls), (page, urls)
        driver.get((folder / "ai_adoption.html").as_uri())
        driver.save_screenshot(str(tmp_path / "ai_adoption.png"))
    finally:
        driver.quit()
