"""The figure book's own words in Norwegian and English: headings and legends, never data labels (those come
from the marts' `*_no` / `*_en` columns, picked for a language by `labelled`)."""

from __future__ import annotations

import pandas as pd

LANGUAGES = ("no", "en")

WORDS: dict[str, tuple[str, str]] = {
    "book_title": ("IT i praksis – figurbok", "IT i praksis – figure book"),
    "families": ("Indikatorfamilier", "Indicator families"),
    "provenance": ("Hvor tallene kommer fra", "Where the numbers come from"),
    "releases": ("Utgivelser og revisjoner", "Releases and revisions"),
    "releases_note": (
        "Hver publisering er en utgivelse. Tall som er endret fra forrige utgivelse, med gammel og ny verdi, "
        "står i revisjonsnotatet: ",
        "Every publish is a release. Figures changed from the previous release, with old and new value, are "
        "listed in the revision note: ",
    ),
    "release_release_id": ("Utgivelse", "Release"),
    "release_published_at": ("Publisert (UTC)", "Published (UTC)"),
    "release_reason": ("Årsak", "Reason"),
    "release_cells_revised": ("Reviderte verdier", "Values revised"),
    "release_flags_changed": ("Endrede flagg", "Flags changed"),
    "reason_new year": ("nytt år", "new year"),
    "reason_re-delivery": ("ny leveranse", "re-delivery"),
    "reason_correction": ("rettelse", "correction"),
    "reason_method change": ("metodeendring", "method change"),
    "reason_republication": ("republisering uten endring", "republished unchanged"),
    "revisions_page": ("Revisjonsnotat", "Revision note"),
    "revisions_link": ("revisjonsnotatet", "the revision note"),
    "revisions_intro": (
        "Hver utgivelse, nyeste først, med tallene den endret fra utgivelsen før: gammel og ny verdi, endringen "
        "i prosentpoeng og flagg som er endret. Et tall som er holdt tilbake (c), vises ikke her heller. Andre "
        "endrede verdier i samme rad (intervall, antall, tester) er talt opp; alle står i ",
        "Every release, newest first, with the figures it changed from the release before: old and new value, "
        "the change in percentage points and any flag that changed. A withheld figure (c) is not shown here "
        "either. Other values of the same row that changed (interval, counts, tests) are counted; all are in ",
    ),
    "revisions_release": ("Utgivelse {release}", "Release {release}"),
    "revisions_about": (
        "Publisert {when} UTC · årsak: {reason} · forrige utgivelse: {previous}",
        "Published {when} UTC · reason: {reason} · previous release: {previous}",
    ),
    "revisions_first": ("ingen (første utgivelse)", "none (first release)"),
    "revisions_release_note": ("Hva som var endret: ", "What had changed: "),
    "revisions_nothing": ("Ingen publiserte tall ble endret.", "No published figure changed."),
    "revisions_family": (" ({n} tall revidert)", " ({n} revised)"),
    "revisions_other": ("Andre tabeller", "Other tables"),
    "revisions_other_intro": (
        "Tabeller uten egen side i figurboken (mange gjentar tallene over, for BI-verktøy):",
        "Tables without a page of their own in the figure book (many repeat the figures above, for BI tools):",
    ),
    "revisions_figure": ("Tall", "Figure"),
    "revisions_old": ("Før", "Before"),
    "revisions_new": ("Nå", "Now"),
    "revisions_change": ("Endring (prosentpoeng)", "Change (percentage points)"),
    "revisions_flag": ("Flagg", "Flag"),
    "revisions_others": ("Andre endrede verdier i raden", "Other values of the row changed"),
    "revisions_table": ("Tabell", "Table"),
    "revisions_figures": ("Tall revidert", "Figures revised"),
    "revisions_flags": ("Flagg endret", "Flags changed"),
    "revisions_values": ("Verdier endret", "Values changed"),
    "synthetic": (
        "SYNTETISKE DATA: Tallene er beregnet fra filer prosjektets generator har laget "
        "(filnavn *_synthetic.*). De er ikke resultater fra undersøkelsen og skal ikke siteres.",
        "SYNTHETIC DATA: these numbers are computed from files written by the project's generator "
        "(file names *_synthetic.*). They are not survey results and must not be cited.",
    ),
    "built": ("Bygget", "Built"),
    "run": ("Dagster-kjøring", "Dagster run"),
    "years": ("Undersøkelsesår", "Survey years"),
    "latest_year": ("Siste år etter populasjon ({year})", "Latest year by population ({year})"),
    "trend": ("Utvikling over tid", "Trend across years"),
    "distribution": ("Svarfordeling {year}, {population}", "Answer distribution {year}, {population}"),
    "distribution_axis": (
        "Andel (%): negative svar til venstre, positive til høyre",
        "Share (%): negative answers left, positive right",
    ),
    "distribution_withheld": (
        "Ikke tegnet fordi en svarkategori er holdt tilbake: ",
        "Not drawn because one of its answers is withheld: ",
    ),
    "reconciliation": ("Rapportens tall ved siden av lagerets", "The report's figures beside the warehouse's"),
    "published": ("Publisert i rapporten", "Published in the report"),
    "computed": ("Beregnet i lageret", "Computed by the warehouse"),
    "no_value": ("ingen verdi", "no value"),
    "population": ("Populasjon", "Population"),
    "item": ("Påstand/alternativ", "Statement/option"),
    "share": ("Andel (%)", "Share (%)"),
    "share_axis": ("Andel (%)", "Share (%)"),
    "interval": ("95 % KI", "95 % CI"),
    "ci_low": ("95 % KI nedre", "95 % CI low"),
    "ci_high": ("95 % KI øvre", "95 % CI high"),
    "year": ("År", "Year"),
    "suppressed": ("prikket", "suppressed"),
    "series_break": ("brudd i serien", "series break"),
    "target": ("Mål: {pct} % innen {year}", "Target: {pct} % by {year}"),
    "table": ("Tall for {year}", "Figures for {year}"),
    "verdict": ("Vurdering", "Verdict"),
    "figure": ("Figur", "Figure"),
    "no_rows": ("Ingen tall for de innlastede årene.", "No figures for the loaded years."),
    "external": ("Ekstern kilde, ikke beregnet av lageret: ", "External source, not computed by the warehouse: "),
    "checks": ("Kontroller", "Checks"),
    "checks_intro": (
        "Resultatet av hver kontroll i siste kjøring: dbt-testene og Great Expectations-suiten på "
        "martene. Hver kontroll lenker til kjøringen i Dagster. Referansetabellene (seeds og det som bygges av "
        "dem alene) bygges på nytt bare når koden, dbt-prosjektet, profilen eller pakkene er endret, eller "
        "tabellene ikke lenger er slik de ble bygd; testene deres viser resultatet fra kjøringen som bygde dem.",
        "The outcome of every check in the latest run: the dbt tests and the Great Expectations suite "
        "on the marts. Each links to its run in Dagster. The reference tables (the seeds and what is built from "
        "them alone) are built again only when the code, the dbt project, the profiles or the packages changed, "
        "or the tables no longer hold what was built; their tests show the outcome from the run that built them.",
    ),
    "check": ("Kontroll", "Check"),
    "asset": ("Tabell", "Table"),
    "outcome": ("Utfall", "Outcome"),
    "passed": ("bestått", "passed"),
    "failed": ("feilet", "failed"),
    "not_run": ("ikke kjørt", "not run"),
    "no_checks": ("Ingen kontrollresultater er registrert ennå.", "No check results are recorded yet."),
    "summary_checks": ("{passed} av {total} kontroller bestått", "{passed} of {total} checks passed"),
    "front": ("Forside", "Front page"),
    "other_language": ("English", "Norsk"),
    "legend_heading": ("Slik leser du tallene", "How to read the figures"),
    "reading": (
        "Tallene er andeler (%) av dem som svarte. Feilmarginen (for eksempel «± 4 prosentpoeng») er et 95 % "
        "konfidensintervall: det sanne tallet ligger med stor sannsynlighet så mye over eller under. Strekene "
        "i søylediagrammene viser det samme intervallet. Slik sammenligner du to tall: en forskjell er bare "
        "sikker når den er merket «signifikant» (endring fra året før, og stat mot kommune nedenfor); at to "
        "intervaller overlapper, betyr ikke at tallene er like.",
        "The figures are shares (%) of those who answered. The margin of error (for example '± 4 percentage "
        "points') is a 95 % confidence interval: the true value very likely lies within that distance above or "
        "below. The lines on the bars show the same interval. To compare two figures: a difference is only "
        "reliable when it is marked 'significant' (the change from the year before, and state against "
        "municipal below); overlapping intervals do not mean the figures are equal.",
    ),
    "symbols": ("Tegn brukt i figurer og tabeller:", "Symbols used in charts and tables:"),
    "margin": ("Feilmargin", "Margin of error"),
    "margin_value": ("± {pp} prosentpoeng", "± {pp} percentage points"),
    "change": ("Endring fra året før", "Change from the year before"),
    "change_value": ("{sign}{pp} prosentpoeng fra {year}", "{sign}{pp} percentage points since {year}"),
    "significant": ("signifikant", "significant"),
    "not_significant": ("ikke signifikant", "not significant"),
    "no_previous": ("ingen sammenlignbar måling året før", "no comparable figure the year before"),
    "note": ("Merknad", "Note"),
    "withheld": ("holdt tilbake", "withheld"),
    "difference": ("Statlige virksomheter minus kommuner", "State agencies minus municipalities"),
    "difference_intro": (
        "Forskjellen i prosentpoeng mellom statlige virksomheter og kommuner samme år, med feilmargin. "
        "«Signifikant» betyr at forskjellen neppe skyldes tilfeldigheter.",
        "The difference in percentage points between state agencies and municipalities in the same year, with "
        "its margin of error. 'Significant' means the difference is unlikely to be chance.",
    ),
    "difference_withheld": (
        "c: holdt tilbake fordi minst én av de to andelene er holdt tilbake (se tabellen nedenfor)",
        "c: withheld because at least one of the two shares is withheld (see the table below)",
    ),
    "difference_col": ("Forskjell", "Difference"),
    "significance": ("Signifikant?", "Significant?"),
    "yes": ("ja", "yes"),
    "no": ("nei", "no"),
    "targets_caption": ("Rød stiplet linje: {targets}.", "Red dashed line: {targets}."),
    "break_caption": (
        "Grå stiplet linje: brudd i serien; linjen trekkes ikke over bruddet.",
        "Grey dashed line: break in series; the line is not drawn across the break.",
    ),
    "breakdown_title": ("{title}, fordelt på {by}", "{title}, by {by}"),
    "breakdown_intro": (
        "Samme indikator som på siden «{title}», fordelt på bakgrunnskjennetegn ved dem som svarte. Hver "
        "søyle og tabellrad er merket med sin kategori. Kategorier med få svar holdes ofte tilbake (c).",
        "The same indicator as on the page '{title}', split by a characteristic of those who answered. Every "
        "bar and table row names its category. Categories with few answers are often withheld (c).",
    ),
    "breakdown_section": ("{breakdown}: {population}", "{breakdown}: {population}"),
    "breakdown_all_withheld": (
        "Ingen kategori har et publisert tall dette året; se tabellen for grunnen per rad.",
        "No category has a published figure this year; the table gives the reason for each row.",
    ),
    "breakdown_not_drawn": (
        "Ikke tegnet (alle tall holdt tilbake, se tabellen): ",
        "Not drawn (every figure withheld, see the table): ",
    ),
    "all_withheld_summary": (
        "Alle tallene er holdt tilbake ({reasons}). Vis tabellen med grunnen per rad.",
        "Every figure is withheld ({reasons}). Show the table with each row's reason.",
    ),
    "breakdown_latest": ("Siste år ({year}), per kategori", "Latest year ({year}), by category"),
    "breakdown_trend": ("Utvikling over tid, én rute per kategori", "Trend across years, one panel per category"),
    "category": ("Kategori", "Category"),
    "family_intro": (
        "Andelen som svarte slik påstanden eller alternativet sier, per populasjon. Siste år først, så "
        "utviklingen over tid.",
        "The share who answered as the statement or option says, by population. The latest year first, "
        "then the trend across years.",
    ),
    "external_banner": (
        "EKSTERN KILDE: Tallene på denne siden er hentet fra en annen undersøkelse slik de er publisert der. "
        "De er ikke beregnet av lageret og er ikke syntetiske.",
        "EXTERNAL SOURCE: the figures on this page are taken as published from another survey. They are not "
        "computed by the warehouse and are not synthetic.",
    ),
    "verdict_within tolerance": ("innenfor toleransen", "within tolerance"),
    "verdict_outside tolerance": ("utenfor toleransen", "outside tolerance"),
    "verdict_not judged: low confidence reading": (
        "ikke vurdert: usikker avlesning av rapporten",
        "not judged: low confidence reading",
    ),
    "verdict_not judged: suppressed by disclosure control": (
        "ikke vurdert: tallet er holdt tilbake (c)",
        "not judged: withheld by disclosure control (c)",
    ),
    "diff_pp": ("Forskjell (prosentpoeng)", "Difference (percentage points)"),
    "checks_dbt_only": (
        "dbt-tester som ikke er knyttet til en tabell i Dagster (testene av råtabellene) er hentet fra dbts "
        "eget resultat for samme bygg.",
        "dbt tests that Dagster does not attach to a table (the tests of the raw tables) are taken from dbt's "
        "own results for the same build.",
    ),
    "provenance_survey_year": ("År", "Year"),
    "provenance_survey": ("Undersøkelse", "Survey"),
    "provenance_file_name": ("Fil", "File"),
    "provenance_n_rows": ("Rader", "Rows"),
    "provenance_loaded_at": ("Lastet inn (UTC)", "Loaded (UTC)"),
}


