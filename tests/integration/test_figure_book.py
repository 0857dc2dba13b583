"""The figure book built from a small published warehouse: what each page shows and that it needs nothing from the
network (in headless Chromium: tests/e2e/test_figure_book_browser.py)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from itip_pipeline.report.figure_book import build_figure_book
from itip_pipeline.report.published import read_published

from support.report_fixture import FIXTURE_RUN_ID, SUPPRESSED_N, build_fixture_book, write_published_fixture


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return build_fixture_book(tmp_path_factory.mktemp("book"))


def _read(folder, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


def test_every_family_has_a_page_in_norwegian_and_in_english(book):
    folder, pages, published = book
    names = {p.relative_to(folder).as_posix() for p in pages}
    for family in published.families:
        assert {f"{family.family}.html", f"en/{family.family}.html"} <= names
    assert {"index.html", "en/index.html", "checks.html", "en/checks.html"} <= names
    assert "new_family" in {f.family for f in published.families}, "an unlisted mart_* table is a family too"
    front = _read(folder, "index.html")
    assert "Bruk av kunstig intelligens" in front and "Adoption of AI" in _read(folder, "en/index.html")
    assert "org_survey_synthetic.xlsx" in front, "the provenance names the delivered files"
    assert 'href="../marts/itip_indicators.xlsx"' in front
    assert 'href="en/ai_adoption.html"' in _read(folder, "ai_adoption.html")
    assert 'href="../ai_adoption.html"' in _read(folder, "en/ai_adoption.html")


def test_a_suppressed_cell_is_shown_as_suppressed_never_as_a_value(book):
    folder, _, _ = book
    page = _read(folder, "ai_adoption.html")
    mark = f"prikket (n = {SUPPRESSED_N})"
    assert page.count(mark) >= 2, "in the latest year's chart and in its table"
    english = _read(folder, "en/ai_adoption.html")
    assert "suppressed" in english
    # The suppressed year's table row holds the mark and no interval; the share column has no 0 for it.
    rows = re.findall(r"<tr>(.*?)</tr>", page)
    assert not any(mark in row and re.search(r'class="num">0(,0)?<', row) for row in rows)


def test_trends_mark_series_breaks_and_draw_every_policy_target(book):
    folder, _, _ = book
    page, english = _read(folder, "ai_adoption.html"), _read(folder, "en/ai_adoption.html")
    assert "Mål: 80 % innen 2025" in page and "Mål: 100 % innen 2030" in page
    assert "Target: 100 % by 2030" in english
    assert "brudd i serien" in page and "series break" in english
    assert page.count('data-chart="') >= 3
    assert 'data-chart="reconciliation"' in page and "Publisert i rapporten" in page
    infosec = _read(folder, "infosec_statement.html")
    assert "Vi har god oversikt over informasjonssikkerheten" in infosec, "item labels come from the marts"
    assert "brudd i serien" not in infosec, "no break drawn where the series has none"


def test_norwegian_pages_use_a_decimal_comma(book):
    folder, _, _ = book
    assert "20,5–29,8" in _read(folder, "ai_adoption.html") or "25,5" in _read(folder, "ai_adoption.html")
    assert re.search(r">\d+\.\d<", _read(folder, "en/ai_adoption.html"))


def test_check_results_name_the_years_and_link_their_dagster_run(book):
    folder, _, _ = book
    page = _read(folder, "checks.html")
    assert f'href="http://127.0.0.1:3000/runs/{FIXTURE_RUN_ID}"' in page
    assert "2023, 2024, 2025" in page
    assert "1 av 2 kontroller bestått" in page and "not_null_mart_ai_adoption_year" in page


def test_nothing_on_any_page_is_fetched_from_elsewhere(book):
    folder, pages, _ = book
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text and "<link" not in text and "@import" not in text, page
        assert not re.search(r"""(src|xlink:href)=["'](?!data:)""", text), page
        assert not re.search(r"url\((?!#)", text), page
        external = set(re.findall(r'href="(https?://[^"]+)"', text))
        assert external <= {f"http://127.0.0.1:3000/runs/{FIXTURE_RUN_ID}"}, (page, external)


def test_a_book_from_real_deliveries_has_no_synthetic_banner(tmp_path, book):
    _, _, synthetic = book
    real = read_published(write_published_fixture(tmp_path / "w.duckdb", synthetic=False))
    build_figure_book(dataclasses.replace(real, families=[]), tmp_path / "figures")
    assert 'class="synthetic"' not in (tmp_path / "figures" / "index.html").read_text(encoding="utf-8")
    assert 'class="synthetic"' in (book[0] / "index.html").read_text(encoding="utf-8")


def test_an_external_figure_without_a_value_is_written_out_not_drawn_as_zero(book):
    folder, _, _ = book
    page = _read(folder, "ai_use_mode_external.html")
    assert "Statens arbeidsgiverbarometer 2024" in page and 'data-chart="external"' in page
    assert "ingen verdi" in page and "no value" in _read(folder, "en/ai_use_mode_external.html")


def test_a_family_of_likert_statements_shows_its_answer_distribution(book):
    folder, _, _ = book
    page = _read(folder, "infosec_statement.html")
    assert page.count('data-chart="distribution"') == 1 and "Svarfordeling 2025, Statlige virksomheter" in page
    assert "Answer distribution 2025, State agencies" in _read(folder, "en/infosec_statement.html")
    assert 'data-chart="distribution"' not in _read(folder, "ai_adoption.html"), "no distribution rows: no chart"
