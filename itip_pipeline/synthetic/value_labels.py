"""The Norwegian labels of the answer codes, for SPSS value labels in the synthetic files."""

from __future__ import annotations

from itip_pipeline.synthetic.catalogues import indicator_catalogue, scale_labels


def _scale_labels() -> dict[str, tuple[str, ...]]:
    """Each ordinal scale's labels, lowest step first (seeds/answer_scale_labels.csv, which the warehouse's
    answer distributions read too)."""
    seed = scale_labels().astype({"step": int}).sort_values(["scale", "step"])
    return {scale: tuple(steps.label_no) for scale, steps in seed.groupby("scale")}


DONT_KNOW_LABEL = "Vet ikke"


def _choice_labels(question_id: str) -> dict[int, str]:
    """A choice question's options are the indicator items that name exactly one code."""
    items = indicator_catalogue()
    items = items[(items.question_id == question_id) & ~items.success_codes.str.contains("|", regex=False)]
    return {int(code): label for code, label in zip(items.success_codes, items.label_no, strict=True)}


def value_labels(question_id: str, scale: str, min_code: int, max_code: int, dont_know_code: int) -> dict[int, str]:
    """Code -> label for every code a question can take, "vet ikke" included."""
    if scale == "choice":
        labels = _choice_labels(question_id)
    else:
        labels = dict(zip(range(min_code, max_code + 1), _scale_labels()[scale], strict=True))
    return {**labels, dont_know_code: DONT_KNOW_LABEL}