# A breakdown's category codes as delivered (marts.fct_indicator_breakdown.category) in words; a code not
# listed (a county, an age group) is its own label.
CATEGORIES: dict[str, tuple[str, str]] = {
    "adopter": ("Bruker KI", "Uses AI"),
    "non_adopter": ("Bruker ikke KI eller ukjent", "Not known to use AI"),
    "ukjent": ("Ukjent", "Unknown"),
    "kvinne": ("Kvinne", "Woman"),
    "mann": ("Mann", "Man"),
    "annet": ("Annet", "Other"),
    "nord_norge": ("Nord-Norge", "Northern Norway"),
    "trondelag": ("Trøndelag", "Trøndelag"),
    "vestlandet": ("Vestlandet", "Western Norway"),
    "sorlandet": ("Sørlandet", "Southern Norway"),
    "ostlandet": ("Østlandet", "Eastern Norway"),
    "oslo": ("Oslo", "Oslo"),
}


def category_label(code: object, lang: str) -> str:
    text = "" if code is None else str(code)
    return CATEGORIES.get(text, (text, text))[LANGUAGES.index(lang)]


def word(key: str, lang: str) -> str:
    return WORDS[key][LANGUAGES.index(lang)]


def release_reason(reason: str, lang: str) -> str:
    """A release's reason (written in English by publish/releases.py) in the page's language, else as recorded."""
    key = f"reason_{reason}"
    return WORDS[key][LANGUAGES.index(lang)] if key in WORDS else reason


def verdict(text: str | None, lang: str) -> str:
    """The reconciliation's verdict (written in English by the mart) in the page's language."""
    if text is None or text != text:
        return ""
    return WORDS.get(f"verdict_{text}", (text, text))[LANGUAGES.index(lang)]


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The frame with the labels every page and export shows, in `lang`: `label` (the statement or indicator),
    `population_label` and, for a breakdown, `category_label`; each from the marts' `*_{lang}` column, else the
    Norwegian one, else the code."""
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
    if "category" in shown:
        shown["category_label"] = [category_label(c, lang) for c in shown["category"]]
    return shown
