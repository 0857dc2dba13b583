"""The figure book's charts as Vega-Lite (altair), rendered to SVG offline by vl-convert.

One function per kind of chart in the report: bars by population with 95 % interval whiskers for the latest
year, trends across years (series breaks split the line and are marked; policy targets drawn as rules), a
breakdown's categories (bars per category, a trend panel per category), and the published report figure
beside the computed one. A withheld value is drawn as its flag and reason in words, never as a bar or point
at 0. Every mark carries a description (its item, population or category, value, margin, n and flag), which is
the SVG's aria-label and, through a <title>, the tooltip on hover. Labels come from the marts' own label
columns (`*_no`, `*_en`) and wrap rather than being cut. A population has the same colour on every chart.

Encodings are given as channel objects (alt.X("share_pct:Q"), alt.TextValue(...)), not as shorthand strings or
dicts: altair turns each of those into its object by hashing every class of the Vega-Lite schema anew, which
cost most of the time spent building a spec. The spec made is the same.
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from collections import OrderedDict
from collections.abc import Callable
from functools import cached_property

import altair as alt
import pandas as pd

from itip_pipeline.report.chart_cache import FONTS, NOT_DRAWN, ChartCache, content_hash, inputs_key
from itip_pipeline.report.flags import disclosure_flags, reason_words, short_mark
from itip_pipeline.report.translations import labelled, word

WIDTH = 440
BAR_STEP = 20  # pixels per bar: room for a value label of 12 px beside it
LINE_HEIGHT = 15  # pixels per line of a wrapped axis label (labelLineHeight plus a gap)
WRAP = 28  # characters per line of an axis label
SPLIT_LINES = "split(datum.label, '\\n')"
# One colour per population across the book (colour-blind safe, Okabe–Ito), by population code.
POPULATION_COLOURS = {
    "stat": "#0072B2",
    "kommune": "#E69F00",
    "fylkeskommune": "#009E73",
    "alle": "#555555",
    "innbyggere": "#CC79A7",
}
OTHER_COLOURS = ("#56B4E9", "#D55E00", "#F0E442", "#000000")
# The font vl-convert measures every label in, shipped in report/fonts (its README says why): Liberation Sans's
# widths, which are Arial's. A browser has no ItipSans and shows its own sans-serif, which is why the font is
# not a wider one: text wider than measured would overprint.
FONT = "ItipSans"
# Text large enough to read at a glance; every chart of the book the same. Labels that would collide are left
# out rather than overprinted.
CONFIG = {
    "font": f"{FONT}, sans-serif",
    "axis": {
        "labelFontSize": 12,
        "titleFontSize": 12,
        "labelColor": "#222",
        "titleColor": "#222",
        "labelOverlap": "greedy",
    },
    "legend": {"labelFontSize": 12, "titleFontSize": 12},
    "header": {"labelFontSize": 12},
}
# d3's format locale, so Norwegian pages print 12,5 and English ones 12.5 (d3 ships no nb-NO locale).
FORMAT_LOCALES = {
    "no": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", " kr"]},
    "en": "en-US",
}


class Deferred:
    """A chart of this module not built yet: its function and arguments. to_svg reads a drawing kept for the
    same inputs back without building it; anything else asked of it (to_dict, properties …) builds the altair
    chart first and asks that."""

    def __init__(self, build: Callable[..., alt.TopLevelMixin], args: tuple, kwargs: dict) -> None:
        self._build, self._args, self._kwargs = build, args, kwargs

    @cached_property
    def chart(self) -> alt.TopLevelMixin:
        return self._build(*self._args, **self._kwargs)

    def inputs_key(self, format_locale: object) -> str:
        named = [item for pair in sorted(self._kwargs.items()) for item in pair]
        return inputs_key(self._build.__qualname__, [*self._args, "**", *named], format_locale)

    def __getattr__(self, name: str):
        return getattr(self.chart, name)


def deferred(build: Callable[..., alt.TopLevelMixin]) -> Callable[..., Deferred]:
    """A chart function whose chart is built only when it is needed (Deferred)."""

    @functools.wraps(build)
    def defer(*args, **kwargs) -> Deferred:
        return Deferred(build, args, kwargs)

    return defer


def unchecked_specs():
    """A context in which altair does not check each object of a spec against the Vega-Lite schema as it is
    made (its debug mode): the book's specs are the same few shapes every time, the tests build each of them
    with the checks on, and vl-convert refuses a spec it cannot draw. The specs made are the same either way."""
    return alt.utils.schemapi.debug_mode(False)


def number(value: object, lang: str, digits: int = 1) -> str:
    """A number as the page's language writes it (decimal comma in Norwegian); '' for a missing value."""
    if value is None or pd.isna(value):
        return ""
    text = f"{float(value):.{digits}f}"
    return text.replace(".", ",") if lang == "no" else text


