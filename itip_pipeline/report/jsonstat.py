"""The published cubes as JSON-stat 2.0, the format statistics clients read (pyjstat, rjstat, the JSON-stat
JavaScript Toolkit; SSB's statbank serves it): written into each export set's `jsonstat/` folder, so
data/marts/jsonstat/ shows the published version's files.

    collection.json, collection_en.json     the list of datasets (class collection), hrefs relative to it
    <cube>.json, <cube>_en.json             one dataset per cube, in Norwegian and in English

The two editions of a dataset hold the same ids, values and statuses; only labels and notes differ, so a
script written against one reads the other. Dimension ids follow statbank: `Tid` (role time) and
`ContentsCode` (role metric, each measure a category with its unit and decimals), the others Norwegian
(`indikator`, `populasjon`, `gruppe`, `sporsmal`, `svar`). Values are the published numbers unrounded (the
unit's `decimals` says how many to show). A cell's `status` is the row's observation flag (report/flags.py,
docs/disclosure.md): `c` confidential, value withheld (null); `u` low reliability, value shown; `b` break in
series; letters combined as in the `flag` column. The status is set on the measures the flag is about (the
share and its interval, `Metric.flagged`); counts are published whatever the flag. The dataset's
`extension.status` gives each status in words, `extension.reason` each flagged cell's reason, and `note` the
legend, the table's description and the SYNTHETIC warning; the headline and breakdown datasets carry
`extension.quality`, each family's quality declaration by family id (report/quality_declaration.py). A null
value without a status is a cell that does not exist (an indicator not asked of that population or in that year).

The cubes: fct_indicator (indicator x population x year), fct_indicator_breakdown (x group), the answer
distributions of fct_answer_distribution (one dataset per answer scale, since a scale's answers have their own
labels; one per question where a scale's codes mean other answers in other questions) and fct_response_rate.
Every dataset names its release (marts.releases) in `source` and `extension.release_id`; `updated` is when that
release was published.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from itip_pipeline.core.escaping import for_json
from itip_pipeline.report import flags, quality_declaration
from itip_pipeline.report.exports import WORDS
from itip_pipeline.report.published import PublishedWarehouse
from itip_pipeline.report.translations import category_label

JSONSTAT_DIR = "jsonstat"  # the folder in an export set, and data/marts/jsonstat/
COLLECTION = "collection"
EDITIONS = {"no": "", "en": "_en"}  # file name suffix per language
TIME = "Tid"
METRIC = "ContentsCode"
VERSION = "2.0"
LANG = {"no": 0, "en": 1}
# The columns report/flags.py words a row's flags from (the rest of a wide table would only slow it down).
FLAG_WORDS_FROM = (
    "flag",
    "suppressed",
    "suppression_reason",
    "low_reliability",
    "reliability_reason",
    "series_break",
    "n_base",
    "share_pct",
)


@dataclass(frozen=True)
class Metric:
    """A measure (a category of ContentsCode): its column, label and unit in each language, decimals shown,
    and whether the row's observation flag is about it."""

    column: str
    label: tuple[str, str]
    unit: tuple[str, str]
    decimals: int
    flagged: bool = False
    symbol: str | None = None


PERCENT = ("prosent", "per cent")
COUNT = ("antall", "number")
SHARE_METRICS = (
    Metric("share_pct", ("Andel", "Share"), PERCENT, 1, flagged=True, symbol="%"),
    Metric("ci_low_pct", ("95 %-intervall, nedre grense", "95 % interval, lower bound"), PERCENT, 1, True, "%"),
    Metric("ci_high_pct", ("95 %-intervall, øvre grense", "95 % interval, upper bound"), PERCENT, 1, True, "%"),
    Metric("n_base", ("Antall svar (grunnlag)", "Number of answers (base)"), COUNT, 0),
    Metric("n_effective", ("Effektivt utvalg", "Effective sample size"), COUNT, 1),
)
RESPONSE_METRICS = (
    Metric("frame_units", ("Enheter i rammen", "Units in the frame"), COUNT, 0),
    Metric("delivered_units", ("Enheter levert", "Units delivered"), COUNT, 0),
    Metric("responding_units", ("Enheter som svarte", "Responding units"), COUNT, 0),
    Metric("response_rate_pct", ("Svarprosent", "Response rate"), PERCENT, 1, symbol="%"),
)


@dataclass(frozen=True)
class Dimension:
    """A dimension of a cube other than time and metric: its id, label in each language, and from a table's
    frame each row's category id and the category's label in a language."""

    id: str
    label: tuple[str, str]
    category: Callable[[pd.DataFrame], pd.Series]
    category_label: Callable[[pd.DataFrame, str], pd.Series]


