"""Each survey-statistics formula of dbt_project/macros/survey_statistics.sql against independent values.

The dbt macro file is rendered with plain Jinja and run in an in-memory DuckDB, so these tests check the
very SQL the models call. Expected values are hand-worked (derivation beside them), published textbook
examples, or scipy.
"""

from __future__ import annotations

import math

import duckdb
import jinja2
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from itip_pipeline.core.settings import REPO_ROOT

from support.intervals import wilson_interval

MACRO_FILE = REPO_ROOT / "dbt_project" / "macros" / "survey_statistics.sql"


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    module = jinja2.Environment().from_string(MACRO_FILE.read_text(encoding="utf-8")).module
    connection = duckdb.connect()
    connection.execute(str(module.survey_statistics_ddl()))
    return connection


def sql(con: duckdb.DuckDBPyConnection, expression: str, *params: object) -> object:
    return con.execute(f"select {expression}", list(params)).fetchone()[0]


def test_z_critical_is_the_two_sided_95_percent_normal_quantile(con):
    assert sql(con, "z_critical_95()") == pytest.approx(stats.norm.ppf(0.975), abs=1e-12)


def test_wilson_hand_worked_p_half_n_100(con):
    # z² = 3.8415; centre = (0.5 + z²/200) / (1 + z²/100) = 0.5 (symmetric);
    # half = z/(1 + 0.038415) · √(0.25/100 + z²/40000) = 1.887478 · 0.050951 = 0.096169 → [0.4038, 0.5962].
    low, high = sql(con, "[wilson_low(0.5, 100, z_critical_95()), wilson_high(0.5, 100, z_critical_95())]")
    assert low == pytest.approx(0.40383, abs=5e-5)
    assert high == pytest.approx(0.59617, abs=5e-5)


