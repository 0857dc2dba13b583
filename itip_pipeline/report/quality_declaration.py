"""About the statistics ("Om statistikken"): the quality declaration of each indicator family, built from the
published marts, for the figure book's pages and the JSON-stat datasets' `extension.quality`.

The sections follow SSB's "Om statistikken" pages and the ESS quality concepts: population and frame,
response and nonresponse, method (estimand, weighting, intervals, tests and their families), disclosure
control, comparability over time (series breaks), revisions, and what is synthetic.

`declare` gathers one family's declaration as plain JSON values (numbers, text, lists, dicts), every figure
counted from the marts and every method text the marts' own: the population's estimand (dim_population),
the rules per indicator (dim_indicator_method), the frames and response rates (fct_response_rate), the column
descriptions of the intervals and tests (the dbt docs), the releases and revisions, the provenance. Nothing
about the method is written here, so a rule changed in the dbt project changes the declaration with it. The
thresholds are the dbt project's vars (reference/project_vars.py), the values the models are built with.
`declarations` reads the tables beside the families once for all of them.

`in_words` says a declaration in Norwegian or English as sections of sentences and tables; its sentences are
this module's, the method texts inside them the marts' (English only: the marts carry them in English).

A population is a census when the marts give it a response rate row (fct_response_rate: the survey is sent
to every unit of its frame, whether or not the frame's size is known), and a sample when it has none and its
shares are weighted (an effective sample size below the base somewhere): the citizen panel.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from types import SimpleNamespace

import pandas as pd

from itip_pipeline.publish.releases import FLAG_COLUMN, RELEASES_TABLE, REVISIONS_TABLE
from itip_pipeline.reference.project_vars import project_vars
from itip_pipeline.report import flags, translations
from itip_pipeline.report.published import SURVEY_FILES, Family, PublishedWarehouse

METHOD_TABLE = "dim_indicator_method"
POPULATION_TABLE = "dim_population"
RESPONSE_TABLE = "fct_response_rate"
# The dbt vars a declaration states (docs/disclosure.md gives each rule and its source).
THRESHOLDS = (
    "min_base_n",
    "group_disclosure_below_n",
    "low_reliability_n_effective",
    "max_interval_width_pp",
    "relative_interval_width_from_pp",
    "max_relative_interval_width",
    "false_discovery_rate",
)
RULES_SOURCE = "docs/disclosure.md, docs/statistics.md"
# The columns whose dbt description says how the intervals and tests are made.
DESCRIBED_COLUMNS = ("ci_low_pct", "change_significant", "change_ci_low_fcr_pp", "change_test_family")
METHOD_COLUMNS = ("universe", "base_rule", "weighting", "variance_method", "calibrated_method")


def declarable(family: Family) -> bool:
    """A family with its own estimates (not figures carried from another source) has a declaration."""
    return family.is_estimated and not family.is_external and not family.frame.empty


def _texts(values) -> list[str]:
    """The distinct non-empty texts, in first-seen order."""
    return list(dict.fromkeys(str(v) for v in values if isinstance(v, str) and v.strip()))


def _int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _float(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _true(value) -> bool:
    """A boolean column's value, missing (None, NaN, NA) read as false, as report/flags.py reads the flag
    columns (its disclosure_flags copies and converts the whole frame, too slow to run per family here)."""
    return value is not None and not pd.isna(value) and bool(value)


def _records(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[dict]:
    """The frame's rows as dicts of the given columns (a missing column reads as None)."""
    present = [c for c in columns if c in frame]
    return [{c: row.get(c) for c in columns} for row in frame[present].to_dict("records")]


# The family table's columns a declaration reads.
FAMILY_COLUMNS = (
    "year",
    "population",
    "population_label_no",
    "population_label_en",
    "indicator_id",
    "item",
    "label_no",
    "label_en",
    "measure",
    "n_base",
    "n_effective",
    "suppressed",
    "suppression_reason",
    "low_reliability",
    "reliability_reason",
    "series_break",
    "change_test_family",
    "change_test_family_size",
    "release_id",
)


