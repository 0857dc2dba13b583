"""The change of an organisation share between two years, with its independent and its paired variance.

The warehouse tests a change over the organisations in both years' bases: Var(Δ) = V₁ + V₂ − 2·Cov, with
Cov = Σ over the overlap of (y₁ − ȳ₁)(y₀ − ȳ₀) / (n₁·n₀) (the overlap's means; macros/survey_statistics.sql,
overlap_covariance). Computed here with pandas only, from one success indicator per organisation and year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def successes(answers: pd.DataFrame, question: str, year: int, groups: set[str], success: set[int]) -> pd.Series:
    """1.0/0.0 per orgnr for the organisations of `groups` with a non-blank answer (the base, "vet ikke" in it).

    `answers` has the columns survey_year, orgnr, sector, question_id, answer_code (raw.org_answers with the
    respondent's sector)."""
    base = answers[
        (answers.question_id == question)
        & (answers.survey_year == year)
        & answers.sector.isin(groups)
        & answers.answer_code.notna()
    ]
    return base.set_index("orgnr").answer_code.isin(success).astype(float)


def change_test(current: pd.Series, previous: pd.Series, frames: tuple[int, int] | None = None) -> dict:
    """Change, both variances of it, their p-values and the overlap, for two years' success series; with
    `frames` (N this year, N the year before) each year's variance takes the finite population correction
    f = (N − n)/(N − 1) and the covariance √(f₁·f₀)."""
    n1, n0, p1, p0 = len(current), len(previous), current.mean(), previous.mean()
    f1, f0 = ((frames[0] - n1) / (frames[0] - 1), (frames[1] - n0) / (frames[1] - 1)) if frames else (1.0, 1.0)
    both = pd.concat([current, previous], axis=1, join="inner")
    covariance = np.cov(both.iloc[:, 0], both.iloc[:, 1], bias=True)[0, 1] * len(both) / (n1 * n0)
    covariance *= np.sqrt(f1 * f0)
    independent = p1 * (1 - p1) / n1 * f1 + p0 * (1 - p0) / n0 * f0
    paired = independent - 2 * covariance

    def p_value(variance: float) -> float:
        return float(2 * stats.norm.sf(abs(p1 - p0) / np.sqrt(variance)))

    return {
        "change": p1 - p0,
        "n_overlap": len(both),
        "overlap_correlation": both.corr().iloc[0, 1] if both.std().gt(0).all() else np.nan,
        "independent_variance": independent,
        "paired_variance": paired,
        "independent_p_value": p_value(independent),
        "paired_p_value": p_value(paired) if paired > 0 else np.nan,
    }