@pytest.mark.parametrize(
    ("successes", "n", "expected_low", "expected_high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 3 (score interval).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_textbook_examples(con, successes, n, expected_low, expected_high):
    p = successes / n
    low, high = sql(con, "[wilson_low(?, ?, z_critical_95()), wilson_high(?, ?, z_critical_95())]", p, n, p, n)
    assert low == pytest.approx(expected_low, abs=5e-5)
    assert high == pytest.approx(expected_high, abs=5e-5)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(min_value=1, max_value=5000), data=st.data())
def test_wilson_agrees_with_scipy_and_the_textbook_formula(con, n, data):
    k = data.draw(st.integers(min_value=0, max_value=n))
    p = k / n
    low, high = sql(con, "[wilson_low(?, ?, z_critical_95()), wilson_high(?, ?, z_critical_95())]", p, n, p, n)
    reference = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert low == pytest.approx(reference.low, abs=1e-9)
    assert high == pytest.approx(reference.high, abs=1e-9)
    assert (low, high) == pytest.approx(wilson_interval(p, n), abs=1e-12)
    assert 0.0 <= low <= p <= high <= 1.0


def test_wilson_is_null_without_a_sample(con):
    assert sql(con, "wilson_low(0.5, 0, 1.96)") is None
    assert sql(con, "wilson_high(0.5, NULL, 1.96)") is None


def test_fpc_hand_worked_municipalities(con):
    # 100 of N = 357 municipalities: n_adj = 100 · 356 / 257 = 138.5214; the variance p(1−p)/n_adj equals
    # p(1−p)/n · (N−n)/(N−1) = 0.25/100 · 257/356 = 0.0018048.
    n_adj = sql(con, "fpc_n_effective(100, 357)")
    assert n_adj == pytest.approx(35600 / 257, rel=1e-12)
    assert n_adj == pytest.approx(138.5214, abs=1e-4)
    assert sql(con, "proportion_variance(0.5, fpc_n_effective(100, 357))") == pytest.approx(0.25 / 100 * 257 / 356)


def test_fpc_narrows_the_interval_and_a_census_collapses_it(con):
    without = sql(con, "wilson_high(0.4, 237, 1.96) - wilson_low(0.4, 237, 1.96)")
    with_fpc = sql(
        con, "wilson_high(0.4, fpc_n_effective(237, 357), 1.96) - wilson_low(0.4, fpc_n_effective(237, 357), 1.96)"
    )
    # 237 of 357 answered: n_adj = 237 · 356 / 120 = 703.1.
    low, high = wilson_interval(0.4, 237 * 356 / 120, 1.96)
    assert with_fpc == pytest.approx(high - low)
    assert with_fpc < without
    # n ≥ N: every unit answered, there is no sampling error.
    assert math.isinf(sql(con, "fpc_n_effective(357, 357)"))
    assert sql(
        con, "[wilson_low(0.37, fpc_n_effective(357, 357), 1.96), wilson_high(0.37, fpc_n_effective(360, 357), 1.96)]"
    ) == [pytest.approx(0.37), pytest.approx(0.37)]


def test_fpc_leaves_n_alone_when_the_frame_is_unknown(con):
    assert sql(con, "fpc_n_effective(42.5, NULL)") == 42.5


def test_kish_hand_worked(con):
    # weights 1, 2, 3, 4: (Σw)² / Σw² = 10² / 30 = 3.3333.
    assert sql(con, "kish_n_effective(1 + 2 + 3 + 4, 1 + 4 + 9 + 16)") == pytest.approx(10 / 3)
    # Equal weights give back n, whatever their size: (5·2)² / (5·4) = 5.
    assert sql(con, "kish_n_effective(10, 20)") == 5


def test_kish_and_weighted_share_as_aggregates_match_a_python_computation(con):
    weights = [0.4, 1.7, 2.2, 0.9, 1.1, 3.5, 0.6]
    success = [1, 0, 1, 1, 0, 0, 1]
    con.execute(
        "create or replace temp table w as select * from (values "
        + ", ".join(f"({w}, {s})" for w, s in zip(weights, success, strict=True))
        + ") t(weight, success)"
    )
    share, n_eff = con.execute(
        "select weighted_share(sum(weight * success), sum(weight)), "
        "kish_n_effective(sum(weight), sum(weight * weight)) from w"
    ).fetchone()
    assert share == pytest.approx(sum(w * s for w, s in zip(weights, success, strict=True)) / sum(weights))
    assert n_eff == pytest.approx(sum(weights) ** 2 / sum(w * w for w in weights))
    assert n_eff < len(weights)


def test_weighted_share_hand_worked(con):
    # weights 1, 2, 3, 4 with successes at the 1st and 3rd: (1 + 3) / 10 = 0.4.
    assert sql(con, "weighted_share(1 + 3, 10)") == pytest.approx(0.4)
    assert sql(con, "weighted_share(0, 0)") is None


def test_two_proportion_z_hand_worked(con):
    # 60 % vs 50 %, n = 100 each: SE = √(0.24/100 + 0.25/100) = √0.0049 = 0.07, z = 0.1/0.07 = 1.4286: not significant.
    z = sql(con, "two_proportion_z(0.6, 100, 0.5, 100)")
    assert z == pytest.approx(0.1 / 0.07)
    assert abs(z) < sql(con, "z_critical_95()")
    # n = 400 each: SE = √(0.24/400 + 0.25/400) = 0.035, z = 2.857 > 1.96: significant (two-sided p = 0.0043).
    z = sql(con, "two_proportion_z(0.6, 400, 0.5, 400)")
    assert z == pytest.approx(0.1 / 0.035)
    assert 2 * stats.norm.sf(abs(z)) == pytest.approx(0.004277, abs=1e-5)


def test_two_proportion_z_matches_scipy_p_value_convention(con):
    z = sql(con, "two_proportion_z(0.43, 812.4, 0.47, 950.0)")
    se = math.sqrt(0.43 * 0.57 / 812.4 + 0.47 * 0.53 / 950.0)
    assert z == pytest.approx((0.43 - 0.47) / se)
    assert z < 0  # signed: the first proportion minus the second


def test_two_proportion_z_is_null_when_there_is_no_variance(con):
    assert sql(con, "two_proportion_z(1.0, 50, 1.0, 80)") is None
    census = "fpc_n_effective(357, 357)"
    assert sql(con, f"two_proportion_z(0.4, {census}, 0.5, {census})") is None


def test_fpc_factor_hand_worked(con):
    # 237 of N = 357: (357 − 237) / 356 = 0.337079; no frame → 1; a census → 0.
    assert sql(con, "fpc_factor(237, 357)") == pytest.approx(120 / 356)
    assert sql(con, "fpc_factor(237, NULL)") == 1.0
    assert sql(con, "fpc_factor(10, 10)") == 0.0
    # One stratum: p(1−p)/n·f is the variance whose Wilson n is fpc_n_effective.
    variance = sql(con, "stratum_variance_term(1.0, 0.4, 237, fpc_factor(237, 357))")
    assert sql(con, "n_adjusted_from_variance(0.4, ?, NULL)", variance) == pytest.approx(
        sql(con, "fpc_n_effective(237, 357)")
    )


def test_stratified_variance_of_a_pooled_share_hand_worked(con):
    # stat: 30 of 97 without a frame (p = 0.3); kommune: 150 of 238 with N = 357 (p = 0.63025).
    # Pooled p = 180/335 = 0.537313; W = n_h/n. V = (97/335)²·0.3·0.7/97 + (238/335)²·p_k(1−p_k)/238·(119/356).
    p_k = 150 / 238
    expected = (97 / 335) ** 2 * 0.21 / 97 + (238 / 335) ** 2 * p_k * (1 - p_k) / 238 * (357 - 238) / 356
    variance = sql(
        con,
        "stratum_variance_term(97 / 335, 0.3, 97, fpc_factor(97, NULL))"
        " + stratum_variance_term(238 / 335, ?, 238, fpc_factor(238, 357))",
        p_k,
    )
    assert variance == pytest.approx(expected, rel=1e-12)
    p = 180 / 335
    n_adj = sql(con, "n_adjusted_from_variance(?, ?, NULL)", p, variance)
    assert n_adj == pytest.approx(p * (1 - p) / expected, rel=1e-12)
    # Without any correction the stratified variance is at most the binomial one of the pooled share.
    without = sql(con, "stratum_variance_term(97 / 335, 0.3, 97, 1) + stratum_variance_term(238 / 335, ?, 238, 1)", p_k)
    assert without <= p * (1 - p) / 335


def test_n_adjusted_for_a_share_of_zero_uses_the_unit_variance(con):
    # p = 0 has no variance estimate: n_adj = 1 / Σ W²·f/n; for one stratum that is n·(N−1)/(N−n).
    inverse_n = sql(con, "stratum_inverse_n_term(1.0, 100, fpc_factor(100, 357))")
    assert sql(con, "n_adjusted_from_variance(0.0, 0.0, ?)", inverse_n) == pytest.approx(100 * 356 / 257)
    assert math.isinf(sql(con, "n_adjusted_from_variance(0.4, 0.0, 0.0)"))


def test_overlap_covariance_equals_numpy_on_matched_units(con):
    # Year 1 base: 6 units, year 2 base: 7 units; 5 answered both (the first five of each list).
    y1 = [1, 1, 0, 1, 0, 1]
    y2 = [1, 0, 0, 1, 0, 0, 1]
    both = list(zip(y1[:5], y2[:5], strict=True))
    m = len(both)
    s12 = sum((a - sum(x for x, _ in both) / m) * (b - sum(y for _, y in both) / m) for a, b in both) / m
    expected = m * s12 / (len(y1) * len(y2))
    n_both = sum(a * b for a, b in both)
    got = sql(
        con,
        "overlap_covariance(?, ?, ?, ?, ?, ?)",
        n_both,
        sum(a for a, _ in both),
        sum(b for _, b in both),
        m,
        len(y1),
        len(y2),
    )
    assert got == pytest.approx(expected, rel=1e-12)
    assert sql(con, "overlap_covariance(0, 0, 0, 0, 10, 12)") == 0.0


def test_change_z_with_covariance_hand_worked(con):
    # V₁ = 0.0024, V₂ = 0.0025, Cov = 0.001: Var(Δ) = 0.0029, z = 0.1/√0.0029 = 1.856953.
    assert sql(con, "change_z(0.6, 0.0024, 0.5, 0.0025, 0.001)") == pytest.approx(0.1 / math.sqrt(0.0029))
    # Cov = 0 is the independent test.
    assert sql(con, "change_z(0.6, 0.0024, 0.5, 0.0025, 0.0)") == pytest.approx(
        sql(con, "two_proportion_z(0.6, 100, 0.5, 100)")
    )
    assert sql(con, "change_z(0.6, 0.001, 0.5, 0.001, 0.001)") is None


def test_an_untestable_change_has_no_p_value(con):
    # Zero variance (e.g. 100 % in both years) gives no z; the p-value must be NULL, not least(1.0, NULL) = 1.
    assert sql(con, "change_z(1.0, 0.0, 1.0, 0.0, 0.0)") is None
    assert sql(con, "two_sided_p_value(change_z(1.0, 0.0, 1.0, 0.0, 0.0))") is None
    assert sql(con, "two_sided_p_value(NULL)") is None
    assert sql(con, "two_sided_p_value(0.0)") == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("z", [0.0, 0.3, 1.0, 1.959963984540054, 2.5, -3.1, 4.0, 6.0])
def test_two_sided_p_value_matches_scipy(con, z):
    expected = 2 * stats.norm.sf(abs(z))
    got = sql(con, "two_sided_p_value(?)", z)
    assert got == pytest.approx(expected, rel=2e-7, abs=1e-12)
    assert 0.0 <= got <= 1.0


MULTIPLE_TESTING_FILE = MACRO_FILE.with_name("multiple_testing.sql")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(min_value=0.0, max_value=1.0), st.sampled_from([0.01, 0.04, 0.2])), min_size=1, max_size=30
    )
)
def test_benjamini_hochberg_macro_matches_scipy(con, p_values):
    macros = jinja2.Environment().from_string(MULTIPLE_TESTING_FILE.read_text(encoding="utf-8")).module
    rows = ", ".join(f"({i}, {i % 2}, {p!r})" for i, p in enumerate(p_values)) + ", (-1, 0, NULL)"
    query = (
        f"with t as (select * from (values {rows}) v(id, family, p)), "
        f"s as (select *, {macros.bh_step('p', 'family')} as step from t) "
        f"select id, family, p, {macros.bh_q_value('step', 'p', 'family')} as q from s order by id"
    )
    result = con.execute(query).df()
    assert pd.isna(result.loc[result.id == -1, "q"]).all()
    for _, group in result[result.id >= 0].groupby("family"):
        expected = stats.false_discovery_control(group.p.to_numpy(), method="bh")
        assert group.q.to_numpy() == pytest.approx(expected, abs=1e-12)


