"""The figure book: a static, self-contained HTML site under data/reports/figures/, one page per family.

Norwegian pages at the root, English under en/; every page links to its twin. Charts are inline SVG (no
script, no font, no image fetched from anywhere), styles are inline, links between pages are relative, so
the folder opens from disk, offline, and can be copied anywhere. The site is built in a staging folder and
swapped in whole, so a reader never sees half a book.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from itip_pipeline.core.escaping import for_html
from itip_pipeline.publish.releases import RELEASES_TABLE, REVISIONS_TABLE
from itip_pipeline.report import charts, flags, quality_declaration, revised
from itip_pipeline.report.chart_cache import ChartCache, prune
from itip_pipeline.report.check_results import CheckOutcome, run_url
from itip_pipeline.report.distribution import DISTRIBUTION_TABLE, family_distribution
from itip_pipeline.report.published import DIFFERENCE_TABLE, FACT_TABLE, Family, PublishedWarehouse
from itip_pipeline.report.translations import LANGUAGES, release_reason, verdict, word
from itip_pipeline.report.two_processes import split_across_two_processes

CHECKS_PAGE = "checks.html"
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1b1b1b;line-height:1.45}
header{background:#0b3a66;color:#fff;padding:.6rem 1.2rem;display:flex;gap:.4rem 1.2rem;align-items:center;
  flex-wrap:wrap}
header a{color:#fff}
main{padding:1rem 1.2rem;max-width:1150px}
h1{font-size:1.6rem;line-height:1.25;overflow-wrap:break-word}
.synthetic,.external{border:2px solid;font-weight:bold;padding:.6rem .9rem;margin:.8rem 0}
.synthetic{background:#fde2e1;border-color:#b00020;color:#7a0014}
.external{background:#fff4d6;border-color:#8a6d3b;color:#4a3a17}
figure.chart{margin:1rem 0;overflow-x:auto}
figure.chart figcaption{font-weight:600;font-size:1.15rem;margin:.3rem 0}
h2{font-size:1.3rem}
details summary{cursor:pointer;margin:.4rem 0}
figure.chart svg{display:block}
.legend{background:#f4f6f8;border-left:4px solid #0b3a66;padding:.5rem .9rem;margin:1rem 0;font-size:.9rem}
.legend ul{margin:.3rem 0;padding-left:1.2rem}
table{border-collapse:collapse;font-size:.9rem;margin:.6rem 0}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word;
  hyphens:auto}
th{background:#f4f6f8}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.flag{font-weight:bold}
.mark{font-style:italic;color:#555}
.fail{color:#b00020;font-weight:bold}.pass{color:#1c6b2b}
.note{font-size:.9rem;color:#333}
.ident{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.82rem;hyphens:none}
section[data-quality] p,section[data-quality] td{overflow-wrap:anywhere}
a.revised{display:block;font-size:.78rem;white-space:nowrap}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:700px){
  main{padding:.6rem .7rem}
  figure.chart svg{width:100%;height:auto}
  table.data,table.data tbody,table.data tr,table.data td{display:block;width:auto}
  table.data thead{position:absolute;left:-9999px}
  table.data tr{border-bottom:2px solid #ccc;padding:.3rem 0}
  table.data td{border:0;padding:.1rem 0;text-align:left;white-space:normal}
  table.data td:empty{display:none}
  table.data td::before{content:attr(data-label) ": ";font-weight:600}
  a.revised{display:inline;margin-left:.4rem}
}
"""


@dataclass(frozen=True)
class BookRun:
    """How the book came to be: the Dagster run that built it, and the check results to show."""

    run_id: str | None = None
    built_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    checks: list[CheckOutcome] = field(default_factory=list)
    exports: dict[str, Path] = field(default_factory=dict)  # link text -> file, linked relative to the book


def _e(value: object) -> str:
    """Text or an attribute value in the book's HTML, through core/escaping.for_html (one rule for every page)."""
    return for_html("" if value is None or (isinstance(value, float) and pd.isna(value)) else value)