@dataclass(frozen=True)
class _Marts:
    """What every family's declaration reads from the tables beside it, read once for all families."""

    populations: dict[str, dict]
    response: dict[str, list[dict]]  # population -> whole-population rows of fct_response_rate, by year
    method: list[dict]
    releases: list[dict]
    revisions: dict[str, list[dict]]  # table -> its rows of marts.revisions
    synthetic: dict


def _marts(published: PublishedWarehouse) -> _Marts:
    dims = published.table(POPULATION_TABLE)
    rates = published.table(RESPONSE_TABLE)
    response: dict[str, list[dict]] = {}
    if {"population", "year"} <= set(rates.columns):
        whole = rates[rates["breakdown"].isna()] if "breakdown" in rates else rates
        columns = ("population", "year", "frame_units", "responding_units", "response_rate_pct", "frame_source")
        for row in sorted(_records(whole, columns), key=lambda r: int(r["year"])):
            response.setdefault(row["population"], []).append(row)
    method = published.table(METHOD_TABLE)
    method_rows = (
        _records(method, ("indicator_id", "population", *METHOD_COLUMNS, "comparability_note"))
        if "indicator_id" in method
        else []
    )
    history = published.table(RELEASES_TABLE)
    releases = (
        _records(history.sort_values("published_at"), ("release_id", "published_at", "reason"))
        if {"release_id", "published_at"} <= set(history.columns)
        else []
    )
    changes = published.table(REVISIONS_TABLE)
    revisions: dict[str, list[dict]] = {}
    if "table_name" in changes:
        for row in _records(changes, ("table_name", "release_id", "cell_key", "column_name", "flag_changed")):
            revisions.setdefault(row["table_name"], []).append(row)
    files = published.provenance
    surveys = files[files["survey"].isin(SURVEY_FILES)] if "survey" in files else files
    synthetic = int(surveys["is_synthetic"].fillna(True).astype(bool).sum()) if "is_synthetic" in surveys else 0
    return _Marts(
        populations={r["population"]: r for r in dims.to_dict("records")} if "population" in dims else {},
        response=response,
        method=method_rows,
        releases=releases,
        revisions=revisions,
        synthetic={"is_synthetic": published.is_synthetic, "survey_files": len(surveys), "synthetic_files": synthetic},
    )


def _populations(marts: _Marts, rows: list[dict], method: list[dict], years: set[int]) -> list[dict]:
    out = []
    for population in dict.fromkeys(r["population"] for r in rows):
        own_rows = [r for r in rows if r["population"] == population]
        about = marts.populations.get(population, {})
        own = [r for r in marts.response.get(population, []) if int(r["year"]) in years]
        weighted = any(
            r["n_base"] is not None and r["n_effective"] is not None and r["n_effective"] < r["n_base"] - 1e-9
            for r in own_rows
        )
        design = "census" if own else "sample" if weighted else "unknown"
        first = own_rows[0]
        out.append(
            {
                "population": str(population),
                "label": {
                    lang: str(first[f"population_label_{lang}"] or about.get(f"label_{lang}") or population)
                    for lang in ("no", "en")
                },
                "survey": about.get("survey"),
                "design": design,
                "estimand": about.get("estimand"),
                "weighting": _texts(m["weighting"] for m in method if m["population"] == population),
                "frame_source": _texts(r["frame_source"] for r in own)[-1:],
                "response": [
                    {
                        "year": int(r["year"]),
                        "frame_units": _int(r["frame_units"]),
                        "responding_units": _int(r["responding_units"]),
                        "response_rate_pct": _float(r["response_rate_pct"]),
                    }
                    for r in own
                ],
            }
        )
    return out


