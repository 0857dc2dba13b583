"""The figure book in headless Chromium: every page loads its charts with no console error and no request leaving
the machine; at a desktop and a phone width no text overflows its box or overprints other text, every withheld
or flagged value says why, and every mark of a breakdown names its category."""

from __future__ import annotations

import json

import pytest

from support.chromium import headless_chromium
from support.report_fixture import build_fixture_book

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)

# Every problem a reader would see, found in the page as laid out: text wider than its box or past the page's
# edge, chart text cut by the chart's edge or overprinting other chart text (labels Vega hides are skipped).
LAYOUT_PROBLEMS = """
const problems = [];
const page = document.documentElement.clientWidth;
if (document.documentElement.scrollWidth > page + 1) {
  problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${page}`);
}
for (const el of document.querySelectorAll('h1,h2,h3,p,li,th,td,figcaption,header a')) {
  const box = el.getBoundingClientRect();
  if (!box.width) continue;
  if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== 'inline') {
    problems.push(`text wider than its box: ${el.tagName} ${el.textContent.slice(0, 60)}`);
  }
  if (box.right > page + 1) problems.push(`text past the page's edge: ${el.tagName} ${el.textContent.slice(0, 60)}`);
}
const shown = t => t.textContent.trim() && !t.closest('[opacity="0"]') && getComputedStyle(t).visibility !== 'hidden';
for (const svg of document.querySelectorAll('figure.chart svg')) {
  const frame = svg.getBoundingClientRect();
  const figure = svg.closest('figure').getBoundingClientRect();
  if (frame.right > figure.right + 1) problems.push(`chart wider than its figure: ${frame.width} > ${figure.width}`);
  const texts = [...svg.querySelectorAll('text')].filter(shown).map(t => [t.textContent, t.getBoundingClientRect()]);
  for (const [text, r] of texts) {
    if (r.left < frame.left - 1 || r.right > frame.right + 1 || r.top < frame.top - 1 || r.bottom > frame.bottom + 1) {
      problems.push(`chart text cut by the chart's edge: ${text}`);
    }
  }
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const [a, p] = texts[i], [b, q] = texts[j];
      const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
      const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
      if (w > 1.5 && h > 1.5) problems.push(`chart text overprints other text: "${a}" / "${b}"`);
    }
  }
}
return problems;
"""

# Every table row with a flag letter says, for each letter, why in words ("c: ..."); every chart mark that stands
# for a withheld value says why too.
UNEXPLAINED_FLAGS = """
const problems = [];
for (const row of document.querySelectorAll('tbody tr')) {
  for (const flag of row.querySelectorAll('.flag')) {
    for (const letter of flag.textContent.trim()) {
      if (!row.textContent.includes(`${letter}: `)) {
        problems.push(`${letter} unexplained: ${row.textContent.slice(0, 80)}`);
      }
    }
  }
}
return problems;
"""

UNNAMED_CATEGORY = """
const problems = [];
for (const mark of document.querySelectorAll('figure.chart [role="graphics-symbol"][aria-roledescription]')) {
  const kind = mark.getAttribute('aria-roledescription');
  if (!['bar', 'point', 'line mark', 'text mark', 'rule mark'].includes(kind) || kind.endsWith('container')) continue;
  const label = mark.getAttribute('aria-label') || '';
  if (!/(Kategori|Category): /.test(label)) problems.push(`${kind}: ${label.slice(0, 80)}`);
}
return [problems, document.querySelectorAll('figure.chart [aria-label*="ategor"]').length];
"""


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
    finally:
        driver.quit()


@pytest.mark.parametrize("width", WIDTHS)
def test_at_desktop_and_phone_width_no_text_overflows_or_overprints_and_every_flag_says_why(tmp_path, width):
    folder, pages, published = build_fixture_book(tmp_path / "book")
    breakdowns = {f"{f.family}.html" for f in published.families if f.is_breakdown}
    assert breakdowns, "the fixture has a breakdown family"
    driver = headless_chromium(tmp_path / "chromium", f"{max(width, 800)},900")
    # Chromium's window is never narrower than about 500 px: a phone's width is emulated, as DevTools does.
    metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 800}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        flagged = 0
        for page in pages:
            driver.get(page.as_uri())
            assert driver.execute_script("return document.documentElement.clientWidth") <= width
            assert driver.execute_script(LAYOUT_PROBLEMS) == [], (page, width)
            assert driver.execute_script(UNEXPLAINED_FLAGS) == [], (page, width)
            flagged += len(driver.find_elements("css selector", "tbody .flag"))
            if page.name in breakdowns:
                unnamed, named = driver.execute_script(UNNAMED_CATEGORY)
                assert named > 0 and unnamed == [], (page, unnamed)
            titles = driver.find_elements("css selector", "figure.chart svg title")
            if page.name in {f"{f.family}.html" for f in published.families if f.is_estimated}:
                assert titles, (page, "a mark shows its value, margin and n on hover")
        assert flagged >= 4, "the fixture's withheld and flagged cells are in the tables"
        driver.get((folder / "ai_adoption_breakdown.html").as_uri())
        driver.save_screenshot(str(tmp_path / f"breakdown_{width}.png"))
    finally:
        driver.quit()
