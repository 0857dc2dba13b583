{#- The published facts of every estimated cell: disclosure control, interval, "vet ikke", flags and the change
    against the previous comparable year with its paired test, its unadjusted 95 % interval, its
    Benjamini–Hochberg q-value within the test family and its FCR-adjusted interval (macros/multiple_testing.sql).
    One definition for fct_indicator (the headline cells) and fct_indicator_breakdown (extra_key = breakdown,
    category; the estimates, disclosure and overlap carry those columns). A test family is the set of
    changes released together: `release` (the table) × `family_by` (its columns here).
    Calls overlap_covariance, difference_standard_error, change_z, proportion_variance, two_sided_p_value,
    wilson_low, wilson_high and z_critical_95: DuckDB functions created at on-run-start by
    macros/survey_statistics.sql. -#}
{% macro indicator_facts(estimates, overlap, release, family_by, extra_key=[]) %}
{%- set family_partition = family_by | join(', ') %}
with estimates as (
    select
        estimate.*,
        disclosure.suppressed,
        disclosure.suppression_reason,
        disclosure.reliability_reason
    from {{ estimates }} as estimate
    -- Every cell's confidentiality and reliability (int_disclosure_control, docs/disclosure.md).
    inner join {{ ref('int_disclosure_control') }} as disclosure
        on estimate.indicator_id = disclosure.indicator_id
        and estimate.item_key = disclosure.item_key
        and estimate.population = disclosure.population
        and estimate.survey_year = disclosure.survey_year
        {%- for column in ['breakdown', 'category'] %}
        and {{ 'estimate.' ~ column ~ ' = disclosure.' ~ column if column in extra_key
               else 'disclosure.' ~ column ~ ' is null' }}
        {%- endfor %}
),

with_previous as (
    select
        *,
        lag(survey_year) over series as previous_year,
        lag(n_base) over series as previous_n_base,
        lag(share) over series as previous_share,
        lag(n_effective) over series as previous_n_effective,
        lag(n_adjusted) over series as previous_n_adjusted,
        lag(suppressed) over series as previous_suppressed
    from estimates
    window series as (partition by indicator_id, item_key, population{%- for column in extra_key %}, {{ column }}{% endfor %} order by survey_year)
),

-- A pair of years is comparable when series_comparability says so; without a curated row, when the
-- question's wording and scale did not change (int_question_series.series_break).
{%- if 'breakdown' in extra_key %}
-- A breakdown row is also a domain: a breakdown defined by an indicator's answers (breakdowns.csv
-- defined_by_indicator, e.g. ai_adopter by ai_adoption) measures another domain after that indicator's
-- series break, so its series breaks there too and the pair is comparable only when the defining
-- indicator's pair is, by the same rule.
{%- endif %}
comparability as (
    select
        with_previous.*,
        {%- if 'breakdown' in extra_key %}
        series.series_break or coalesce(defining_series.series_break, false) as series_break,
        case when with_previous.previous_year is not null
            then coalesce(curated.comparable, not series.series_break)
            and (
                breakdown_definition.defined_by_indicator is null
                or coalesce(defining_curated.comparable, not defining_series.series_break, false)
            )
        end as series_comparable
        {%- else %}
        series.series_break,
        case when with_previous.previous_year is not null
            then coalesce(curated.comparable, not series.series_break)
        end as series_comparable
        {%- endif %}
    from with_previous
    inner join {{ ref('int_question_series') }} as series
        on with_previous.survey = series.survey
        and with_previous.question_id = series.question_id
        and with_previous.survey_year = series.survey_year
    left join {{ ref('stg_series_comparability') }} as curated
        on with_previous.indicator_id = curated.indicator_id
        and with_previous.item_key = curated.item_key
        and with_previous.previous_year = curated.from_year
        and with_previous.survey_year = curated.to_year
    {%- if 'breakdown' in extra_key %}
    inner join {{ ref('stg_breakdowns') }} as breakdown_definition
        on with_previous.breakdown = breakdown_definition.breakdown
    left join {{ ref('stg_indicator_catalogue') }} as defining
        on breakdown_definition.defined_by_indicator = defining.indicator_id
        and defining.item_key = ''
    -- The defining question not asked this year (no series row) leaves the domain undefined: not comparable.
    left join {{ ref('int_question_series') }} as defining_series
        on breakdown_definition.survey = defining_series.survey
        and defining.question_id = defining_series.question_id
        and with_previous.survey_year = defining_series.survey_year
    left join {{ ref('stg_series_comparability') }} as defining_curated
        on defining.indicator_id = defining_curated.indicator_id
        and defining_curated.item_key = ''
        and with_previous.previous_year = defining_curated.from_year
        and with_previous.survey_year = defining_curated.to_year
    {%- endif %}
),

