"""The warehouse's change test is paired on the synthetic build, where organisations keep their answers.

The generator gives an organisation that answers two adjacent years mostly the same answer (calibration.yaml,
`latent`), so the covariance over the organisations in both years' bases is positive and the paired variance
of a change, V₁ + V₂ − 2·Cov, is below the independent-samples V₁ + V₂. Computed here with pandas from raw,
checked against marts.fct_indicator's p-values on the published build.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from support.paired_change import change_test, successes

# One respondent group each: state agencies have no frame, municipalities the one in seeds/population_frame.csv
# (the published build applies the finite population correction; alle's stratified form is tested in
# test_dbt_project.py).
POPULATION_GROUPS = {"stat": {"stat"}, "kommune": {"kommune"}}


@pytest.fixture(scope="module")
def tested(published_once) -> pd.DataFrame:
    """Every published organisation change test with the pandas change_test of the same cells beside it."""
    settings, _, _ = published_once
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        answers = con.execute(
            "select a.survey_year, a.orgnr, a.question_id, a.answer_code, r.sector "
            "from raw.org_answers as a join raw.org_respondents as r using (survey_year, orgnr)"
        ).df()
        facts = con.execute(
            "select f.indicator_id, f.item, f.population, f.year, f.previous_year, f.question_id, f.change_pp, "
            "f.change_p_value, f.n_overlap as published_n_overlap, c.success_codes "
            "from marts.fct_indicator as f join reference.indicator_catalogue as c "
            "on f.indicator_id = c.indicator_id and coalesce(f.item, '') = coalesce(c.item, '') "
            "where f.survey = 'org' and f.change_p_value is not null and f.population in ('stat', 'kommune')"
        ).df()
        frame_table = con.execute(
            "select schema_name from duckdb_tables() where table_name = 'population_frame'"
        ).fetchall()[0][0]
        frames = {
            (population, int(year)): int(size)
            for population, year, size in con.execute(
                f'select population, survey_year, frame_size from "{frame_table}".population_frame'
            ).fetchall()
        }
    rows = []
    for fact in facts.itertuples():
        groups, codes = POPULATION_GROUPS[fact.population], {int(c) for c in fact.success_codes.split("|")}
        current = successes(answers, fact.question_id, fact.year, groups, codes)
        previous = successes(answers, fact.question_id, fact.previous_year, groups, codes)
        frame = (frames.get((fact.population, fact.year)), frames.get((fact.population, fact.previous_year)))
        rows.append({**fact._asdict(), **change_test(current, previous, frame if all(frame) else None)})
    return pd.DataFrame(rows)


def test_published_change_p_values_are_the_paired_ones(tested):
    assert len(tested) >= 40
    assert np.allclose(tested.change_pp, 100 * tested.change, rtol=1e-9, atol=1e-9)
    assert (tested.published_n_overlap == tested.n_overlap).all()
    assert np.allclose(tested.change_p_value, tested.paired_p_value, rtol=1e-6, atol=1e-12)


def test_persistent_organisations_make_the_paired_test_the_sharper_one(tested):
    # Most organisations answer both years, and they mostly keep their answers.
    assert tested.overlap_correlation.median() > 0.3
    smaller = tested.paired_variance < tested.independent_variance
    assert smaller.mean() > 0.9
    # Where the paired variance is smaller, the published p-value is below the independent-samples one.
    changed = smaller & (tested.change.abs() > 0)
    assert (tested.change_p_value[changed] < tested.independent_p_value[changed]).all()
