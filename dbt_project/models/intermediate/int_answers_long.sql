with org as (
    select
        'org' as survey,
        a.survey_year,
        a.orgnr as respondent_id,
        r.sector as respondent_group,
        1.0::double as weight,
        a.question_id,
        a.answer_code
    from {{ ref('stg_org_answers') }} as a
    inner join {{ ref('stg_org_respondents') }} as r using (survey_year, orgnr)
),

panel as (
    select
        'panel' as survey,
        a.survey_year,
        -- the respondent's number, as text like an orgnr: short text is held inline, compared and hashed as cheaply
        -- as a number, where the 64-character pseudonym is not
        a.respondent_number::varchar as respondent_id,
        'innbyggere' as respondent_group,
        r.weight,
        a.question_id,
        a.answer_code
    from {{ ref('stg_panel_answers') }} as a
    inner join {{ ref('stg_panel_respondents') }} as r using (survey_year, respondent_number)
),

answers as (
    select * from org
    union all
    select * from panel
)

select
    answers.survey,
    answers.survey_year,
    answers.respondent_id,
    answers.respondent_group,
    answers.weight,
    answers.question_id,
    answers.answer_code,
    coalesce(answers.answer_code = codebook.dont_know_code, false) as is_dont_know,
    answers.answer_code is not null as is_answered
from answers
left join {{ ref('stg_codebook') }} as codebook
    on answers.survey = codebook.survey
    and answers.survey_year = codebook.survey_year
    and answers.question_id = codebook.question_id
