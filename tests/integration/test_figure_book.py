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


def test_every_withheld_value_says_its_own_reason_in_words(book):
    folder, _, _ = book
    page = _read(folder, "ai_adoption.html")
    assert "færre enn 10" not in page, "no blanket reason for every withheld value"
    rows = re.findall(r"<tr>(.*?)</tr>", page)
    too_few = [row for row in rows if f"c: holdt tilbake for konfidensialitet: for få svar (n = {SUPPRESSED_N}" in row]
    assert too_few, "the cell withheld for too few answers says so, with its n"
    # The withheld row holds the flag and no share, margin or 0.
    assert all('class="flag"' in row and not re.search(r'class="num"[^>]*>0(,0)?<', row) for row in too_few)
    infosec = _read(folder, "infosec_statement.html")
    said = "c: holdt tilbake for konfidensialitet: så et annet skjult tall ikke kan regnes ut fra totalene (n = 120)"
    assert said in infosec
    assert "u: usikkert tall: 95 %-intervallet er bredt" in infosec  # published, flagged, not withheld
    english = _read(folder, "en/infosec_statement.html")
    said = "c: withheld for confidentiality: so that another withheld value cannot be worked out from the totals"
    assert f"{said} (n = 120)" in english
    for name in ("ai_adoption.html", "infosec_statement.html", "ai_adoption_breakdown.html"):
        legend = _read(folder, name)
        assert all(f"<li>{letter} = " in legend for letter in "cub"), (name, "the same legend of symbols on each page")


def test_a_table_row_gives_the_margin_in_words_and_the_change_with_its_significance(book):
    folder, _, _ = book
    page = _read(folder, "infosec_statement.html")
    assert "± 5 prosentpoeng" in page
    assert "Statlige virksomheter minus kommuner (2025)" in page, "state minus municipal from the marts"
    breakdown = _read(folder, "ai_adoption_breakdown.html")
    assert "+8,0 prosentpoeng fra 2024 (ikke signifikant)" in breakdown
    assert "+8.0 percentage points since 2024 (not significant)" in _read(folder, "en/ai_adoption_breakdown.html")


def test_a_breakdown_page_has_a_title_names_the_category_on_every_row_and_shows_no_sql(book):
    folder, _, _ = book
    page = _read(folder, "ai_adoption_breakdown.html")
    assert "<h1>Bruk av kunstig intelligens, fordelt på fylke (2024-inndelingen)</h1>" in page
    assert "breakdown =" not in page and "mart_" not in re.sub(r'href="[^"]*"', "", page)
    table = page[page.rindex("<tbody>") :]
    rows = re.findall(r"<tr>(.*?)</tr>", table)
    assert rows and all(re.search(r"(Agder|Møre og Romsdal|Vestfold)</td>", row) for row in rows)
    assert "c: holdt tilbake for konfidensialitet: for få svar (n = 6, minst 10 kreves)" in page
    assert 'data-chart="breakdown_bars"' in page and 'data-chart="trend"' in page


def test_a_page_in_one_language_says_everything_in_it(book):
    folder, _, _ = book
    page = _read(folder, "ai_adoption.html")
    assert "within tolerance" not in page and "innenfor toleransen" in page
    assert "The mart_ai_adoption table." not in page, "the English table comment is no Norwegian intro"
    assert "within tolerance" in _read(folder, "en/ai_adoption.html")


def test_trends_mark_series_breaks_and_draw_every_policy_target(book):
    folder, _, _ = book
    page, english = _read(folder, "ai_adoption.html"), _read(folder, "en/ai_adoption.html")
    assert "Mål: 80 % innen 2025, Mål: 100 % innen 2030" in page
    assert "Target: 100 % by 2030" in english
    assert "Grå stiplet linje: brudd i serien" in page and "Grey dashed line: break in series" in english
    assert page.count('data-chart="') >= 3
    assert 'data-chart="reconciliation"' in page and "Publisert i rapporten" in page
    infosec = _read(folder, "infosec_statement.html")
    assert "Vi har god oversikt over informasjonssikkerheten" in infosec, "item labels come from the marts"
    assert "Grå stiplet linje" not in infosec, "no break drawn where the series has none"