_number = charts.number


NUMERIC = ' class="num"'


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """A table that becomes one block per row on a narrow screen, each cell labelled by its column."""
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td{NUMERIC if i in numeric else ""} data-label="{_e(headers[i])}">{c}</td>' for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _page_name(family: Family) -> str:
    return f"{family.family}.html"


def _page(title: str, body: str, lang: str, name: str, published: PublishedWarehouse, external: bool = False) -> str:
    """A page; the nav links stay inside the page's language folder, the language link goes to its twin. A
    page of figures from another source says so instead of carrying the synthetic banner."""
    twin, twin_lang = (f"en/{name}", "en") if lang == "no" else (f"../{name}", "nb")
    if external:
        banner = f'<p class="external" role="note">{_e(word("external_banner", lang))}</p>'
    elif published.is_synthetic:
        banner = f'<p class="synthetic" role="alert">{_e(word("synthetic", lang))}</p>'
    else:
        banner = ""
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


def _figure(chart, caption: str, lang: str, kind: str, cache: ChartCache, note: str = "") -> str:
    svg = charts.to_svg(chart, lang, cache)
    note = f'<p class="note">{_e(note)}</p>' if note else ""
    return f'<figure class="chart" data-chart="{kind}"><figcaption>{_e(caption)}</figcaption>{note}{svg}</figure>'


def _reading_guide(lang: str) -> str:
    """How to read the figures and what each flag means: the same block on every page with figures."""
    items = "".join(f"<li>{_e(line)}</li>" for line in flags.legend(lang))
    return (
        f'<section class="legend" data-legend="flags"><strong>{_e(word("legend_heading", lang))}</strong>'
        f"<p>{_e(word('reading', lang))}</p><p>{_e(word('symbols', lang))}</p><ul>{items}</ul></section>"
    )


def _value_cell(row, lang: str, revisions: list[revised.Revision] = (), family: str | None = None) -> str:
    mark = _revised_mark(revisions, lang, family)
    if row.withheld:
        letters = row.flag or "c"
        return f'<span class="flag" title="{_e(word("withheld", lang))}">{_e(letters)}</span>{mark}'
    letters = "".join(letter for letter in (row.flag or "") if letter != "c")
    flag = f' <span class="flag">{_e(letters)}</span>' if letters else ""
    return f"{_number(row.share_pct, lang)}{flag}{mark}"


def _revised_mark(revisions: list[revised.Revision], lang: str, family: str | None) -> str:
    """A revised figure's mark: per release that revised it, a link to that release's list for the family in
    the revision note; its old value in words is the link's tooltip and, unseen, part of its text (so a screen
    reader says it)."""
    links = []
    for revision in revisions:
        before = revised.before_words(revision, lang)
        target = f"{revised.NOTE_PAGE}#{revised.anchor(revision.release_id, family)}"
        shown = revised.word("mark", lang).format(release=revision.release_id)
        links.append(
            f'<a class="revised" href="{_e(target)}" title="{_e(revised.remark([revision], lang))}">{_e(shown)}'
            f'<span class="sr"> ({_e(before)}), {_e(revised.word("see_note", lang))}</span></a>'
        )
    return "".join(links)


def _change_cell(row, lang: str) -> str:
    change = getattr(row, "change_pp", None)
    if change is None or pd.isna(change):
        return f'<span title="{_e(word("no_previous", lang))}">–</span>'
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    text = word("change_value", lang).format(sign=sign, pp=_number(abs(change), lang), year=int(row.previous_year))
    significant = getattr(row, "change_significant", None)
    verdict = (
        ""
        if significant is None or pd.isna(significant)
        else word("significant" if significant else "not_significant", lang)
    )
    return _e(f"{text} ({verdict})" if verdict else text)


def _note_cell(row, lang: str) -> str:
    return "<br>".join(_e(w) for w in flags.reason_words(row, lang))


