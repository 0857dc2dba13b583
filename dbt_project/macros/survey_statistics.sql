{#- Every survey-statistics formula, once, as DuckDB SQL macros. The on-run-start hook creates them in
    the working database; tests/test_statistics.py renders this file with plain Jinja and checks each
    formula in an in-memory DuckDB, so the models and the tests run the very same SQL.
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

-- Two independent proportions, unpooled variances; NULL when both variances are zero (nothing to test).
create or replace macro two_proportion_z(p1, n1, p2, n2) as
    (p1 - p2) / nullif(sqrt(proportion_variance(p1, n1) + proportion_variance(p2, n2)), 0);
{% endmacro %}