def multiple_testing_macros(false_discovery_rate: float = 0.05):
    """multiple_testing.sql's macros rendered with plain Jinja, dbt's var() answering false_discovery_rate."""
    variables = {"false_discovery_rate": false_discovery_rate}
    template = jinja2.Environment().from_string(
        MULTIPLE_TESTING_FILE.read_text(encoding="utf-8"), globals={"var": variables.__getitem__}
    )
    return template.module


def test_an_untestable_change_has_no_q_value_and_does_not_count_in_its_family(con):
    macros = multiple_testing_macros()
    # Two tests (p = 0.01, 0.04) and an untestable change (100 % both years: no z, so no p) in one family.
    # m = 2: q = (0.01·2/1, 0.04·2/2) = (0.02, 0.04). Counting the untestable one as p = 1 would give m = 3
    # and q = (0.03, 0.06): the second change would lose its significance.
    rows = "(1, 0.01), (2, 0.04), (3, two_sided_p_value(change_z(1.0, 0.0, 1.0, 0.0, 0.0)))"
    result = con.execute(
        f"with t as (select 'f' as family, * from (values {rows}) v(id, p)), "
        f"s as (select *, {macros.bh_step('p', 'family')} as step from t), "
        f"q as (select *, {macros.bh_q_value('step', 'p', 'family')} as q, "
        f"{macros.test_family_size('p', 'family')} as m from s) "
        f"select id, p, q, m, {macros.bh_significant('q')} as significant, "
        f"{macros.test_family_id('p', 'fct_x', ['family'])} as family_id from q order by id"
    ).df()
    assert result.q.iloc[:2].tolist() == pytest.approx([0.02, 0.04], abs=1e-12)
    assert (result.m == 2).all()
    assert result.significant.iloc[:2].tolist() == [True, True]
    assert result.family_id.iloc[:2].tolist() == ["fct_x:f", "fct_x:f"]
    untestable = result.iloc[2]
    assert pd.isna(untestable.p) and pd.isna(untestable.q) and pd.isna(untestable.significant)
    assert untestable.family_id is None