def _estimate_table(
    frame: pd.DataFrame, lang: str, first: list[tuple[str, str]], published: PublishedWarehouse, family: Family
) -> str:
    """Rows of estimates with value (marked when a release revised it), margin of error, n, change from the
    year before and every flag's reason in words; `first` are the leading (header key, column) pairs that say
    what a row is."""
    shown = charts.localised(frame, lang)
    marks = revised.by_row(published, family.table, frame)
    rows = [
        [_e(getattr(r, column)) for _, column in first]
        + [
            _value_cell(r, lang, marks.get(r.Index, ()), family.family),
            _e(charts.margin_words(r, lang)),
            _e(getattr(r, "n_base", "")),
            _change_cell(r, lang),
            _note_cell(r, lang),
        ]
        for r in shown.itertuples()
    ]
    headers = [word(key, lang) for key, _ in first]
    headers += [word("share", lang), word("margin", lang), "n", word("change", lang), word("note", lang)]
    return _table(headers, rows, numeric={len(first), len(first) + 1, len(first) + 2})


def _latest_table(latest: pd.DataFrame, lang: str, published: PublishedWarehouse, family: Family) -> str:
    ordered = latest.sort_values(["population", "share_pct"], ascending=[True, False], na_position="last")
    return _estimate_table(ordered, lang, [("item", "label"), ("population", "population_label")], published, family)


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
    mine["verdict_text"] = [verdict(v, lang) for v in mine["verdict"]]
    return mine.sort_values("figure_id")


def _population_difference(family: Family, published: PublishedWarehouse, lang: str, year: int) -> str:
    """State agencies minus municipalities in the family's latest year (marts.fct_population_difference)."""
    table = published.table(DIFFERENCE_TABLE)
    if table.empty or "family" not in table:
        return ""
    rows = table[(table["family"] == family.family) & (table["year"] == year)]
    if rows.empty:
        return ""
    labels = charts.localised(family.frame, lang).drop_duplicates(["indicator_id", "item"])
    label = {
        (i, it if pd.notna(it) else None): lab
        for i, it, lab in zip(labels["indicator_id"], labels["item"], labels["label"], strict=True)
    }
    out = []
    marks = revised.by_row(published, DIFFERENCE_TABLE, rows)
    for r in rows.sort_values("difference_pp", ascending=False, na_position="last").itertuples():
        name = label.get((r.indicator_id, r.item if pd.notna(r.item) else None), r.label_no)
        mark = _revised_mark(marks.get(r.Index, ()), lang, None)
        if bool(r.suppressed) or pd.isna(r.difference_pp):
            out.append([_e(name), f'<span class="flag">c</span>{mark}', "", "", _e(word("difference_withheld", lang))])
            continue
        margin = (r.ci_high_pp - r.ci_low_pp) / 2
        sign = "+" if r.difference_pp > 0 else "−" if r.difference_pp < 0 else "±"
        out.append(
            [
                _e(name),
                _e(f"{sign}{_number(abs(r.difference_pp), lang)}") + mark,
                _e(word("margin_value", lang).format(pp=_number(margin, lang, 0))),
                _e(word("yes" if bool(r.significant) else "no", lang)),
                "",
            ]
        )
    headers = [
        word("item", lang),
        word("diff_pp", lang),
        word("margin", lang),
        word("significance", lang),
        word("note", lang),
    ]
    return (
        f"<h2>{_e(word('difference', lang))} ({year})</h2>"
        f'<p class="note">{_e(word("difference_intro", lang))}</p>' + _table(headers, out, numeric={1})
    )