def _disclosure(rows: list[dict], thresholds: dict) -> dict:
    """Withheld (confidential) and flagged (low reliability, value shown) cells counted apart, as
    report/flags.py reads them."""
    withheld = [r for r in rows if _true(r["suppressed"])]
    low = [r for r in rows if _true(r["low_reliability"]) and not _true(r["suppressed"])]
    latest = max(int(r["year"]) for r in rows)
    return {
        "thresholds": {name: thresholds[name] for name in THRESHOLDS if name in thresholds},
        "rules_source": RULES_SOURCE,
        "cells": len(rows),
        "withheld": len(withheld),
        "withheld_by_reason": dict(Counter(str(r["suppression_reason"]) for r in withheld)),
        "low_reliability": len(low),
        "low_reliability_by_reason": dict(Counter(str(r["reliability_reason"]) for r in low)),
        "latest_year": latest,
        "withheld_latest_year": sum(int(r["year"]) == latest for r in withheld),
    }


def _tests(rows: list[dict]) -> list[dict]:
    sizes: dict[str, int | None] = {}
    for r in rows:
        name = r["change_test_family"]
        if isinstance(name, str) and name:
            size = _int(r["change_test_family_size"])
            sizes[name] = max(size, sizes.get(name) or 0) if size is not None else sizes.get(name)
    return [{"family": name, "size": sizes[name]} for name in sorted(sizes)]


def _breaks(rows: list[dict]) -> list[dict]:
    """Each break once per year, population and indicator item (a breakdown's categories share their break)."""
    broken = sorted((r for r in rows if _true(r["series_break"])), key=lambda r: (int(r["year"]), r["population"]))
    once: dict[tuple, dict] = {}
    for r in broken:
        once.setdefault((r["year"], r["population"], r["indicator_id"], r["item"]), r)
    return [
        {
            "year": int(r["year"]),
            "population": str(r["population"]),
            "indicator_id": str(r["indicator_id"]),
            "item": None if r["item"] is None or pd.isna(r["item"]) else str(r["item"]),
            "label": {lang: str(r[f"label_{lang}"] or r["indicator_id"]) for lang in ("no", "en")},
        }
        for r in once.values()
    ]


def _revisions(marts: _Marts, table: str) -> list[dict]:
    """Every release, with the family table's revised values and changed flags in it (marts.revisions)."""
    mine = marts.revisions.get(table, [])
    out = []
    for release in marts.releases:
        rows = [r for r in mine if r["release_id"] == release["release_id"]]
        out.append(
            {
                "release_id": str(release["release_id"]),
                "published_at": pd.Timestamp(release["published_at"]).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "reason": str(release["reason"]),
                "values_revised": sum(r["column_name"] != FLAG_COLUMN for r in rows),
                "flags_changed": len({r["cell_key"] for r in rows if _true(r["flag_changed"])}),
            }
        )
    return out


def declare(published: PublishedWarehouse, family: Family, thresholds: dict, marts: _Marts | None = None) -> dict:
    """The quality declaration of one family, as JSON values (see the module docstring)."""
    marts = marts or _marts(published)
    rows = _records(family.frame, FAMILY_COLUMNS)
    indicators, populations = {r["indicator_id"] for r in rows}, {r["population"] for r in rows}
    method = [m for m in marts.method if m["indicator_id"] in indicators and m["population"] in populations]
    years = {int(r["year"]) for r in rows}
    release = _texts(r["release_id"] for r in rows)[-1:]
    return {
        "family": family.family,
        "table": f"marts.{family.table}",
        "title": {"no": family.title_no, "en": family.title_en},
        "release_id": release[0] if release else None,
        "years": sorted(years),
        "populations": _populations(marts, rows, method, years),
        "method": {
            "measures": _texts(r["measure"] for r in rows),
            **{c: _texts(m[c] for m in method) for c in METHOD_COLUMNS if c != "weighting"},
            "described": {c: published.column_comment(c, family.table) for c in DESCRIBED_COLUMNS},
            "test_families": _tests(rows),
        },
        "disclosure": _disclosure(rows, thresholds),
        "series_breaks": _breaks(rows),
        "comparability": _texts(m["comparability_note"] for m in method),
        "revisions": _revisions(marts, family.table),
        "synthetic": dict(marts.synthetic),
    }


