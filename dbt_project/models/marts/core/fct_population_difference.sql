-- State agencies against municipalities, the report's main comparison, for every indicator, item and year:
-- the difference of the two shares with a two-sided z test of independent samples (an organisation is in one
-- sector only) and its unadjusted 95 % interval on the same standard error, so the interval excludes 0
-- exactly when p < 0.05. One Benjamini–Hochberg family is every difference of one year (the differences
-- released together); `significant` is BH-adjusted and the FCR-adjusted interval agrees with it
-- (macros/multiple_testing.sql). A suppressed share on either side leaves the row without a difference.
-- difference_standard_error, proportion_variance, two_sided_p_value, two_proportion_z, z_critical_95:
-- DuckDB functions created at on-run-start (macros/survey_statistics.sql).
{%- set first, second = 'stat', 'kommune' %}

with shares as (
    select
        fact.indicator_id,
        fact.item,
        estimate.item_key,
        fact.year,
        fact.family,
        fact.population,
        fact.label_no,
        fact.n_base,
        fact.suppressed,
        estimate.share,
        estimate.n_adjusted
    from {{ ref('fct_indicator') }} as fact
    inner join {{ ref('int_indicator_estimates') }} as estimate
        on fact.indicator_id = estimate.indicator_id
        and {{ item_key('fact.item') }} = estimate.item_key
        and fact.population = estimate.population
        and fact.year = estimate.survey_year
    where fact.population in ('{{ first }}', '{{ second }}')
),

paired as (
    select
        a.indicator_id,
        a.item,
        a.year,
        a.family,
        a.label_no,
        a.n_base as n_base_a,
        b.n_base as n_base_b,
        a.suppressed or b.suppressed as suppressed,
        a.share as p_a,
        b.share as p_b,
        a.n_adjusted as n_a,
        b.n_adjusted as n_b
    from shares as a
    inner join shares as b
        on a.indicator_id = b.indicator_id
        and a.item_key = b.item_key
        and a.year = b.year
        and a.population = '{{ first }}'
        and b.population = '{{ second }}'
),

tested as (
    select
        *,
        case when not suppressed then difference_standard_error(
            proportion_variance(p_a, n_a), proportion_variance(p_b, n_b), 0.0
        ) end as standard_error,
        case when not suppressed then two_sided_p_value(two_proportion_z(p_a, n_a, p_b, n_b)) end as p_value
    from paired
),

stepped as (
    select *, {{ bh_step('p_value', 'year') }} as bh_step
    from tested
),

adjusted as (
    select
        *,
        {{ bh_q_value('bh_step', 'p_value', 'year') }} as q_value,
        {{ test_family_size('p_value', 'year') }} as test_family_size
    from stepped
),

selected as (
    select
        *,
        {{ fcr_z_critical('q_value', bh_selected_count('q_value', 'year'), 'test_family_size') }} as fcr_z
    from adjusted
)

select
    indicator_id,
    item,
    year,
    family,
    label_no,
    '{{ first }}' as population_a,
    '{{ second }}' as population_b,
    n_base_a,
    n_base_b,
    suppressed,
    case when not suppressed then 100 * p_a end as share_a_pct,
    case when not suppressed then 100 * p_b end as share_b_pct,
    case when not suppressed then 100 * (p_a - p_b) end as difference_pp,
    {{ normal_interval_pp('p_a - p_b', 'standard_error', 'z_critical_95()', 'ci_low_pp', 'ci_high_pp') }},
    p_value,
    q_value,
    {{ bh_significant('q_value') }} as significant,
    {{ normal_interval_pp('p_a - p_b', 'standard_error', 'fcr_z', 'ci_low_fcr_pp', 'ci_high_fcr_pp') }},
    {{ test_family_id('p_value', 'fct_population_difference', ['year']) }} as test_family,
    case when p_value is not null then cast(test_family_size as integer) end as test_family_size,
    -- withheld with either side; a difference is not judged for reliability and has no series
    {{ observation_flag('suppressed', 'false') }} as flag
from selected
order by indicator_id, item, year
