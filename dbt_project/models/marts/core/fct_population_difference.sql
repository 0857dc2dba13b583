-- State agencies against municipalities, the report's main comparison, for every indicator, item and year:
-- the difference of the two shares with Newcombe's hybrid score interval (built from the two Wilson
-- intervals) and a two-sided z test of independent samples (an organisation is in one sector only).
-- Benjamini–Hochberg q-values within family × year, as for the change tests. A suppressed share on either
-- side (fct_indicator.suppressed) leaves the row without a difference.
-- two_sided_p_value, two_proportion_z, wilson_low, wilson_high, z_critical_95: DuckDB functions created at
-- on-run-start (macros/survey_statistics.sql).
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
        case when not suppressed then two_sided_p_value(two_proportion_z(p_a, n_a, p_b, n_b)) end as p_value
    from paired
),

stepped as (
    select *, {{ bh_step('p_value', 'family, year') }} as bh_step
    from tested
),

adjusted as (
    select *, {{ bh_q_value('bh_step', 'p_value', 'family, year') }} as q_value
    from stepped
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
    -- Newcombe (1998), Statistics in Medicine 17:873-890, method 10.
    case when not suppressed then 100 * (p_a - p_b - sqrt(
        power(p_a - wilson_low(p_a, n_a, z_critical_95()), 2) + power(wilson_high(p_b, n_b, z_critical_95()) - p_b, 2)
    )) end as ci_low_pp,
    case when not suppressed then 100 * (p_a - p_b + sqrt(
        power(wilson_high(p_a, n_a, z_critical_95()) - p_a, 2) + power(p_b - wilson_low(p_b, n_b, z_critical_95()), 2)
    )) end as ci_high_pp,
    p_value,
    q_value,
    q_value < 0.05 as significant
from adjusted
order by indicator_id, item, year
