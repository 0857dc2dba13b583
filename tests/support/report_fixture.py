"""A small published warehouse (schema marts, with comments) for the report package's tests: two estimated
families (one with a suppressed cell, a low-reliability cell, a series break and policy targets; one with
several statements, a value withheld as complementary with a large n and one published but flagged for its wide
interval),
a breakdown family by county, the state-minus-municipal differences, an external table, a family the titles
table does not list, the reconciliation, provenance and policy targets — built in a second, not by a pipeline
run."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

POPULATIONS = {"stat": ("Statlige virksomheter", "State agencies"), "kommune": ("Kommuner", "Municipalities")}
SUPPRESSED_N = 7


def _rows(
    family: str,
    indicator: str,
    items: dict[str | None, tuple[str, str]],
    years: list[int],
    break_year: int | None = None,
) -> list[dict]:
    rows = []
    for item, (label_no, label_en) in items.items():
        for population, (pop_no, pop_en) in POPULATIONS.items():
            for i, year in enumerate(years):
                share = 20.0 + 10 * i + (5 if population == "stat" else 0)
                reason = _withheld(family, item, population, year, years)
                too_wide = reason == "interval_width"  # reliability: published, flagged u
                suppressed = reason is not None and not too_wide
                low = too_wide or (population == "kommune" and year == years[0])
                reliability = "interval_width" if too_wide else ("n_effective" if low else None)
                rows.append(
                    {
                        "year": year,
                        "population": population,
                        "population_label_no": pop_no,
                        "population_label_en": pop_en,
                        "indicator_id": indicator,
                        "item": item,
                        "label_no": label_no,
                        "label_en": label_en,
                        "measure": "top3_extent",
                        "share_pct": None if suppressed else share,
                        "ci_low_pct": None if suppressed else share - 4.5,
                        "ci_high_pct": None if suppressed else share + 4.75,
                        "n_base": SUPPRESSED_N if reason == "n_base" else 120,
                        "n_effective": SUPPRESSED_N if reason == "n_base" else 120.0,
                        "dont_know_pct": None if suppressed else 3.0,
                        "suppressed": suppressed,
                        "suppression_reason": reason if suppressed else None,
                        "low_reliability": low,
                        "reliability_reason": reliability,
                        "flag": "".join(
                            letter
                            for letter, on in (
                                ("b", year == break_year),
                                ("c", suppressed),
                                ("u", low and not suppressed),
                            )
                            if on
                        )
                        or None,
                        "previous_year": years[i - 1] if i else None,
                        "change_pp": None,
                        "change_significant": None,
                        "series_break": year == break_year,
                        "family": family,
                        "question_id": f"{indicator}_{item}" if item else indicator,
                    }
                )
    return rows


def _withheld(family: str, item: str | None, population: str, year: int, years: list[int]) -> str | None:
    """Why a fixture cell is marked: too few answers, complementary (n = 120) — both withheld — or an interval
    too wide (published, flagged)."""
    if family == "ai_adoption" and population == "stat" and year == years[-1]:
        return "n_base"
    if family == "infosec_statement" and item == "competence" and population == "kommune" and year == years[-1]:
        return "complementary"
    if family == "infosec_statement" and item == "overview" and population == "stat" and year == years[0]:
        return "interval_width"
    return None


COUNTIES = ("Agder", "Møre og Romsdal", "Vestfold")


def _breakdown(years: list[int]) -> pd.DataFrame:
    """AI adoption of the municipalities by county; Vestfold's latest year is withheld (too few answers)."""
    rows = []
    for c, county in enumerate(COUNTIES):
        for i, year in enumerate(years):
            hidden = county == "Vestfold" and year == years[-1]
            share = 15.0 + 8 * i + 6 * c
            rows.append(
                {
                    "year": year,
                    "population": "kommune",
                    "population_label_no": "Kommuner",
                    "population_label_en": "Municipalities",
                    "breakdown": "county_2024",
                    "breakdown_label_no": "Fylke (2024-inndelingen)",
                    "breakdown_label_en": "County (2024 counties)",
                    "category": county,
                    "indicator_id": "ai_adoption",
                    "item": None,
                    "label_no": "Har tatt i bruk kunstig intelligens",
                    "label_en": "Has adopted AI",
                    "measure": "top3_extent",
                    "share_pct": None if hidden else share,
                    "ci_low_pct": None if hidden else share - 9,
                    "ci_high_pct": None if hidden else share + 11,
                    "n_base": 6 if hidden else 40,
                    "n_effective": 6.0 if hidden else 40.0,
                    "suppressed": hidden,
                    "suppression_reason": "n_base" if hidden else None,
                    "low_reliability": False,
                    "previous_year": years[i - 1] if i else None,
                    "change_pp": None if hidden or not i else 8.0,
                    "change_significant": None if hidden or not i else False,
                    "series_break": False,
                    "flag": "c" if hidden else None,
                }
            )
    return pd.DataFrame(rows)