def _family_body(family: Family, published: PublishedWarehouse, lang: str, cache: ChartCache) -> str:
    frame = family.frame
    if family.is_breakdown:
        return _breakdown_body(family, published, lang, cache)
    if frame.empty:
        return f"<p>{_e(word('no_rows', lang))}</p>"
    if not family.is_estimated:
        return _external_body(family, lang, cache)
    parts = [f'<p class="note">{_e(word("family_intro", lang))}</p>', _reading_guide(lang)]
    latest_year = int(frame["year"].max())
    latest = frame[frame["year"] == latest_year]
    parts.append(
        _figure(
            charts.population_bars(latest, lang),
            word("latest_year", lang).format(year=latest_year),
            lang,
            "population_bars",
            cache,
        )
    )
    parts.append(_population_difference(family, published, lang, latest_year))
    if frame["year"].nunique() > 1:
        targets = published.targets_for(family)
        notes = []
        if not targets.empty:
            said = ", ".join(
                word("target", lang).format(pct=f"{pct:g}", year=int(year))
                for pct, year in sorted(zip(targets["target_pct"], targets["target_year"], strict=True))
            )
            notes.append(word("targets_caption", lang).format(targets=said))
        if "series_break" in frame and frame["series_break"].fillna(False).astype(bool).any():
            notes.append(word("break_caption", lang))
        trend = charts.trend(frame, lang, targets)
        parts.append(_figure(trend, word("trend", lang), lang, "trend", cache, " ".join(notes)))
    parts.append(_distribution_figure(family, published, lang, cache))
    figures = _reconciliation_rows(family, published, lang)
    if not figures.empty:
        parts.append(
            _figure(
                charts.published_beside_computed(figures, lang),
                word("reconciliation", lang),
                lang,
                "reconciliation",
                cache,
            )
        )
        parts.append(
            _table(
                [
                    word("figure", lang),
                    word("published", lang),
                    word("computed", lang),
                    word("diff_pp", lang),
                    word("verdict", lang),
                ],
                [
                    [
                        _e(r.figure_label),
                        _number(r.published_pct, lang),
                        _number(r.warehouse_pct, lang),
                        _number(r.diff_pp, lang),
                        _e(r.verdict_text),
                    ]
                    for r in figures.itertuples()
                ],
                numeric={1, 2, 3},
            )
        )
    parts.append(
        f"<h2>{_e(word('table', lang).format(year=latest_year))}</h2>{_latest_table(latest, lang, published, family)}"
    )
    return "".join(parts)


def _external_body(family: Family, lang: str, cache: ChartCache) -> str:
    frame = family.frame
    value = next((c for c in ("value_pct", "share_pct") if c in frame), None)
    source = (
        frame["external_source"].dropna().iloc[0]
        if "external_source" in frame and frame["external_source"].notna().any()
        else ""
    )
    parts = [f"<p><strong>{_e(word('external', lang))}{_e(source)}</strong></p>"]
    if value:
        chart = charts.external_bars(frame, lang, value)
        parts.append(_figure(chart, family.title(lang), lang, "external", cache))
    return "".join(parts)


