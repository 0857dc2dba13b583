-- An answer counts once for every population whose respondent groups include its respondent's group
-- (an agency's answer counts for `stat` and for `alle`), restricted to the populations the indicator
-- is published for.
select
    indicator.indicator_id,
    indicator.item,
    indicator.item_key,
    indicator.family,
    indicator.measure,
    population.population,
    answer.survey,
    answer.survey_year,
    answer.respondent_id,
    answer.respondent_group,
    answer.weight,
    answer.question_id,
    answer.answer_code,
    answer.is_answered,
    answer.is_dont_know,
    answer.is_answered and (indicator.dont_know_in_base or not answer.is_dont_know) as is_in_base,
    coalesce(list_contains(indicator.success_codes, answer.answer_code), false) as is_success
from {{ ref('int_answers_long') }} as answer
inner join {{ ref('stg_populations') }} as population
    on answer.survey = population.survey
    and list_contains(population.respondent_groups, answer.respondent_group)
inner join {{ ref('stg_indicator_catalogue') }} as indicator
    on answer.question_id = indicator.question_id
    and list_contains(indicator.populations, population.population)