def _differences(fact: pd.DataFrame) -> pd.DataFrame:
    """State agencies minus municipalities for the infosec statements in the latest year."""
    latest = fact[(fact["family"] == "infosec_statement") & (fact["year"] == fact["year"].max())]
    rows = []
    for item, cells in latest.groupby("item"):
        by = cells.set_index("population")
        hidden = bool(by["suppressed"].any())
        diff = None if hidden else float(by.loc["stat", "share_pct"] - by.loc["kommune", "share_pct"])
        rows.append(
            {
                "indicator_id": "infosec_statement",
                "item": item,
                "year": int(cells["year"].iloc[0]),
                "family": "infosec_statement",
                "label_no": by["label_no"].iloc[0],
                "population_a": "stat",
                "population_b": "kommune",
                "suppressed": hidden,
                "difference_pp": diff,
                "ci_low_pp": None if hidden else diff - 6.0,
                "ci_high_pp": None if hidden else diff + 6.0,
                "significant": None if hidden else False,
                "flag": "c" if hidden else None,
            }
        )
    return pd.DataFrame(rows)


def _distribution() -> pd.DataFrame:
    """The two infosec statements' answers in 2025 for both populations; the competence item of the
    municipalities has a suppressed code."""
    labels = ["Helt uenig", "Uenig", "Verken enig eller uenig", "Enig", "Helt enig", "Vet ikke"]
    shares = [5.0, 10.0, 20.0, 40.0, 20.0, 5.0]
    rows = []
    for question in ("infosec_statement_overview", "infosec_statement_competence"):
        for population in POPULATIONS:
            hidden = question.endswith("competence") and population == "kommune"
            for code, label, share in zip((1, 2, 3, 4, 5, 9), labels, shares, strict=True):
                rows.append(
                    {
                        "survey": "org",
                        "question_id": question,
                        "year": 2025,
                        "population": population,
                        "answer_code": code,
                        "answer_label_no": label,
                        "answer_label_en": f"en:{label}",
                        "is_dont_know": code == 9,
                        "scale": "agree5",
                        "n_base": 120,
                        "n_blank": 3,
                        "share_pct": None if hidden and code == 1 else share,
                        "suppressed": hidden and code == 1,
                        "suppression_reason": "complementary" if hidden and code == 1 else None,
                        "flag": "c" if hidden and code == 1 else None,
                    }
                )
    return pd.DataFrame(rows)


# The fixture's second release, a re-delivery that revised three figures (and one more value) of pages in the book:
# (table, cell key, column, old value, new value, old flag, new flag). New values and flags are the fixture's.
REVISED_RELEASE = "2025.2"
KOMMUNE_2025 = "indicator_id=ai_adoption; item=NULL; population=kommune; year=2025"
REVISED_CELLS = [
    ("mart_ai_adoption", KOMMUNE_2025, "share_pct", 38.0, 40.0, "b", "b"),  # a value revised
    ("mart_ai_adoption", KOMMUNE_2025, "ci_low_pct", 33.5, 35.5, "b", "b"),  # another value of the same row
    ("fct_indicator", KOMMUNE_2025, "share_pct", 38.0, 40.0, "b", "b"),  # the same figure in the fact table
    (  # only the flag changed: now published with low reliability
        "mart_infosec_statement",
        "indicator_id=infosec_statement; item=overview; population=stat; year=2023",
        "flag",
        None,
        None,
        None,
        "u",
    ),
    (  # now withheld
        "mart_ai_adoption_breakdown",
        "indicator_id=ai_adoption; item=NULL; population=kommune; breakdown=county_2024; category=Vestfold; year=2025",
        "share_pct",
        37.0,
        None,
        None,
        "c",
    ),
]