def _breakdown_body(family: Family, published: PublishedWarehouse, lang: str, cache: ChartCache) -> str:
    """A breakdown family: per breakdown and population, the latest year by category (a panel per item), the
    trend with a panel per category when there is one item and several years, and a table naming the
    category on every row."""
    frame = family.frame
    base = published.family_of(family)
    parts = [
        f'<p class="note">{_e(word("breakdown_intro", lang).format(title=base.title(lang) if base else ""))}</p>',
        _reading_guide(lang),
    ]
    if base is not None:
        parts.insert(1, f'<p><a href="{_page_name(base)}">{_e(base.title(lang))}</a></p>')
    if frame.empty:
        return "".join(parts) + f"<p>{_e(word('no_rows', lang))}</p>"
    label = f"breakdown_label_{lang}" if f"breakdown_label_{lang}" in frame else "breakdown"
    for _, rows in frame.groupby(["breakdown", "population"], sort=True):
        shown = charts.localised(rows, lang)
        heading = word("breakdown_section", lang).format(
            breakdown=rows[label].iloc[0], population=shown["population_label"].iloc[0]
        )
        year = int(rows["year"].max())
        latest = rows[rows["year"] == year]
        parts.append(f"<h2>{_e(heading)}</h2>")
        shown_latest = charts.localised(latest, lang)
        hidden = shown_latest.groupby("category_label")["withheld"].all()
        if hidden.all():
            parts.append(f'<p class="note">{_e(word("breakdown_all_withheld", lang))}</p>')
        else:
            note = word("breakdown_not_drawn", lang) + ", ".join(sorted(hidden[hidden].index)) if hidden.any() else ""
            parts.append(
                _figure(
                    charts.breakdown_bars(latest, lang),
                    word("breakdown_latest", lang).format(year=year),
                    lang,
                    "breakdown_bars",
                    cache,
                    note,
                )
            )
        if rows["year"].nunique() > 1 and rows["label_no"].nunique() == 1:
            chart = charts.breakdown_trend(rows, lang)
            parts.append(_figure(chart, word("breakdown_trend", lang), lang, "trend", cache))
        ordered = latest.sort_values(["label_no", "share_pct"], ascending=[True, False], na_position="last")
        table = _estimate_table(ordered, lang, [("category", "category_label"), ("item", "label")], published, family)
        heading = f"<h3>{_e(word('table', lang).format(year=year))}</h3>"
        if hidden.all():
            # Nothing to read but the reasons: counted in the summary, each row's own reason one click away.
            counts = Counter(flags.short_mark(r, lang) for r in shown_latest.itertuples())
            said = "; ".join(f"{n} × {mark}" for mark, n in counts.most_common())
            summary = _e(word("all_withheld_summary", lang).format(reasons=said))
            table = f"<details><summary>{summary}</summary>{table}</details>"
        parts.append(heading + table)
    return "".join(parts)


def _distribution_figure(family: Family, published: PublishedWarehouse, lang: str, cache: ChartCache) -> str:
    layout, year, population, withheld = family_distribution(
        published.table(FACT_TABLE), published.table(DISTRIBUTION_TABLE), family.family, lang
    )
    note = f'<p class="note">{_e(word("distribution_withheld", lang))}{_e("; ".join(withheld))}</p>' if withheld else ""
    if layout.empty:
        return note
    caption = word("distribution", lang).format(year=year, population=population)
    return _figure(charts.diverging_distribution(layout, lang), caption, lang, "distribution", cache) + note


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
        about = _about_link(family, lang, " · ")
        parts.append(f'<li><a href="{_page_name(family)}">{_e(family.title(lang))}</a>{_e(span)}{about}</li>')
    parts.append(f'<li><a href="{CHECKS_PAGE}">{_e(word("checks", lang))}</a></li></ul>')
    if run.exports:
        page_dir = out_dir if lang == "no" else out_dir / "en"
        links = " · ".join(
            f'<a href="{_e(os.path.relpath(path, page_dir))}">{_e(text)}</a>' for text, path in run.exports.items()
        )
        parts.append(f"<p>{links}</p>")
    parts.append(_releases_section(published, run, lang, out_dir))
    provenance = published.provenance
    parts.append(f"<h2>{_e(word('provenance', lang))}</h2>")
    if not provenance.empty:
        columns = [c for c in ("survey_year", "survey", "file_name", "n_rows", "loaded_at") if c in provenance]
        rows = [
            [_e(v.isoformat(sep=" ", timespec="seconds") if hasattr(v, "isoformat") else v) for v in row]
            for row in provenance.sort_values(columns[:3])[columns].itertuples(index=False)
        ]
        numeric = {i for i, c in enumerate(columns) if c == "n_rows"}
        parts.append(_table([word(f"provenance_{c}", lang) for c in columns], rows, numeric=numeric))
    parts.append(_reading_guide(lang))
    return "".join(parts)


