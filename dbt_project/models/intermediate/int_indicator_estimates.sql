with grouped as (
    select
        indicator_id,
        item,
        family,
        measure,
        population,
        survey,
        question_id,
        survey_year,
        count(*) filter (where is_in_base) as n_base,
        sum(weight) filter (where is_in_base) as sum_w,
        sum(weight * weight) filter (where is_in_base) as sum_w2,
        coalesce(sum(weight) filter (where is_in_base and is_success), 0) as sum_w_success,
        sum(weight) filter (where is_answered) as sum_w_answered,
        coalesce(sum(weight) filter (where is_answered and is_dont_know), 0) as sum_w_dont_know
    from {{ ref('int_indicator_answers') }}
    group by all
)

select
    grouped.indicator_id,
    grouped.item,
    grouped.family,
    grouped.measure,
    grouped.population,
    grouped.survey,
    grouped.question_id,
    grouped.survey_year,
    cast(grouped.n_base as integer) as n_base,
    grouped.sum_w,
    grouped.sum_w2,
    weighted_share(grouped.sum_w_success, grouped.sum_w) as share,
    weighted_share(grouped.sum_w_dont_know, grouped.sum_w_answered) as dont_know_share,
    kish_n_effective(grouped.sum_w, grouped.sum_w2) as n_effective,
    frame.frame_size
from grouped
left join {{ ref('stg_population_frame') }} as frame
    on grouped.population = frame.population
    and grouped.survey_year = frame.survey_year
-- A group where every answer is blank has no base and no estimate.
where grouped.n_base > 0