def margin_pp(row) -> float | None:
    """Half the 95 % interval's width, in percentage points: the margin of error said as '± x'."""
    low, high = getattr(row, "ci_low_pct", None), getattr(row, "ci_high_pct", None)
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return None
    return (float(high) - float(low)) / 2


def margin_words(row, lang: str) -> str:
    margin = margin_pp(row)
    return "" if margin is None else word("margin_value", lang).format(pp=number(margin, lang, 0))


def wrap(text: str, width: int = WRAP) -> str:
    """A label broken into lines (joined by newlines, which the axes split), so it is never cut."""
    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=False)) or str(text)


def localised(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The frame with `label`, `population_label`, the shared flag columns (report.flags), `mark` (what a
    chart writes for a withheld value), `value_text` (value and flag letter) and `tip` (the mark's description).

    A page localises the same rows for several of its tables and charts: the result is kept for the last few
    frames, by the frame's contents (chart_cache.content_hash), and a copy returned."""
    key = (content_hash(frame), lang)
    if key not in _LOCALISED:
        _LOCALISED[key] = _localised(frame, lang)
        while len(_LOCALISED) > LOCALISED_KEPT:
            _LOCALISED.popitem(last=False)
    return _LOCALISED[key].copy()


LOCALISED_KEPT = 16  # frames: more than one page's
_LOCALISED: OrderedDict[tuple[bytes, str], pd.DataFrame] = OrderedDict()


def _localised(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    shown = labelled(disclosure_flags(frame), lang)
    rows = list(shown.itertuples())
    shown["mark"] = [short_mark(r, lang) if r.withheld else "" for r in rows]
    shown["value_text"] = [
        "" if r.withheld else number(getattr(r, "share_pct", None), lang) + (" u" if r.low_reliability else "")
        for r in rows
    ]
    shown["tip"] = [_tip(r, lang) for r in rows]
    return shown


def _tip(row, lang: str) -> str:
    """One mark's description: what it is, its value, margin, n and flags, in words."""
    parts = [row.label, row.population_label]
    if getattr(row, "category_label", None):
        parts.append(f"{word('category', lang)}: {row.category_label}")
    if getattr(row, "year", None) is not None and not pd.isna(row.year):
        parts.append(str(int(row.year)))
    if row.withheld:
        parts.append(word("withheld", lang))
    else:
        parts.append(f"{number(getattr(row, 'share_pct', None), lang)} % ({margin_words(row, lang)})")
    n = getattr(row, "n_base", None)
    if n is not None and not pd.isna(n):
        parts.append(f"n = {int(n)}")
    return ", ".join(p for p in parts if p) + "".join(f"; {w}" for w in reason_words(row, lang))


def _description() -> alt.Description:
    return alt.Description("tip:N")


def _share_axis(lang: str, title_key: str = "share_axis") -> alt.X:
    return alt.X("share_pct:Q", title=word(title_key, lang), scale=alt.Scale(domain=[0, 100]))


def _sorted_labels(data: pd.DataFrame, by: str) -> list[str]:
    """Labels by their highest share, highest first; labels with no value last."""
    best = data.groupby(by)["share_pct"].max().sort_values(ascending=False, na_position="last")
    return list(best.index)


def _label_axis(labels: pd.Series) -> alt.Axis:
    """An axis of wrapped labels, wide enough for the longest line: Vega measures a wrapped label as one line."""
    longest = max((len(line) for text in labels for line in str(text).split("\n")), default=10)
    return alt.Axis(
        labelExpr=SPLIT_LINES, labelLimit=0, labelOverlap=False, labelLineHeight=14, minExtent=int(longest * 6.8) + 8
    )


def _band_height(labels: pd.Series, bars_per_label: int) -> int:
    lines = max((str(t).count("\n") + 1 for t in labels), default=1)
    return max(bars_per_label * BAR_STEP, lines * LINE_HEIGHT + 6)


@deferred
def population_bars(frame: pd.DataFrame, lang: str) -> alt.LayerChart:
    """One year's shares by item and population, sorted by value, with the value written at each bar's end,
    95 % interval whiskers, and a withheld value written out with its reason."""
    data = localised(frame, lang)
    data["label"] = data["label"].map(wrap)
    order = _sorted_labels(data, "label")
    populations = _population_order(data)
    y = alt.Y("label:N", title=None, sort=order, axis=_label_axis(data["label"]))
    y_offset = alt.YOffset("population_label:N", scale=alt.Scale(domain=populations, paddingInner=0))
    color = population_color(data, lang)
    base = alt.Chart()
    shown = base.transform_filter("!datum.withheld")
    bars = shown.mark_bar().encode(
        y=y,
        yOffset=y_offset,
        x=_share_axis(lang),
        color=color,
        description=_description(),
        opacity=alt.OpacityValue(1.0, condition={"test": "datum.low_reliability", "value": 0.5}),
    )
    whiskers = shown.mark_rule(color="#111", strokeWidth=2).encode(
        y=y, yOffset=y_offset, x=alt.X("ci_low_pct:Q"), x2=alt.X2("ci_high_pct:Q"), description=_description()
    )
    values = shown.mark_text(align="left", dx=4, fontSize=12).encode(
        y=y, yOffset=y_offset, x=alt.X("ci_high_pct:Q"), text=alt.Text("value_text:N"), description=_description()
    )
    hidden = (
        base.transform_filter("datum.withheld")
        .mark_text(align="left", dx=2, fontSize=12, fontStyle="italic")
        .encode(
            y=y, yOffset=y_offset, x=alt.XDatum(0), text=alt.Text("mark:N"), color=color, description=_description()
        )
    )
    height = len(order) * _band_height(data["label"], len(populations))
    return alt.layer(bars, whiskers, values, hidden, data=_values(data)).properties(width=WIDTH, height=height)


@deferred
def breakdown_bars(frame: pd.DataFrame, lang: str, columns: int = 3) -> alt.Chart:
    """One year of one breakdown in one population: a bar per category (sorted by value, the category on the
    axis and in every mark's description), a panel per item when there are several."""
    data = localised(frame, lang)
    data["label"] = data["label"].map(lambda t: wrap(t, 40))
    # A category withheld in every panel is named in the caption instead of filling the chart with marks.
    data = data[data.groupby("category_label")["withheld"].transform("all").eq(False)]
    order = _sorted_labels(data, "category_label")
    y = alt.Y("category_label:N", title=None, sort=order, axis=alt.Axis(labelLimit=0, labelOverlap=False))
    color = population_color(data, lang, legend=False)
    base = alt.Chart()
    shown = base.transform_filter("!datum.withheld")
    layers = [
        shown.mark_bar().encode(
            y=y,
            x=_share_axis(lang),
            color=color,
            description=_description(),
            opacity=alt.OpacityValue(1.0, condition={"test": "datum.low_reliability", "value": 0.5}),
        ),
        shown.mark_rule(color="#111", strokeWidth=2).encode(
            y=y, x=alt.X("ci_low_pct:Q"), x2=alt.X2("ci_high_pct:Q"), description=_description()
        ),
        shown.mark_text(align="left", dx=4, fontSize=12).encode(
            y=y, x=alt.X("ci_high_pct:Q"), text=alt.Text("value_text:N"), description=_description()
        ),
        base.transform_filter("datum.withheld")
        .mark_text(align="left", dx=2, fontSize=12, fontStyle="italic", color="#444")
        .encode(y=y, x=alt.XDatum(0), text=alt.Text("mark:N"), description=_description()),
    ]
    height = len(order) * BAR_STEP
    if data["label"].nunique() > 1:
        return (
            alt.layer(*layers)
            .properties(width=170, height=height)
            .facet(
                facet=alt.Facet(
                    "label:N", title=None, sort=None, header=alt.Header(labelExpr=SPLIT_LINES, labelFontSize=11)
                ),
                columns=columns,
                data=_values(data),
            )
        )
    return alt.layer(*layers, data=_values(data)).properties(width=WIDTH, height=height)


@deferred
def breakdown_trend(frame: pd.DataFrame, lang: str, columns: int = 3) -> alt.Chart:
    """One breakdown of one population and item across years: a small panel per category, one line each
    (a series break starts a new segment), withheld years written as their flag letter."""
    data = localised(frame, lang).sort_values(["category_label", "year"])
    data["segment"] = data.groupby("category_label")["series_break"].cumsum()
    data["series"] = [f"{word('category', lang)}: {c}" for c in data["category_label"]]
    x = alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0))
    y = alt.Y("share_pct:Q", title=None, scale=alt.Scale(domain=[0, 100]))
    color = population_color(data, lang, legend=False)
    shown = alt.Chart().transform_filter("!datum.withheld")
    layers = [
        shown.mark_rule(strokeWidth=2, opacity=0.7).encode(
            x=x, y=alt.Y("ci_low_pct:Q"), y2=alt.Y2("ci_high_pct:Q"), color=color, description=_description()
        ),
        shown.mark_line().encode(
            x=x, y=y, color=color, detail=alt.Detail("segment:N"), description=alt.Description("series:N")
        ),
        shown.mark_point(filled=True, size=40).encode(x=x, y=y, color=color, description=_description()),
        alt.Chart()
        .transform_filter("datum.withheld")
        .mark_text(fontSize=12, fontStyle="italic", color="#444")
        .encode(x=x, y=alt.YDatum(50), text=alt.TextValue("c"), description=_description()),
    ]
    return (
        alt.layer(*layers)
        .properties(width=180, height=110)
        .facet(
            facet=alt.Facet("category_label:N", title=None, sort=None, header=alt.Header(labelFontSize=11)),
            columns=columns,
            data=_values(data),
        )
    )


@deferred
def trend(frame: pd.DataFrame, lang: str, targets: pd.DataFrame | None = None, facet_columns: int = 3) -> alt.Chart:
    """Shares across years by population; a series break starts a new line segment and gets a dashed rule;
    policy targets (target_year, target_pct) are dashed rules (their words are in the caption); withheld
    years are their flag letter at the top."""
    data = localised(frame, lang).sort_values(["label", "population_label", "year"])
    data["label"] = data["label"].map(lambda t: wrap(t, 30))
    data["segment"] = data.groupby(["label", "population_label"])["series_break"].cumsum()
    data["line_id"] = data["population_label"] + "·" + data["segment"].astype(str)
    data["kind"] = "estimate"
    withheld = data[data["withheld"]]
    data["withheld_first"] = data["withheld"] & ~withheld.duplicated(["label", "year"]).reindex(
        data.index, fill_value=True
    )
    data["withheld_tip"] = data.set_index(["label", "year"]).index.map(
        withheld.groupby(["label", "year"])["tip"].agg(" | ".join)
    )
    has_break = bool(data["series_break"].any())
    if targets is not None and not targets.empty:
        # A facet takes one dataset, so each target rides along as a row in every panel.
        rows = [
            {"kind": "target", "label": label, "target_pct": pct}
            for label in data["label"].unique()
            for pct in targets["target_pct"]
        ]
        data = pd.concat([data, pd.DataFrame(rows)], ignore_index=True)
    x = alt.X("year:O", title=word("year", lang), axis=alt.Axis(labelAngle=0))
    color = population_color(data, lang)
    estimates = alt.Chart().transform_filter("datum.kind == 'estimate'")
    shown = estimates.transform_filter("!datum.withheld")
    lines = shown.mark_line().encode(
        x=x,
        y=_y_share(lang),
        color=color,
        detail=alt.Detail("line_id:N"),
        description=alt.Description("population_label:N"),
    )
    points = shown.mark_point(filled=True, size=40, opacity=1).encode(
        x=x,
        y=_y_share(lang),
        color=color,
        shape=alt.ShapeValue("circle", condition={"test": "datum.low_reliability", "value": "triangle-up"}),
        description=_description(),
    )
    whiskers = shown.mark_rule(strokeWidth=2, opacity=0.7).encode(
        x=x, y=alt.Y("ci_low_pct:Q"), y2=alt.Y2("ci_high_pct:Q"), color=color, description=_description()
    )
    # One letter per panel and year, however many populations are withheld there (their reasons in its tip).
    hidden = (
        estimates.transform_filter("datum.withheld_first")
        .mark_text(fontSize=12, fontStyle="italic", dy=-10, color="#444")  # above the plot, clear of a target
        .encode(x=x, y=alt.YDatum(100), text=alt.TextValue("c"), description=alt.Description("withheld_tip:N"))
    )
    layers = [whiskers, lines, points, hidden]
    if has_break:
        breaks = estimates.transform_filter("datum.series_break")
        layers.append(breaks.mark_rule(strokeDash=[4, 3], color="#888").encode(x=x))
    if (data["kind"] == "target").any():
        marks = alt.Chart().transform_filter("datum.kind == 'target'")
        layers.append(marks.mark_rule(strokeDash=[6, 3], color="#b00").encode(y=alt.Y("target_pct:Q")))
    if data["label"].nunique() > 1:
        return (
            alt.layer(*layers)
            .properties(width=170, height=170)
            .facet(
                facet=alt.Facet(
                    "label:N", title=None, sort=None, header=alt.Header(labelExpr=SPLIT_LINES, labelFontSize=11)
                ),
                columns=facet_columns,
                data=_values(data),
            )
        )
    return alt.layer(*layers, data=_values(data)).properties(width=WIDTH, height=170)


def _population_order(data: pd.DataFrame) -> list[str]:
    """The population labels in code order, so a population keeps its place on every chart of a page."""
    if "population" not in data:
        return sorted(data["population_label"].dropna().unique())
    pairs = data[["population", "population_label"]].dropna().drop_duplicates().sort_values("population")
    return list(pairs["population_label"])


def population_color(data: pd.DataFrame, lang: str, legend: bool = True) -> alt.Color:
    """Each population in its own colour (POPULATION_COLOURS), the same on every chart of the book."""
    domain = _population_order(data)
    codes = dict(zip(data["population_label"], data["population"], strict=True)) if "population" in data else {}
    spare = iter(OTHER_COLOURS * 4)
    colours = [POPULATION_COLOURS.get(codes.get(label)) or next(spare) for label in domain]
    shown = (
        alt.Legend(orient="top", direction="horizontal", labelLimit=0, columns=2, titleOrient="left")
        if legend
        else None
    )
    return alt.Color(
        "population_label:N",
        title=word("population", lang),
        scale=alt.Scale(domain=domain, range=colours),
        legend=shown,
    )


def _y_share(lang: str) -> alt.Y:
    return alt.Y("share_pct:Q", title=word("share_axis", lang), scale=alt.Scale(domain=[0, 100]))


def _values(frame: pd.DataFrame) -> alt.InlineData:
    """The rows as inline JSON values (NULL as null), numbers to two decimals (a chart needs no more, and
    no reader of an aria-label wants ten). A DataFrame handed to altair's layers is hashed through its text
    representation for every layer, which costs seconds per chart. Columns no chart shows are left out
    (chart_cache.NOT_DRAWN)."""
    frame = frame.drop(columns=list(NOT_DRAWN), errors="ignore")
    return alt.InlineData(values=json.loads(frame.round(2).to_json(orient="records", date_format="iso")))


@deferred
def published_beside_computed(rows: pd.DataFrame, lang: str) -> alt.LayerChart:
    """Each figure of the report (published_reconciliation) as two bars: the report's and the warehouse's,
    each with its value written at its end."""
    long = rows.melt(
        id_vars=["figure_label", "verdict_text"],
        value_vars=["published_pct", "warehouse_pct"],
        var_name="source",
        value_name="value",
    )
    long["source"] = long["source"].map(
        {"published_pct": word("published", lang), "warehouse_pct": word("computed", lang)}
    )
    long["figure_label"] = long["figure_label"].map(lambda t: wrap(t, 48))
    long["missing"] = long["value"].isna()
    long["value_text"] = [number(v, lang) for v in long["value"]]
    long["tip"] = [
        f"{f.replace(chr(10), ' ')}: {src} {number(v, lang)} % ({verdict})"
        for f, src, v, verdict in zip(
            long["figure_label"], long["source"], long["value"], long["verdict_text"], strict=True
        )
    ]
    y = alt.Y("figure_label:N", title=None, sort=None, axis=_label_axis(long["figure_label"]))
    y_offset = alt.YOffset(
        "source:N", sort=[word("published", lang), word("computed", lang)], scale=alt.Scale(paddingInner=0)
    )
    color = alt.Color(
        "source:N",
        title=None,
        sort=[word("published", lang), word("computed", lang)],
        scale=alt.Scale(range=["#7a7a7a", "#1f5fa8"]),
        legend=alt.Legend(orient="top", labelLimit=0),
    )
    base = alt.Chart()
    shown = base.transform_filter("!datum.missing")
    bars = shown.mark_bar().encode(
        y=y,
        yOffset=y_offset,
        color=color,
        x=alt.X("value:Q", title=word("share_axis", lang), scale=alt.Scale(domain=[0, 100])),
        description=_description(),
    )
    values = shown.mark_text(align="left", dx=3, fontSize=12).encode(
        y=y, yOffset=y_offset, x=alt.X("value:Q"), text=alt.Text("value_text:N")
    )
    missing = (
        base.transform_filter("datum.missing")
        .mark_text(align="left", dx=2, fontSize=12, fontStyle="italic")
        .encode(y=y, yOffset=y_offset, x=alt.XDatum(0), text=alt.TextValue(word("no_value", lang)))
    )
    height = long["figure_label"].nunique() * _band_height(long["figure_label"], 2)
    return alt.layer(bars, values, missing, data=_values(long)).properties(width=WIDTH - 120, height=height)


@deferred
def external_bars(frame: pd.DataFrame, lang: str, value_column: str) -> alt.LayerChart:
    """Figures carried from another source (no estimate, no interval): plain bars sorted by value with the
    value written out, labelled as external; a figure the source gives no readable value for is written
    out, not drawn as 0."""
    data = localised(frame, lang)
    data["value_text"] = [number(v, lang, 0) for v in data[value_column]]
    data["tip"] = [
        f"{label}: {text} %" if text else label for label, text in zip(data["label"], data["value_text"], strict=True)
    ]
    order = list(data.sort_values(value_column, ascending=False, na_position="last")["label"])
    y = alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=0, labelOverlap=False))
    valid = f"isValid(datum.{value_column})"
    bars = (
        alt.Chart()
        .transform_filter(valid)
        .mark_bar(color="#8a6d3b")
        .encode(
            y=y,
            x=alt.X(f"{value_column}:Q", title=word("share_axis", lang), scale=alt.Scale(domain=[0, 100])),
            description=_description(),
        )
    )
    values = (
        alt.Chart()
        .transform_filter(valid)
        .mark_text(align="left", dx=3, fontSize=12)
        .encode(y=y, x=alt.X(f"{value_column}:Q"), text=alt.Text("value_text:N"))
    )
    missing = (
        alt.Chart()
        .transform_filter(f"!{valid}")
        .mark_text(align="left", dx=2, fontSize=12, fontStyle="italic")
        .encode(y=y, x=alt.XDatum(0), text=alt.TextValue(word("no_value", lang)), description=_description())
    )
    return alt.layer(bars, values, missing, data=_values(data)).properties(
        width=WIDTH, height=max(1, len(data)) * (BAR_STEP + 6)
    )


