"""A family's answer distributions for the figure book: which rows of marts.fct_answer_distribution a page
shows, laid out for a diverging bar chart (Robbins & Heiberger's layout for Likert items: the negative answers
to the left of zero, the neutral answer split across it, the positive answers to the right). "Vet ikke" is
not a point on the scale: it is left out of the bars and named beside the item's label with its share.

Only five-point scales are drawn (the codebook's `*5` scales); a question with any suppressed code is not
drawn, and is named in the caption instead, since its bars could not be placed without the hidden share.
"""

from __future__ import annotations

import pandas as pd

DISTRIBUTION_TABLE = "fct_answer_distribution"
NEGATIVE, NEUTRAL, POSITIVE = (1, 2), 3, (4, 5)
# The population whose distribution a page draws: the first of these the family has, else the first by name,
# so that the choice never depends on the order rows are stored in.
PREFERRED_POPULATIONS = ("innbyggere", "alle", "stat", "kommune", "fylkeskommune")


def family_distribution(
    fact: pd.DataFrame, distribution: pd.DataFrame, family: str, lang: str
) -> tuple[pd.DataFrame, int | None, str, list[str]]:
    """(layout rows, year, population label, labels of questions withheld) for the family's latest year."""
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
    withheld = sorted({label[q] for q in rows.loc[rows["suppressed"].astype(bool), "question_id"]})
    shown = rows[~rows["question_id"].map(label).isin(withheld)]
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


def _layout(rows: pd.DataFrame, label: dict[str, str], lang: str) -> pd.DataFrame:
    """One row per question × scale code: start and end on the share axis, centred on the neutral code."""
    out = []
    for question, answers in rows.groupby("question_id", sort=False):
        share = answers.set_index("answer_code")["share_pct"].astype(float)
        dont_know = float(answers.loc[answers["is_dont_know"].astype(bool), "share_pct"].sum())
        name = f"{label[question]} ({_dont_know_words(lang)} {dont_know:.0f} %)"
        left = -(share.get(NEUTRAL, 0.0) / 2 + sum(share.get(code, 0.0) for code in NEGATIVE))
        for code in (*NEGATIVE, NEUTRAL, *POSITIVE):
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
                }
            )
            left += width
    return pd.DataFrame(out)


def _dont_know_words(lang: str) -> str:
    return "vet ikke" if lang == "no" else "don't know"