def _releases_section(published: PublishedWarehouse, run: BookRun, lang: str, out_dir: Path) -> str:
    """The release history, newest first, and a link to the revision note (the revisions table's CSV file)."""
    history = published.table(RELEASES_TABLE)
    if history.empty:
        return ""
    note = f'<p>{_e(word("releases_note", lang))}<a href="{revised.NOTE_PAGE}">{_e(word("revisions_link", lang))}</a>'
    note += f" ({_revisions_file(run, lang, out_dir)})"
    columns = ["release_id", "published_at", "reason", "cells_revised", "flags_changed"]
    rows = [
        [
            _e(row.release_id),
            _e(f"{row.published_at:%Y-%m-%d %H:%M}"),
            _e(release_reason(row.reason, lang)),
            _e(row.cells_revised),
            _e(row.flags_changed),
        ]
        for row in history.sort_values("published_at", ascending=False).itertuples()
    ]
    table = _table([word(f"release_{c}", lang) for c in columns], rows, numeric={3, 4})
    return f"<h2>{_e(word('releases', lang))}</h2>{note}</p>{table}"


def _about_page_name(family: Family) -> str:
    """The family's quality declaration page; the hyphen keeps it apart from every family page's name."""
    return f"about-{family.family}.html"


def _about_link(family: Family, lang: str, before: str = "") -> str:
    """A link to the family's quality declaration, or nothing for a family without one."""
    if not quality_declaration.declarable(family):
        return ""
    text = _e(quality_declaration.word("link", lang))
    link = f'<a href="{_about_page_name(family)}" data-link="about">{text}</a>'
    return f"{_e(before)}{link}" if before else f'<p class="note">{link}</p>'


def _about_body(family: Family, declaration: dict, lang: str) -> str:
    """The quality declaration in words (report/quality_declaration.py), each section a heading, its sentences
    and its tables; every text escaped."""
    parts = [f'<p><a href="{_page_name(family)}">{_e(family.title(lang))}</a></p>']
    for section in quality_declaration.in_words(declaration, lang):
        heading = f"<h2>{_e(section['heading'])}</h2>" if section["heading"] else ""
        lines = "".join(f"<p>{_e(line)}</p>" for line in section["lines"])
        tables = "".join(
            (f"<h3>{_e(caption)}</h3>" if caption else "") + _table(headers, [[_e(c) for c in r] for r in rows])
            for caption, headers, rows in section["tables"]
        )
        key = _e(section["key"])
        parts.append(f'<section id="{key}" data-quality="{key}">{heading}{lines}{tables}</section>')
    return "".join(parts)


def _revisions_file(run: BookRun, lang: str, out_dir: Path) -> str:
    """A link to the revisions table's CSV file among the exports, or its name in the warehouse."""
    csv_dir = next((path for text, path in run.exports.items() if text == "CSV"), None) if run.exports else None
    if csv_dir is None:
        return _e(f"marts.{REVISIONS_TABLE}")
    page_dir = out_dir if lang == "no" else out_dir / "en"
    target = os.path.relpath(Path(csv_dir) / f"{REVISIONS_TABLE}.csv", page_dir)
    return f'<a href="{_e(target)}">{_e(REVISIONS_TABLE)}.csv</a>'


