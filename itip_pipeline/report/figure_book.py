"""The figure book: a static, self-contained HTML site under data/reports/figures/, one page per family.

Norwegian pages at the root, English under en/; every page links to its twin. Charts are inline SVG (no
script, no font, no image fetched from anywhere), styles are inline, links between pages are relative, so
the folder opens from disk, offline, and can be copied anywhere. The site is built in a staging folder and
swapped in whole, so a reader never sees half a book.
"""

from __future__ import annotations

import html
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from itip_pipeline.report import charts
from itip_pipeline.report.check_results import CheckOutcome, run_url
from itip_pipeline.report.distribution import DISTRIBUTION_TABLE, family_distribution
from itip_pipeline.report.published import FACT_TABLE, Family, PublishedWarehouse
from itip_pipeline.report.translations import LANGUAGES, word
from itip_pipeline.report.two_processes import split_across_two_processes

CHECKS_PAGE = "checks.html"
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1b1b1b;line-height:1.45}
header{background:#0b3a66;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}
main{padding:1rem 1.2rem;max-width:1150px}
.synthetic{background:#fde2e1;border:2px solid #b00020;color:#7a0014;font-weight:bold;
  padding:.6rem .9rem;margin:.8rem 0}
figure.chart{margin:1rem 0;overflow-x:auto}
figure.chart figcaption{font-weight:600;margin:.3rem 0}
table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0}
th,td{border-bottom:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.mark{font-style:italic;color:#666}
.fail{color:#b00020;font-weight:bold}.pass{color:#1c6b2b}
.note{font-size:.85rem;color:#444}
"""


@dataclass(frozen=True)
class BookRun:
    """How the book came to be: the Dagster run that built it, and the check results to show."""

    run_id: str | None = None
    built_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    checks: list[CheckOutcome] = field(default_factory=list)
    exports: dict[str, Path] = field(default_factory=dict)  # link text -> file, linked relative to the book


def _e(value: object) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value))


def _number(value: object, lang: str) -> str:
    if value is None or pd.isna(value):
        return ""
    text = f"{float(value):.1f}"
    return text.replace(".", ",") if lang == "no" else text


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _page_name(family: Family) -> str:
    return f"{family.family}.html"


def _page(title: str, body: str, lang: str, name: str, published: PublishedWarehouse) -> str:
    """A page; the nav links stay inside the page's language folder, the language link goes to its twin."""
    twin, twin_lang = (f"en/{name}", "en") if lang == "no" else (f"../{name}", "nb")
    banner = f'<p class="synthetic" role="alert">{_e(word("synthetic", lang))}</p>' if published.is_synthetic else ""
    return (
        f'<!doctype html><html lang="{"nb" if lang == "no" else "en"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} – {_e(word('book_title', lang))}</title><style>{STYLE}</style></head><body>"
        f"<header><strong>{_e(word('book_title', lang))}</strong>"
        f'<a href="index.html">{_e(word("front", lang))}</a>'
        f'<a href="{CHECKS_PAGE}">{_e(word("checks", lang))}</a>'
        f'<a href="{twin}" hreflang="{twin_lang}">{_e(word("other_language", lang))}</a>'
        f"</header><main>{banner}<h1>{_e(title)}</h1>{body}</main></body></html>"
    )


def _figure(chart, caption: str, lang: str, kind: str) -> str:
    svg = charts.to_svg(chart, lang)
    return f'<figure class="chart" data-chart="{kind}"><figcaption>{_e(caption)}</figcaption>{svg}</figure>'


def _latest_table(latest: pd.DataFrame, lang: str) -> str:
    shown = charts.localised(latest, lang)
    rows = []
    for r in shown.itertuples():
        share = f'<span class="mark">{_e(r.mark)}</span>' if r.suppressed else _number(r.share_pct, lang)
        interval = "" if r.suppressed else f"{_number(r.ci_low_pct, lang)}–{_number(r.ci_high_pct, lang)}"
        rows.append(
            [
                _e(r.label),
                _e(r.population_label),
                share,
                interval,
                _e(getattr(r, "n_base", "")),
                _number(getattr(r, "n_effective", None), lang),
            ]
        )
    return _table(
        [word("item", lang), word("population", lang), word("share", lang), word("interval", lang), "n", "n eff."],
        rows,
        numeric={2, 3, 4, 5},
    )


def _reconciliation_rows(family: Family, published: PublishedWarehouse, lang: str) -> pd.DataFrame:
    figures = published.reconciliation
    if figures.empty or "indicator_id" not in family.frame:
        return pd.DataFrame()
    mine = figures[figures["indicator_id"].isin(set(family.frame["indicator_id"]))].copy()
    if mine.empty:
        return mine
    labels = charts.localised(family.frame, lang).drop_duplicates(["indicator_id", "item"])
    item_label = {
        (i, it if pd.notna(it) else None): lab
        for i, it, lab in zip(labels["indicator_id"], labels["item"], labels["label"], strict=True)
    }
    pops = charts.localised(family.frame, lang).drop_duplicates("population")
    pop_label = dict(zip(pops["population"], pops["population_label"], strict=True))
    mine["figure_label"] = [
        f"{fid} · {item_label.get((ind, it if pd.notna(it) else None), ind)} · {pop_label.get(pop, pop)} · {year}"
        for fid, ind, it, pop, year in zip(
            mine["figure_id"], mine["indicator_id"], mine["item"], mine["population"], mine["year"], strict=True
        )
    ]
    return mine.sort_values("figure_id")


def _family_body(family: Family, published: PublishedWarehouse, lang: str) -> str:
    frame = family.frame
    parts = [f'<p class="note">{_e(family.description)}</p>'] if family.description else []
    if frame.empty:
        return "".join(parts) + f"<p>{_e(word('no_rows', lang))}</p>"
    if not family.is_estimated:
        value = next((c for c in ("value_pct", "share_pct") if c in frame), None)
        source = (
            frame["external_source"].dropna().iloc[0]
            if "external_source" in frame and frame["external_source"].notna().any()
            else ""
        )
        parts.append(f"<p><strong>{_e(word('external', lang))}{_e(source)}</strong></p>")
        if value:
            parts.append(_figure(charts.external_bars(frame, lang, value), family.title(lang), lang, "external"))
        return "".join(parts)
    latest_year = int(frame["year"].max())
    latest = frame[frame["year"] == latest_year]
    parts.append(
        _figure(
            charts.population_bars(latest, lang),
            word("latest_year", lang).format(year=latest_year),
            lang,
            "population_bars",
        )
    )
    if frame["year"].nunique() > 1:
        parts.append(
            _figure(charts.trend(frame, lang, published.targets_for(family)), word("trend", lang), lang, "trend")
        )
    parts.append(f'<p class="note">{_e(word("legend", lang))}</p>')
    parts.append(_distribution_figure(family, published, lang))
    figures = _reconciliation_rows(family, published, lang)
    if not figures.empty:
        parts.append(
            _figure(
                charts.published_beside_computed(figures, lang), word("reconciliation", lang), lang, "reconciliation"
            )
        )
        parts.append(
            _table(
                [
                    word("figure", lang),
                    word("published", lang),
                    word("computed", lang),
                    "diff (pp)",
                    word("verdict", lang),
                ],
                [
                    [
                        _e(r.figure_label),
                        _number(r.published_pct, lang),
                        _number(r.warehouse_pct, lang),
                        _number(r.diff_pp, lang),
                        _e(r.verdict),
                    ]
                    for r in figures.itertuples()
                ],
                numeric={1, 2, 3},
            )
        )
    parts.append(f"<h2>{_e(word('table', lang).format(year=latest_year))}</h2>{_latest_table(latest, lang)}")
    return "".join(parts)


def _distribution_figure(family: Family, published: PublishedWarehouse, lang: str) -> str:
    layout, year, population, withheld = family_distribution(
        published.table(FACT_TABLE), published.table(DISTRIBUTION_TABLE), family.family, lang
    )
    note = f'<p class="note">{_e(word("distribution_withheld", lang))}{_e("; ".join(withheld))}</p>' if withheld else ""
    if layout.empty:
        return note
    caption = word("distribution", lang).format(year=year, population=population)
    return _figure(charts.diverging_distribution(layout, lang), caption, lang, "distribution") + note


def _front_body(published: PublishedWarehouse, run: BookRun, lang: str, out_dir: Path) -> str:
    run_line = f"{_e(word('built', lang))}: {run.built_at:%Y-%m-%d %H:%M} UTC"
    if run.run_id:
        run_line += f' · {_e(word("run", lang))}: <a href="{_e(run_url(run.run_id))}">{_e(run.run_id[:8])}</a>'
    parts = [
        f"<p>{run_line}</p>",
        f"<p>{_e(word('years', lang))}: {_e(', '.join(map(str, published.years)))}</p>",
        f"<h2>{_e(word('families', lang))}</h2><ul>",
    ]
    for family in published.families:
        years = sorted(family.frame["year"].dropna().unique()) if "year" in family.frame else []
        span = "" if not years else f" ({years[0]})" if years[0] == years[-1] else f" ({years[0]}–{years[-1]})"
        parts.append(f'<li><a href="{_page_name(family)}">{_e(family.title(lang))}</a>{_e(span)}</li>')
    parts.append(f'<li><a href="{CHECKS_PAGE}">{_e(word("checks", lang))}</a></li></ul>')
    if run.exports:
        page_dir = out_dir if lang == "no" else out_dir / "en"
        links = " · ".join(
            f'<a href="{_e(os.path.relpath(path, page_dir))}">{_e(text)}</a>' for text, path in run.exports.items()
        )
        parts.append(f"<p>{links}</p>")
    provenance = published.provenance
    parts.append(f"<h2>{_e(word('provenance', lang))}</h2>")
    if not provenance.empty:
        columns = [c for c in ("survey_year", "survey", "file_name", "n_rows", "loaded_at") if c in provenance]
        rows = [
            [_e(v.isoformat(sep=" ", timespec="seconds") if hasattr(v, "isoformat") else v) for v in row]
            for row in provenance.sort_values(columns[:3])[columns].itertuples(index=False)
        ]
        parts.append(_table([word(f"provenance_{c}", lang) for c in columns], rows))
    return "".join(parts)


def _checks_body(published: PublishedWarehouse, run: BookRun, lang: str) -> str:
    checks = run.checks
    if not checks:
        return f"<p>{_e(word('no_checks', lang))}</p>"
    passed = sum(1 for c in checks if c.passed)
    years = ", ".join(map(str, published.years))
    parts = [
        f"<p>{_e(word('checks_intro', lang))}</p>",
        f"<p><strong>{_e(word('summary_checks', lang).format(passed=passed, total=len(checks)))}</strong> · "
        f"{_e(word('years', lang))}: {_e(years)}</p>",
    ]
    rows = []
    for check in checks:
        outcome = word("passed" if check.passed else "failed" if check.passed is False else "not_run", lang)
        css = "pass" if check.passed else "fail" if check.passed is False else "mark"
        rows.append(
            [
                _e(check.table),
                _e(check.check),
                f'<span class="{css}">{_e(outcome)}</span>',
                _e(years),
                f'<a href="{_e(run_url(check.run_id))}">{_e(check.run_id[:8])}</a>',
                _e(check.detail),
            ]
        )
    parts.append(
        _table(
            [
                word("asset", lang),
                word("check", lang),
                word("outcome", lang),
                word("years", lang),
                word("run", lang),
                "",
            ],
            rows,
        )
    )
    return "".join(parts)


def build_figure_book(published: PublishedWarehouse, out_dir: Path, run: BookRun | None = None) -> list[Path]:
    """Write the whole site to out_dir (replacing it); returns the pages written."""
    run = run or BookRun()
    staged = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.new")
    shutil.rmtree(staged, ignore_errors=True)
    pages: dict[Path, str] = {}
    for lang in LANGUAGES:
        folder = Path() if lang == "no" else Path("en")
        pages[folder / "index.html"] = _page(
            word("book_title", lang), _front_body(published, run, lang, out_dir), lang, "index.html", published
        )
        pages[folder / CHECKS_PAGE] = _page(
            word("checks", lang), _checks_body(published, run, lang), lang, CHECKS_PAGE, published
        )
    jobs = [(lang, family) for lang in LANGUAGES for family in published.families]
    # Starting the second process costs more than drawing a page or two: worth it from a few pages on.
    bodies = (
        split_across_two_processes(_family_bodies, jobs, published)
        if len(jobs) >= 4
        else _family_bodies(jobs, published)
    )
    for (lang, family), body in zip(jobs, bodies, strict=True):
        folder = Path() if lang == "no" else Path("en")
        pages[folder / _page_name(family)] = _page(family.title(lang), body, lang, _page_name(family), published)
    try:
        for relative, text in pages.items():
            (staged / relative).parent.mkdir(parents=True, exist_ok=True)
            (staged / relative).write_text(text, encoding="utf-8")
        _swap_in(staged, out_dir)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return [out_dir / relative for relative in pages]


def _family_bodies(jobs: list[tuple[str, Family]], published: PublishedWarehouse) -> list[str]:
    return [_family_body(family, published, lang) for lang, family in jobs]


def _swap_in(staged: Path, out_dir: Path) -> None:
    old = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.old")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    if out_dir.exists():
        out_dir.rename(old)
    staged.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