@pytest.mark.parametrize("p", [1e-12, 1e-6, 0.001, 0.0125, 0.02425, 0.025, 0.3, 0.5, 0.8, 0.975, 0.99, 1 - 1e-9])
def test_normal_quantile_matches_scipy(con, p):
    assert sql(con, "normal_quantile(?)", p) == pytest.approx(stats.norm.ppf(p), rel=2e-9, abs=1e-12)


def test_normal_quantile_is_null_outside_the_unit_interval(con):
    assert sql(con, "[normal_quantile(0.0), normal_quantile(1.0), normal_quantile(NULL)]") == [None, None, None]


def test_difference_standard_error_is_the_test_s_denominator(con):
    # V₁ = 0.0024, V₂ = 0.0025, Cov = 0.001: SE = √0.0029; z = Δ / SE.
    assert sql(con, "difference_standard_error(0.0024, 0.0025, 0.001)") == pytest.approx(math.sqrt(0.0029))
    assert sql(con, "two_proportion_z(0.6, 100, 0.5, 100)") == pytest.approx(
        0.1 / sql(con, "difference_standard_error(0.0024, 0.0025, 0.0)")
    )
    # Nothing to test: no standard error, hence no interval.
    assert sql(con, "difference_standard_error(0.0, 0.0, 0.0)") is None
    assert sql(con, "difference_standard_error(0.001, 0.001, 0.001)") is None