def _revisions_body(published: PublishedWarehouse, run: BookRun, lang: str, out_dir: Path) -> str:
    """The revision note: per release, newest first, its id, time, reason and note, then the figures it
    revised in words, grouped by the family page that shows them (anchors per release and per family, which
    the marks beside revised values link to), then a count per other table."""
    parts = [f"<p>{_e(word('revisions_intro', lang))}{_revisions_file(run, lang, out_dir)}.</p>"]
    history = published.table(RELEASES_TABLE)
    figures = revised.figure_revisions(published)
    cells = published.table(REVISIONS_TABLE)
    order = revised.release_order(published)
    releases = history.set_index("release_id") if not history.empty else None
    for release_id in reversed(order):
        release = releases.loc[release_id]
        previous = release["previous_release_id"]
        about = word("revisions_about", lang).format(
            when=f"{release['published_at']:%Y-%m-%d %H:%M}",
            reason=release_reason(release["reason"], lang),
            previous=previous if isinstance(previous, str) and previous else word("revisions_first", lang),
        )
        parts.append(
            f'<section id="{_e(revised.anchor(release_id))}">'
            f"<h2>{_e(word('revisions_release', lang).format(release=release_id))}</h2><p>{_e(about)}</p>"
            f'<p class="note">{_e(word("revisions_release_note", lang))}{_e(release["note"])}</p>'
        )
        mine = [r for r in figures if r.release_id == release_id]
        changed = cells[cells["release_id"] == release_id] if not cells.empty else cells
        if changed.empty:
            parts.append(f"<p>{_e(word('revisions_nothing', lang))}</p></section>")
            continue
        pages = {f.table: f for f in published.families}
        for family in published.families:
            rows = [r for r in mine if r.table == family.table]
            if rows:
                parts.append(_revised_family(published, family, release_id, rows, lang))
        others = changed[~changed["table_name"].isin(pages)]
        if not others.empty:
            parts.append(_revised_other_tables(others, [r for r in mine if r.table not in pages], lang))
        parts.append("</section>")
    return "".join(parts)


def _revised_family(
    published: PublishedWarehouse, family: Family, release_id: str, rows: list[revised.Revision], lang: str
) -> str:
    """One family's figures revised by one release, labelled as its page labels them."""
    labels = revised.figure_labels(published, family.table, {r.cell_key for r in rows}, lang)
    heading = word("revisions_family", lang).format(n=len(rows))
    table = _table(
        [
            word("revisions_figure", lang),
            word("revisions_old", lang),
            word("revisions_new", lang),
            word("revisions_change", lang),
            word("revisions_flag", lang),
            word("revisions_others", lang),
        ],
        [
            [
                _e(labels.get(r.cell_key, r.cell_key)),
                _e(revised.old_words(r, lang) if r.value_changed else ""),
                _e(revised.new_words(r, lang) if r.value_changed else ""),
                _e(revised.difference_words(r, lang)),
                _e(revised.flag_words(r, lang)),
                _e(r.other_values or ""),
            ]
            for r in rows
        ],
        numeric={1, 2, 3, 5},
    )
    return (
        f'<h3 id="{_e(revised.anchor(release_id, family.family))}">'
        f'<a href="{_e(_page_name(family))}">{_e(family.title(lang))}</a>{_e(heading)}</h3>{table}'
    )


def _revised_other_tables(cells: pd.DataFrame, figures: list[revised.Revision], lang: str) -> str:
    """Per table without a page: the figures, flags and values one release revised in it."""
    rows = []
    for table, changed in cells.groupby("table_name", sort=True):
        mine = [r for r in figures if r.table == table]
        rows.append(
            [
                _identifier(table),
                _e(sum(1 for r in mine if r.value_changed)),
                _e(sum(1 for r in mine if r.flag_changed)),
                _e(int((changed["column_name"] != "flag").sum())),
            ]
        )
    headers = [
        word("revisions_table", lang),
        word("revisions_figures", lang),
        word("revisions_flags", lang),
        word("revisions_values", lang),
    ]
    return f"<h3>{_e(word('revisions_other', lang))}</h3><p>{_e(word('revisions_other_intro', lang))}</p>" + _table(
        headers, rows, numeric={1, 2, 3}
    )


def _identifier(name: str) -> str:
    """A table or test name, allowed to break only after an underscore, a slash or a comma."""
    text = _e(name)
    for mark in ("_", "/", ","):
        text = text.replace(mark, f"{mark}<wbr>")
    return f'<span class="ident">{text}</span>'


