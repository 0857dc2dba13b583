with estimates as (
    select
        estimate.*,
        fpc_n_effective(estimate.n_effective, estimate.frame_size) as n_adjusted,
        disclosure.suppressed,
        disclosure.suppression_reason
    from {{ ref('int_indicator_estimates') }} as estimate
    inner join {{ ref('int_disclosure_control') }} as disclosure
        on estimate.indicator_id = disclosure.indicator_id
        and estimate.item is not distinct from disclosure.item
        and estimate.population = disclosure.population
        and estimate.survey_year = disclosure.survey_year
),

with_previous as (
    select
        *,
        lag(survey_year) over series as previous_year,
        lag(share) over series as previous_share,
        lag(n_adjusted) over series as previous_n_adjusted,
        lag(suppressed) over series as previous_suppressed
    from estimates
    window series as (partition by indicator_id, item, population order by survey_year)
),

compared as (
    select
        *,
        case
            when not suppressed and not previous_suppressed then share - previous_share
        end as change,
        case
            when not suppressed and not previous_suppressed
                then two_proportion_z(share, n_adjusted, previous_share, previous_n_adjusted)
        end as change_z
    from with_previous
)

select
    compared.indicator_id,
    compared.item,
    compared.population,
    compared.survey_year as year,
    compared.family,
    compared.measure,
    compared.survey,
    compared.question_id,
    indicator.label_no,
    indicator.label_en,
    population.label_no as population_label_no,
    population.label_en as population_label_en,
    compared.n_base,
    compared.n_effective,
    compared.frame_size,
    case when not compared.suppressed then 100 * compared.share end as share_pct,
    case when not compared.suppressed
        then 100 * wilson_low(compared.share, compared.n_adjusted, z_critical_95())
    end as ci_low_pct,
    case when not compared.suppressed
        then 100 * wilson_high(compared.share, compared.n_adjusted, z_critical_95())
    end as ci_high_pct,
    case when not compared.suppressed then 100 * compared.dont_know_share end as dont_know_pct,
    compared.suppressed,
    compared.suppression_reason,
    not compared.suppressed
        and compared.n_effective < {{ var('low_reliability_n_effective') }} as low_reliability,
    compared.previous_year,
    100 * compared.change as change_pp,
    abs(compared.change_z) > z_critical_95() as change_significant,
    series.series_break
from compared
inner join {{ ref('stg_indicator_catalogue') }} as indicator
    on compared.indicator_id = indicator.indicator_id
    and compared.item is not distinct from indicator.item
inner join {{ ref('stg_populations') }} as population
    on compared.population = population.population
inner join {{ ref('int_question_series') }} as series
    on compared.survey = series.survey
    and compared.question_id = series.question_id
    and compared.survey_year = series.survey_year
