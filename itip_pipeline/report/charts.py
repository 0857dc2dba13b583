"""The figure book's charts as Vega-Lite (altair), rendered to SVG offline by vl-convert.

One function per kind of chart in the report: bars by population with 95 % interval whiskers for the latest
year, trends across years (series breaks split the line and are marked; policy targets drawn as rules), and
the published report figure beside the computed one. A suppressed cell is drawn as a text mark, never as a
bar or point at 0. Labels come from the marts' own label columns (`*_no`, `*_en`).
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from itip_pipeline.report.translations import word

WIDTH = 560
BAR_STEP = 13  # pixels per bar
# d3's format locale, so Norwegian pages print 12,5 and English ones 12.5 (d3 ships no nb-NO locale).
FORMAT_LOCALES = {
    "no": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", " kr"]},
    "en": "en-US",
}


def localised(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The frame with `label`, `population_label` and `mark` (the suppression mark text) for one language."""
    shown = frame.copy()

    def pick(stem: str, fallback: str) -> pd.Series:
        own, norwegian = f"{stem}_{lang}", f"{stem}_no"
        base = shown[fallback] if fallback in shown else pd.Series("", index=shown.index)
        for column in (norwegian, own):
            if column in shown:
                base = shown[column].where(shown[column].notna() & (shown[column] != ""), base)
        return base.astype(str)

    shown["label"] = pick("label", "item" if "item" in shown else "indicator_id")
    shown["population_label"] = pick("population_label", "population")
    suppressed = (
        shown["suppressed"].fillna(False).astype(bool) if "suppressed" in shown else pd.Series(False, index=shown.index)
    )
    n_base = shown["n_base"] if "n_base" in shown else pd.Series(pd.NA, index=shown.index)
    shown["mark"] = [
        f"{word('suppressed', lang)} (n = {n})" if hidden else "" for hidden, n in zip(suppressed, n_base, strict=True)
    ]
    shown["suppressed"] = suppressed
    shown["low_reliability"] = (
        shown["low_reliability"].fillna(False).astype(bool) if "low_reliability" in shown else False
    )
    return shown


def _share_axis(lang: str, title_key: str = "share_axis") -> alt.X:
    return alt.X("share_pct:Q", title=word(title_key, lang), scale=alt.Scale(domain=[0, 100]))


def population_bars(frame: pd.DataFrame, lang: str) -> alt.LayerChart:
    """One year's shares by item and population, 95 % interval whiskers, suppressed cells as text."""
    data = localised(frame, lang)
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=320))
    y_offset = alt.YOffset("population_label:N", scale=alt.Scale(domain=_population_order(data)))
    color = population_color(data, lang)
    tooltip = [
        alt.Tooltip("label:N", title=word("item", lang)),
        alt.Tooltip("population_label:N", title=word("population", lang)),
        alt.Tooltip("share_pct:Q", title=word("share", lang), format=".1f"),
        alt.Tooltip("ci_low_pct:Q", title=word("ci_low", lang), format=".1f"),
        alt.Tooltip("ci_high_pct:Q", title=word("ci_high", lang), format=".1f"),
        alt.Tooltip("n_base:Q", title="n"),
    ]
    base = alt.Chart()
    shown = base.transform_filter("!datum.suppressed")
    bars = shown.mark_bar().encode(
        y=y,
        yOffset=y_offset,
        x=_share_axis(lang),
        color=color,
        tooltip=tooltip,
        opacity=alt.condition("datum.low_reliability", alt.value(0.45), alt.value(1.0)),
    )
    whiskers = shown.mark_rule(color="#222").encode(y=y, yOffset=y_offset, x="ci_low_pct:Q", x2="ci_high_pct:Q")
    hidden = (
        base.transform_filter("datum.suppressed")
        .mark_text(align="left", dx=2, fontSize=10, fontStyle="italic")
        .encode(y=y, yOffset=y_offset, x=alt.datum(0), text="mark:N", color=color)
    )
    rows = max(1, len(data))
    return alt.layer(bars, whiskers, hidden, data=_values(data)).properties(width=WIDTH, height=rows * BAR_STEP + 10)