MARK_WITH_LABEL = re.compile(r'<(path)([^>]*?) aria-label="([^"]*)"([^>]*?)(/>|>)')


@functools.cache
def renderer():
    """vl_convert, with the book's font (FONT, from chart_cache.FONTS) registered in this process: each process
    that draws registers it once, before its first drawing."""
    import vl_convert

    vl_convert.register_font_directory(str(FONTS))
    return vl_convert


def warm_renderer() -> None:
    """vl-convert's JavaScript engine started, by drawing the smallest chart in the book's font: the first
    drawing in a process costs most of a second more than the next ones."""
    tiny = {"data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {"x": {"field": "x", "type": "quantitative"}}}
    renderer().vegalite_to_svg({**tiny, "config": {"font": CONFIG["font"]}}, allowed_base_urls=[])


def to_svg(chart: alt.TopLevelMixin | Deferred, lang: str, cache: ChartCache | None = None) -> str:
    """Render offline (no base URL is allowed, so a spec that tried to load anything would fail here), or read
    the drawing back from `cache`: for a chart made by one of this module's chart functions, by its inputs
    before its spec is built (chart_cache.inputs_key), otherwise by its spec. Every mark with a description
    gets it as a <title> too, which browsers show on hover."""
    locale = FORMAT_LOCALES[lang]

    def spec() -> dict:
        made = (chart.chart if isinstance(chart, Deferred) else chart).to_dict(validate=False)
        made["config"] = {**made.get("config", {}), **CONFIG}
        return made

    def draw(built: dict) -> str:
        return renderer().vegalite_to_svg(built, allowed_base_urls=[], format_locale=locale)

    cache = cache or ChartCache(None)
    if isinstance(chart, Deferred):
        svg = cache.svg_for_inputs(chart.inputs_key(locale), spec, locale, draw)
    else:
        built = spec()
        svg = cache.svg(built, locale, lambda: draw(built))
    return MARK_WITH_LABEL.sub(_with_title, svg)


def _with_title(match: re.Match) -> str:
    tag, before, label, after, end = match.groups()
    if "graphics-symbol" not in before + after:
        return match.group(0)
    title = f"<title>{label}</title>"  # already escaped as an attribute value, so safe as text
    if end == "/>":
        return f'<{tag}{before} aria-label="{label}"{after}>{title}</{tag}>'
    return f'<{tag}{before} aria-label="{label}"{after}>{title}'


@deferred
def diverging_distribution(layout: pd.DataFrame, lang: str) -> alt.Chart:
    """Likert items as diverging bars around zero (report.distribution lays them out so that the right side is
    what the indicator counts as success), one colour per answer: reds for the answers below, grey for a
    neutral answer split across zero, blues for the success answers."""
    answers = layout.drop_duplicates("answer_label").sort_values("answer_code")
    data = layout.copy()
    data["question"] = data["question"].map(lambda t: wrap(t, 40))
    data["tip"] = [
        f"{q.replace(chr(10), ' ')}: {a} {number(v, lang)} %"
        for q, a, v in zip(data["question"], data["answer_label"], data["share_pct"], strict=True)
    ]
    return (
        alt.Chart(_values(data))
        .mark_bar()
        .encode(
            y=alt.Y("question:N", title=None, sort=None, axis=_label_axis(data["question"])),
            x=alt.X("start:Q", title=word("distribution_axis", lang), scale=alt.Scale(domain=[-100, 100])),
            x2=alt.X2("end:Q"),
            color=alt.Color(
                "answer_label:N",
                sort=list(answers["answer_label"]),
                title=None,
                scale=alt.Scale(domain=list(answers["answer_label"]), range=list(answers["colour"])),
                legend=alt.Legend(orient="top", direction="horizontal", columns=3, labelLimit=0),
            ),
            description=_description(),
        )
        .properties(width=WIDTH, height=data["question"].nunique() * _band_height(data["question"], 1))
    )
