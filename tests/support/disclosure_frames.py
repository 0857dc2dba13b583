"""int_disclosure_cells and int_disclosure_inner_counts frames for small fabricated questions, as the model
reads them, for the tests of disclosure control (its block cache, its second process). SYNTHETIC counts."""

from __future__ import annotations

import pandas as pd


def cells_frame(counts_by_year: dict[int, dict], populations: dict[str, tuple[str, ...]]) -> tuple:
    """int_disclosure_cells and int_disclosure_inner_counts rows for one question over several years: one
    headline (`total`) and one breakdown category per other population, n_base < 10 confidential."""
    cells, inner = [], []
    for year, counts in counts_by_year.items():
        codes = sorted({code for _, code in counts})
        for name, units in populations.items():
            n_base = sum(n for (unit, _), n in counts.items() if unit in units)
            successes = sum(n for (unit, code), n in counts.items() if unit in units and code == 5)
            headline = name == "total"
            cells.append(
                {
                    "indicator_id": "ai_barrier",
                    "item_key": "cost",
                    "question_id": "ai_barrier",
                    "survey_year": year,
                    "population": "kommune",
                    "breakdown": None if headline else "ai_adopter",
                    "category": None if headline else name,
                    "is_published": True,
                    "withhold_order": 2 if headline else 1,
                    "units": list(units),
                    "n_base": n_base,
                    "share": successes / n_base,
                    "primary_reason": "n_base" if n_base < 10 else None,
                    "success_codes": [5],
                    "base_codes": codes,
                    "dont_know_codes": [],
                    "block_codes": codes,
                }
            )
        inner += [
            {"question_id": "ai_barrier", "survey_year": year, "unit": unit, "answer_code": code, "n": n}
            for (unit, code), n in counts.items()
        ]
    return pd.DataFrame(cells), pd.DataFrame(inner)


CATEGORIES = {
    "total": ("adopter", "non_adopter", "unknown"),
    "adopter": ("adopter",),
    "non_adopter": ("non_adopter",),
    "unknown": ("unknown",),
}


def year_counts(adopters: int, non_adopters: int, unknown: int) -> dict:
    """One year of a question: successes (code 5) and the rest (code 1) of three categories, the unknown one
    small enough to be confidential so that a complement is needed."""
    return {
        ("adopter", 5): adopters // 3, ("adopter", 1): adopters - adopters // 3,
        ("non_adopter", 5): non_adopters // 3, ("non_adopter", 1): non_adopters - non_adopters // 3,
        ("unknown", 5): unknown // 2, ("unknown", 1): unknown - unknown // 2,
    }  # fmt: skip


def two_questions(changed: dict[int, dict] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two questions over three years; `changed` replaces some years of the second question."""
    frames = []
    for question, years in (
        ("ai_barrier", {2023: year_counts(30, 40, 5), 2024: year_counts(30, 40, 5), 2025: year_counts(50, 32, 5)}),
        (
            "ai_benefit",
            {2023: year_counts(41, 30, 6), 2024: year_counts(30, 44, 4), 2025: year_counts(36, 30, 5)}
            | (changed or {}),
        ),
    ):
        cells, inner = cells_frame(years, CATEGORIES)
        frames.append((cells.assign(question_id=question, item_key=question), inner.assign(question_id=question)))
    return pd.concat([f[0] for f in frames], ignore_index=True), pd.concat([f[1] for f in frames], ignore_index=True)