def trend(frame: pd.DataFrame, lang: str, targets: pd.DataFrame | None = None, facet_columns: int = 3) -> alt.Chart:
    """Shares across years by population; a series break starts a new line segment and gets a dashed rule;
    policy targets (target_year, target_pct) are horizontal rules; suppressed years are text at the top."""
    data = localised(frame, lang).sort_values(["label", "population_label", "year"])
    data["segment"] = (
        data.groupby(["label", "population_label"])["series_break"].cumsum() if "series_break" in data else 0
    )
    data["line_id"] = data["population_label"] + "·" + data["segment"].astype(str)
    data["kind"] = "estimate"
    has_break = "series_break" in data and bool(data["series_break"].fillna(False).astype(bool).any())
    if targets is not None and not targets.empty:
        # A facet takes one dataset, so each target rides along as a row in every panel.
        rows = [
            {
                "kind": "target",
                "label": label,
                "target_pct": pct,
                "target_text": word("target", lang).format(pct=f"{pct:g}", year=int(year)),
            }
            for label in data["label"].unique()
            for pct, year in zip(targets["target_pct"], targets["target_year"], strict=True)
        ]
        data = pd.concat([data, pd.DataFrame(rows)], ignore_index=True)
    x = alt.X("year:O", title=word("year", lang), axis=alt.Axis(labelAngle=0))
    color = population_color(data, lang)
    estimates = alt.Chart().transform_filter("datum.kind == 'estimate'")
    shown = estimates.transform_filter("!datum.suppressed")
    lines = shown.mark_line().encode(x=x, y=_y_share(lang), color=color, detail="line_id:N")
    points = shown.mark_point(filled=True, size=40).encode(
        x=x,
        y=_y_share(lang),
        color=color,
        shape=alt.condition("datum.low_reliability", alt.value("triangle-up"), alt.value("circle")),
        tooltip=[
            alt.Tooltip("year:O"),
            alt.Tooltip("population_label:N", title=word("population", lang)),
            alt.Tooltip("share_pct:Q", title=word("share", lang), format=".1f"),
            alt.Tooltip("ci_low_pct:Q", format=".1f"),
            alt.Tooltip("ci_high_pct:Q", format=".1f"),
            alt.Tooltip("n_base:Q", title="n"),
        ],
    )
    whiskers = shown.mark_rule(opacity=0.6).encode(x=x, y="ci_low_pct:Q", y2="ci_high_pct:Q", color=color)
    hidden = (
        estimates.transform_filter("datum.suppressed")
        .mark_text(fontSize=9, fontStyle="italic", dy=-4)
        .encode(x=x, y=alt.datum(100), text=alt.value(word("suppressed", lang)), color=color)
    )
    layers = [whiskers, lines, points, hidden]
    if has_break:
        breaks = estimates.transform_filter("datum.series_break")
        layers += [
            breaks.mark_rule(strokeDash=[4, 3], color="#888").encode(x=x),
            breaks.mark_text(align="left", dx=3, dy=6, fontSize=9, color="#555").encode(
                x=x, y=alt.datum(0), text=alt.value(word("series_break", lang))
            ),
        ]
    if (data["kind"] == "target").any():
        marks = alt.Chart().transform_filter("datum.kind == 'target'")
        layers += [
            marks.mark_rule(strokeDash=[6, 3], color="#b00").encode(y="target_pct:Q"),
            marks.mark_text(align="left", dx=2, dy=-5, fontSize=10, color="#b00").encode(
                x=alt.value(0), y="target_pct:Q", text="target_text:N"
            ),
        ]
    if data["label"].nunique() > 1:
        return (
            alt.layer(*layers)
            .properties(width=170, height=170)
            .facet(
                facet=alt.Facet("label:N", title=None, sort=None, header=alt.Header(labelLimit=200, labelFontSize=10)),
                columns=facet_columns,
                data=_values(data),
            )
        )
    return alt.layer(*layers, data=_values(data)).properties(width=WIDTH, height=170)


def _population_order(data: pd.DataFrame) -> list[str]:
    """The population labels in code order, so a population keeps its colour on every chart of a page."""
    if "population" not in data:
        return sorted(data["population_label"].dropna().unique())
    pairs = data[["population", "population_label"]].dropna().drop_duplicates().sort_values("population")
    return list(pairs["population_label"])


def population_color(data: pd.DataFrame, lang: str) -> alt.Color:
    return alt.Color(
        "population_label:N", title=word("population", lang), scale=alt.Scale(domain=_population_order(data))
    )


def _y_share(lang: str) -> alt.Y:
    return alt.Y("share_pct:Q", title=word("share_axis", lang), scale=alt.Scale(domain=[0, 100]))


def _values(frame: pd.DataFrame) -> alt.InlineData:
    """The rows as inline JSON values (NULL as null). A DataFrame handed to altair's layers is hashed through
    its text representation for every layer, which costs seconds per chart."""
    return alt.InlineData(values=json.loads(frame.to_json(orient="records", date_format="iso")))


