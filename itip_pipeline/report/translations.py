"""The figure book's own words in Norwegian and English: headings and legends, never data labels
(those come from the marts' `*_no` / `*_en` columns)."""

from __future__ import annotations

LANGUAGES = ("no", "en")

WORDS: dict[str, tuple[str, str]] = {
    "book_title": ("IT i praksis – figurbok", "IT i praksis – figure book"),
    "families": ("Indikatorfamilier", "Indicator families"),
    "provenance": ("Hvor tallene kommer fra", "Where the numbers come from"),
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
    "distribution_withheld": ("Ikke vist (en svarkategori er prikket): ", "Not shown (an answer is suppressed): "),
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
        "martene. Hver kontroll lenker til kjøringen i Dagster.",
        "The outcome of every check in the latest run: the dbt tests and the Great Expectations suite "
        "on the marts. Each links to its run in Dagster.",
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
    "legend": (
        "Strekene viser 95 % konfidensintervall (Wilson, på effektivt utvalg). Blek søyle eller trekant: "
        "lav pålitelighet (effektivt utvalg under 30, NCHS). «prikket»: færre enn 10 svar i basen, tallet "
        "vises ikke (som SSBs praksis for små celler).",
        "Whiskers show the 95 % confidence interval (Wilson, on the effective sample size). Pale bar or "
        "triangle: low reliability (effective n below 30, NCHS). 'suppressed': fewer than 10 answers in the "
        "base, the value is not shown (as Statistics Norway does for small cells).",
    ),
    "provenance_survey_year": ("År", "Year"),
    "provenance_survey": ("Undersøkelse", "Survey"),
    "provenance_file_name": ("Fil", "File"),
    "provenance_n_rows": ("Rader", "Rows"),
    "provenance_loaded_at": ("Lastet inn (UTC)", "Loaded (UTC)"),
}


def word(key: str, lang: str) -> str:
    return WORDS[key][LANGUAGES.index(lang)]