-- Var(Δ) = V₁ + V₂ − 2·Cov. Cov comes from the organisations in both years' bases (int_change_overlap);
-- it is estimated without the finite population correction and scaled by √(f₁·f₂), f = n_eff / n_adjusted
-- each year's correction of the variance, which keeps the overlap's correlation (docs.md, change tests).
compared as (
    select
        comparability.*,
        overlap.n_overlap,
        comparability.series_comparable and not comparability.suppressed and not comparability.previous_suppressed
            as is_change_tested,
        overlap_covariance(
            overlap.n_success_both, overlap.n_success_current, overlap.n_success_previous, overlap.n_overlap,
            comparability.n_base, comparability.previous_n_base
        ) * sqrt(
            comparability.n_effective / comparability.n_adjusted
            * comparability.previous_n_effective / comparability.previous_n_adjusted
        ) as change_covariance
    from comparability
    left join {{ overlap }} as overlap
        on comparability.indicator_id = overlap.indicator_id
        and comparability.item_key = overlap.item_key
        and comparability.population = overlap.population
        and comparability.survey_year = overlap.survey_year
        {%- for column in extra_key %}
        and comparability.{{ column }} = overlap.{{ column }}
        {%- endfor %}
),

-- The test and the interval share one standard error (difference_standard_error, which change_z divides by),
-- so the unadjusted 95 % interval excludes 0 exactly when p < 0.05.
tested as (
    select
        *,
        case when is_change_tested then share - previous_share end as change,
        case when is_change_tested then difference_standard_error(
            proportion_variance(share, n_adjusted),
            proportion_variance(previous_share, previous_n_adjusted),
            coalesce(change_covariance, 0.0)
        ) end as change_standard_error,
        case when is_change_tested then two_sided_p_value(change_z(
            share, proportion_variance(share, n_adjusted),
            previous_share, proportion_variance(previous_share, previous_n_adjusted),
            coalesce(change_covariance, 0.0)
        )) end as change_p_value
    from compared
),

-- Benjamini–Hochberg within the test family (macros/multiple_testing.sql).
stepped as (
    select *, {{ bh_step('change_p_value', family_partition) }} as change_bh_step
    from tested
),

adjusted as (
    select
        *,
        {{ bh_q_value('change_bh_step', 'change_p_value', family_partition) }} as change_q_value,
        {{ test_family_size('change_p_value', family_partition) }} as change_test_family_size
    from stepped
),

selected as (
    select
        *,
        {{ fcr_z_critical(
            'change_q_value', bh_selected_count('change_q_value', family_partition), 'change_test_family_size'
        ) }} as change_fcr_z,
        {{ test_family_id('change_p_value', release, family_by) }} as change_test_family
    from adjusted
)