def published_beside_computed(rows: pd.DataFrame, lang: str) -> alt.LayerChart:
    """Each figure of the report (published_reconciliation) as two bars: the report's and the warehouse's."""
    long = rows.melt(
        id_vars=["figure_label", "verdict"],
        value_vars=["published_pct", "warehouse_pct"],
        var_name="source",
        value_name="value",
    )
    long["source"] = long["source"].map(
        {"published_pct": word("published", lang), "warehouse_pct": word("computed", lang)}
    )
    long["missing"] = long["value"].isna()
    y = alt.Y("figure_label:N", title=None, sort=None, axis=alt.Axis(labelLimit=360))
    y_offset = alt.YOffset("source:N", sort=[word("published", lang), word("computed", lang)])
    color = alt.Color(
        "source:N",
        title=None,
        sort=[word("published", lang), word("computed", lang)],
        scale=alt.Scale(range=["#7a7a7a", "#1f5fa8"]),
    )
    base = alt.Chart()
    bars = (
        base.transform_filter("!datum.missing")
        .mark_bar()
        .encode(
            y=y,
            yOffset=y_offset,
            color=color,
            x=alt.X("value:Q", title=word("share_axis", lang), scale=alt.Scale(domain=[0, 100])),
            tooltip=["figure_label:N", "source:N", alt.Tooltip("value:Q", format=".1f"), "verdict:N"],
        )
    )
    missing = (
        base.transform_filter("datum.missing")
        .mark_text(align="left", dx=2, fontSize=10, fontStyle="italic")
        .encode(y=y, yOffset=y_offset, x=alt.datum(0), text=alt.value(word("no_value", lang)))
    )
    return alt.layer(bars, missing, data=_values(long)).properties(width=WIDTH - 100, height=len(long) * BAR_STEP + 10)


def external_bars(frame: pd.DataFrame, lang: str, value_column: str) -> alt.LayerChart:
    """Figures carried from another source (no estimate, no interval): plain bars, labelled as external; a
    figure the source gives no readable value for is written out, not drawn as 0."""
    data = localised(frame, lang)
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=320))
    bars = (
        alt.Chart()
        .transform_filter(f"isValid(datum.{value_column})")
        .mark_bar(color="#8a6d3b")
        .encode(
            y=y,
            x=alt.X(f"{value_column}:Q", title=word("share_axis", lang), scale=alt.Scale(domain=[0, 100])),
            tooltip=["label:N", alt.Tooltip(f"{value_column}:Q", format=".1f")],
        )
    )
    missing = (
        alt.Chart()
        .transform_filter(f"!isValid(datum.{value_column})")
        .mark_text(align="left", dx=2, fontSize=10, fontStyle="italic")
        .encode(y=y, x=alt.datum(0), text=alt.value(word("no_value", lang)))
    )
    return alt.layer(bars, missing, data=_values(data)).properties(
        width=WIDTH, height=max(1, len(data)) * (BAR_STEP + 6)
    )


def to_svg(chart: alt.TopLevelMixin, lang: str) -> str:
    """Render offline: no base URL is allowed, so a spec that tried to load anything would fail here."""
    import vl_convert

    return vl_convert.vegalite_to_svg(
        chart.to_dict(validate=False), allowed_base_urls=[], format_locale=FORMAT_LOCALES[lang]
    )


def diverging_distribution(layout: pd.DataFrame, lang: str) -> alt.Chart:
    """Likert items as diverging bars around zero (report.distribution lays them out), one colour per answer."""
    order = layout.drop_duplicates("answer_code").sort_values("answer_code")["answer_label"].tolist()
    return (
        alt.Chart(_values(layout))
        .mark_bar()
        .encode(
            y=alt.Y("question:N", title=None, sort=None, axis=alt.Axis(labelLimit=360)),
            x=alt.X("start:Q", title=word("distribution_axis", lang), scale=alt.Scale(domain=[-100, 100])),
            x2="end:Q",
            color=alt.Color(
                "answer_label:N",
                sort=order,
                title=None,
                scale=alt.Scale(domain=order, scheme="redblue"),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("question:N", title=word("item", lang)),
                alt.Tooltip("answer_label:N", title=""),
                alt.Tooltip("share_pct:Q", title=word("share", lang), format=".1f"),
            ],
        )
        .properties(width=WIDTH, height=layout["question"].nunique() * BAR_STEP + 10)
    )
