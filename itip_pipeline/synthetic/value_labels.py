"""The Norwegian labels of the answer codes, for SPSS value labels in the synthetic files."""

from __future__ import annotations

from itip_pipeline.synthetic.catalogues import indicator_catalogue

SCALE_LABELS = {
    "extent5": ("Svært liten grad", "Liten grad", "Noen grad", "Stor grad", "Svært stor grad"),
    "agree5": ("Helt uenig", "Uenig", "Verken enig eller uenig", "Enig", "Helt enig"),
    "agree5_panel": ("Helt uenig", "Delvis uenig", "Verken eller", "Delvis enig", "Helt enig"),
    "importance5": ("Ikke viktig", "Lite viktig", "Noe viktig", "Viktig", "Svært viktig"),
    "trust5": ("Svært lav tillit", "Lav tillit", "Middels tillit", "Høy tillit", "Svært høy tillit"),
}
DONT_KNOW_LABEL = "Vet ikke"


def _choice_labels(question_id: str) -> dict[int, str]:
    """A choice question's options are the indicator items that name exactly one code."""
    items = indicator_catalogue()
    items = items[(items.question_id == question_id) & ~items.success_codes.str.contains("|", regex=False)]
    return {int(code): label for code, label in zip(items.success_codes, items.label_no)}


def value_labels(question_id: str, scale: str, min_code: int, max_code: int, dont_know_code: int) -> dict[int, str]:
    """Code -> label for every code a question can take, "vet ikke" included."""
    if scale == "choice":
        labels = _choice_labels(question_id)
    else:
        labels = dict(zip(range(min_code, max_code + 1), SCALE_LABELS[scale]))
    return {**labels, dont_know_code: DONT_KNOW_LABEL}
