{#- Creates every survey-statistics formula, once, as a DuckDB SQL macro in the working database:
    weighted_share, kish_n_effective, fpc_n_effective, z_critical_95, wilson_center, wilson_half_width,
    wilson_low, wilson_high, proportion_variance, fpc_factor, stratum_variance_term, stratum_inverse_n_term,
    n_adjusted_from_variance, overlap_covariance, difference_standard_error, change_z, two_proportion_z,
    erfc_series, erfc_nonnegative, two_sided_p_value, normal_quantile_tail, normal_quantile_central and
    normal_quantile.
    The on-run-start hook of dbt_project.yml calls survey_statistics_ddl() before any model runs. Models and
    macros call the functions by name, as plain SQL, so they are not in a model's dependencies: this file
    is where they are defined, and the project overview (docs.md, "SQL functions") lists them.
    tests/unit/test_statistics.py renders this file with plain Jinja and checks each formula in an in-memory
    DuckDB, so the models and the tests run the very same SQL.
    Shares are proportions in [0, 1]; n is an (effective) sample size. See docs.md for the methods. -#}
{% macro survey_statistics_ddl() %}
create or replace macro weighted_share(sum_w_success, sum_w) as
    sum_w_success / nullif(sum_w, 0);

-- Kish's effective sample size of a weighted estimate: (Σw)² / Σw²; equals n when all weights are equal.
create or replace macro kish_n_effective(sum_w, sum_w2) as
    (sum_w * sum_w) / nullif(sum_w2, 0);

-- Finite population correction folded into the sample size: Var·(N−n)/(N−1) = p(1−p)/n_adj with
-- n_adj = n·(N−1)/(N−n). Unknown frame → n unchanged; a census (n ≥ N) → infinite n, zero variance.
create or replace macro fpc_n_effective(n, frame_size) as
    case
        when frame_size is null then n
        when n >= frame_size then 'infinity'::double
        else n * (frame_size - 1) / (frame_size - n)
    end;

create or replace macro z_critical_95() as 1.959963984540054::double;

-- Wilson score interval; with n = infinity it collapses to [p, p].
create or replace macro wilson_center(p, n, z) as
    (p + z * z / (2 * n)) / (1 + z * z / n);
create or replace macro wilson_half_width(p, n, z) as
    z / (1 + z * z / n) * sqrt(p * (1 - p) / n + z * z / (4 * n * n));
-- The Wilson bounds satisfy 0 ≤ low ≤ p ≤ high ≤ 1 exactly; the clamps only absorb floating-point dust
-- (at p = 0 the computed low bound can come out as 3e-18, above the share).
create or replace macro wilson_low(p, n, z) as
    case when n > 0 then greatest(0.0, least(p, wilson_center(p, n, z) - wilson_half_width(p, n, z))) end;
create or replace macro wilson_high(p, n, z) as
    case when n > 0 then least(1.0, greatest(p, wilson_center(p, n, z) + wilson_half_width(p, n, z))) end;

create or replace macro proportion_variance(p, n) as
    p * (1 - p) / nullif(n, 0);


-- The finite population correction factor (N−n)/(N−1) of a stratum's variance: 1 without a frame, 0 for
-- a census (n ≥ N).
create or replace macro fpc_factor(n, frame_size) as
    case
        when frame_size is null then 1.0
        when n >= frame_size then 0.0
        else (frame_size - n) / (frame_size - 1)
    end;

-- One stratum's term of a stratified variance: W_h²·p_h(1−p_h)/n_h·f_h (Cochran 1977, Sampling Techniques, 3rd ed., ch. 5), with
-- W_h the stratum's share of the pooled weight and f_h its finite population correction factor.
create or replace macro stratum_variance_term(stratum_weight, p, n, fpc) as
    stratum_weight * stratum_weight * proportion_variance(p, n) * fpc;
-- The same term for a unit variance: Σ of it is 1/n_adj of a pooled share whose strata all have the same
-- p(1−p); used for the interval of a share of 0 or 1, whose variance estimate is 0.
create or replace macro stratum_inverse_n_term(stratum_weight, n, fpc) as
    stratum_weight * stratum_weight * fpc / nullif(n, 0);

-- The sample size that gives a proportion's variance in the binomial form p(1−p)/n_adj (the "effective
-- sample size" of NCHS presentation standards, Parker et al. 2017): Wilson's interval on n_adj is the
-- interval of that variance. Variance 0 with 0 < p < 1 → a census: infinite n.
create or replace macro n_adjusted_from_variance(p, variance, inverse_n) as
    case
        when p * (1 - p) > 0 then coalesce(p * (1 - p) / nullif(variance, 0), 'infinity'::double)
        else coalesce(1 / nullif(inverse_n, 0), 'infinity'::double)
    end;

-- Covariance of two years' shares estimated from the units that answered both years (m of them), matched
-- by identity: Cov(p̂₁, p̂₂) = m·s₁₂ / (n₁·n₂), with s₁₂ = n_both/m − (n_success₁/m)(n_success₂/m) the
-- covariance of the two success indicators among them (Derrick et al. 2015, partially overlapping samples;
-- Kish 1965, §12.4).
create or replace macro overlap_covariance(n_both, n_success_1, n_success_2, m, n1, n2) as
    case when m > 0
        then (n_both - n_success_1 * n_success_2 / m) / (n1 * n2)
        else 0.0
    end;

-- Standard error of a difference of two estimates, √(V₁ + V₂ − 2·Cov); NULL when that variance is not
-- positive (nothing to test). The test (change_z) and the interval of a change use this one value, so the
-- 95 % interval excludes 0 exactly when p < 0.05.
create or replace macro difference_standard_error(v1, v2, covariance) as
    sqrt(nullif(greatest(v1 + v2 - 2 * covariance, 0), 0));

-- z of the change p₁ − p₂ with Var(Δ) = V₁ + V₂ − 2·Cov; NULL when that variance is not positive.
create or replace macro change_z(p1, v1, p2, v2, covariance) as
    (p1 - p2) / difference_standard_error(v1, v2, covariance);

-- Two independent proportions, unpooled variances; NULL when both variances are zero (nothing to test).
create or replace macro two_proportion_z(p1, n1, p2, n2) as
    (p1 - p2) / difference_standard_error(proportion_variance(p1, n1), proportion_variance(p2, n2), 0.0);

-- erfc for x ≥ 0: the Chebyshev fit of Press et al., Numerical Recipes (2nd ed. 1992, §6.2, erfcc),
-- fractional error below 1.2e-7 everywhere. DuckDB has no normal distribution function.
create or replace macro erfc_series(t, x) as
    t * exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
create or replace macro erfc_nonnegative(x) as erfc_series(1 / (1 + 0.5 * x), x);

-- Two-sided p-value of a standard normal z: P(|Z| ≥ |z|) = erfc(|z|/√2), capped at 1 (the fit gives
-- 1 + 3e-8 at z = 0). NULL when z is NULL (an untestable difference, e.g. 100 % in both years): DuckDB's
-- least() ignores NULL, so without the case it would return 1 and count as a test in its family's q-values.
create or replace macro two_sided_p_value(z) as
    case when z is not null then least(1.0, erfc_nonnegative(abs(z) / sqrt(2))) end;

-- The normal quantile Φ⁻¹(p) for 0 < p < 1: P. J. Acklam's rational approximation (2003, "An algorithm for
-- computing the inverse normal cumulative distribution function"), relative error below 1.15e-9; a central
-- branch and one for each tail below 0.02425. Used for the critical value of the FCR-adjusted intervals,
-- whose level depends on the family (multiple_testing.sql). NULL outside (0, 1).
create or replace macro normal_quantile_tail(q) as
    (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00) * q
        - 2.549732539343734e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00)
    / ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q
        + 3.754408661907416e+00) * q + 1);
create or replace macro normal_quantile_central(q, r) as
    (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r
        + 1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q
    / (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r
        + 6.680131188771972e+01) * r - 1.328068155288572e+01) * r + 1);
create or replace macro normal_quantile(p) as
    case
        when p <= 0 or p >= 1 then null
        when p < 0.02425 then normal_quantile_tail(sqrt(-2 * ln(p)))
        when p <= 1 - 0.02425 then normal_quantile_central(p - 0.5, (p - 0.5) * (p - 0.5))
        else -normal_quantile_tail(sqrt(-2 * ln(1 - p)))
    end;
{% endmacro %}
