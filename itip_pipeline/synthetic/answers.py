"""The answer columns of one survey-year: who is asked, who skips, and the calibrated codes of the rest.

Who of the rest gives which code follows the respondents' latent scores (latent.py) when they are given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from itip_pipeline.core.contract import SECTORS
from itip_pipeline.reference.question_catalogue import question_catalogue
from itip_pipeline.synthetic.allocation import allocate
from itip_pipeline.synthetic.calibration import PANEL_GROUP, TargetBook
from itip_pipeline.synthetic.latent import Scores
from itip_pipeline.synthetic.seeding import rng


def codebook_rows(survey: str, year: int) -> pd.DataFrame:
    """The question catalogue's rows for one survey and year, in catalogue order."""
    catalogue = question_catalogue()
    return catalogue[(catalogue.survey == survey) & (catalogue.survey_year == year)]


def answer_columns(
    respondents: pd.DataFrame, survey: str, year: int, book: TargetBook, seed: int, scores: Scores | None = None
) -> pd.DataFrame:
    """One nullable integer column per question column of the year; blank where not asked or skipped.

    `scores(question_id, scale)` gives each respondent's latent score (same order as `respondents`) or None;
    without it every question's codes go to respondents in random order.
    """
    n = len(respondents)
    if survey == "org":
        groups, group_names, weights = respondents["sektor"].to_numpy(), SECTORS, np.ones(n)
    else:
        groups, group_names, weights = np.full(n, PANEL_GROUP), (PANEL_GROUP,), respondents["vekt"].to_numpy()
    blank_rate = book.calibration["blank_rate"][survey]
    routing = book.calibration["routing"]
    by_question: dict[str, np.ndarray] = {}
    columns: dict[str, pd.array] = {}
    for question in codebook_rows(survey, year).itertuples():
        qid = question.question_id
        asked = np.ones(n, dtype=bool)
        if qid in routing:
            rule = routing[qid]
            asked = np.isin(by_question[rule["if_question"]], rule["codes"])
        asked_rows = np.flatnonzero(asked)
        skipped = rng(seed, year, "blank", qid).choice(asked_rows, round(blank_rate * len(asked_rows)), replace=False)
        base = asked.copy()
        base[skipped] = False
        in_group = {g: base & (groups == g) for g in group_names}
        plans = book.plan(qid, year, {g: int(mask.sum()) for g, mask in in_group.items()})
        codes = np.zeros(n, dtype=int)  # 0 is no code of any scale: it marks "no answer" until the end
        latent = scores(qid, question.scale) if scores else None
        for group, plan in plans.items():
            rows = np.flatnonzero(in_group[group])
            ranks = None if latent is None else latent[rows]
            codes[rows] = allocate(plan, weights[rows], rng(seed, year, "answers", qid, group), ranks)
        by_question[qid] = codes
        columns[question.source_column] = pd.array(np.where(codes > 0, codes, None), dtype="Int64")
    return pd.DataFrame(columns, index=respondents.index)
