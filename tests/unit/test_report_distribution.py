"""The figure book's answer-distribution chart: the diverging layout and which questions a page shows."""

from __future__ import annotations

import pandas as pd
import pytest

from itip_pipeline.report.distribution import _layout, family_distribution, sides, success_codes

from support.report_fixture import _distribution, _rows

FACT = pd.DataFrame(
    _rows(
        "infosec_statement",
        "infosec_statement",
        {"overview": ("God oversikt", "A good overview"), "competence": ("Nok kompetanse", "Enough competence")},
        [2024, 2025],
    )
)


def test_the_neutral_answer_straddles_zero_and_each_answer_spans_its_share():
    layout, year, population, withheld = family_distribution(FACT, _distribution(), "infosec_statement", "no")
    assert year == 2025 and population == "Statlige virksomheter" and withheld == []  # stat: nothing suppressed
    for _question, bars in layout.groupby("question"):
        bars = bars.set_index("answer_code")
        assert list(bars.index) == [1, 2, 3, 4, 5], "vet ikke is not a point on the scale"
        assert bars.loc[3, "start"] == pytest.approx(-bars.loc[3, "end"])
        assert (bars["end"] - bars["start"]).to_numpy() == pytest.approx(bars["share_pct"].to_numpy())
        assert bars["start"].iloc[1:].to_numpy() == pytest.approx(bars["end"].iloc[:-1].to_numpy())
        assert bars.loc[1, "start"] == pytest.approx(-(5 + 10 + 20 / 2))
    assert layout["question"].str.endswith("(vet ikke 5 %)").all()


def test_a_question_with_a_suppressed_answer_is_named_not_drawn():
    distribution = _distribution()
    distribution = distribution[distribution.population == "kommune"]
    layout, _, population, withheld = family_distribution(FACT, distribution, "infosec_statement", "en")
    assert population == "Municipalities" and withheld == ["Enough competence (c: complementary suppression)"]
    assert set(layout["question"]) == {"A good overview (don't know 5 %)"}


def test_a_family_without_five_point_questions_has_no_chart():
    choice = _distribution().assign(scale="choice")
    assert family_distribution(FACT, choice, "infosec_statement", "no")[0].empty
    assert family_distribution(FACT, _distribution(), "another_family", "no")[0].empty


def test_the_right_of_zero_is_what_the_indicator_counts_as_success():
    """ai_adoption counts 'i noen, stor eller svært stor grad' (codes 3-5) as adoption: 'noen grad' is drawn
    right of zero, not split across it as if neutral, so the bars agree with the headline share."""
    assert sides("ai_adoption") == ((1, 2), (), (3, 4, 5))
    question = next(q for q, codes in success_codes().items() if codes == (4, 5))
    assert sides(question) == ((1, 2), (3,), (4, 5))
    answers = _distribution()
    answers = answers[(answers.question_id == "infosec_statement_overview") & (answers.population == "stat")]
    layout = _layout(answers.assign(question_id="ai_adoption"), {"ai_adoption": "KI"}, "no").set_index("answer_code")
    assert layout.loc[3, "start"] == pytest.approx(0) and layout.loc[2, "end"] == pytest.approx(0)
    assert layout.loc[5, "end"] == pytest.approx(20 + 40 + 20), "the right side sums to the success share"