def _releases() -> tuple[pd.DataFrame, pd.DataFrame]:
    """marts.releases with two releases and marts.revisions with the second's revised cells, as publish writes
    them (publish/releases.py)."""
    history = pd.DataFrame(
        {
            "release_id": ["2025.1", REVISED_RELEASE],
            "data_year": [2025, 2025],
            "sequence": [1, 2],
            "published_at": pd.to_datetime(["2026-06-15 06:00:00", "2026-06-20 06:00:00"]),
            "reason": ["new year", "re-delivery"],
            "note": ["first release: survey years 2023, 2024, 2025", "delivery of 2025 changed"],
            "version": ["v1", "v2"],
            "previous_release_id": [None, "2025.1"],
            "survey_years": ["2023, 2024, 2025"] * 2,
            "cells_revised": [0, 4],
            "flags_changed": [0, 2],
        }
    )
    revisions = pd.DataFrame(
        [
            {
                "release_id": REVISED_RELEASE,
                "reason": "re-delivery",
                "previous_release_id": "2025.1",
                "table_name": table,
                "cell_key": key,
                "year": int(key.rsplit("year=", 1)[1]),
                "column_name": column,
                "old_value": old,
                "new_value": new,
                "difference": None if old is None or new is None else new - old,
                "old_flag": old_flag,
                "new_flag": new_flag,
                "flag_changed": old_flag != new_flag,
            }
            for table, key, column, old, new, old_flag, new_flag in REVISED_CELLS
        ]
    )
    return history, revisions.astype({"old_value": float, "new_value": float, "difference": float})


def write_published_fixture(path: Path, synthetic: bool = True) -> Path:
    years = [2023, 2024, 2025]
    fact = pd.DataFrame(
        _rows(
            "ai_adoption", "ai_adoption", {None: ("Har tatt i bruk kunstig intelligens", "Has adopted AI")}, years, 2025
        )
        + _rows(
            "infosec_statement",
            "infosec_statement",
            {
                "overview": ("Vi har god oversikt over informasjonssikkerheten", "We have a good overview"),
                "competence": (
                    "Vi har tilstrekkelig kompetanse på informasjonssikkerhet",
                    "We have sufficient competence",
                ),
            },
            years,
        )
        + _rows("new_family", "new_indicator", {None: ("Ny indikator æøå", "New indicator")}, [2025])
    )
    adoption, infosec, unlisted = (
        fact[fact["family"] == f].reset_index(drop=True) for f in ("ai_adoption", "infosec_statement", "new_family")
    )
    adoption = adoption.assign(
        policy_target_pct=80.0, policy_target_year=2025, policy_target_label_no="Minst 80 prosent innen 2025"
    )
    history, revisions = _releases()
    tables = {
        "releases": history,
        "revisions": revisions,
        "fct_indicator": fact,
        "mart_ai_adoption": adoption.drop(columns="family"),
        "mart_infosec_statement": infosec.drop(columns="family"),
        "mart_new_family": unlisted.drop(columns="family"),
        "mart_ai_use_mode_external": pd.DataFrame(
            {
                "year": [2024, 2024],
                "population": ["stat", "stat"],
                "item": ["chatbot", "analysis"],
                "label_no": ["Chatboter", "Analyse"],
                "value_pct": [40.0, None],
                "confidence": ["high", "low"],
                "published_in": ["chart", "chart"],
                "external_source": ["Statens arbeidsgiverbarometer 2024"] * 2,
                "is_external_source": [True, True],
                "note": [None, None],
                "figure_id": ["F090", "F091"],
            }
        ),
        "fct_answer_distribution": _distribution(),
        "mart_ai_adoption_breakdown": _breakdown(years),
        "fct_population_difference": _differences(fact),
        "indicator_families": pd.DataFrame(
            {
                "family": ["ai_adoption", "ai_use_mode_external", "infosec_statement"],
                "table_name": ["mart_ai_adoption", "mart_ai_use_mode_external", "mart_infosec_statement"],
                "sort_order": [1, 2, 3],
                "title_no": ["Bruk av kunstig intelligens", "Ekstern: KI-bruk", "Påstander"],
                "title_en": ["Adoption of AI", "External: AI use", "Statements"],
            }
        ),
        "published_reconciliation": pd.DataFrame(
            {
                "figure_id": ["F001", "F002"],
                "indicator_id": ["ai_adoption", "infosec_statement"],
                "item": [None, "overview"],
                "population": ["kommune", "stat"],
                "year": ["2025", "2024"],
                "published_pct": [40.0, 36.0],
                "warehouse_pct": [40.0, 35.0],
                "diff_pp": [0.0, -1.0],
                "confidence": ["high", "medium"],
                "verdict": ["within tolerance", "within tolerance"],
            }
        ),
        "policy_targets": pd.DataFrame(
            {
                "figure_id": ["T001", "T002"],
                "indicator_id": ["ai_adoption"] * 2,
                "population": ["alle"] * 2,
                "target_year": [2025, 2030],
                "target_pct": [80.0, 100.0],
                "label_no": ["80 % innen 2025", "alle innen 2030"],
                "note": [None, None],
            }
        ),
        "published_provenance": pd.DataFrame(
            {
                "survey_year": [2025, 2025, 2025],
                "survey": ["codebook", "org", "panel"],
                "file_name": [
                    "codebook.csv",
                    "org_survey_synthetic.xlsx" if synthetic else "org_survey.xlsx",
                    "citizen_panel_synthetic.sav" if synthetic else "citizen_panel.sav",
                ],
                "sha256": ["a" * 64, "b" * 64, "c" * 64],
                "n_rows": [40, 341, 1200],
                "loaded_at": pd.to_datetime(["2026-06-15 06:00:00"] * 3),
                "load_id": ["l1", "l2", "l3"],
                "is_synthetic": [False, synthetic, synthetic],
            }
        ),
    }
    tables |= _quality_tables(years)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        for name, frame in tables.items():
            con.register("frame", frame)
            con.execute(f"create table marts.{name} as select * from frame")
            con.unregister("frame")
            con.execute(f"comment on table marts.{name} is 'The {name} table.'")
        for table in ("fct_indicator", "mart_ai_adoption", "mart_infosec_statement"):
            con.execute(
                f"comment on column marts.{table}.share_pct is 'The success share in percent; base: "
                "every non-blank answer, vet ikke included (Wilson interval on the effective n).'"
            )
            con.execute(f"comment on column marts.{table}.suppressed is 'True when n_base < 10 (SSB practice).'")
    finally:
        con.close()
    return path


