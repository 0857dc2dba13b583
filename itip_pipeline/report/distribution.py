"""A family's answer distributions for the figure book: which rows of marts.fct_answer_distribution a page
shows, laid out for a diverging bar chart (Robbins & Heiberger's layout for Likert items: the negative answers
to the left of zero, the neutral answer split across it, the positive answers to the right). The right side is
what the family's indicator counts as success (the catalogue's success codes), so it agrees with the headline
share: for "i noen, stor eller svært stor grad" (codes 3-5) "noen grad" is on the right and nothing is neutral;
for "enig eller helt enig" (4-5) the middle answer is neutral. "Vet ikke" is not a point on the scale: it is
left out of the bars and named beside the item's label with its share.

Only five-point scales are drawn (the codebook's `*5` scales); a question with any suppressed code is not
drawn, and is named in the caption instead, since its bars could not be placed without the hidden share.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from itip_pipeline.reference.seeds import seed
from itip_pipeline.report.flags import disclosure_flags, short_mark

DISTRIBUTION_TABLE = "fct_answer_distribution"
SCALE = (1, 2, 3, 4, 5)
MIDDLE = 3
DEFAULT_SUCCESS = (4, 5)
# Colours by side: answers below success red (darkest furthest out), neutral grey, success blue.
NEGATIVE_COLOURS = ("#b2182b", "#ef8a62", "#fddbc7")
NEUTRAL_COLOUR = "#bdbdbd"
POSITIVE_COLOURS = ("#92c5de", "#4393c3", "#2166ac")
# The population whose distribution a page draws: the first of these the family has, else the first by name,
# so that the choice never depends on the order rows are stored in.
PREFERRED_POPULATIONS = ("innbyggere", "alle", "stat", "kommune", "fylkeskommune")


def family_distribution(
    fact: pd.DataFrame, distribution: pd.DataFrame, family: str, lang: str
) -> tuple[pd.DataFrame, int | None, str, list[str]]:
    """(layout rows, year, population label, questions withheld, each as 'label (flag: reason)') for the family's
    latest year."""
    empty = pd.DataFrame(), None, "", []
    if fact.empty or distribution.empty or "question_id" not in fact:
        return empty
    own = fact[fact["family"] == family]
    questions = own.drop_duplicates("question_id").set_index("question_id")
    rows = distribution[
        distribution["question_id"].isin(questions.index) & distribution["scale"].astype(str).str.endswith("5")
    ]
    if rows.empty:
        return empty
    year = int(rows["year"].max())
    rows = rows[rows["year"] == year]
    present = set(rows["population"])
    population = next((p for p in PREFERRED_POPULATIONS if p in present), min(present))
    rows = rows[rows["population"] == population]
    label = _question_labels(own, lang)
    flagged = disclosure_flags(rows)
    hidden = flagged[flagged["withheld"] & flagged["share_pct"].isna()]
    reasons = {r.question_id: short_mark(r, lang) for r in hidden.itertuples()}
    withheld = sorted(f"{label[q]} ({reason})" for q, reason in reasons.items())
    shown = rows[~rows["question_id"].isin(reasons)]
    population_label = own.loc[own["population"] == population, f"population_label_{lang}"]
    return (
        _layout(shown, label, lang),
        year,
        population_label.iloc[0] if not population_label.empty else population,
        withheld,
    )


def _question_labels(own: pd.DataFrame, lang: str) -> dict[str, str]:
    """A question's label: its indicator item's label (one item per question in every family)."""
    column = f"label_{lang}" if f"label_{lang}" in own and own[f"label_{lang}"].notna().any() else "label_no"
    return own.dropna(subset=[column]).drop_duplicates("question_id").set_index("question_id")[column].to_dict()


@cache
def success_codes() -> dict[str, tuple[int, ...]]:
    """Each question's success codes from the indicator catalogue (seed indicator_catalogue.csv)."""
    catalogue = seed("indicator_catalogue")
    return {
        q: tuple(sorted(int(c) for c in codes.split("|") if c.strip().isdigit()))
        for q, codes in zip(catalogue["question_id"], catalogue["success_codes"], strict=True)
    }


def sides(question: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """(negative, neutral, positive) codes of a five-point question: positive are its success codes; the
    middle answer is neutral only when it is not a success; the rest is negative."""
    positive = tuple(c for c in success_codes().get(question, DEFAULT_SUCCESS) if c in SCALE) or DEFAULT_SUCCESS
    neutral = (MIDDLE,) if MIDDLE not in positive and min(positive) > MIDDLE else ()
    negative = tuple(c for c in SCALE if c not in positive and c not in neutral)
    return negative, neutral, positive


def _colours(negative, neutral, positive) -> dict[int, str]:
    colours = dict(zip(negative, NEGATIVE_COLOURS[: len(negative)], strict=True))
    colours.update({code: NEUTRAL_COLOUR for code in neutral})
    colours.update(zip(positive, POSITIVE_COLOURS[-len(positive) :], strict=True))
    return colours


def _layout(rows: pd.DataFrame, label: dict[str, str], lang: str) -> pd.DataFrame:
    """One row per question × scale code: start and end on the share axis, zero where success begins (a
    neutral answer split across it)."""
    out = []
    for question, answers in rows.groupby("question_id", sort=False):
        negative, neutral, positive = sides(question)
        colour = _colours(negative, neutral, positive)
        share = answers.set_index("answer_code")["share_pct"].astype(float)
        dont_know = float(answers.loc[answers["is_dont_know"].astype(bool), "share_pct"].sum())
        name = f"{label[question]} ({_dont_know_words(lang)} {dont_know:.0f} %)"
        left = -(sum(share.get(code, 0.0) for code in neutral) / 2 + sum(share.get(code, 0.0) for code in negative))
        for code in SCALE:
            width = share.get(code, 0.0)
            answer = answers.loc[answers["answer_code"] == code]
            out.append(
                {
                    "question": name,
                    "answer_code": code,
                    "share_pct": width,
                    "start": left,
                    "end": left + width,
                    "answer_label": answer[f"answer_label_{lang}"].iloc[0] if not answer.empty else str(code),
                    "colour": colour[code],
                }
            )
            left += width
    return pd.DataFrame(out)


def _dont_know_words(lang: str) -> str:
    return "vet ikke" if lang == "no" else "don't know"