@settings(max_examples=50, deadline=None)
@given(
    p1=st.floats(min_value=0.0, max_value=1.0),
    p2=st.floats(min_value=0.0, max_value=1.0),
    n1=st.integers(min_value=10, max_value=2000),
    n2=st.integers(min_value=10, max_value=2000),
    correlation=st.floats(min_value=0.0, max_value=0.9),
)
def test_the_unadjusted_interval_excludes_zero_exactly_when_p_is_below_five_percent(con, p1, p2, n1, n2, correlation):
    macros = multiple_testing_macros()
    v1, v2 = p1 * (1 - p1) / n1, p2 * (1 - p2) / n2
    covariance = correlation * math.sqrt(v1 * v2)
    low, high, p = con.execute(
        "with t as (select ?::double as change, difference_standard_error(?, ?, ?) as se, "
        "two_sided_p_value(change_z(?, ?, ?, ?, ?)) as p) "
        f"select {macros.normal_interval_pp('change', 'se', 'z_critical_95()', 'low', 'high')}, p from t",
        [p1 - p2, v1, v2, covariance, p1, v1, p2, v2, covariance],
    ).fetchone()
    if p is None:
        assert low is None and high is None
        return
    assert low <= 100 * (p1 - p2) <= high
    # Away from the boundary (the erfc fit is exact to 1.2e-7), the two answers are one.
    if abs(p - 0.05) > 1e-6:
        assert (low > 0 or high < 0) == (p < 0.05)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(min_value=-6.0, max_value=6.0), min_size=1, max_size=25))
def test_fcr_intervals_agree_with_the_adjusted_flag(con, z_values):
    # Benjamini–Yekutieli: the R selected of m get intervals at level 1 − R·α/m; each excludes 0, and no
    # other row gets one.
    macros = multiple_testing_macros()
    rows = ", ".join(f"({i}, {z!r})" for i, z in enumerate(z_values)) + ", (-1, NULL)"
    query = (
        f"with t as (select id, 'f' as family, z as estimate, 1.0 as se, two_sided_p_value(z) as p "
        f"from (values {rows}) v(id, z)), "
        f"s as (select *, {macros.bh_step('p', 'family')} as step from t), "
        f"q as (select *, {macros.bh_q_value('step', 'p', 'family')} as q, "
        f"{macros.test_family_size('p', 'family')} as m from s), "
        f"z as (select *, {macros.fcr_z_critical('q', macros.bh_selected_count('q', 'family'), 'm')} as fcr_z "
        f"from q) "
        f"select id, p, q, m, {macros.bh_significant('q')} as significant, "
        f"{macros.normal_interval_pp('estimate', 'se', 'fcr_z', 'low', 'high')} from z order by id"
    )
    result = con.execute(query).df()
    tested = result[result.id >= 0]
    selected = tested[tested.significant.astype(bool)]
    assert (tested.m == len(z_values)).all()
    assert tested.low[~tested.significant.astype(bool)].isna().all()
    assert ((selected.low > 0) | (selected.high < 0)).all()
    if len(selected):
        level = 1 - len(selected) * 0.05 / len(z_values)
        half_width = (selected.high - selected.low) / 200
        assert half_width.to_numpy() == pytest.approx(stats.norm.ppf(1 - (1 - level) / 2), rel=1e-8)
    assert result.loc[result.id == -1, ["q", "low", "high"]].isna().all().all()