def _checks_body(published: PublishedWarehouse, run: BookRun, lang: str) -> str:
    checks = run.checks
    if not checks:
        return f"<p>{_e(word('no_checks', lang))}</p>"
    passed = sum(1 for c in checks if c.passed)
    years = ", ".join(map(str, published.years))
    parts = [
        f"<p>{_e(word('checks_intro', lang))} {_e(word('checks_dbt_only', lang))}</p>",
        f"<p><strong>{_e(word('summary_checks', lang).format(passed=passed, total=len(checks)))}</strong> · "
        f"{_e(word('years', lang))}: {_e(years)}</p>",
    ]
    rows = []
    for check in checks:
        outcome = word("passed" if check.passed else "failed" if check.passed is False else "not_run", lang)
        css = "pass" if check.passed else "fail" if check.passed is False else "mark"
        link = f'<a href="{_e(run_url(check.run_id))}">{_e(check.run_id[:8])}</a>' if check.run_id else ""
        rows.append(
            [
                _identifier(check.table),
                _identifier(check.check),
                f'<span class="{css}">{_e(outcome)}</span>',
                link,
                _e(check.detail),
            ]
        )
    headers = [word("asset", lang), word("check", lang), word("outcome", lang), word("run", lang), word("note", lang)]
    parts.append(_table(headers, rows))
    return "".join(parts)


def build_figure_book(
    published: PublishedWarehouse,
    out_dir: Path,
    run: BookRun | None = None,
    chart_cache: Path | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[Path]:
    """Write the whole site to out_dir (replacing it); returns the pages written. A chart drawn for an earlier
    book is read back from the `chart_cache` folder (report/chart_cache.py), which is then pruned to the charts
    of this book; without one every chart is drawn. `meanwhile` is the caller's other work, done in this
    process while the pages are drawn in child processes; its error ends the drawing and is raised."""
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
        if RELEASES_TABLE in published.tables:
            pages[folder / revised.NOTE_PAGE] = _page(
                word("revisions_page", lang),
                _revisions_body(published, run, lang, out_dir),
                lang,
                revised.NOTE_PAGE,
                published,
            )
    jobs = page_jobs(published)
    # Drawn in child processes, however few the pages: a crash of the chart renderer must not end this process.
    drawn = split_across_two_processes(family_bodies, jobs, published, chart_cache, meanwhile=meanwhile)
    declared = quality_declaration.declarations(published)
    for (lang, family), (body, _) in zip(jobs, drawn, strict=True):
        folder = Path() if lang == "no" else Path("en")
        pages[folder / _page_name(family)] = _page(
            family.title(lang),
            _about_link(family, lang) + body,
            lang,
            _page_name(family),
            published,
            external=family.is_external,
        )
        if family.family in declared:
            name = _about_page_name(family)
            title = quality_declaration.word("title", lang, title=family.title(lang))
            body = _about_body(family, declared[family.family], lang)
            pages[folder / name] = _page(title, body, lang, name, published)
    try:
        for relative, text in pages.items():
            (staged / relative).parent.mkdir(parents=True, exist_ok=True)
            (staged / relative).write_text(text, encoding="utf-8")
        _swap_in(staged, out_dir)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    prune(chart_cache, {key for _, keys in drawn for key in keys})
    return [out_dir / relative for relative in pages]


def page_jobs(published: PublishedWarehouse) -> list[tuple[str, Family]]:
    """The family pages of the book, as (language, family), in the order they are drawn."""
    return [(lang, family) for lang in LANGUAGES for family in published.families]


def family_bodies(
    jobs: list[tuple[str, Family]], published: PublishedWarehouse, chart_cache: Path | None
) -> list[tuple[str, set[str]]]:
    """Each page's body, and the keys of the charts on it (the cache keeps those)."""
    bodies = []
    with charts.unchecked_specs():
        for lang, family in jobs:
            cache = ChartCache(chart_cache)
            bodies.append((_family_body(family, published, lang, cache), cache.used))
    return bodies


def _swap_in(staged: Path, out_dir: Path) -> None:
    old = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.old")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    if out_dir.exists():
        out_dir.rename(old)
    staged.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