def declarations(published: PublishedWarehouse, thresholds: dict | None = None) -> dict[str, dict]:
    """The declaration of every family that has one, by family id, in the book's order; the thresholds are the
    dbt project's vars unless given."""
    thresholds = project_vars() if thresholds is None else thresholds
    marts = _marts(published)
    return {f.family: declare(published, f, thresholds, marts) for f in published.families if declarable(f)}


# The declaration's own sentences, (Norwegian, English). {…} are filled from the declaration.
WORDS: dict[str, tuple[str, str]] = {
    "title": ("Om statistikken: {title}", "About the statistics: {title}"),
    "link": ("Om statistikken", "About the statistics"),
    "intro": (
        "Kvalitetserklæringen er laget av lageret fra de publiserte tabellene (utgivelse {release}), etter "
        "mønster av SSBs «Om statistikken» og ESS' kvalitetsbegreper. Metodetekstene er tabellenes egne og "
        "står på engelsk.",
        "This quality declaration is made by the warehouse from the published tables (release {release}), "
        "after SSB's 'Om statistikken' pages and the ESS quality concepts. The method texts are the tables' own.",
    ),
    "population": ("Populasjon og ramme", "Population and frame"),
    "census": (
        "{label}: totalundersøkelse – undersøkelsen sendes til alle enheter i populasjonen.",
        "{label}: a census – the survey is sent to every unit of the population.",
    ),
    "sample": (
        "{label}: utvalgsundersøkelse – et vektet utvalg (panel) som skal representere populasjonen.",
        "{label}: a sample survey – a weighted sample (panel) standing for the population.",
    ),
    "unknown": ("{label}: undersøkelsesdesign ikke oppgitt i tabellene.", "{label}: design not given in the tables."),
    "frame": ("Rammen, slik tabellene beskriver den: {source}", "The frame, as the tables describe it: {source}"),
    "response": ("Svarprosent", "Response rates"),
    "response_none": (
        "Ingen svarprosent for {label}: tabellene har ingen ramme eller invitasjonstall for denne populasjonen.",
        "No response rate for {label}: the tables hold no frame or invitation count for this population.",
    ),
    "nonresponse": (
        "Frafall: andelene er beregnet blant dem som svarte; de gjelder hele populasjonen bare hvis de som "
        "ikke svarte, ligner dem som svarte (se estimanden).",
        "Nonresponse: shares are computed among those who answered; they hold for the whole population only if "
        "the nonrespondents resemble the respondents (see the estimand).",
    ),
    "method": ("Metode", "Method"),
    "estimand": ("Estimand, {label}", "Estimand, {label}"),
    "weighting": ("Vekting", "Weighting"),
    "universe": ("Hvem som spørres", "Who is asked"),
    "base_rule": ("Teller og grunnlag", "Success and base"),
    "variance_method": ("Intervaller og endringstester", "Intervals and change tests"),
    "calibrated_method": ("Kalibrert andel", "Calibrated share"),
    "described": ("Kolonnebeskrivelser", "Column descriptions"),
    "tests": (
        "Endringene testes med Benjamini–Hochberg innen hver testfamilie (falsk oppdagelsesrate {fdr}); "
        "familiene og antall tester (m) i hver:",
        "Changes are tested with Benjamini–Hochberg within each test family (false discovery rate {fdr}); the "
        "families and the number of tests (m) in each:",
    ),
    "test_family": ("Testfamilie", "Test family"),
    "test_family_size": ("Antall tester (m)", "Number of tests (m)"),
    "tests_none": ("Ingen endringer er testet i denne tabellen.", "No change is tested in this table."),
    "disclosure": ("Konfidensialitet og pålitelighet", "Confidentiality and reliability"),
    "confidential": (
        "Konfidensialitet (flagg c, tallet holdes tilbake): under {min_base_n} svar, eller en gruppe under "
        "{group_disclosure_below_n} der alle eller ingen svarte likt, pluss komplementær prikking. I denne "
        "utgivelsen er {withheld} av {cells} verdier holdt tilbake{reasons}.",
        "Confidentiality (flag c, value withheld): fewer than {min_base_n} answers, or a group under "
        "{group_disclosure_below_n} where all or none gave the answer, plus complementary suppression. In this "
        "release {withheld} of {cells} values are withheld{reasons}.",
    ),
    "reliability": (
        "Pålitelighet (flagg u, tallet vises, les med forsiktighet): effektivt utvalg under "
        "{low_reliability_n_effective}, eller 95 %-intervall på {max_interval_width_pp} prosentpoeng eller mer, "
        "eller over {relative_interval_width_from_pp} poeng og over {max_relative_interval_width} ganger andelen. "
        "I denne utgivelsen er {low} publiserte verdier flagget u{reasons}.",
        "Reliability (flag u, value shown, read with care): effective sample below {low_reliability_n_effective}, "
        "or a 95 % interval {max_interval_width_pp} points wide or more, or over {relative_interval_width_from_pp} "
        "points and over {max_relative_interval_width} times the share. In this release {low} published values "
        "are flagged u{reasons}.",
    ),
    "rules_source": ("Reglene og kildene deres: {source}.", "The rules and their sources: {source}."),
    "breaks": ("Sammenlignbarhet over tid", "Comparability over time"),
    "breaks_none": (
        "Ingen brudd i serien er markert i denne tabellen.",
        "No break in series is marked in this table.",
    ),
    "break_row": (
        "Brudd i serien (flagg b) {year}, {population}: {label}",
        "Break in series (flag b) {year}, {population}: {label}",
    ),
    "revisions": ("Revisjoner", "Revisions"),
    "revisions_none": ("Ingen utgivelser er registrert.", "No release is recorded."),
    "synthetic": ("Syntetiske data", "Synthetic data"),
    "synthetic_yes": (
        "{synthetic} av {files} leverte undersøkelsesfiler bak tabellene er syntetiske (laget av prosjektets "
        "generator). Tallene er ikke resultater fra undersøkelsen og skal ikke siteres.",
        "{synthetic} of the {files} delivered survey files behind the tables are synthetic (written by the "
        "project's generator). The numbers are not survey results and must not be cited.",
    ),
    "synthetic_no": (
        "Ingen av de leverte undersøkelsesfilene er syntetiske.",
        "None of the delivered survey files is synthetic.",
    ),
    "year": ("År", "Year"),
    "frame_units": ("Enheter i rammen", "Units in the frame"),
    "responding_units": ("Enheter som svarte", "Responding units"),
    "response_rate_pct": ("Svarprosent", "Response rate (%)"),
    "release_id": ("Utgivelse", "Release"),
    "published_at": ("Publisert (UTC)", "Published (UTC)"),
    "reason": ("Årsak", "Reason"),
    "values_revised": ("Reviderte verdier i tabellen", "Values revised in this table"),
    "flags_changed": ("Endrede flagg i tabellen", "Flags changed in this table"),
}
PICK = {"no": 0, "en": 1}