def test_norwegian_pages_use_a_decimal_comma(book):
    folder, _, _ = book
    page = _read(folder, "ai_adoption.html")
    assert ">40,0<" in page and "± 5 prosentpoeng" in page
    assert re.search(r">\d+\.\d<", _read(folder, "en/ai_adoption.html"))


def test_check_results_name_the_years_and_link_their_dagster_run(book):
    folder, _, _ = book
    page = _read(folder, "checks.html").replace("<wbr>", "")
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
    assert 'class="synthetic"' not in page and "EKSTERN KILDE" in page, "real figures from elsewhere"
    assert "Statens arbeidsgiverbarometer 2024" in page and 'data-chart="external"' in page
    assert "ingen verdi" in page and "no value" in _read(folder, "en/ai_use_mode_external.html")


def test_a_family_of_likert_statements_shows_its_answer_distribution(book):
    folder, _, _ = book
    page = _read(folder, "infosec_statement.html")
    assert page.count('data-chart="distribution"') == 1 and "Svarfordeling 2025, Statlige virksomheter" in page
    assert "Answer distribution 2025, State agencies" in _read(folder, "en/infosec_statement.html")
    assert 'data-chart="distribution"' not in _read(folder, "ai_adoption.html"), "no distribution rows: no chart"


def test_a_kept_chart_is_the_drawing_itself_and_a_changed_chart_is_drawn_again(tmp_path):
    import pandas as pd

    from itip_pipeline.report import charts
    from itip_pipeline.report.chart_cache import ChartCache

    rows = pd.DataFrame(
        {
            "figure_label": ["A", "B"],
            "verdict_text": ["ok", "ok"],
            "published_pct": [40.0, 55.0],
            "warehouse_pct": [41.0, None],
        }
    )
    drawn, kept = ChartCache(tmp_path), ChartCache(tmp_path)
    fresh = charts.to_svg(charts.published_beside_computed(rows, "no"), "no", drawn)
    assert charts.to_svg(charts.published_beside_computed(rows, "no"), "no", kept) == fresh
    assert (drawn.drawn, kept.drawn) == (1, 0) and fresh.startswith("<svg")
    changed = rows.assign(published_pct=[40.0, 56.0])
    redrawn = ChartCache(tmp_path)
    svg = charts.to_svg(charts.published_beside_computed(changed, "no"), "no", redrawn)
    assert redrawn.drawn == 1 and svg != fresh and "56,0" in svg


def test_a_new_release_of_the_same_figures_draws_no_chart_again(tmp_path, book):
    from itip_pipeline.report import charts
    from itip_pipeline.report.chart_cache import ChartCache

    _, _, published = book
    frame = next(f for f in published.families if f.is_external).frame
    first, second = ChartCache(tmp_path), ChartCache(tmp_path)
    charts.to_svg(charts.external_bars(frame.assign(release_id="2025.1"), "no", "value_pct"), "no", first)
    charts.to_svg(charts.external_bars(frame.assign(release_id="2025.2"), "no", "value_pct"), "no", second)
    assert (first.drawn, second.drawn) == (1, 0)


def test_a_page_drawn_again_from_kept_charts_is_the_same_and_draws_nothing(tmp_path, book):
    from itip_pipeline.report import figure_book

    _, _, published = book
    family = next(f for f in published.families if f.is_external)  # one chart: the test stays quick
    cache = tmp_path / "charts"
    [(first, used)] = figure_book.family_bodies([("en", family)], published, cache)
    kept = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    [(second, used_again)] = figure_book.family_bodies([("en", family)], published, cache)
    assert used and used_again == used and len(kept) == len(used)
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == kept
    drawings = [name for name in kept if name.endswith(".svg")]
    assert second == first and second.count("<svg") == len(drawings) == len(used) / 2, "kept by inputs and spec"