def _quality_tables(years: list[int]) -> dict[str, pd.DataFrame]:
    """What the families' quality declarations read beside the family tables: the populations and their
    estimands, the municipalities' frame and response (the state agencies have no frame), the method per
    indicator (the releases and revisions are `_releases`)."""
    rates = [
        {
            "population": "kommune",
            "year": year,
            "breakdown": None,
            "category": None,
            "frame_units": 356 + (year >= 2024),
            "delivered_units": 240 + i,
            "responding_units": 230 + i,
            "response_rate_pct": (230 + i) / (356 + (year >= 2024)) * 100,
            "frame_source": f"kommune: Norway's municipalities in {year}",
        }
        for i, year in enumerate(years)
    ]
    rates += [
        {
            "population": "stat",
            "year": year,
            "breakdown": None,
            "category": None,
            "frame_units": None,
            "delivered_units": 99,
            "responding_units": 97,
            "response_rate_pct": None,
            "frame_source": "stat: no frame",
        }
        for year in years
    ]
    method = [
        {
            "indicator_id": indicator,
            "item": item,
            "population": population,
            "universe": "All responding organisations of the population (every organisation is asked).",
            "base_rule": f"Success: answer codes 3, 4, 5 ({indicator}).",
            "weighting": "Unweighted: each responding organisation counts once.",
            "variance_method": f"Wilson 95 % score interval ({population}).",
            "comparability_note": "2024→2025 NOT comparable: new wording." if indicator == "ai_adoption" else None,
            "calibrated_method": None,
        }
        for indicator, item in (("ai_adoption", None), ("infosec_statement", "overview"))
        for population in POPULATIONS
    ]
    return {
        "dim_population": pd.DataFrame(
            {
                "population": list(POPULATIONS),
                "survey": ["org", "org"],
                "label_no": [no for no, _ in POPULATIONS.values()],
                "label_en": [en for _, en in POPULATIONS.values()],
                "estimand": [f"Share of the {en.lower()} that answered." for _, en in POPULATIONS.values()],
            }
        ),
        "fct_response_rate": pd.DataFrame(rates),
        "dim_indicator_method": pd.DataFrame(method),
    }


FIXTURE_RUN_ID = "0f1e2d3c-aaaa-bbbb-cccc-000000000001"


def build_fixture_book(root: Path):
    """The figure book of the fixture warehouse, with one passed and one failed check, under root/figures:
    (the folder, its pages, the published warehouse as read)."""
    from itip_pipeline.report.check_results import CheckOutcome
    from itip_pipeline.report.figure_book import BookRun, build_figure_book
    from itip_pipeline.report.published import read_published

    published = read_published(write_published_fixture(root / "warehouse" / "itip.duckdb"))
    checks = [
        CheckOutcome("marts/fct_indicator", "great_expectations", True, FIXTURE_RUN_ID, ""),
        CheckOutcome(
            "marts/mart_ai_adoption", "not_null_mart_ai_adoption_year", False, FIXTURE_RUN_ID, "failures: 3 rows"
        ),
    ]
    (root / "marts").mkdir()
    (root / "marts" / "itip_indicators.xlsx").write_bytes(b"")
    pages = build_figure_book(
        published,
        root / "figures",
        BookRun(run_id=FIXTURE_RUN_ID, checks=checks, exports={"Excel": root / "marts" / "itip_indicators.xlsx"}),
    )
    return root / "figures", pages, published