select
    adjusted.indicator_id,
    adjusted.item,
    adjusted.population,
    {%- for column in extra_key %}
    adjusted.{{ column }},
    {%- endfor %}
    adjusted.survey_year as year,
    adjusted.family,
    adjusted.measure,
    adjusted.survey,
    adjusted.question_id,
    indicator.label_no,
    indicator.label_en,
    population.label_no as population_label_no,
    population.label_en as population_label_en,
    adjusted.n_base,
    adjusted.n_effective,
    adjusted.frame_size,
    {{ shown_share_with_interval('adjusted.share', 'adjusted.n_adjusted', 'adjusted.suppressed') }},
    case when not adjusted.suppressed then 100 * adjusted.dont_know_share end as dont_know_pct,
    -- n_base − "vet ikke": withheld with the cell, whose "vet ikke" it would reveal
    case when not adjusted.suppressed then adjusted.n_base_known end as n_base_excl_dont_know,
    -- The share without "vet ikke" is a ratio of values the cell already publishes (successes, "vet ikke",
    -- n_base), so it is shown exactly when its cell is and needs no disclosure judgement of its own.
    {{ shown_share_with_interval(
        'adjusted.share_known', 'adjusted.n_adjusted_known', 'adjusted.suppressed', '_excl_dont_know'
    ) }},
    adjusted.suppressed,
    adjusted.suppression_reason,
    adjusted.reliability_reason is not null as low_reliability,
    adjusted.reliability_reason,
    adjusted.previous_year,
    100 * adjusted.change as change_pp,
    {{ normal_interval_pp(
        'adjusted.change', 'adjusted.change_standard_error', 'z_critical_95()', 'change_ci_low_pp', 'change_ci_high_pp'
    ) }},
    {{ bh_significant('adjusted.change_q_value') }} as change_significant,
    {{ normal_interval_pp(
        'adjusted.change', 'adjusted.change_standard_error', 'adjusted.change_fcr_z',
        'change_ci_low_fcr_pp', 'change_ci_high_fcr_pp'
    ) }},
    adjusted.series_break,
    adjusted.series_comparable,
    case when adjusted.is_change_tested and adjusted.survey = 'org' then coalesce(adjusted.n_overlap, 0) end
        as n_overlap,
    adjusted.change_p_value,
    adjusted.change_q_value,
    adjusted.change_test_family,
    case when adjusted.change_p_value is not null then cast(adjusted.change_test_family_size as integer) end
        as change_test_family_size,
    {{ observation_flag(
        'adjusted.suppressed', 'adjusted.reliability_reason is not null', 'not adjusted.series_comparable'
    ) }} as flag
from selected as adjusted
inner join {{ ref('stg_indicator_catalogue') }} as indicator
    on adjusted.indicator_id = indicator.indicator_id
    and adjusted.item_key = indicator.item_key
inner join {{ ref('stg_populations') }} as population
    on adjusted.population = population.population
{% endmacro %}

{#- A published share in percent with its 95 % Wilson interval on n (share_pct<suffix>, ci_low_pct<suffix>,
    ci_high_pct<suffix>), all NULL where the cell is suppressed. -#}
{% macro shown_share_with_interval(share, n, suppressed, suffix='') %}
    case when not {{ suppressed }} then 100 * {{ share }} end as share{{ suffix }}_pct,
    case when not {{ suppressed }}
        then 100 * wilson_low({{ share }}, {{ n }}, z_critical_95())
    end as ci_low{{ suffix }}_pct,
    case when not {{ suppressed }}
        then 100 * wilson_high({{ share }}, {{ n }}, z_critical_95())
    end as ci_high{{ suffix }}_pct
{%- endmacro %}

{#- The flag of a published value in the one vocabulary of every output (docs/disclosure.md, "Flags"): Eurostat's
    letters in alphabetical order, b (break in series: not comparable with the year before; NULL when there
    is no year before), c (confidential:
    value withheld) and u (low reliability: value shown); NULL when none applies. -#}
{% macro observation_flag(confidential, low_reliability, series_break='false') %}
    nullif(concat(
        case when coalesce({{ series_break }}, false) then 'b' end,
        case when {{ confidential }} then 'c' end,
        case when {{ low_reliability }} and not {{ confidential }} then 'u' end
    ), '')
{%- endmacro %}