def test_every_chart_of_the_book_is_a_valid_vega_lite_spec(monkeypatch, tmp_path, book):
    """The book builds its specs with altair's checks off (charts.unchecked_specs); here every one of them is
    built with the checks on and checked whole against the Vega-Lite schema."""
    from itip_pipeline.report import charts, figure_book
    from itip_pipeline.report.chart_cache import ChartCache

    _, _, published = book
    checked = []

    def check(chart, lang, cache=None):
        checked.append(chart.to_dict(validate=True))
        return "<svg></svg>"

    monkeypatch.setattr(charts, "to_svg", check)
    # One family of each kind (the languages differ in words, not in the specs' shape): the checks are slow.
    kinds = {(f.is_breakdown, f.is_estimated, f.frame.empty): f for f in published.families}
    kinds["distribution"] = next(f for f in published.families if f.family == "infosec_statement")
    for family in kinds.values():
        figure_book._family_body(family, published, "en", ChartCache(tmp_path))
    drawn = {next(k for k in ("facet", "layer", "mark") if k in spec) for spec in checked}
    assert drawn == {"facet", "layer", "mark"}, drawn


def _section(page: str, key: str) -> str:
    found = re.search(rf'<section id="{key}" data-quality="{key}">(.*?)</section>', page)
    assert found, f"the declaration has a {key} section"
    return found.group(1)


def test_each_estimated_family_has_its_quality_declaration_linked_in_both_languages(book):
    folder, pages, published = book
    names = {p.relative_to(folder).as_posix() for p in pages}
    for family in published.families:
        about = f"about-{family.family}.html"
        has = {about, f"en/{about}"} <= names
        assert has == (not family.is_external), family.family
        if has:
            assert f'href="{about}"' in _read(folder, f"{family.family}.html")
            assert f'href="{about}"' in _read(folder, "index.html")
            assert f'href="{family.family}.html"' in _read(folder, about)
            assert 'href="en/' in _read(folder, about) and f'href="../{about}"' in _read(folder, f"en/{about}")


def test_the_declaration_states_the_marts_figures(book):
    """Response rate, withheld and flagged counts and revisions, each read here from the fixture's marts."""
    import duckdb

    folder, _, published = book
    con = duckdb.connect(str(published.path), read_only=True)
    try:
        rate, frame, responded = con.execute(
            "select response_rate_pct, frame_units, responding_units from marts.fct_response_rate "
            "where population = 'kommune' and breakdown is null order by year desc limit 1"
        ).fetchone()
        withheld, flagged, cells = con.execute(
            "select count(*) filter (where suppressed), count(*) filter (where low_reliability and not suppressed), "
            "count(*) from marts.mart_ai_adoption"
        ).fetchone()
        revised, flags_changed = con.execute(
            "select count(*) filter (where column_name <> 'flag'), "
            "count(distinct cell_key) filter (where flag_changed) from marts.revisions "
            "where table_name = 'mart_ai_adoption' and release_id = '2025.2'"
        ).fetchone()
        estimand = con.execute("select estimand from marts.dim_population where population = 'stat'").fetchone()[0]
    finally:
        con.close()
    page, english = _read(folder, "about-ai_adoption.html"), _read(folder, "en/about-ai_adoption.html")
    response = _section(page, "response")
    assert f">{int(frame)}<" in response and f">{int(responded)}<" in response
    assert f">{rate:.1f}<".replace(".", ",") in response and f">{rate:.1f}<" in _section(english, "response")
    # No frame for the state agencies: the rate is a dash, never 0, and the frame's source says why.
    assert '<td data-label="Svarprosent">–</td>' in response and "stat: no frame" in _section(page, "population")
    assert f"er {withheld} av {cells} verdier holdt tilbake" in _section(page, "disclosure")
    assert f"In this release {flagged} published values are flagged u" in _section(english, "disclosure")
    rows = re.findall(r"<tr>(.*?)</tr>", _section(page, "revisions"))
    second = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows if ">2025.2<" in row]
    assert len(second) == 1 and second[0][2:] == ["ny leveranse", str(revised), str(flags_changed)]
    assert revised > 0, "the fixture's second release revises AI adoption"
    assert estimand in _section(english, "method")
    assert "totalundersøkelse" in _section(page, "population")
    assert "NOT comparable" in _section(page, "breaks") and "Brudd i serien (flagg b) 2025" in _section(page, "breaks")
    assert "syntetiske" in _section(page, "synthetic")


