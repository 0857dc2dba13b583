-- Every non-blank answer is a code its year's codebook allows: within [min_code, max_code] or the
-- don't-know code. An answer without a codebook row, or outside the scale, would silently count as
-- not-success in a share.
-- A check on int_answers_long in Dagster, the table it judges; it reads others beside it.
{{ config(meta={'dagster': {'ref': {'name': 'int_answers_long'}}}) }}

select
    answers.survey,
    answers.survey_year,
    answers.question_id,
    answers.answer_code,
    count(*) as n_answers
from {{ ref('int_answers_long') }} as answers
left join {{ ref('stg_codebook') }} as codebook
    on answers.survey = codebook.survey
    and answers.survey_year = codebook.survey_year
    and answers.question_id = codebook.question_id
where answers.is_answered
    and not answers.is_dont_know
    and answers.answer_code not between coalesce(codebook.min_code, 1) and coalesce(codebook.max_code, 0)
group by all
