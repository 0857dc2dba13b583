-- Every indicator item has an estimate for every population it is published for, in every loaded year
-- the question catalogue says its question is asked. A row here is a catalogued figure the marts lack
-- (a question missing from a delivery, or one whose every answer is blank).
-- A check on fct_indicator in Dagster, the table it judges; it reads others beside it.
{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator'}}}) }}

with loaded_years as (
    select distinct survey, survey_year
    from {{ ref('stg_codebook') }}
),

expected as (
    select
        indicator.family,
        indicator.indicator_id,
        indicator.item,
        indicator.item_key,
        published.population,
        question.survey_year
    from {{ ref('stg_indicator_catalogue') }} as indicator
    inner join {{ ref('stg_question_catalogue') }} as question
        on indicator.question_id = question.question_id
    inner join loaded_years
        on question.survey = loaded_years.survey
        and question.survey_year = loaded_years.survey_year
    cross join unnest(indicator.populations) as published (population)
)

select expected.*
from expected
where not exists (
    select 1
    from {{ ref('fct_indicator') }} as fct
    where fct.indicator_id = expected.indicator_id
        and {{ item_key('fct.item') }} = expected.item_key
        and fct.population = expected.population
        and fct.year = expected.survey_year
)