def _marks(page: str) -> list[tuple[str, str, str]]:
    """(the table row's text, the mark's link target, its words) of every revised mark on a page."""
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", page):
        for target, words in re.findall(r'<a class="revised" href="([^"]+)"[^>]*>(.*?)</a>', row):
            found.append((re.sub(r"<[^>]+>", " ", row), target, re.sub(r"<[^>]+>", "", words)))
    return found


def test_a_revised_figure_is_marked_where_it_is_shown_with_its_release_and_a_link(book):
    folder, _, published = book
    revisions = published.tables["revisions"]
    assert set(revisions["release_id"]) == {"2025.2"}
    # The 2025 municipal share of AI adoption was revised from 38.0: its value cell, and only it, says so.
    (row, target, words), *others = _marks(_read(folder, "ai_adoption.html"))
    assert not others, "figures never revised show nothing extra"
    assert "Kommuner" in row and "40,0" in row
    assert target == "revisions.html#release-2025-2-ai_adoption"
    assert words == "revidert 2025.2 (gammel verdi 38,0), se revisjonsnotatet", "the old value said, for a reader too"
    ((row, target, words),) = _marks(_read(folder, "en/ai_adoption.html"))
    assert (target, words) == (
        "revisions.html#release-2025-2-ai_adoption",
        "revised 2025.2 (old value 38.0), see the revision note",
    )
    # Now withheld on the breakdown page: the flag and the mark with the value it had.
    ((row, target, words),) = _marks(_read(folder, "ai_adoption_breakdown.html"))
    assert "Vestfold" in row and target.endswith("#release-2025-2-ai_adoption_breakdown") and "37,0" in words
    # The statement whose flag changed is a 2023 figure: the page's table of 2025 shows nothing revised.
    assert _marks(_read(folder, "infosec_statement.html")) == []
    assert "a.revised{display:inline" in _read(folder, "ai_adoption.html"), "a narrow screen keeps it on the line"


def test_the_revision_note_lists_each_release_newest_first_with_its_figures_in_words(book):
    folder, _, published = book
    page = _read(folder, "revisions.html")
    assert page.index('id="release-2025-2"') < page.index('id="release-2025-1"'), "newest first"
    first = page[page.index('id="release-2025-1"') :]
    assert "Ingen publiserte tall ble endret." in first and "ny leveranse" in page and "nytt år" in first
    # Every anchor a mark links to is on the page.
    for name in ("ai_adoption.html", "ai_adoption_breakdown.html", "en/ai_adoption.html"):
        for _, target, _ in _marks(_read(folder, name)):
            assert f'id="{target.split("#")[1]}"' in _read(
                folder, "en/revisions.html" if "en/" in name else "revisions.html"
            )
    rows = [re.sub(r"<[^>]+>", "|", row) for row in re.findall(r"<tr>(.*?)</tr>", page)]
    cells = [[c for c in row.split("|") if c] for row in rows]
    assert ["Har tatt i bruk kunstig intelligens · Kommuner · 2025", "38,0", "40,0", "+2,0", "1"] in cells
    flag_only = "Vi har god oversikt over informasjonssikkerheten · Statlige virksomheter · 2023"
    assert [flag_only, "publisert → publisert med lav pålitelighet (u)"] in cells
    withheld = "Har tatt i bruk kunstig intelligens · Vestfold · Kommuner · 2025"
    assert [
        withheld,
        "37,0",
        "holdt tilbake for konfidensialitet (c)",
        "publisert → holdt tilbake for konfidensialitet (c)",
    ] in cells
    # A table without a page of its own is counted: the fact table repeats the municipal share.
    assert ["fct_", "indicator", "1", "0", "1"] in cells, "figures, flags and values revised in it"
    # Each family's list is headed by a link to its page and the count of figures revised, in each language.
    assert '<a href="ai_adoption.html">Bruk av kunstig intelligens</a> (1 tall revidert)' in page
    english = _read(folder, "en/revisions.html")
    assert '<a href="ai_adoption.html">Adoption of AI</a> (1 revised)' in english
    assert "published → published with low reliability (u)" in english
    assert 'href="revisions.html"' in _read(folder, "index.html"), "the front page links the note"
    assert len(published.tables["revisions"]) == 5