def _column(name: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda frame: frame[name].astype(str)


def _labelled(prefix: str) -> Callable[[pd.DataFrame, str], pd.Series]:
    return lambda frame, lang: frame[f"{prefix}_{lang}"].astype(object)


def _indicator(frame: pd.DataFrame) -> pd.Series:
    """indicator_id, with the item after a colon for a family of statements (ai_barrier:competence)."""
    item = frame["item"].astype(object)
    return frame["indicator_id"].astype(str).where(item.isna(), frame["indicator_id"].astype(str) + ":" + item)


def _group(frame: pd.DataFrame) -> pd.Series:
    """breakdown:category; `total` for a row of the whole population (no breakdown)."""
    breakdown = frame["breakdown"].astype(object)
    return (breakdown.astype(str) + ":" + frame["category"].astype(str)).where(breakdown.notna(), "total")


TOTAL = ("I alt", "Total")
INDICATOR = Dimension("indikator", ("Indikator", "Indicator"), _indicator, _labelled("label"))
POPULATION = Dimension("populasjon", ("Populasjon", "Population"), _column("population"), _labelled("population_label"))
GROUP = Dimension(
    "gruppe",
    ("Gruppe", "Group"),
    _group,
    lambda frame, lang: (
        frame[f"breakdown_label_{lang}"].astype(str)
        + ": "
        + frame["category"].map(lambda code, lang=lang: category_label(code, lang))
    ).where(frame["breakdown"].notna(), TOTAL[LANG[lang]]),
)
QUESTION = Dimension("sporsmal", ("Spørsmål", "Question"), _column("question_id"), _labelled("question_label"))
ANSWER = Dimension("svar", ("Svar", "Answer"), _column("answer_code"), _labelled("answer_label"))


@dataclass(frozen=True)
class Cube:
    """A dataset: its file name, the table it is read from, title, dimensions (time and metric added last)."""

    name: str
    table: str
    title: tuple[str, str]
    dimensions: tuple[Dimension, ...]
    metrics: tuple[Metric, ...]


WRITTEN_WORDS = {
    "collection": ("IT i praksis: publiserte tabeller", "IT i praksis: published tables"),
    "time": ("År", "Year"),
    "contents": ("Statistikkvariabel", "Statistical variable"),
    "source": (
        "IT i praksis, itip-lageret: tabellen marts.{table}, utgivelse {release} (versjon {version})",
        "IT i praksis, the itip warehouse: table marts.{table}, release {release} (version {version})",
    ),
    "missing": (
        "En tom verdi uten status er en celle som ikke finnes (indikatoren er ikke spurt i den populasjonen eller "
        "det året).",
        "An empty value without a status is a cell that does not exist (the indicator was not asked of that "
        "population or in that year).",
    ),
    "missing_counts": (
        "En tom verdi er et tall som ikke finnes: en populasjon uten telling i rammen (som «alle» og «stat», der "
        "ingen ramme er gitt) har ingen svarprosent.",
        "An empty value is a count that does not exist: a population without a frame count (such as 'all' and "
        "'state', for which no frame is given) has no response rate.",
    ),
    "status": (
        "Status per celle: flagget fra tabellens flag-kolonne. Tallene er uavrundede; enhetens desimaler sier "
        "hvor mange som vises.",
        "Status per cell: the flag of the table's flag column. Values are unrounded; the unit's decimals say how "
        "many to show.",
    ),
    "answers": ("Svarfordeling, skala {scale}", "Answer distribution, scale {scale}"),
    "quality": (
        "Om statistikken, per indikatorfamilie (populasjon og ramme, svarprosent, metode, konfidensialitet og "
        "pålitelighet, brudd i serien, revisjoner, syntetiske data): extension.quality, og figurbokas side Om "
        "statistikken for familien.",
        "About the statistics, per indicator family (population and frame, response rates, method, "
        "confidentiality and reliability, series breaks, revisions, synthetic data): extension.quality, and the "
        "figure book's About the statistics page of the family.",
    ),
}


def word(key: str, lang: str, **fields) -> str:
    text = WRITTEN_WORDS[key][LANG[lang]]
    return text.format(**fields) if fields else text


HEADLINE = Cube(
    "fct_indicator",
    "fct_indicator",
    ("Indikatorer etter populasjon og år", "Indicators by population and year"),
    (INDICATOR, POPULATION),
    SHARE_METRICS,
)
BREAKDOWN = Cube(
    "fct_indicator_breakdown",
    "fct_indicator_breakdown",
    ("Indikatorer etter gruppe, populasjon og år", "Indicators by group, population and year"),
    (INDICATOR, POPULATION, GROUP),
    SHARE_METRICS,
)
RESPONSE_RATE = Cube(
    "fct_response_rate",
    "fct_response_rate",
    ("Svarprosent etter gruppe, populasjon og år", "Response rate by group, population and year"),
    (POPULATION, GROUP),
    RESPONSE_METRICS,
)


def cubes(published: PublishedWarehouse) -> list[tuple[Cube, pd.DataFrame]]:
    """Every cube this warehouse publishes with the frame it is made from; a table the warehouse lacks (or
    holds no rows) is left out."""
    fact = published.table(HEADLINE.table)
    made = [(cube, published.table(cube.table)) for cube in (HEADLINE, BREAKDOWN)]
    made += _answer_cubes(published, fact)
    rates = published.table(RESPONSE_RATE.table)
    if not rates.empty:
        made.append(
            (
                RESPONSE_RATE,
                _with_labels(
                    published,
                    _with_labels(published, rates, "population", "dim_population"),
                    "breakdown",
                    "dim_breakdown",
                ),
            )
        )
    return [(cube, frame) for cube, frame in made if not frame.empty]


def _answer_cubes(published: PublishedWarehouse, fact: pd.DataFrame) -> list[tuple[Cube, pd.DataFrame]]:
    """One cube per answer scale: question x population x year x answer."""
    answers = published.table("fct_answer_distribution")
    if answers.empty:
        return []
    answers = _with_labels(published, answers, "population", "dim_population")
    for lang in LANG:
        # A question's label: its indicator item's label (one item per question in every family).
        own = fact.dropna(subset=[f"label_{lang}"]).drop_duplicates("question_id") if "question_id" in fact else fact
        labels = dict(zip(own.get("question_id", []), own.get(f"label_{lang}", []), strict=True))
        answers[f"question_label_{lang}"] = answers["question_id"].map(lambda q, labels=labels: labels.get(q, q))
    made = []
    for scale, rows in answers.groupby("scale", sort=True):
        # A category id has one label: where a scale's codes mean different answers in different questions
        # (a multiple-choice list), each question is a dataset of its own.
        labels = [c for c in (f"answer_label_{lang}" for lang in LANG) if c in rows]
        shared = not labels or (rows.groupby("answer_code")[labels].nunique(dropna=False) <= 1).all().all()
        parts = [("", rows)] if shared else [(f"_{q}", part) for q, part in rows.groupby("question_id", sort=True)]
        for suffix, part in parts:
            title = tuple(word("answers", lang, scale=f"{scale}{suffix.replace('_', ' ', 1)}") for lang in LANG)
            cube = Cube(
                f"fct_answer_distribution_{scale}{suffix}",
                "fct_answer_distribution",
                title,
                (QUESTION, POPULATION, ANSWER),
                SHARE_METRICS,
            )
            made.append((cube, part))
    return made


def _with_labels(published: PublishedWarehouse, frame: pd.DataFrame, key: str, table: str) -> pd.DataFrame:
    """The frame with `<key>_label_no`/`_en` from the dimension table's labels (the id where it has none)."""
    dim = published.table(table)
    out = frame.copy()
    for lang in LANG:
        names = dict(zip(dim.get(key, []), dim.get(f"label_{lang}", []), strict=True))
        out[f"{key}_label_{lang}"] = out[key].map(lambda k, names=names: names.get(k) or k)
    return out


def dataset(cube: Cube, frame: pd.DataFrame, lang: str, about: dict) -> dict:
    """The JSON-stat dataset of `cube` made from `frame` in language `lang`. `about` holds what every dataset of
    the set says: version, updated, synthetic, the table descriptions and the method notes."""
    pick = LANG[lang]
    frame = frame.reset_index(drop=True)
    ids, sizes, dimension, codes = [], [], {}, []
    for dim in cube.dimensions:
        categories = dim.category(frame)
        order = list(dict.fromkeys(categories))  # first appearance: the table's key order
        labels = dim.category_label(frame, lang).astype(object)
        label_of = dict(zip(categories, labels.where(labels.notna(), categories), strict=True))
        category = {"index": order, "label": {c: str(label_of[c]) for c in order}}
        notes = about["category_notes"].get(dim.id, {})
        if any(c in notes for c in order):
            category["note"] = {c: notes[c] for c in order if c in notes}
        dimension[dim.id] = {"label": dim.label[pick], "category": category}
        ids.append(dim.id)
        sizes.append(len(order))
        codes.append(pd.Categorical(categories, categories=order).codes)
    years = sorted({int(y) for y in frame["year"]})
    dimension[TIME] = {
        "label": word("time", lang),
        "category": {"index": [str(y) for y in years], "label": {str(y): str(y) for y in years}},
    }
    ids.append(TIME)
    sizes.append(len(years))
    codes.append(pd.Categorical(frame["year"].astype(int), categories=years).codes)
    metrics = [m for m in cube.metrics if m.column in frame]
    dimension[METRIC] = {"label": word("contents", lang), "category": _metric_category(metrics, cube, lang, about)}
    ids.append(METRIC)
    sizes.append(len(metrics))

    cell = np.zeros(len(frame), dtype=np.int64)  # each row's position in the cube without the metric
    for code, size in zip(codes, sizes[:-1], strict=True):
        cell = cell * size + code
    if len(set(cell)) != len(cell):
        twice = frame[pd.Series(cell).duplicated(keep=False)].head(2).to_dict("records")
        raise ValueError(f"Two rows of {cube.table} fall in one cell of the JSON-stat cube {cube.name}: {twice}")
    values = np.full(int(np.prod(sizes)), None, dtype=object)
    for position, metric in enumerate(metrics):
        raw = pd.to_numeric(frame[metric.column]).astype("float64").to_numpy()
        present = ~np.isnan(raw)
        # Python ints and floats (JSON numbers), None (null) where the table has none.
        shown = (np.where(present, raw, 0).astype(np.int64) if metric.decimals == 0 else raw).astype(object)
        shown[~present] = None
        values[cell * len(metrics) + position] = shown
    status, reasons = {}, {}
    flagged_rows = np.flatnonzero(frame["flag"].notna().to_numpy()) if "flag" in frame else []
    marked = flags.disclosure_flags(frame.iloc[flagged_rows][[c for c in FLAG_WORDS_FROM if c in frame]])
    for row, words in zip(flagged_rows, marked.itertuples(index=False), strict=True):
        why = "; ".join(flags.reason_words(words, lang))
        for position, metric in enumerate(metrics):
            if metric.flagged:
                index = str(int(cell[row]) * len(metrics) + position)
                status[index], reasons[index] = words.flag, why
    seen = set(status.values())
    document = {
        "version": VERSION,
        "class": "dataset",
        "label": cube.title[pick] + (f" – {WORDS['synthetic_short'][pick]}" if about["synthetic"] else ""),
        "source": word("source", lang, table=cube.table, release=about["release_id"], version=about["version"]),
        "updated": about["updated"],
        "note": _notes(cube, lang, about, seen),
        "id": ids,
        "size": sizes,
        "role": {"time": [TIME], "metric": [METRIC]},
        "dimension": dimension,
        "value": values.tolist(),
    }
    if status:
        document["status"] = status
    document["extension"] = {
        "table": f"marts.{cube.table}",
        "release_id": about["release_id"],
        "published_version": about["version"],
        "synthetic": about["synthetic"],
        "status": {letters: " / ".join(flags.legend(lang, tuple(letters))) for letters in sorted(seen)},
        "reason": reasons,
    }
    quality = about.get("quality", {}).get(cube.table)
    if quality:
        document["extension"]["quality"] = quality
        document["note"].append(word("quality", lang))
    return document


def _metric_category(metrics: list[Metric], cube: Cube, lang: str, about: dict) -> dict:
    pick = LANG[lang]
    unit = {}
    for m in metrics:
        unit[m.column] = {"label": m.unit[pick], "decimals": m.decimals}
        if m.symbol:
            unit[m.column] |= {"symbol": m.symbol, "position": "end"}
    described = about["column_comments"].get(cube.table, {})
    return {
        "index": [m.column for m in metrics],
        "label": {m.column: m.label[pick] for m in metrics},
        "note": {m.column: [described[m.column]] for m in metrics if described.get(m.column)},
        "unit": unit,
    }


def _notes(cube: Cube, lang: str, about: dict, seen: set[str]) -> list[str]:
    pick = LANG[lang]
    notes = [WORDS["synthetic"][pick]] if about["synthetic"] else []
    if about["table_comments"].get(cube.table):
        notes.append(about["table_comments"][cube.table])
    if any(m.flagged for m in cube.metrics):  # a table without observation flags has no status to explain
        notes.append(word("status", lang))
        letters = tuple(sorted({letter for status in seen for letter in status}))
        notes += flags.legend(lang, letters) if letters else []
        notes.append(word("missing", lang))
    else:
        notes.append(word("missing_counts", lang))
    return notes


def _category_notes(published: PublishedWarehouse) -> dict[str, dict[str, list[str]]]:
    """The method notes the warehouse states per category: each population's estimand (dim_population), each
    indicator's base rule, weighting, variance method and comparability (dim_indicator_method)."""
    notes: dict[str, dict[str, list[str]]] = {}
    populations = published.table("dim_population")
    if {"population", "estimand"} <= set(populations.columns):
        notes[POPULATION.id] = {
            str(p): [str(e)] for p, e in zip(populations["population"], populations["estimand"], strict=True) if e
        }
    method = published.table("dim_indicator_method")
    if not method.empty and {"indicator_id", "item"} <= set(method.columns):
        ids = _indicator(method)
        columns = [c for c in ("base_rule", "weighting", "variance_method", "comparability_note") if c in method]
        notes[INDICATOR.id] = {
            indicator: list(dict.fromkeys(str(v) for c in columns for v in rows[c] if isinstance(v, str) and v))
            for indicator, rows in method.groupby(ids, sort=False)
        }
    return notes


def _quality_by_table(published: PublishedWarehouse) -> dict[str, dict[str, dict]]:
    """The families' quality declarations (report/quality_declaration.py) by the cube table their rows are cut
    from: the headline families' from fct_indicator, the breakdown families' from fct_indicator_breakdown."""
    declared = quality_declaration.declarations(published)
    by_table: dict[str, dict[str, dict]] = {}
    for family in published.families:
        if family.family in declared:
            table = BREAKDOWN.table if family.is_breakdown else HEADLINE.table
            by_table.setdefault(table, {})[family.family] = declared[family.family]
    return by_table


def collection(items: list[tuple[Cube, str]], lang: str, about: dict) -> dict:
    """The JSON-stat collection listing the datasets of one language (href relative to the collection)."""
    pick = LANG[lang]
    return {
        "version": VERSION,
        "class": "collection",
        "label": word("collection", lang) + (f" – {WORDS['synthetic_short'][pick]}" if about["synthetic"] else ""),
        "updated": about["updated"],
        "note": [WORDS["synthetic"][pick]] if about["synthetic"] else [],
        "link": {
            "item": [
                {"class": "dataset", "href": href, "label": cube.title[pick], "updated": about["updated"]}
                for cube, href in items
            ]
        },
    }


def file_name(name: str, lang: str) -> str:
    return f"{name}{EDITIONS[lang]}.json"


def write_jsonstat(published: PublishedWarehouse, folder: Path, version: str) -> list[Path]:
    """Every cube of `published` as a JSON-stat dataset in each language, and the collections listing them, in
    `folder` (created); the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    release_id, published_at = release_of(published)
    about = {
        "version": version,
        "release_id": release_id,
        "updated": published_at or _updated(published.path),
        "synthetic": published.is_synthetic,
        "table_comments": published.table_comments,
        "column_comments": published.column_comments,
        "category_notes": _category_notes(published),
        "quality": _quality_by_table(published),
    }
    written = []
    made = cubes(published)
    for lang in EDITIONS:
        for cube, frame in made:
            written.append(_write(folder / file_name(cube.name, lang), dataset(cube, frame, lang, about)))
        items = [(cube, file_name(cube.name, lang)) for cube, _ in made]
        written.append(_write(folder / file_name(COLLECTION, lang), collection(items, lang, about)))
    return written


def release_of(published: PublishedWarehouse) -> tuple[str | None, str | None]:
    """The release these tables belong to and when it was published (UTC, JSON-stat's `updated` form), from
    marts.releases; (None, None) for a file without it."""
    history = published.table("releases")
    if history.empty or not {"release_id", "published_at"} <= set(history.columns):
        return None, None
    newest = history.sort_values("published_at").iloc[-1]
    return str(newest["release_id"]), pd.Timestamp(newest["published_at"]).strftime("%Y-%m-%dT%H:%M:%SZ")


def _updated(warehouse: Path) -> str:
    """When the version was published: its warehouse file's time, to the second, in UTC."""
    stamp = datetime.fromtimestamp(warehouse.stat().st_mtime, UTC) if warehouse.exists() else datetime.now(UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _write(path: Path, document: dict) -> Path:
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    path.write_text(for_json(text), encoding="utf-8")
    return path