def word(key: str, lang: str, **fields) -> str:
    text = WORDS[key][PICK[lang]]
    return text.format(**fields) if fields else text


def _reasons(counts: dict[str, int], lang: str) -> str:
    """'(2 × c: too few answers, 1 × …)': each reason in report/flags.py's words."""
    if not counts:
        return ""
    said = []
    for reason, n in sorted(counts.items()):
        if reason in flags.RELIABILITY_REASONS:
            text = flags.REASON_WORDS[reason][PICK[lang]]
        else:
            text = flags.short_mark(SimpleNamespace(suppression_reason=reason), lang)
        said.append(f"{n} × {text}")
    return " (" + "; ".join(said) + ")"


def _percent(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "no" else text


def in_words(declaration: dict, lang: str) -> list[dict]:
    """The declaration as sections: {'key', 'heading', 'lines' (sentences), 'tables' [(caption, headers, rows
    of text)]}; plain text, escaped by whoever writes it out."""
    d = declaration
    pops = d["populations"]
    population = {"key": "population", "heading": word("population", lang), "lines": [], "tables": []}
    response = {"key": "response", "heading": word("response", lang), "lines": [], "tables": []}
    method = {"key": "method", "heading": word("method", lang), "lines": [], "tables": []}
    for p in pops:
        label = p["label"][lang]
        frame = [word("frame", lang, source=source) for source in p["frame_source"]]
        population["lines"].append(" ".join([word(p["design"], lang, label=label), *frame]))
        if p["response"]:
            rows = [
                [
                    str(r["year"]),
                    _count(r["frame_units"]),
                    _count(r["responding_units"]),
                    _percent(r["response_rate_pct"], lang),
                ]
                for r in p["response"]
            ]
            headers = [word(k, lang) for k in ("year", "frame_units", "responding_units", "response_rate_pct")]
            response["tables"].append((label, headers, rows))
        else:
            response["lines"].append(word("response_none", lang, label=label))
        if p["estimand"]:
            method["lines"].append(f"{word('estimand', lang, label=label)}: {p['estimand']}")
        method["lines"] += [f"{word('weighting', lang)} ({label}): {w}" for w in p["weighting"]]
    response["lines"].append(word("nonresponse", lang))
    m = d["method"]
    for column in ("universe", "base_rule", "variance_method", "calibrated_method"):
        method["lines"] += [f"{word(column, lang)}: {text}" for text in m.get(column, [])]
    described = [f"{column}: {text}" for column, text in m["described"].items() if text]
    method["lines"] += [f"{word('described', lang)}: {line}" for line in described]
    tests = m["test_families"]
    fdr = d["disclosure"]["thresholds"].get("false_discovery_rate", "?")
    if tests:
        method["lines"].append(word("tests", lang, fdr=fdr))
        headers = [word("test_family", lang), word("test_family_size", lang)]
        method["tables"].append(("", headers, [[t["family"], _count(t["size"])] for t in tests]))
    else:
        method["lines"].append(word("tests_none", lang))
    s = d["disclosure"]
    limits = {name: s["thresholds"].get(name, "?") for name in THRESHOLDS}
    disclosure = {
        "key": "disclosure",
        "heading": word("disclosure", lang),
        "lines": [
            word(
                "confidential",
                lang,
                withheld=s["withheld"],
                cells=s["cells"],
                reasons=_reasons(s["withheld_by_reason"], lang),
                **limits,
            ),
            word(
                "reliability",
                lang,
                low=s["low_reliability"],
                reasons=_reasons(s["low_reliability_by_reason"], lang),
                **limits,
            ),
            *flags.legend(lang),
            word("rules_source", lang, source=s["rules_source"]),
        ],
        "tables": [],
    }
    labels = {p["population"]: p["label"][lang] for p in pops}
    breaks = {
        "key": "breaks",
        "heading": word("breaks", lang),
        "lines": [
            word(
                "break_row",
                lang,
                year=b["year"],
                population=labels.get(b["population"], b["population"]),
                label=b["label"][lang],
            )
            for b in d["series_breaks"]
        ]
        or [word("breaks_none", lang)],
        "tables": [],
    }
    breaks["lines"] += d["comparability"]
    revisions = {"key": "revisions", "heading": word("revisions", lang), "lines": [], "tables": []}
    if d["revisions"]:
        keys = ("release_id", "published_at", "reason", "values_revised", "flags_changed")
        rows = [
            [translations.release_reason(r[k], lang) if k == "reason" else str(r[k]) for k in keys]
            for r in d["revisions"]
        ]
        revisions["tables"].append(("", [word(k, lang) for k in keys], rows))
    else:
        revisions["lines"].append(word("revisions_none", lang))
    syn = d["synthetic"]
    synthetic = {
        "key": "synthetic",
        "heading": word("synthetic", lang),
        "lines": [
            word("synthetic_yes", lang, synthetic=syn["synthetic_files"], files=syn["survey_files"])
            if syn["is_synthetic"]
            else word("synthetic_no", lang)
        ],
        "tables": [],
    }
    intro = {
        "key": "intro",
        "heading": "",
        "lines": [word("intro", lang, release=d["release_id"] or "–")],
        "tables": [],
    }
    return [intro, synthetic, population, response, method, disclosure, breaks, revisions]


def _count(value: int | None) -> str:
    return "–" if value is None else str(value)
